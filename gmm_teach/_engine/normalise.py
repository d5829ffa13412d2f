r"""Responsibilities from a block of log-probabilities: the E-step's normalisation, made fast.

The reference E-step (:func:`gmm_teach.em.e_step`) is ``logsumexp`` and one exponential. Here the same numbers
come from one exponential pass over a (k, m) block (components as rows, points as columns), usually without
shifting each point by its largest log-probability; the shifted form is kept for the rare block where that
would not be exact.
"""

import math

import numpy as np

LOG_NEGLIGIBLE = -575.0
LARGEST_TOTAL, SMALLEST_TOTAL = 1e50, 1e-200
LOG_LARGEST_TOTAL, LOG_SMALLEST_TOTAL = math.log(LARGEST_TOTAL), math.log(SMALLEST_TOTAL)
"""Bounds on a point's density :math:`p(x_i)` for computing its responsibilities without a shift: below the
upper one, a ratio of exponentials raised to ``exp(LOG_NEGLIGIBLE)`` is still a normal number (above 1e-300);
above the lower one, raising them moves the density by less than 1e-49 of itself."""


def normalise_unshifted(weighted_log_prob, out, below_ceiling=False, point_weights=None):
    r"""Turn a (k, m) block of :math:`\log \pi_k\mathcal{N}` into responsibilities (written to ``out``), in
    one exponential pass with no shift by each point's largest log-probability; return
    :math:`\sum_i w_i \log p(x_i)` over the block (:math:`w_i = 1` without ``point_weights``), or None when a
    point's density :math:`p(x_i)` falls outside
    [SMALLEST_TOTAL, LARGEST_TOTAL], where this is not exact (then use :func:`normalise_shifted` on the
    log-probabilities again: ``weighted_log_prob`` may have been overwritten). ``below_ceiling``: the caller
    knows that no log-probability exceeds ``log(LARGEST_TOTAL / k)``.

    Log-probabilities below LOG_NEGLIGIBLE are raised to it first, so no exponential is subnormal (a
    subnormal number slows every product it enters 3-15x, and exp itself 15x); within the bounds that moves
    no density by more than 1e-49 of itself, and every responsibility stays above 1e-300.
    """
    # ufunc reductions called directly: the .max() and .sum() wrappers cost a microsecond each, which shows
    # on small data (an iteration on 2,000 points takes about 50 microseconds)
    if not below_ceiling and np.maximum.reduce(weighted_log_prob, axis=None) > LOG_LARGEST_TOTAL - math.log(
        out.shape[0]
    ):
        return None
    low = np.minimum.reduce(weighted_log_prob, axis=None)
    if low < LOG_NEGLIGIBLE:
        np.maximum(weighted_log_prob, LOG_NEGLIGIBLE, out=weighted_log_prob)
    np.exp(weighted_log_prob, out=out)  # then normalised in place: faster than writing out from another block
    total = np.add.reduce(out, axis=0)
    if low < LOG_SMALLEST_TOTAL and np.minimum.reduce(total) < SMALLEST_TOTAL:
        return None
    log_likelihood = _weighted_sum(np.log(total), point_weights)
    np.multiply(out, np.reciprocal(total, out=total), out=out)
    return log_likelihood


def normalise_shifted(weighted_log_prob, out, point_weights=None):
    r""":func:`normalise_unshifted` for any block: each point's log-probabilities are shifted by their largest
    first, and ratios below exp(LOG_NEGLIGIBLE) = 1e-250 are raised to it (smaller ones, and their products
    in the M-step, would be subnormal numbers). So no responsibility is below 1e-250 / k, and none moves by
    more than that. ``weighted_log_prob`` is overwritten."""
    top = np.maximum.reduce(weighted_log_prob, axis=0)
    weighted_log_prob -= top
    np.maximum(weighted_log_prob, LOG_NEGLIGIBLE, out=weighted_log_prob)
    np.exp(weighted_log_prob, out=weighted_log_prob)
    total = np.add.reduce(weighted_log_prob, axis=0)
    top += np.log(total)
    log_likelihood = _weighted_sum(top, point_weights)
    np.multiply(weighted_log_prob, np.reciprocal(total, out=total), out=out)
    return log_likelihood


def _weighted_sum(values, weights):
    r""":math:`\sum_i w_i v_i`, or :math:`\sum_i v_i` when ``weights`` is None."""
    return np.add.reduce(values) if weights is None else values @ weights
