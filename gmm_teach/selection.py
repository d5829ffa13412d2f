r"""Choosing the number of components and the covariance type with information criteria.

A mixture with more components, or freer covariances, always fits the training data at least as well, so
the log-likelihood alone cannot choose a model. An information criterion charges for every free parameter:

.. math::
    \mathrm{AIC} = -2 \log L + 2p, \qquad \mathrm{BIC} = -2 \log L + p \log n,

where :math:`\log L = \sum_i \log p(x_i)` is the total log-likelihood of the :math:`n` points and
:math:`p` the number of free parameters. Lower is better. BIC charges more per parameter as soon as
:math:`n > e^2 \approx 7.4`, so it prefers smaller models than AIC.

:func:`information_criteria` fits every pair of ``k`` and covariance type and returns one
:class:`CriterionRecord` each; :func:`best_model` picks the record with the lowest criterion.
"""

import warnings
from dataclasses import dataclass

import numpy as np

from . import _validation as check
from ._validation import ConvergenceWarning
from .em import n_parameters
from .mixture import GaussianMixture

CRITERIA = ("bic", "aic")


@dataclass(frozen=True)
class CriterionRecord:
    """The information criteria of one fitted model.

    Attributes
    ----------
    k : int
        Number of components.
    covariance_type : str
    aic, bic : float
        Akaike and Bayesian information criteria (lower is better).
    converged : bool
        Whether the best initialisation converged within ``max_iter``.
    log_likelihood : float
        Mean log-likelihood :math:`\\frac1n \\sum_i \\log p(x_i)` of the fitted model.
    n_parameters : int
        Number of free parameters :math:`p`.
    """

    k: int
    covariance_type: str
    aic: float
    bic: float
    converged: bool
    log_likelihood: float
    n_parameters: int

    def criterion(self, name):
        """The value of ``"aic"`` or ``"bic"``."""
        return getattr(self, check.check_choice(name, "criterion", CRITERIA))


def fit_record(X, k, covariance_type, n_init=1, random_state=0):
    """Fit one mixture to checked data ``X`` and return its :class:`CriterionRecord` and the model."""
    model = GaussianMixture(k, covariance_type=covariance_type, n_init=n_init, random_state=random_state)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # recorded in ``converged`` instead
        model.fit(X)
    n_samples, n_features = X.shape
    mean_log_likelihood = model.lower_bounds_[-1]  # of the fitted parameters (lower_bound_ lags one M-step)
    total_log_likelihood = mean_log_likelihood * n_samples
    p = n_parameters(k, n_features, covariance_type)
    record = CriterionRecord(k=k, covariance_type=covariance_type,
                             aic=float(-2 * total_log_likelihood + 2 * p),
                             bic=float(-2 * total_log_likelihood + p * np.log(n_samples)),
                             converged=model.converged_, log_likelihood=float(mean_log_likelihood),
                             n_parameters=p)
    return record, model


def check_grid(X, k_range, covariance_types):
    """Check the arguments of :func:`information_criteria`; return them as data, list of k, tuple of types."""
    X = check.check_array(X).astype(np.float64, copy=False)
    if isinstance(covariance_types, str):
        covariance_types = (covariance_types,)
    covariance_types = tuple(check.check_choice(name, "covariance_types", check.COVARIANCE_TYPES)
                             for name in covariance_types)
    try:
        ks = [check.check_integer(k, "k_range", 1, X.shape[0]) for k in k_range]
    except TypeError:
        raise TypeError(f"k_range must be an iterable of integers such as range(1, 9), got {k_range!r}.") from None
    if not ks or not covariance_types:
        raise ValueError(f"k_range and covariance_types must not be empty, got {k_range!r} and {covariance_types!r}.")
    return X, ks, covariance_types


def information_criteria(X, k_range=range(1, 9), covariance_types=("full", "tied", "diag", "spherical"),
                         n_init=1, random_state=0, progress=None):
    """Fit a mixture for every number of components and covariance type; return their AIC and BIC.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    k_range : iterable of int, default=range(1, 9)
        Numbers of components to try; each at least 1 and at most ``n_samples``.
    covariance_types : sequence of str, default=("full", "tied", "diag", "spherical")
    n_init : int, default=1
        Initialisations per model (the best is kept).
    random_state : None, int, numpy.random.RandomState or numpy.random.Generator, default=0
        Passed to every fit, so each model is reproducible on its own.
    progress : callable, optional
        Called as ``progress(done, total)`` after each fit (a progress bar uses it).

    Returns
    -------
    list of CriterionRecord
        One record per model, ordered by covariance type, then ``k``.

    Examples
    --------
    >>> from gmm_teach import datasets
    >>> X = datasets.load_old_faithful()
    >>> records = information_criteria(X, k_range=range(1, 4), covariance_types=["full"])
    >>> [(record.k, round(record.bic)) for record in records]
    [(1, 2608), (2, 2322), (3, 2349)]
    >>> best = best_model(records)
    >>> best.k, best.covariance_type
    (2, 'full')
    """
    X, ks, covariance_types = check_grid(X, k_range, covariance_types)
    check.check_integer(n_init, "n_init", 1)
    if progress is not None and not callable(progress):
        raise TypeError(f"progress must be a callable progress(done, total) or None, got {progress!r}.")
    total = len(ks) * len(covariance_types)
    records = []
    for covariance_type in covariance_types:
        for k in ks:
            records.append(fit_record(X, k, covariance_type, n_init, random_state)[0])
            if progress is not None:
                progress(len(records), total)
    return records


def best_model(records, criterion="bic"):
    """The record with the lowest ``criterion`` (``"bic"`` or ``"aic"``)."""
    check.check_choice(criterion, "criterion", CRITERIA)
    records = list(records)
    if not records:
        raise ValueError("records must hold at least one CriterionRecord, got an empty sequence.")
    return min(records, key=lambda record: record.criterion(criterion))
