"""The engine: what makes fits fast. Private; proven equal to the reference core by tests.

A learner reads :mod:`gmm_teach.em` and :mod:`gmm_teach.covariance`: there each formula is one short function.
Fits, replays (EMTrace) and variational EM run the same maths here, arranged for speed (chunks of points
that stay in cache, one matrix product per step, the M-step's sums taken in the E-step's pass). The interface
is small:

* ``prepare(X, covariance_type, many_passes, sample_weight)`` -> :class:`PreparedData` (centre, chunks,
  feature columns);
* ``expectation(data, params, expected_log_terms=None)`` -> :class:`Expectation`: responsibilities (k, n),
  the mean log-likelihood, and the named :class:`Sums` of the next M-step;
* ``maximisation(data, responsibilities, sums, reg_covar)`` -> :class:`Estimate`: the next parameters;
* ``m_step(data, responsibilities, reg_covar)``: the M-step of given responsibilities (a start);
* ``block_statistics(X, params, expected_log_terms=None)``: one block's sufficient statistics and responsibilities
  (the Dask fit's map step).

``tests/test_engine_contract.py`` holds the engine to the reference for every covariance type and size.
"""

from .data import PreparedData
from .models import fast_model
from .steps import Estimate, Expectation, Sums, estimate, expectation, maximisation, sums_of
from .steps import block_statistics as _block_statistics


def prepare(X, covariance_type, many_passes=False, sample_weight=None):
    """``X`` (and its sample weights) prepared for fast E-steps under ``covariance_type`` (:class:`PreparedData`)."""
    return PreparedData(X, fast_model(covariance_type, X.shape[1]), many_passes, sample_weight)


def block_statistics(X, params, expected_log_terms=None):
    """One block's sufficient statistics and responsibilities from one fast E-step (see
    :func:`steps.block_statistics`)."""
    return _block_statistics(X, params, prepare, expected_log_terms)


def m_step(data, responsibilities, reg_covar):
    """The M-step of given (k, n) ``responsibilities``, as an :class:`Estimate`."""
    return maximisation(data, responsibilities, sums_of(data, responsibilities), reg_covar)


__all__ = [
    "Estimate",
    "Expectation",
    "PreparedData",
    "Sums",
    "block_statistics",
    "estimate",
    "expectation",
    "m_step",
    "maximisation",
    "prepare",
    "sums_of",
]
