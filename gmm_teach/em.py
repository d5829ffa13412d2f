r"""The EM algorithm for Gaussian mixtures, one public step at a time.

A Gaussian mixture with :math:`K` components models a point :math:`x \in \mathbb{R}^d` as

.. math:: p(x) = \sum_{k=1}^{K} \pi_k \, \mathcal{N}(x \mid \mu_k, \Sigma_k),

with weights :math:`\pi_k \ge 0` summing to one. EM (expectation-maximisation) fits
:math:`\theta = (\pi, \mu, \Sigma)` by alternating two steps that never decrease the log-likelihood
:math:`\frac1n \sum_i \log p(x_i)`:

* the **E-step** (:func:`e_step`) asks each component how much it is responsible for each point;
* the **M-step** (:func:`m_step`) refits each component to the points, weighted by those responsibilities.

:func:`em_steps` is the loop around them, written as a generator: it yields one :class:`EMStep` per
iteration, so a learner (or a widget) can watch every iteration. ``GaussianMixture.fit`` consumes the same
generator; there is no second implementation of EM. Nothing here imports matplotlib.

How it is made fast (the maths in the docstrings is what is computed, only arranged differently):

* Responsibilities are held internally as a (k, n) array, so sums over components are k - 1 vectorised
  passes; the public functions return its transpose, an (n, k) view.
* The data are centred once and every point gets the short feature column of its covariance model
  (:mod:`gmm_teach.covariance`), so the E-step for all components is one matrix product, and the sums the
  M-step needs are a second one, taken in the same pass while the chunk is still in cache. From 16 features
  on, the full model uses the triangular shape of its Cholesky factors and the symmetry of its sums instead,
  and its M-step leaves out points whose responsibility is negligible (below rounding).
* One exponential pass gives the responsibilities and the log-likelihood together, usually without
  shifting each point by its largest log-probability (checked afterwards, see ``_normalise_unshifted``).
* The points are processed in chunks whose features fill half a megabyte (they stay in cache between the
  two products), so no temporary grows with ``n``: the responsibilities are the only (k, n) array. Work
  arrays are reused from chunk to chunk, and for many passes (a fit, an EMTrace replay) features that take
  at most 8 MiB are computed once and kept.
* Responsibilities below about 1e-250 / k are raised to it, so that no subnormal number (which slows every
  product it enters 3-15x) reaches the M-step.
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from .covariance import COVARIANCE_MODELS, FAR_FROM_CENTRE, LOG_2PI, CollapsedComponentError, _row_dots

EPS = np.finfo(np.float64).eps
LOG_NEGLIGIBLE = -575.0
LARGEST_TOTAL, SMALLEST_TOTAL = 1e50, 1e-200
LOG_LARGEST_TOTAL, LOG_SMALLEST_TOTAL = np.log(LARGEST_TOTAL), np.log(SMALLEST_TOTAL)
"""Bounds on a point's density :math:`p(x_i)` for computing its responsibilities without a shift: below the
upper one, a ratio of exponentials raised to ``exp(LOG_NEGLIGIBLE)`` is still a normal number (above 1e-300);
above the lower one, raising them moves the density by less than 1e-49 of itself."""

CHUNK_BYTES = 2**19
"""Size of one chunk's feature block: small enough to stay in a core's cache while it is used twice."""

KEPT_FEATURES_BYTES = 2**23
"""For many passes (a fit, a replay), the feature columns of all points are computed once and kept when they
take at most 8 MiB (see ``_CentredData.feature_chunks``): at 100,000 points and 2 features that saves a fifth
of an E-step. Larger ones are refilled chunk by chunk, which is faster than reading them back from memory
(measured: the diagonal model at 50,000 x 50, 40 MB of features, 7.6 instead of 5.4 ms an iteration)."""

CENTRE_SAMPLE = 1024
"""About this many evenly spread points give the centre the features are taken about."""


@dataclass(frozen=True, eq=False)
class MixtureParams:
    """The parameters of a Gaussian mixture at one moment of a fit.

    Attributes
    ----------
    weights : ndarray of shape (n_components,)
        Mixing proportions :math:`\\pi_k`; they sum to one.
    means : ndarray of shape (n_components, n_features)
        Component centres :math:`\\mu_k`.
    covariances : ndarray
        Component covariances :math:`\\Sigma_k`, in scikit-learn's shape for ``covariance_type``:
        full (k, d, d), tied (d, d), diag (k, d), spherical (k,).
    precisions_cholesky : ndarray
        Cholesky factors of the precisions :math:`\\Sigma_k^{-1}`, same shape as ``covariances``.
    covariance_type : {"full", "tied", "diag", "spherical"}
    """

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    precisions_cholesky: np.ndarray
    covariance_type: str

    @property
    def n_components(self):
        return self.means.shape[0]

    @property
    def n_features(self):
        return self.means.shape[1]

    @property
    def model(self):
        """The covariance model object (see :mod:`gmm_teach.covariance`)."""
        return COVARIANCE_MODELS[self.covariance_type]

    @property
    def n_parameters(self):
        """Number of free parameters (what AIC and BIC count); see :func:`n_parameters`."""
        return n_parameters(self.n_components, self.n_features, self.covariance_type)

    @property
    def precisions(self):
        """The precision matrices :math:`\\Sigma_k^{-1}`, in the shape of ``covariances``."""
        return self.model.precisions(self.precisions_cholesky)

    def e_step(self, X):
        """The E-step under these parameters, :func:`e_step` (a Bayesian posterior uses its variational one)."""
        return e_step(X, self)

    def _e_step_prepared(self, data):
        """:meth:`e_step` on data prepared once for many E-steps (``_CentredData``, as an EMTrace keeps it)."""
        return _e_step_prepared(data, self)

    def as_full(self):
        """The covariances as full matrices, shape (n_components, n_features, n_features), for plotting."""
        return self.model.as_full(self.covariances, self.n_components, self.n_features)

    @classmethod
    def from_covariances(cls, weights, means, covariances, covariance_type, reg_covar=0.0):
        """Build parameters from weights, means and covariances (the precision Cholesky is computed)."""
        model = COVARIANCE_MODELS[covariance_type]
        precisions_cholesky = model.precisions_cholesky(np.asarray(covariances, dtype=float), reg_covar)
        return cls(np.asarray(weights, float), np.asarray(means, float), np.asarray(covariances, float),
                   precisions_cholesky, covariance_type)

    @classmethod
    def from_precisions(cls, weights, means, precisions, covariance_type):
        """Build parameters from weights, means and precisions (inverse covariances)."""
        model = COVARIANCE_MODELS[covariance_type]
        precisions_cholesky = model.precisions_cholesky_from_precisions(np.asarray(precisions, dtype=float))
        covariances = model.covariances_from_precisions_cholesky(precisions_cholesky)
        return cls(np.asarray(weights, float), np.asarray(means, float), covariances, precisions_cholesky,
                   covariance_type)


def n_parameters(n_components, n_features, covariance_type):
    r"""Free parameters of a mixture: the covariances, :math:`K d` means and :math:`K - 1` weights.

    The weights sum to one, so only :math:`K - 1` of them are free. The covariance count depends on the
    model: full :math:`K d(d+1)/2`, tied :math:`d(d+1)/2`, diag :math:`K d`, spherical :math:`K`.

    Examples
    --------
    >>> n_parameters(3, 2, "full")   # 3 * 3 covariance entries + 3 * 2 means + 2 weights
    17
    """
    covariance_parameters = COVARIANCE_MODELS[covariance_type].n_parameters(n_components, n_features)
    return int(covariance_parameters + n_components * n_features + n_components - 1)


@dataclass(frozen=True, eq=False)
class EMStep:
    """One iteration of EM, as :func:`em_steps` yields it.

    Attributes
    ----------
    iteration : int
        0 for the initial parameters, then 1, 2, ...
    params : MixtureParams
        The parameters after this iteration's M-step.
    responsibilities : ndarray of shape (n_samples, n_components)
        The E-step output that produced ``params`` (for iteration 0, whatever produced the initial
        parameters, for example the one-hot k-means labels).
    log_likelihood : float
        Mean log-likelihood :math:`\\frac1n\\sum_i \\log p(x_i)` under ``params``. It never decreases.
    converged : bool
        True when the log-likelihood changed by less than ``tol`` between the two steps before this one
        (scikit-learn's rule: it notices the change one M-step later); it is the last step.
    """

    iteration: int
    params: MixtureParams
    responsibilities: np.ndarray
    log_likelihood: float
    converged: bool


def log_gaussian_density(X, params, components=slice(None)):
    r"""Log-density of every point under every component, shape (n_samples, n_components).

    .. math:: \log \mathcal{N}(x_i \mid \mu_k, \Sigma_k)
              = -\tfrac12\left(d \log 2\pi + \lVert (x_i-\mu_k) U_k \rVert^2\right) + \sum_j \log (U_k)_{jj}

    where :math:`U_k` is the Cholesky factor of the precision :math:`\Sigma_k^{-1} = U_k U_k^\top`.
    ``components`` (an index or a slice) restricts the columns to some components.
    """
    model = params.model
    precisions_cholesky = model.select(params.precisions_cholesky, components)
    squared_distances = model.squared_mahalanobis(X, params.means[components], precisions_cholesky)
    log_det = model.log_det_cholesky(precisions_cholesky, params.n_features)
    return -0.5 * (params.n_features * LOG_2PI + squared_distances) + log_det


def weighted_log_density(X, params):
    r""":math:`\log \pi_k + \log \mathcal{N}(x_i \mid \mu_k, \Sigma_k)`, shape (n_samples, n_components)."""
    with np.errstate(divide="ignore"):  # a weight of exactly 0 gives log 0 = -inf, which is right
        return log_gaussian_density(X, params) + np.log(params.weights)


def log_density(X, params):
    r"""Log of the mixture density :math:`\log p(x_i) = \log\sum_k \pi_k\mathcal{N}(x_i\mid\mu_k,\Sigma_k)`, shape (n,).

    Computed with ``logsumexp`` so that no density is ever multiplied in linear space (they underflow).
    """
    return logsumexp(weighted_log_density(X, params), axis=1)


class _CentredData:
    """The data, the centre its features are taken about, and reusable blocks for chunks of points."""

    def __init__(self, X, many_passes=False):
        self.X = X
        # any centre inside the data will do (see FAR_FROM_CENTRE): the mean of about a thousand evenly spread
        # points (at n = 100,000, 3 instead of 73 microseconds); a matrix-vector product is 10x faster than
        # X.mean(axis=0) on a tall, narrow array
        sample = X[::max(1, X.shape[0] // CENTRE_SAMPLE)]
        self.centre = np.ones(sample.shape[0]) @ sample / sample.shape[0]
        self.many_passes = many_passes  # em_steps and EMTrace: worth keeping the features, see feature_chunks
        self._kept_chunks, self._kept_model = [], None  # every chunk's features, when they are kept
        self._block, self._block_ones_row = None, None  # otherwise one block, refilled chunk by chunk
        self._scratch = {}
        # sum_i x_i x_i^T of the centred data (the tied model needs it), summed by the first pass over the chunks
        self.scatter = None
        # for many passes, the centred data with points as columns, stored by the first pass that refills
        # feature blocks chunk by chunk: later passes copy from it (3x faster than centring X[rows].T again)
        self._transposed, self._transposed_complete = None, False

    def _row_blocks(self, block_size):
        """Slices of consecutive rows of X, ``block_size`` (at least 1) at a time."""
        n_samples, block_size = self.X.shape[0], max(1, block_size)
        return [slice(start, min(start + block_size, n_samples)) for start in range(0, n_samples, block_size)]

    def scratch(self, name, shape):
        """A reusable array of ``shape`` for one use (``name``) within a chunk: its old values are garbage.

        A fresh array per chunk would cost page faults (measured: a matrix product into a reused block
        takes half the time of one that allocates its result).
        """
        size = math.prod(shape)
        buffer = self._scratch.get(name)
        if buffer is None or buffer.size < size:
            buffer = self._scratch[name] = np.empty(size)
        return buffer[:size].reshape(shape)

    def feature_chunks(self, model):
        """The pairs ``(rows, features)``: a slice of points and their feature columns ``[q(x); 1; x]``.

        Features depend on the points only. Each chunk's block is filled on the first pass and kept for the
        next ones when one chunk holds every point, or, for ``many_passes``, when all of them take at most
        :data:`KEPT_FEATURES_BYTES`. Otherwise one block is refilled chunk after chunk: use it before asking
        for the next. For a model that ``needs_scatter``, the first pass also sums :attr:`scatter` from the
        chunks.
        """
        n_samples, n_features = self.X.shape
        n_quadratic = model.n_quadratic_features(n_features)
        n_rows = n_quadratic + 1 + n_features
        chunk_size = int(min(n_samples, max(64, CHUNK_BYTES // (8 * n_rows))))
        with_scatter = model.needs_scatter and self.scatter is None
        feature_bytes = 8 * n_rows * n_samples
        if chunk_size == n_samples or self.many_passes and feature_bytes <= KEPT_FEATURES_BYTES:
            if self._kept_model is not model:
                self._kept_chunks = [(rows, self._fill(rows, self._new_block(n_quadratic, n_rows, rows), model))
                                     for rows in self._row_blocks(chunk_size)]
                self._kept_model = model
            chunks = self._kept_chunks
        else:
            if self._block is None or self._block.shape != (n_rows, chunk_size) or \
                    self._block_ones_row != n_quadratic:
                self._block = self._new_block(n_quadratic, n_rows, slice(0, chunk_size))
                self._block_ones_row = n_quadratic
            chunks = self._refilled_chunks(model, chunk_size)
        return self._summing_scatter(chunks, n_quadratic) if with_scatter else chunks

    def _refilled_chunks(self, model, chunk_size):
        if self.many_passes and self._transposed is None:
            self._transposed = np.empty(self.X.shape[::-1])
        for rows in self._row_blocks(chunk_size):
            yield rows, self._fill(rows, self._block[:, :rows.stop - rows.start], model)
        self._transposed_complete = self._transposed is not None

    def kept_arrays(self):
        """The feature blocks kept between passes (what this object holds beyond a few chunks)."""
        return [features for _, features in self._kept_chunks]

    @staticmethod
    def _new_block(n_quadratic, n_rows, rows):
        block = np.empty((n_rows, rows.stop - rows.start))
        block[n_quadratic] = 1.0
        return block

    def _fill(self, rows, features, model):
        """Write the feature columns of the points ``rows`` into ``features`` (the row of ones is there)."""
        n_quadratic = features.shape[0] - 1 - self.X.shape[1]
        centred = features[n_quadratic + 1:]
        if self._transposed_complete:
            np.copyto(centred, self._transposed[:, rows])
        else:
            np.subtract(self.X[rows].T, self.centre[:, np.newaxis], out=centred)
            if self._transposed is not None:
                self._transposed[:, rows] = centred
        model.quadratic_features(centred, out=features[:n_quadratic])
        return features

    def _summing_scatter(self, chunks, n_quadratic):
        """Pass the chunks on, summing :attr:`scatter` from their centred points as they go by."""
        scatter = 0.0
        for rows, features in chunks:
            centred = features[n_quadratic + 1:]
            scatter += centred @ centred.T
            yield rows, features
        self.scatter = scatter


def _normalise_unshifted(weighted_log_prob, out, below_ceiling=False):
    r"""Turn a (k, m) block of :math:`\log \pi_k\mathcal{N}` into responsibilities (written to ``out``), in
    one exponential pass with no shift by each point's largest log-probability; return
    :math:`\sum_i \log p(x_i)` over the block, or None when a point's density :math:`p(x_i)` falls outside
    [SMALLEST_TOTAL, LARGEST_TOTAL], where this is not exact (then use :func:`_normalise_shifted` on the
    log-probabilities again: ``weighted_log_prob`` may have been overwritten). ``below_ceiling``: the caller
    knows that no log-probability exceeds ``log(LARGEST_TOTAL / k)``.

    Log-probabilities below LOG_NEGLIGIBLE are raised to it first, so no exponential is subnormal (a
    subnormal number slows every product it enters 3-15x, and exp itself 15x); within the bounds that moves
    no density by more than 1e-49 of itself, and every responsibility stays above 1e-300.
    """
    # ufunc reductions called directly: the .max() and .sum() wrappers cost a microsecond each, which shows
    # on small data (an iteration on 2,000 points takes about 50 microseconds)
    if not below_ceiling and \
            np.maximum.reduce(weighted_log_prob, axis=None) > LOG_LARGEST_TOTAL - math.log(out.shape[0]):
        return None
    low = np.minimum.reduce(weighted_log_prob, axis=None)
    if low < LOG_NEGLIGIBLE:
        np.maximum(weighted_log_prob, LOG_NEGLIGIBLE, out=weighted_log_prob)
    np.exp(weighted_log_prob, out=out)  # then normalised in place: faster than writing out from another block
    total = np.add.reduce(out, axis=0)
    if low < LOG_SMALLEST_TOTAL and np.minimum.reduce(total) < SMALLEST_TOTAL:
        return None
    log_likelihood = np.add.reduce(np.log(total))
    np.multiply(out, np.reciprocal(total, out=total), out=out)
    return log_likelihood


def _normalise_shifted(weighted_log_prob, out):
    r""":func:`_normalise_unshifted` for any block: each point's log-probabilities are shifted by their largest
    first, and ratios below exp(LOG_NEGLIGIBLE) = 1e-250 are raised to it (smaller ones, and their products
    in the M-step, would be subnormal numbers). So no responsibility is below 1e-250 / k, and none moves by
    more than that. ``weighted_log_prob`` is overwritten."""
    top = np.maximum.reduce(weighted_log_prob, axis=0)
    weighted_log_prob -= top
    np.maximum(weighted_log_prob, LOG_NEGLIGIBLE, out=weighted_log_prob)
    np.exp(weighted_log_prob, out=weighted_log_prob)
    total = np.add.reduce(weighted_log_prob, axis=0)
    log_likelihood = np.add.reduce(top) + np.add.reduce(np.log(total))
    np.multiply(weighted_log_prob, np.reciprocal(total, out=total), out=out)
    return log_likelihood


def _far_from_centre(model, centred_means, precisions_cholesky):
    """Which components sit so far from the data centre, for their spread, that the expanded form loses digits.

    The measure is the squared Mahalanobis distance of the centre from each component (see
    :data:`gmm_teach.covariance.FAR_FROM_CENTRE`).
    """
    projected = model.project_means(centred_means, precisions_cholesky)
    return (_row_dots(projected, projected) > FAR_FROM_CENTRE).nonzero()[0]


def _expectation(data, params, far=None, with_moments=True, log_weights=None):
    r"""The E-step over the data in chunks.

    Returns the responsibilities as a (k, n) array, the mean log-likelihood and, when ``with_moments``,
    the (k, n_features_rows) sums :math:`\sum_i r_{ik} f(x_i)` that the next M-step needs. ``far`` (the
    components to compute by the plain formulas) is found here unless the M-step that made ``params`` gives it.
    ``log_weights`` replaces :math:`\log\pi_k` (variational EM adds its expected terms there).
    """
    means = params.means
    n_components, n_features = means.shape
    model = COVARIANCE_MODELS[params.covariance_type].for_features(n_features)
    n_samples = data.X.shape[0]
    centred_means = means - data.centre
    if log_weights is None:
        log_weights = _log_weights(params.weights)
    coefficients = model.log_density_coefficients(centred_means, params.precisions_cholesky, log_weights)
    if far is None:
        far = _far_from_centre(model, centred_means, params.precisions_cholesky)
    far = model.plain_e_step_components(far)
    responsibilities = np.empty((n_components, n_samples))
    moments = None
    log_likelihood, shift = 0.0, False

    def log_densities(rows, features):
        weighted = model.chunk_log_density(coefficients, features, data.scratch)
        if far.size:
            weighted[far] = (log_gaussian_density(data.X[rows], params, far) + log_weights[far]).T
        return weighted

    # on small data a look at each block's largest value is cheaper than finding the peaks (4 microseconds)
    below_ceiling = n_samples * n_components > 20_000 and _peaks_below_ceiling(model, params, log_weights)
    for rows, features in data.feature_chunks(model):
        chunk_responsibilities = responsibilities[:, rows]
        chunk_log_likelihood = None if shift else _normalise_unshifted(log_densities(rows, features),
                                                                       chunk_responsibilities, below_ceiling)
        if chunk_log_likelihood is None:  # rare: recompute, and shift the rest of this pass (chunks are alike)
            shift = True
            chunk_log_likelihood = _normalise_shifted(log_densities(rows, features), chunk_responsibilities)
        log_likelihood += chunk_log_likelihood
        if with_moments:
            chunk_moments = model.chunk_moments(chunk_responsibilities, features, data.scratch)
            if moments is None:  # chunk_moments gives a new array: the next ones are added to it in place
                moments = chunk_moments
            else:
                moments += chunk_moments
    log_likelihood = log_likelihood / n_samples + model.shared_log_density(params.precisions_cholesky, data)
    return responsibilities, log_likelihood, moments


def _peaks_below_ceiling(model, params, log_weights):
    r"""Whether no row of ``model.chunk_log_density`` can exceed ``log(LARGEST_TOTAL / k)``, so that no chunk
    has to look for overflow: :math:`\log\pi_k\mathcal{N}(x\mid\mu_k,\Sigma_k)` is largest at the mean,
    :math:`\log\pi_k + \sum_j \log (U_k)_{jj} - \tfrac d2 \log 2\pi`. Not known for a model whose rows
    leave out a shared term (tied)."""
    n_components, n_features = params.means.shape
    if not model.peaks_at_mean:
        return False
    peaks = log_weights + model.log_det_cholesky(params.precisions_cholesky, n_features)
    return np.maximum.reduce(peaks) <= LOG_LARGEST_TOTAL - math.log(n_components) + 0.5 * n_features * LOG_2PI


def _log_weights(weights):
    r""":math:`\log \pi_k`; a weight of exactly 0 gives log 0 = -inf, which is right."""
    if np.minimum.reduce(weights) > 0.0:  # the usual case, without the cost of np.errstate
        return np.log(weights)
    with np.errstate(divide="ignore"):
        return np.log(weights)


def _moments(data, model, responsibilities):
    r"""The sums :math:`\sum_i r_{ik} f(x_i)` for given (k, n) responsibilities, in chunks."""
    model = model.for_features(data.X.shape[1])
    moments = 0.0
    for rows, features in data.feature_chunks(model):
        moments += model.chunk_moments(responsibilities[:, rows], features, data.scratch)
    return moments


NONE_FAR = np.empty(0, dtype=np.intp)
"""No component far from the data centre."""


def _estimated_covariances(data, model, responsibilities, moments, reg_covar):
    """:math:`N_k`, the means and the covariances of the M-step, from the moments.

    A component far from the data centre (or whose expanded-form covariance is not positive definite, maybe
    only by rounding) gets the plain two-pass formulas. Returns ``nk, centred_means, means, covariances`` and
    the precision Cholesky factors when no component needed the plain formulas (otherwise None).
    """
    n_features = data.X.shape[1]
    nk = moments[:, -n_features - 1] + 10 * EPS
    centred_means = moments[:, -n_features:] / nk[:, np.newaxis]
    means = centred_means + data.centre
    covariances = model.for_features(n_features).estimate_from_moments(
        moments[:, :-n_features - 1], nk, centred_means, reg_covar, data)
    try:
        precisions_cholesky = model.precisions_cholesky(covariances, reg_covar)
        far = _far_from_centre(model, centred_means, precisions_cholesky)
    except CollapsedComponentError:  # maybe only rounding in the expanded form: the plain formula decides
        far = np.arange(len(nk))
    if far.size:
        covariances = model.estimate_components(covariances, far, data.X, responsibilities.T, nk, means, reg_covar)
        precisions_cholesky = None
    return nk, centred_means, means, covariances, precisions_cholesky


def _maximisation(data, model, responsibilities, moments, reg_covar):
    """The M-step from the moments (see :func:`_estimated_covariances`).

    Returns the new ``MixtureParams`` and the indices of the components far from the data centre.
    """
    nk, centred_means, means, covariances, precisions_cholesky = _estimated_covariances(
        data, model, responsibilities, moments, reg_covar)
    if precisions_cholesky is None:  # some were re-estimated by the plain formulas
        precisions_cholesky = model.precisions_cholesky(covariances, reg_covar)
        far = _far_from_centre(model, centred_means, precisions_cholesky)  # as e_step will find it
    else:
        far = NONE_FAR
    return MixtureParams(nk / np.add.reduce(nk), means, covariances, precisions_cholesky, model.name), far


def e_step(X, params):
    r"""The E-step: how responsible each component is for each point.

    By Bayes' rule, the responsibility of component :math:`k` for point :math:`x_i` is the posterior
    probability that :math:`x_i` came from :math:`k`:

    .. math:: r_{ik} = \frac{\pi_k \mathcal{N}(x_i \mid \mu_k, \Sigma_k)}
                            {\sum_{j} \pi_j \mathcal{N}(x_i \mid \mu_j, \Sigma_j)}

    Each row of :math:`r` sums to one: a point is shared out among the components. The denominator is
    :math:`p(x_i)`, so the same pass gives the mean log-likelihood :math:`\frac1n\sum_i \log p(x_i)`.
    Everything is computed in log space.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    params : MixtureParams

    Returns
    -------
    responsibilities : ndarray of shape (n_samples, n_components)
    log_likelihood : float
        Mean log-likelihood of ``X`` under ``params``.

    Examples
    --------
    >>> import numpy as np
    >>> from gmm_teach.em import MixtureParams, e_step
    >>> params = MixtureParams.from_covariances([0.5, 0.5], [[0.0], [4.0]], [1.0, 1.0], "spherical")
    >>> responsibilities, log_likelihood = e_step(np.array([[0.0], [2.0]]), params)
    >>> responsibilities.round(3)
    array([[1. , 0. ],
           [0.5, 0.5]])
    """
    return _e_step_prepared(_CentredData(X), params)


def _e_step_prepared(data, params):
    # the same centre and chunks as em_steps, so a replayed step (EMTrace) equals the streamed one bit for bit
    responsibilities, log_likelihood, _ = _expectation(data, params, with_moments=False)
    return responsibilities.T, float(log_likelihood)


def m_step(X, responsibilities, covariance_type="full", reg_covar=1e-6):
    r"""The M-step: refit every component to the points it is responsible for.

    With :math:`N_k = \sum_i r_{ik}` the effective number of points of component :math:`k`:

    .. math::
        \pi_k = \frac{N_k}{n}, \qquad
        \mu_k = \frac{1}{N_k}\sum_i r_{ik}\, x_i, \qquad
        \Sigma_k = \frac{1}{N_k}\sum_i r_{ik}\,(x_i-\mu_k)(x_i-\mu_k)^\top + \epsilon I

    These are weighted versions of the usual mean and covariance; they maximise the expected complete-data
    log-likelihood for fixed responsibilities. ``reg_covar`` (:math:`\epsilon`) keeps each covariance
    positive definite when a component owns very few points. The covariance model (full, tied, diag,
    spherical) decides which form :math:`\Sigma_k` takes.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    responsibilities : ndarray of shape (n_samples, n_components)
    covariance_type : {"full", "tied", "diag", "spherical"}
    reg_covar : float

    Returns
    -------
    MixtureParams
    """
    model = COVARIANCE_MODELS[covariance_type]
    data = _CentredData(X)
    responsibilities = np.asarray(responsibilities, dtype=np.float64).T
    return _maximisation(data, model, responsibilities, _moments(data, model, responsibilities), reg_covar)[0]


def em_steps(X, initial_params, initial_responsibilities=None, *, tol=1e-3, max_iter=100, reg_covar=1e-6,
             previous_log_likelihood=-np.inf):
    """Run EM from ``initial_params`` and yield one :class:`EMStep` per iteration.

    Step 0 holds the initial parameters. Each later iteration costs one M-step (on the responsibilities of
    the previous parameters) and one E-step (on the new parameters), which gives both their log-likelihood
    and the responsibilities for the next iteration. The run stops, as scikit-learn's does, after the first
    iteration :math:`t \\ge 2` whose M-step followed a change of less than ``tol`` in the log-likelihood,
    :math:`|\\ell_{t-1} - \\ell_{t-2}| <` ``tol`` (that step has ``converged=True``), or after ``max_iter``
    iterations.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    initial_params : MixtureParams
    initial_responsibilities : ndarray of shape (n_samples, n_components), optional
        What produced ``initial_params`` (reported in step 0); defaults to their own E-step.
    tol : float
        Convergence threshold on the change of the mean log-likelihood.
    max_iter : int
        Number of EM iterations at most.
    reg_covar : float
        Added to the diagonal of every covariance in the M-step.
    previous_log_likelihood : float, default=-inf
        When this run continues another (a warm start), the mean log-likelihood of the parameters one
        M-step before ``initial_params``: step 1 converges when the change from it is below ``tol``. A
        fresh start has none, so its step 1 never converges.

    Yields
    ------
    EMStep

    Notes
    -----
    Every array in every step is new, never reused: a consumer may keep any of them. (The buffers reused
    inside, per-point features and work arrays of a chunk, are never yielded.) Each step's
    ``responsibilities`` is the transpose of a (k, n) array: an (n, k) view whose columns are contiguous.

    The E-step of iteration :math:`t` and the sums of the M-step of iteration :math:`t+1` are taken in the
    same pass over the data (:func:`_expectation`), so each iteration reads the data once.
    """
    data = _CentredData(X, many_passes=True)
    model = initial_params.model
    params = initial_params
    responsibilities, log_likelihood, moments = _expectation(data, params)
    if initial_responsibilities is None:
        initial_responsibilities = responsibilities.T
    yield EMStep(0, params, initial_responsibilities, float(log_likelihood), False)
    for iteration in range(1, max_iter + 1):
        params, far = _maximisation(data, model, responsibilities, moments, reg_covar)
        # scikit-learn's rule: the change of the two log-likelihoods known before this step's E-step
        converged = bool(abs(log_likelihood - previous_log_likelihood) < tol)
        previous_log_likelihood = log_likelihood
        next_responsibilities, log_likelihood, moments = _expectation(data, params, far)
        yield EMStep(iteration, params, responsibilities.T, float(log_likelihood), converged)
        if converged:
            return
        responsibilities = next_responsibilities
