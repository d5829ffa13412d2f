r"""Information criteria of one fitted mixture: AIC, BIC, and the record that holds them.

.. math::
    \mathrm{AIC} = -2 \log L + 2p, \qquad \mathrm{BIC} = -2 \log L + p \log n,

where :math:`\log L = \sum_i \log p(x_i)` is the total log-likelihood of the :math:`n` points and :math:`p`
the number of free parameters (:func:`gmm_teach.em.n_parameters`). Lower is better.

The estimators (``aic``, ``bic``, ``visualize_elbow_curve``), :mod:`gmm_teach.selection` (a grid of fits) and
:mod:`gmm_teach.plotting` (curves of the records) all use this module, so each formula is written once and
none of them needs another.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _validation as check
from .em import MixtureParams, log_density

CRITERIA = ("bic", "aic")


def aic(total_log_likelihood: float, n_parameters: int) -> float:
    r"""Akaike information criterion :math:`-2\log L + 2p` from the *total* log-likelihood :math:`\log L`."""
    return float(-2.0 * total_log_likelihood + 2.0 * n_parameters)


def bic(total_log_likelihood: float, n_parameters: int, n_samples: int) -> float:
    r"""Bayesian information criterion :math:`-2\log L + p\log n` from the *total* log-likelihood :math:`\log L`."""
    return float(-2.0 * total_log_likelihood + n_parameters * np.log(n_samples))


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

    def criterion(self, name: str) -> float:
        """The value of ``"aic"`` or ``"bic"``."""
        return getattr(self, check.check_choice(name, "criterion", CRITERIA))


def criterion_record(params: MixtureParams, X: np.ndarray, converged: bool) -> CriterionRecord:
    """The :class:`CriterionRecord` of the mixture ``params`` on the checked data ``X`` (n_samples, n_features)."""
    n_samples = X.shape[0]
    total_log_likelihood = float(log_density(X, params).sum())
    p = params.n_parameters
    return CriterionRecord(
        k=params.n_components,
        covariance_type=params.covariance_type,
        aic=aic(total_log_likelihood, p),
        bic=bic(total_log_likelihood, p, n_samples),
        converged=bool(converged),
        log_likelihood=total_log_likelihood / n_samples,
        n_parameters=p,
    )


def best_model(records, criterion: str = "bic") -> CriterionRecord:
    """The record with the lowest ``criterion`` (``"bic"`` or ``"aic"``)."""
    check.check_choice(criterion, "criterion", CRITERIA)
    records = check.check_items(records, "records", CriterionRecord)
    if not records:
        raise ValueError("records must hold at least one CriterionRecord, got an empty sequence.")
    return min(records, key=lambda record: record.criterion(criterion))
