r"""Choosing the number of components and the covariance type with information criteria.

A mixture with more components, or freer covariances, always fits the training data at least as well, so
the log-likelihood alone cannot choose a model. An information criterion charges for every free parameter:

.. math::
    \mathrm{AIC} = -2 \log L + 2p, \qquad \mathrm{BIC} = -2 \log L + p \log n,

where :math:`\log L = \sum_i \log p(x_i)` is the total log-likelihood of the :math:`n` points and
:math:`p` the number of free parameters. Lower is better. BIC charges more per parameter as soon as
:math:`n > e^2 \approx 7.4`, so it prefers smaller models than AIC.

:func:`information_criteria` fits every pair of ``k`` and covariance type and returns one
:class:`CriterionRecord` each; :func:`best_model` picks the record with the lowest criterion. Both, and
the formulas, live in :mod:`gmm_teach.criteria` (re-exported here), so that plots and estimators use them
without fitting a grid; the parameter count is :func:`gmm_teach.em.n_parameters`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from . import _validation as check
from ._validation import ConvergenceWarning

# re-exported (``as`` marks it), so that ``from gmm_teach.selection import best_model`` keeps working
from .criteria import CRITERIA as CRITERIA
from .criteria import CriterionRecord as CriterionRecord
from .criteria import best_model as best_model
from .criteria import criterion_record
from .em import n_parameters as n_parameters
from .mixture import GaussianMixture


def fit_record(
    X: np.ndarray, k: int, covariance_type: str, n_init: int = 1, random_state=0
) -> tuple[CriterionRecord, GaussianMixture]:
    """Fit one mixture to checked data ``X`` and return its :class:`CriterionRecord` and the model."""
    model = GaussianMixture(k, covariance_type=covariance_type, n_init=n_init, random_state=random_state)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # recorded in ``converged`` instead
        model.fit(X)
    return criterion_record(model.params_, X, model.converged_), model


def check_grid(
    X, k_range: Iterable[int], covariance_types: str | Sequence[str]
) -> tuple[np.ndarray, list[int], tuple[str, ...]]:
    """Check the arguments of :func:`information_criteria`; return them as data, list of k, tuple of types."""
    X = check.check_array(X).astype(np.float64, copy=False)
    covariance_types = check.check_choices(covariance_types, "covariance_types", check.COVARIANCE_TYPES)
    try:
        ks = [check.check_integer(k, "k_range", 1, X.shape[0]) for k in k_range]
    except TypeError:
        raise TypeError(f"k_range must be an iterable of integers such as range(1, 9), got {k_range!r}.") from None
    if not ks or not covariance_types:
        raise ValueError(f"k_range and covariance_types must not be empty, got {k_range!r} and {covariance_types!r}.")
    return X, ks, covariance_types


def information_criteria(
    X,
    k_range: Iterable[int] = range(1, 9),
    covariance_types: str | Sequence[str] = ("full", "tied", "diag", "spherical"),
    n_init: int = 1,
    random_state=0,
    progress: Callable[[int, int], object] | None = None,
) -> list[CriterionRecord]:
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
