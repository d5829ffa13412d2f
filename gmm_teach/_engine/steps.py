r"""The fast E-step and M-step over prepared data, and the named sums that pass between them.

One pass over the chunks gives the responsibilities, the log-likelihood and the sums the next M-step needs
(:class:`Sums`), so a fit reads the data once per iteration. The reference functions of :mod:`gmm_teach.em`
compute the same numbers; tests hold the two equal.
"""

import math
from dataclasses import dataclass

import numpy as np

from ..covariance import LOG_2PI, CollapsedComponentError
from .models import row_dots
from .normalise import LOG_LARGEST_TOTAL, normalise_shifted, normalise_unshifted

EPS = np.finfo(np.float64).eps


@dataclass(frozen=True)
class Sums:
    r"""The responsibility-weighted sums of one pass, per component, each about its own point :math:`c_k`.

    :math:`c_k` is the data's centre, except for a component far from it (see :func:`far_from_centre`), whose
    sums are taken about its own mean in the parameters of the E-step: about the data centre, its second
    moments would cancel to its small spread and lose digits.

    Attributes
    ----------
    nk : ndarray of shape (n_components,)
        :math:`N_k = \sum_i r_{ik}`.
    weighted_sums : ndarray of shape (n_components, n_features)
        :math:`\sum_i r_{ik} (x_i - c_k)`.
    weighted_second_moments : ndarray
        :math:`\sum_i r_{ik}\, q(x_i - c_k)` for the model's quadratic features :math:`q` (see
        :mod:`gmm_teach._engine.models`): the upper triangle of :math:`x x^\top` (full), :math:`x x^\top`
        flattened (full from 16 features), the squares (diag), the squared length (spherical), nothing (tied:
        the data's scatter is used).
    offsets : ndarray of shape (n_components, n_features) or None
        :math:`c_k` minus the data's centre: zero but for the far components; None when all are zero.
    """

    nk: np.ndarray
    weighted_sums: np.ndarray
    weighted_second_moments: np.ndarray
    offsets: np.ndarray | None = None

    @classmethod
    def from_rows(cls, moments, n_features, offsets=None):
        """Name the columns of the summed feature rows ``[q(x); 1; x]`` (views, no copy)."""
        return cls(moments[:, -n_features - 1], moments[:, -n_features:], moments[:, : -n_features - 1], offsets)


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
    centre (which the next E-step computes about their own means)."""

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

    The measure is the squared Mahalanobis distance of the centre from each component, against the model's
    ``far_from_centre`` (see :data:`gmm_teach._engine.models.FAR_FROM_CENTRE`).
    """
    projected = model.project_means(centred_means, precisions_cholesky)
    return (row_dots(projected, projected) > model.far_from_centre).nonzero()[0]


def _peaks_below_ceiling(model, precisions_cholesky, log_terms, n_features):
    r"""Whether no row of ``model.chunk_log_density`` can exceed ``log(LARGEST_TOTAL / k)``, so that no chunk
    has to look for overflow: :math:`\log\pi_k\mathcal{N}(x\mid\mu_k,\Sigma_k)` is largest at the mean,
    :math:`\log\pi_k + \sum_j \log (U_k)_{jj} - \tfrac d2 \log 2\pi`. Not known for a model whose rows
    leave out a shared term (tied)."""
    if not model.peaks_at_mean:
        return False
    peaks = log_terms + model.reference.log_det_cholesky(precisions_cholesky, n_features)
    return np.maximum.reduce(peaks) <= LOG_LARGEST_TOTAL - math.log(len(log_terms)) + 0.5 * n_features * LOG_2PI


class _OwnCentres:
    r"""The components far from the data centre, each computed about its own mean :math:`\mu_k` instead (for a
    model with quadratic features; see ``rebuilds_far_features`` in :mod:`gmm_teach._engine.models`).

    About the data centre, the expanded quadratic form of a tight component far away subtracts large numbers
    (see :data:`~gmm_teach._engine.models.FAR_FROM_CENTRE`). About :math:`\mu_k` nothing large is subtracted:
    each chunk gets a block of features of :math:`x - \mu_k` per far component, which gives the component's
    log-density row and, in the same pass, its M-step sums.
    A fit rarely has more than one or two such components.
    """

    def __init__(self, data, params, far, log_terms):
        model = data.model
        n_features = params.means.shape[1]
        self.data, self.model, self.far = data, model, far
        self.offsets = params.means[far] - data.centre
        self.coefficients = [
            model.log_density_coefficients(
                np.zeros((1, n_features)), model.select(params.precisions_cholesky, far[j : j + 1]), log_terms[[k]]
            )
            for j, k in enumerate(far)
        ]

    def scratch(self, name, shape):
        return self.data.scratch(f"own centre {name}", shape)

    def blocks(self, features):
        """One chunk's feature blocks about each far component's mean."""
        return [
            self.data.shifted_features(features, offset, self.model, f"own centre block {j}")
            for j, offset in enumerate(self.offsets)
        ]

    def log_densities(self, blocks, weighted):
        """Write the far components' rows of ``weighted`` (k, m)."""
        for k, coefficients, block in zip(self.far, self.coefficients, blocks):
            weighted[k] = self.model.chunk_log_density(coefficients, block, self.scratch)[0]

    def moments(self, responsibilities, blocks):
        """The far components' rows of the chunk's M-step sums, in the layout of the data's model."""
        return np.concatenate(
            [
                self.model.chunk_moments(responsibilities[k : k + 1], block, self.scratch)
                for k, block in zip(self.far, blocks)
            ]
        )


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
        The components far from the data centre (see :class:`_OwnCentres`), when the M-step that made ``params``
        knows them.
    """
    model, means = data.model, params.means
    n_components, n_features = means.shape
    n_samples = data.X.shape[0]
    centred_means = means - data.centre
    log_terms = log_weights(params.weights) if expected_log_terms is None else expected_log_terms
    if far is None:
        far = far_from_centre(model, centred_means, params.precisions_cholesky)
    far = model.own_centre_components(far)
    offsets = None  # of each component's point c_k (see Sums)
    if far.size:
        offsets = np.zeros((n_components, n_features))
        offsets[far] = centred_means[far]
    if far.size and model.rebuilds_far_features:
        near = np.setdiff1d(np.arange(n_components), far)
        own_centres = _OwnCentres(data, params, far, log_terms)
        coefficients = model.log_density_coefficients(
            centred_means[near], model.select(params.precisions_cholesky, near), log_terms[near]
        )
    else:
        own_centres = None
        coefficients = model.log_density_coefficients(centred_means, params.precisions_cholesky, log_terms)
    responsibilities = np.empty((n_components, n_samples))
    moments = None
    log_likelihood, shift = 0.0, False

    def log_densities(features, own_blocks):
        if own_centres is None:
            return model.chunk_log_density(coefficients, features, data.scratch)
        weighted = data.scratch("all log densities", (n_components, features.shape[1]))
        weighted[near] = model.chunk_log_density(coefficients, features, data.scratch)
        own_centres.log_densities(own_blocks, weighted)
        return weighted

    def chunk_moments(chunk_responsibilities, features, own_blocks):
        if own_centres is None:
            if offsets is not None:  # a model that takes each component's sums about its own point itself
                return model.chunk_moments(chunk_responsibilities, features, data.scratch, offsets)
            return model.chunk_moments(chunk_responsibilities, features, data.scratch)
        own = own_centres.moments(chunk_responsibilities, own_blocks)
        result = np.empty((n_components, own.shape[1]))
        result[far] = own
        result[near] = model.chunk_moments(chunk_responsibilities[near], features, data.scratch)
        return result

    # on small data a look at each block's largest value is cheaper than finding the peaks (4 microseconds)
    below_ceiling = n_samples * n_components > 20_000 and _peaks_below_ceiling(
        model, params.precisions_cholesky, log_terms, n_features
    )
    for rows, features in data.feature_chunks():
        own_blocks = None if own_centres is None else own_centres.blocks(features)
        chunk_responsibilities = responsibilities[:, rows]
        point_weights = None if data.weights is None else data.weights[rows]
        chunk_log_likelihood = (
            None
            if shift
            else normalise_unshifted(
                log_densities(features, own_blocks), chunk_responsibilities, below_ceiling, point_weights
            )
        )
        if chunk_log_likelihood is None:  # rare: recompute, and shift the rest of this pass (chunks are alike)
            shift = True
            chunk_log_likelihood = normalise_shifted(
                log_densities(features, own_blocks), chunk_responsibilities, point_weights
            )
        log_likelihood += chunk_log_likelihood
        if with_sums:
            chunk_sums = chunk_moments(data.weighted(chunk_responsibilities, rows), features, own_blocks)
            if moments is None:  # chunk_moments gives a new array: the next ones are added to it in place
                moments = chunk_sums
            else:
                moments += chunk_sums
    log_likelihood = log_likelihood / data.weight_total + model.shared_log_density(params.precisions_cholesky, data)
    sums = Sums.from_rows(moments, n_features, offsets) if with_sums else None
    return Expectation(responsibilities, float(log_likelihood), sums)


def sums_of(data, responsibilities):
    r"""The :class:`Sums` of given (k, n) responsibilities, in chunks (an M-step without an E-step before it)."""
    moments = 0.0
    for rows, features in data.feature_chunks():
        moments += data.model.chunk_moments(data.weighted(responsibilities[:, rows], rows), features, data.scratch)
    return Sums.from_rows(moments, data.X.shape[1])


def estimate(data, responsibilities, sums, reg_covar):
    """:math:`N_k`, the means and the covariances of the M-step, from the sums.

    A component whose new mean lies far (for its new spread) from the point its sums were taken about, or whose
    covariance from the sums is not positive definite (maybe only by rounding), gets the reference formulas.
    Returns ``nk, means, covariances`` and the precision Cholesky factors when no component needed the
    reference formulas (otherwise None).
    """
    model = data.model
    nk = sums.nk + 10 * EPS
    own_means = sums.weighted_sums / nk[:, np.newaxis]  # about each component's own point c_k
    means = own_means + data.centre if sums.offsets is None else own_means + sums.offsets + data.centre
    covariances = model.covariances_from_sums(sums.weighted_second_moments, nk, own_means, reg_covar, data)
    try:
        model.reference.refuse_collapsed(covariances, means, reg_covar)
        precisions_cholesky = model.reference.precisions_cholesky(covariances, reg_covar)
        cancelled = far_from_centre(model, own_means, precisions_cholesky)
    except CollapsedComponentError:  # maybe only rounding in the expanded form: the reference formula decides
        cancelled = np.arange(len(nk))
    if cancelled.size:
        covariances = model.reestimate(
            covariances, cancelled, data.X, data.weighted(responsibilities).T, nk, means, reg_covar
        )
        precisions_cholesky = None
    return nk, means, covariances, precisions_cholesky


NONE_FAR = np.empty(0, dtype=np.intp)


def maximisation(data, responsibilities, sums, reg_covar):
    """The M-step from the sums of the E-step before it (see :func:`estimate`); returns an :class:`Estimate`.

    ``responsibilities`` (k, n) are read only for components that need the reference formulas.
    """
    nk, means, covariances, precisions_cholesky = estimate(data, responsibilities, sums, reg_covar)
    if precisions_cholesky is not None and sums.offsets is None:
        far = NONE_FAR  # estimate measured every mean from the data centre, with these precisions: none is far
    else:
        if precisions_cholesky is None:  # some were re-estimated by the reference formulas
            precisions_cholesky = data.model.reference.precisions_cholesky(covariances, reg_covar)
        # measured as the next E-step will measure it
        far = far_from_centre(data.model, means - data.centre, precisions_cholesky)
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
    own_means = result.sums.weighted_sums / divisor[:, np.newaxis]
    covariances = data.model.covariances_from_sums(result.sums.weighted_second_moments, divisor, own_means, 0.0, data)
    scatters = covariances * nk.reshape((-1,) + (1,) * (covariances.ndim - 1))
    centred_means = own_means if result.sums.offsets is None else own_means + result.sums.offsets
    return nk, data.centre, centred_means, scatters, result.log_likelihood * X.shape[0], result.responsibilities


@dataclass(frozen=True)
class _ComponentParams:
    """Parameters with one precision factor per component (what the statistics models take)."""

    weights: np.ndarray
    means: np.ndarray
    precisions_cholesky: np.ndarray
