r"""The fast E-step and M-step over prepared data, and the named sums that pass between them.

One pass over the chunks gives the responsibilities, the log-likelihood and the sums the next M-step needs
(:class:`Sums`), so a fit reads the data once per iteration. The reference functions of :mod:`gmm_teach.em`
compute the same numbers; tests hold the two equal.
"""

import math
from dataclasses import dataclass

import numpy as np

from ..covariance import LOG_2PI, CollapsedComponentError
from .models import FAR_FROM_CENTRE, row_dots
from .normalise import LOG_LARGEST_TOTAL, normalise_shifted, normalise_unshifted

EPS = np.finfo(np.float64).eps


@dataclass(frozen=True)
class Sums:
    r"""The responsibility-weighted sums of one pass, per component, about the data's centre ``c``.

    Attributes
    ----------
    nk : ndarray of shape (n_components,)
        :math:`N_k = \sum_i r_{ik}`.
    weighted_sums : ndarray of shape (n_components, n_features)
        :math:`\sum_i r_{ik} (x_i - c)`.
    weighted_second_moments : ndarray
        :math:`\sum_i r_{ik}\, q(x_i - c)` for the model's quadratic features :math:`q` (see
        :mod:`gmm_teach._engine.models`): the upper triangle of :math:`x x^\top` (full), :math:`x x^\top`
        flattened (full from 16 features), the squares (diag), the squared length (spherical), nothing (tied:
        the data's scatter is used).
    """

    nk: np.ndarray
    weighted_sums: np.ndarray
    weighted_second_moments: np.ndarray

    @classmethod
    def from_rows(cls, moments, n_features):
        """Name the columns of the summed feature rows ``[q(x); 1; x]`` (views, no copy)."""
        return cls(moments[:, -n_features - 1], moments[:, -n_features:], moments[:, : -n_features - 1])


@dataclass(frozen=True)
class Expectation:
    """What one fast E-step returns.

    Attributes
    ----------
    responsibilities : ndarray of shape (n_components, n_samples)
        Components as rows (the public functions hand out its transpose, an (n, k) view).
    log_likelihood : float
        The mean log-likelihood, weighted by the sample weights (for variational EM: the mean log normaliser).
    sums : Sums or None
        The sums of the next M-step, when they were asked for.
    """

    responsibilities: np.ndarray
    log_likelihood: float
    sums: Sums | None


@dataclass(frozen=True)
class Estimate:
    """What the fast M-step returns: the new parameters as arrays, and the components far from the data
    centre (computed by the reference formulas, and again so by the next E-step)."""

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    precisions_cholesky: np.ndarray
    far: np.ndarray


def log_weights(weights):
    r""":math:`\log \pi_k`; a weight of exactly 0 gives log 0 = -inf, which is right."""
    if np.minimum.reduce(weights) > 0.0:  # the usual case, without the cost of np.errstate
        return np.log(weights)
    with np.errstate(divide="ignore"):
        return np.log(weights)


def far_from_centre(model, centred_means, precisions_cholesky):
    """Which components sit so far from the data centre, for their spread, that the expanded form loses digits.

    The measure is the squared Mahalanobis distance of the centre from each component (see
    :data:`gmm_teach._engine.models.FAR_FROM_CENTRE`).
    """
    projected = model.project_means(centred_means, precisions_cholesky)
    return (row_dots(projected, projected) > FAR_FROM_CENTRE).nonzero()[0]


def _peaks_below_ceiling(model, precisions_cholesky, log_terms, n_features):
    r"""Whether no row of ``model.chunk_log_density`` can exceed ``log(LARGEST_TOTAL / k)``, so that no chunk
    has to look for overflow: :math:`\log\pi_k\mathcal{N}(x\mid\mu_k,\Sigma_k)` is largest at the mean,
    :math:`\log\pi_k + \sum_j \log (U_k)_{jj} - \tfrac d2 \log 2\pi`. Not known for a model whose rows
    leave out a shared term (tied)."""
    if not model.peaks_at_mean:
        return False
    peaks = log_terms + model.reference.log_det_cholesky(precisions_cholesky, n_features)
    return np.maximum.reduce(peaks) <= LOG_LARGEST_TOTAL - math.log(len(log_terms)) + 0.5 * n_features * LOG_2PI


def _far_log_densities(data, rows, params, far, log_terms):
    r"""The log-densities of the components ``far`` for the points ``rows`` by the reference formulas,
    :math:`\log\pi_k - \tfrac12(d\log 2\pi + D_{ik}) + \sum_j\log(U_k)_{jj}`, shape (len(far), m)."""
    model, n_features = data.model, data.X.shape[1]
    precisions_cholesky = model.select(params.precisions_cholesky, far)
    distances = model.reference.squared_mahalanobis(data.X[rows], params.means[far], precisions_cholesky)
    log_det = model.reference.log_det_cholesky(precisions_cholesky, n_features)
    return (-0.5 * (n_features * LOG_2PI + distances) + log_det + log_terms[far]).T


def expectation(data, params, *, expected_log_terms=None, with_sums=True, far=None):
    r"""The E-step over prepared data in chunks: responsibilities, mean log-likelihood and the next M-step's sums.

    Parameters
    ----------
    data : PreparedData
    params : MixtureParams (or anything with its ``weights``, ``means`` and ``precisions_cholesky``)
    expected_log_terms : ndarray of shape (n_components,), optional
        Variational EM: :math:`\mathbb{E}_q[\log\pi_k]` plus the expected log-precision terms, used in place
        of :math:`\log\pi_k`.
    with_sums : bool
        Whether to sum the statistics of the next M-step in the same pass.
    far : ndarray of int, optional
        The components to compute by the reference formulas, when the M-step that made ``params`` knows them.
    """
    model, means = data.model, params.means
    n_components, n_features = means.shape
    n_samples = data.X.shape[0]
    centred_means = means - data.centre
    log_terms = log_weights(params.weights) if expected_log_terms is None else expected_log_terms
    coefficients = model.log_density_coefficients(centred_means, params.precisions_cholesky, log_terms)
    if far is None:
        far = far_from_centre(model, centred_means, params.precisions_cholesky)
    far = model.plain_e_step_components(far)
    responsibilities = np.empty((n_components, n_samples))
    moments = None
    log_likelihood, shift = 0.0, False

    def log_densities(rows, features):
        weighted = model.chunk_log_density(coefficients, features, data.scratch)
        if far.size:
            weighted[far] = _far_log_densities(data, rows, params, far, log_terms)
        return weighted

    # on small data a look at each block's largest value is cheaper than finding the peaks (4 microseconds)
    below_ceiling = n_samples * n_components > 20_000 and _peaks_below_ceiling(
        model, params.precisions_cholesky, log_terms, n_features
    )
    for rows, features in data.feature_chunks():
        chunk_responsibilities = responsibilities[:, rows]
        point_weights = None if data.weights is None else data.weights[rows]
        chunk_log_likelihood = (
            None
            if shift
            else normalise_unshifted(
                log_densities(rows, features), chunk_responsibilities, below_ceiling, point_weights
            )
        )
        if chunk_log_likelihood is None:  # rare: recompute, and shift the rest of this pass (chunks are alike)
            shift = True
            chunk_log_likelihood = normalise_shifted(
                log_densities(rows, features), chunk_responsibilities, point_weights
            )
        log_likelihood += chunk_log_likelihood
        if with_sums:
            chunk_moments = model.chunk_moments(data.weighted(chunk_responsibilities, rows), features, data.scratch)
            if moments is None:  # chunk_moments gives a new array: the next ones are added to it in place
                moments = chunk_moments
            else:
                moments += chunk_moments
    log_likelihood = log_likelihood / data.weight_total + model.shared_log_density(params.precisions_cholesky, data)
    sums = Sums.from_rows(moments, n_features) if with_sums else None
    return Expectation(responsibilities, float(log_likelihood), sums)


def sums_of(data, responsibilities):
    r"""The :class:`Sums` of given (k, n) responsibilities, in chunks (an M-step without an E-step before it)."""
    moments = 0.0
    for rows, features in data.feature_chunks():
        moments += data.model.chunk_moments(data.weighted(responsibilities[:, rows], rows), features, data.scratch)
    return Sums.from_rows(moments, data.X.shape[1])


def estimate(data, responsibilities, sums, reg_covar):
    """:math:`N_k`, the means and the covariances of the M-step, from the sums.

    A component far from the data centre (or whose expanded-form covariance is not positive definite, maybe
    only by rounding) gets the reference formulas. Returns ``nk, means, covariances`` and the precision
    Cholesky factors when no component needed the reference formulas (otherwise None).
    """
    model = data.model
    nk = sums.nk + 10 * EPS
    centred_means = sums.weighted_sums / nk[:, np.newaxis]
    means = centred_means + data.centre
    covariances = model.covariances_from_sums(sums.weighted_second_moments, nk, centred_means, reg_covar, data)
    try:
        precisions_cholesky = model.reference.precisions_cholesky(covariances, reg_covar)
        far = far_from_centre(model, centred_means, precisions_cholesky)
    except CollapsedComponentError:  # maybe only rounding in the expanded form: the reference formula decides
        far = np.arange(len(nk))
    if far.size:
        covariances = model.reestimate(
            covariances, far, data.X, data.weighted(responsibilities).T, nk, means, reg_covar
        )
        precisions_cholesky = None
    return nk, means, covariances, precisions_cholesky


NONE_FAR = np.empty(0, dtype=np.intp)


def maximisation(data, responsibilities, sums, reg_covar):
    """The M-step from the sums of the E-step before it (see :func:`estimate`); returns an :class:`Estimate`.

    ``responsibilities`` (k, n) are read only for components that need the reference formulas.
    """
    nk, means, covariances, precisions_cholesky = estimate(data, responsibilities, sums, reg_covar)
    if precisions_cholesky is None:  # some were re-estimated by the reference formulas
        precisions_cholesky = data.model.reference.precisions_cholesky(covariances, reg_covar)
        far = far_from_centre(data.model, means - data.centre, precisions_cholesky)  # as the E-step will find it
    else:
        far = NONE_FAR
    return Estimate(nk / np.add.reduce(nk), means, covariances, precisions_cholesky, far)


_STATISTICS_MODEL = {"full": "full", "tied": "full", "diag": "diag", "spherical": "diag"}
"""The fast model whose sums give each component's own scatter: tied needs the full per-component matrices
(it pools them later), spherical the per-feature squares."""


def block_statistics(X, params, prepare, expected_log_terms=None):
    r"""The sufficient statistics of one block of points, from one fast E-step.

    Returns ``nk, centre, centred_means, scatters, log_likelihood_sum, responsibilities``: the first five in the
    layout of :class:`gmm_teach.em.SufficientStatistics` (full scatter matrices for full and tied, per-feature ones
    for diag and spherical): :math:`S_k = N_k \hat\Sigma_k` from the engine's sums about the block's centre; the
    E-step's (k, n) responsibilities last (variational EM takes their entropy). ``prepare`` is the engine's
    ``prepare``; ``expected_log_terms`` as in :func:`expectation` (variational EM).
    """
    model_name = _STATISTICS_MODEL[params.covariance_type]
    data = prepare(X, model_name)
    n_components, n_features = params.means.shape
    shape = (n_components, n_features, n_features) if model_name == "full" else (n_components, n_features)
    factors = params.precisions_cholesky
    if params.covariance_type == "spherical":
        factors = factors[:, np.newaxis]  # 1 / sigma_k for every feature
    # tied: the shared factor for every component
    per_component = _ComponentParams(
        params.weights, params.means, np.ascontiguousarray(np.broadcast_to(factors, shape))
    )
    result = expectation(data, per_component, expected_log_terms=expected_log_terms)
    nk = result.sums.nk
    divisor = np.where(nk > 0, nk, 1.0)
    centred_means = result.sums.weighted_sums / divisor[:, np.newaxis]
    covariances = data.model.covariances_from_sums(
        result.sums.weighted_second_moments, divisor, centred_means, 0.0, data
    )
    scatters = covariances * nk.reshape((-1,) + (1,) * (covariances.ndim - 1))
    return nk, data.centre, centred_means, scatters, result.log_likelihood * X.shape[0], result.responsibilities


@dataclass(frozen=True)
class _ComponentParams:
    """Parameters with one precision factor per component (what the statistics models take)."""

    weights: np.ndarray
    means: np.ndarray
    precisions_cholesky: np.ndarray
