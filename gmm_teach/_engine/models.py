r"""The covariance models, arranged for speed: each writes its log-density as one dot product.

The reference models (:mod:`gmm_teach.covariance`) hold the maths. Here, with the data centred once, every point
gets a short column of *features* :math:`f(x) = [q(x);\, 1;\, x]`, where the quadratic part :math:`q(x)` is what
the model's quadratic form needs:

============  ========================================================================================
model         quadratic features :math:`q(x)`
============  ========================================================================================
full          :math:`x_i x_j` for :math:`i \le j` (the upper triangle of :math:`x x^\top`); from
              :data:`STACKED_FROM_FEATURES` features on, none: see :class:`StackedFullFeatures`
tied          none: the shared :math:`-\tfrac12 x^\top \Sigma^{-1} x` cancels in the responsibilities,
              and its mean over the data is added to the log-likelihood once (:meth:`shared_log_density`)
diag          :math:`x_j^2`
spherical     :math:`\lVert x \rVert^2`
============  ========================================================================================

Expanding :math:`-\tfrac12 (x-\mu_k)^\top \Sigma_k^{-1} (x-\mu_k)` shows that
:math:`\log\pi_k\mathcal{N}(x\mid\mu_k,\Sigma_k) = a_k \cdot f(x)` for a coefficient row :math:`a_k`
(``log_density_coefficients``), so the E-step for all components is one matrix product. Summing
:math:`r_{ik} f(x_i)` over the points (again one matrix product) gives every :math:`N_k`, weighted sum and
weighted second moment the M-step needs (``covariances_from_sums``). A component so tight and so far from the
data centre that the expanded form would lose digits is computed about its own mean instead
(see :data:`FAR_FROM_CENTRE`).
"""

from functools import lru_cache

import numpy as np
from scipy.linalg import blas

from ..covariance import COVARIANCE_MODELS, LOG_2PI

FAR_FROM_CENTRE = 1e5
r"""Squared Mahalanobis distance :math:`D` from the data centre above which a component is computed about its own
mean (its features rebuilt from :math:`x - \mu_k`, see ``steps._OwnCentres``). The expanded quadratic form
subtracts numbers of about this size to get a result of the size of the component's own spread, so it loses
about :math:`D` times float64's rounding, 1e-16, relative: at most 1e-11 here, ten times inside the engine's
contract with the reference (1e-10). Computing a component about its own mean costs about one more feature block
per chunk, so the threshold is not lower."""

TIED_FAR_FROM_CENTRE = 1e4
r"""The tied model's threshold, above which its M-step takes the reference formulas: its shared covariance is the
data's scatter minus every component's :math:`N_k \mu_k \mu_k^\top`, which cancels more (1e6 lost 1e-10 with a
cluster 1,000 units out; 1e4 stays within 1e-14)."""

NEGLIGIBLE_RESPONSIBILITY = 1e-30
"""Leaving a point with a smaller responsibility :math:`r` out of component :math:`k`'s M-step sums moves
its covariance by :math:`r D / N_k` of itself (:math:`D`: the point's squared Mahalanobis distance from the
component), below float64's rounding unless :math:`D > 10^{14} N_k`: a point ten million standard
deviations away."""

GATHER_SHARE = 0.5
"""The M-step of :class:`StackedFullFeatures` gathers a component's points when at most this share of a
chunk has a responsibility above :data:`NEGLIGIBLE_RESPONSIBILITY` for it."""

STACKED_FROM_FEATURES = 16
"""From this many features on, the full model's fast form is :class:`StackedFullFeatures`."""


class _UpperTriangle:
    """Index arrays of the upper triangle of a (d, d) matrix, made once per d (EM uses them every iteration)."""

    def __init__(self, n_features):
        self.rows, self.columns = np.triu_indices(n_features)
        # -x^T A x / 2 = sum over i <= j of A_ij x_i x_j times -1/2 on the diagonal and -1 off it
        self.quadratic_scale = np.where(self.rows == self.columns, -0.5, -1.0)


@lru_cache(maxsize=64)
def _upper_triangle(n_features):
    return _UpperTriangle(n_features)


def _einsum_row_dots(a, b):
    return np.einsum("...d,...d->...", a, b)


row_dots = getattr(np, "vecdot", _einsum_row_dots)
"""Dot products of matching rows, :math:`\\sum_j a_{kj} b_{kj}` (NumPy 2's ufunc ``vecdot`` where it exists:
a small call costs half of ``einsum``'s, which shows in an iteration on small data)."""


def _coefficient_rows(quadratic, linear, log_det, means, log_terms):
    r"""Assemble the rows :math:`a_k = [\text{quadratic};\ c_k;\ \Sigma_k^{-1}\mu_k]` with the constant
    :math:`c_k = \log\pi_k + \sum_j \log (U_k)_{jj} - \tfrac12\left(d\log 2\pi + \lVert \mu_k U_k\rVert^2\right)`,
    where :math:`\lVert \mu_k U_k\rVert^2 = \mu_k \cdot \Sigma_k^{-1}\mu_k` is taken from the linear part."""
    constants = row_dots(means, linear)
    constants *= -0.5
    constants += log_terms
    constants += log_det - 0.5 * linear.shape[1] * LOG_2PI
    return np.concatenate((quadratic, constants[:, np.newaxis], linear), axis=1)


class _FeatureModel:
    """What every fast model does alike: its log-density is linear in the feature column, so one matrix
    product gives every component's log-density for a chunk of points, and one more the M-step's sums."""

    far_from_centre = FAR_FROM_CENTRE
    """The squared Mahalanobis distance from the data centre above which a component is computed another way."""

    rebuilds_far_features = True
    r"""Whether a component far from the data centre gets its own feature block, rebuilt from
    :math:`x - \mu_k`, for its E-step rows and M-step sums (``steps._OwnCentres``). The quadratic features
    need it; :class:`StackedFullFeatures` takes the sums about :math:`\mu_k` itself and needs nothing for its
    E-step."""

    needs_scatter = False
    r"""Whether the model needs the data's scatter :math:`\sum_i x_i x_i^\top` (``data.scatter``)."""

    peaks_at_mean = True
    r"""Whether each row of :meth:`chunk_log_density` is at most :math:`\log\pi_k + \sum_j\log(U_k)_{jj} -
    \tfrac d2\log 2\pi`, its value at the component's mean (the E-step then needs no overflow check)."""

    def __init__(self, name):
        self.name = name
        self.reference = COVARIANCE_MODELS[name]

    def chunk_log_density(self, coefficients, features, scratch):
        r""":math:`\log\pi_k\mathcal{N}(x \mid \mu_k, \Sigma_k)` for a chunk of points, shape (k, m).

        ``scratch(name, shape)`` gives a reusable array; the result lives in one until the next chunk."""
        result = scratch("log_density", (coefficients.shape[0], features.shape[1]))
        return np.matmul(coefficients, features, out=result)

    def shared_log_density(self, precisions_cholesky, data):
        """The mean over the data of a term all components share and the coefficient rows leave out (none here)."""
        return 0.0

    def own_centre_components(self, far):
        """Of the components ``far`` from the data centre, those to compute about their own means."""
        return far

    def chunk_moments(self, responsibilities, features, scratch):
        r""":math:`\sum_i r_{ik} f(x_i)` over a chunk, shape (k, n_feature_rows); its last d + 1 columns are
        :math:`N_k` and :math:`\sum_i r_{ik} x_i`."""
        return responsibilities @ features.T

    def select(self, precisions_cholesky, components):
        """The precision Cholesky factors of the chosen components only."""
        return precisions_cholesky[components]

    def reestimate(self, covariances, components, X, responsibilities, nk, means, reg_covar):
        """``covariances`` with the chosen components re-estimated by the reference formula."""
        covariances = covariances.copy()
        covariances[components] = self.reference.estimate(
            X, responsibilities[:, components], nk[components], means[components], reg_covar
        )
        return covariances


class FullFeatures(_FeatureModel):
    """Full covariances: the quadratic features are the products :math:`x_i x_j`, :math:`i \\le j`."""

    def n_quadratic_features(self, n_features):
        return n_features * (n_features + 1) // 2

    def quadratic_features(self, centred, out):
        r"""The products :math:`x_i x_j`, :math:`i \le j`, one row each; points are the columns of ``centred``."""
        start = 0
        for i, row in enumerate(centred):
            np.multiply(row, centred[i:], out=out[start : start + len(centred) - i])
            start += len(centred) - i
        return out

    def project_means(self, means, precisions_cholesky):
        r""":math:`\mu_k U_k`, one row per component."""
        return np.matmul(means[:, np.newaxis, :], precisions_cholesky)[:, 0, :]

    def log_density_coefficients(self, means, precisions_cholesky, log_terms):
        r"""Rows :math:`a_k` with :math:`a_k \cdot [x_i x_j;\, 1;\, x] = \log\pi_k\mathcal{N}(x \mid \mu_k, \Sigma_k)`.

        From :math:`-\tfrac12 x^\top\Lambda x = -\sum_{i<j}\Lambda_{ij}x_ix_j - \tfrac12\sum_i\Lambda_{ii}x_i^2`
        with :math:`\Lambda_k = \Sigma_k^{-1}`; the linear part is :math:`\Lambda_k \mu_k`.
        """
        precisions = self.reference.precisions(precisions_cholesky)
        triangle = _upper_triangle(means.shape[1])
        quadratic = triangle.quadratic_scale * precisions[:, triangle.rows, triangle.columns]
        linear = np.matmul(precisions, means[:, :, np.newaxis])[:, :, 0]
        log_det = self.reference.log_det_cholesky(precisions_cholesky, means.shape[1])
        return _coefficient_rows(quadratic, linear, log_det, means, log_terms)

    def covariances_from_sums(self, second_moments, nk, means, reg_covar, data):
        r""":math:`\Sigma_k = \frac{1}{N_k}\sum_i r_{ik} x_i x_i^\top - \mu_k\mu_k^\top + \epsilon I` from the
        weighted sums of the quadratic features (the data and ``means`` centred alike)."""
        n_components, n_features = means.shape
        triangle = _upper_triangle(n_features)
        second_moments = second_moments / nk[:, np.newaxis]
        covariances = np.empty((n_components, n_features, n_features))
        covariances[:, triangle.rows, triangle.columns] = second_moments
        covariances[:, triangle.columns, triangle.rows] = second_moments
        covariances -= means[:, :, np.newaxis] * means[:, np.newaxis, :]
        covariances.reshape(n_components, -1)[:, :: n_features + 1] += reg_covar
        return covariances


class TiedFeatures(_FeatureModel):
    """One shared covariance: no quadratic features (the shared quadratic form cancels in the responsibilities)."""

    far_from_centre = TIED_FAR_FROM_CENTRE
    needs_scatter = True
    peaks_at_mean = False  # the rows leave out the shared -x^T Sigma^-1 x / 2 (see shared_log_density)

    def n_quadratic_features(self, n_features):
        return 0

    def quadratic_features(self, centred, out):
        return out

    def shared_log_density(self, precisions_cholesky, data):
        r"""The term every component shares, :math:`-\tfrac12 x^\top\Sigma^{-1}x`, averaged over the data:
        :math:`-\tfrac{1}{2n}\operatorname{tr}(\Sigma^{-1} S)` with the data's scatter :math:`S`.

        It cancels in the responsibilities, so the coefficient rows leave it out and the E-step adds it to the
        mean log-likelihood only: no per-point quadratic form at all.
        """
        return -0.5 * np.vdot(data.scatter @ precisions_cholesky, precisions_cholesky) / data.weight_total

    def own_centre_components(self, far):
        """None: without the shared quadratic form the rows are linear in x and lose no more digits than the
        reference formula would (the M-step still re-estimates a far shared covariance the reference way: its
        sums pool every component, so no one component's centre would do)."""
        return far[:0]

    def project_means(self, means, precisions_cholesky):
        return means @ precisions_cholesky

    def log_density_coefficients(self, means, precisions_cholesky, log_terms):
        r"""Rows :math:`a_k = [c_k;\ \Sigma^{-1}\mu_k]`: the log-density without the shared
        :math:`-\tfrac12 x^\top\Sigma^{-1}x` (see :meth:`shared_log_density`)."""
        projected_means = self.project_means(means, precisions_cholesky)
        log_det = self.reference.log_det_cholesky(precisions_cholesky, means.shape[1])
        return _coefficient_rows(
            np.empty((means.shape[0], 0)), projected_means @ precisions_cholesky.T, log_det, means, log_terms
        )

    def covariances_from_sums(self, second_moments, nk, means, reg_covar, data):
        r""":math:`\Sigma = \frac1N\left(\sum_i x_i x_i^\top - \sum_k N_k\mu_k\mu_k^\top\right) + \epsilon I`
        (the responsibilities of a point sum to one), with the data's scatter computed once."""
        covariance = (data.scatter - (nk[:, np.newaxis] * means).T @ means) / np.add.reduce(nk)
        covariance.ravel()[:: means.shape[1] + 1] += reg_covar  # ravel: a view of this new array
        return covariance

    def select(self, precisions_cholesky, components):
        """The shared factor: every component has it."""
        return precisions_cholesky

    def reestimate(self, covariances, components, X, responsibilities, nk, means, reg_covar):
        """The shared covariance sums over every component, so all of it is re-estimated."""
        return self.reference.estimate(X, responsibilities, nk, means, reg_covar)


class DiagFeatures(_FeatureModel):
    """Axis-aligned variances: the quadratic features are the squares :math:`x_j^2`."""

    def n_quadratic_features(self, n_features):
        return n_features

    def quadratic_features(self, centred, out):
        return np.square(centred, out=out)

    def project_means(self, means, precisions_cholesky):
        return means * precisions_cholesky

    def log_density_coefficients(self, means, precisions_cholesky, log_terms):
        r"""Rows :math:`a_k = [-\tfrac12 \sigma_{kj}^{-2};\ c_k;\ \mu_{kj}\sigma_{kj}^{-2}]`."""
        precisions = precisions_cholesky**2
        log_det = self.reference.log_det_cholesky(precisions_cholesky, means.shape[1])
        return _coefficient_rows(-0.5 * precisions, precisions * means, log_det, means, log_terms)

    def covariances_from_sums(self, second_moments, nk, means, reg_covar, data):
        r""":math:`\sigma^2_{kj} = \frac{1}{N_k}\sum_i r_{ik} x_{ij}^2 - \mu_{kj}^2 + \epsilon`."""
        return second_moments / nk[:, np.newaxis] - means**2 + reg_covar


class SphericalFeatures(_FeatureModel):
    """One variance per component: the quadratic feature is the squared length :math:`\\lVert x\\rVert^2`."""

    def n_quadratic_features(self, n_features):
        return 1

    def quadratic_features(self, centred, out):
        return np.einsum("ij,ij->j", centred, centred, out=out[0])

    def project_means(self, means, precisions_cholesky):
        return means * precisions_cholesky[:, np.newaxis]

    def log_density_coefficients(self, means, precisions_cholesky, log_terms):
        r"""Rows :math:`a_k = [-\tfrac12 \sigma_k^{-2};\ c_k;\ \mu_k\sigma_k^{-2}]`."""
        precisions = precisions_cholesky**2
        log_det = self.reference.log_det_cholesky(precisions_cholesky, means.shape[1])
        return _coefficient_rows(
            -0.5 * precisions[:, np.newaxis], precisions[:, np.newaxis] * means, log_det, means, log_terms
        )

    def covariances_from_sums(self, second_moments, nk, means, reg_covar, data):
        r""":math:`\sigma^2_k = \frac1d\left(\frac{1}{N_k}\sum_i r_{ik}\lVert x_i\rVert^2
        - \lVert\mu_k\rVert^2\right) + \epsilon`."""
        return (second_moments[:, 0] / nk - row_dots(means, means)) / means.shape[1] + reg_covar


class StackedFullFeatures(FullFeatures):
    r"""The full model for many features, where :math:`d(d+1)/2` product features would not pay.

    The features are just :math:`f(x) = [1; x]`, and both steps use the triangular and symmetric shapes of
    what they compute, which halves the arithmetic of a plain matrix product:

    * E-step: the row :math:`[1,\ x^\top]` times the upper-triangular :math:`(d+1) \times (d+1)` matrix
      :math:`\tilde U_k = \begin{bmatrix} 0 & -\mu_k^\top U_k \\ 0 & U_k \end{bmatrix}` is
      :math:`[0,\ (x-\mu_k)^\top U_k]`, the whitened difference, whose squared length is the Mahalanobis
      distance. BLAS's triangular product (``trmm``) does it in place on a copy of the chunk.
    * M-step: with :math:`g_i = \sqrt{r_{ik}}\, f(x_i)`, the symmetric product :math:`\sum_i g_i g_i^\top`
      (``syrk``, which NumPy calls for ``G @ G.T``) holds :math:`N_k` (top left),
      :math:`\sum_i r_{ik} x_i` (first row) and :math:`\sum_i r_{ik} x_i x_i^\top` (the rest). Points whose
      responsibility is negligible for the component are left out (see :meth:`chunk_moments`).
    """

    rebuilds_far_features = False
    """Its E-step row is a whitened difference :math:`[1,\\ x^\top]\\,\tilde U_k = (x - \\mu_k)^\top U_k`,
    which for a mean at squared distance :math:`D` from the centre loses only about :math:`\\sqrt D` times the
    rounding: nothing to rebuild. Its M-step sums are taken about :math:`\\mu_k` (see :meth:`chunk_moments`)."""

    def n_quadratic_features(self, n_features):
        return 0

    def quadratic_features(self, centred, out):
        return out

    def log_density_coefficients(self, means, precisions_cholesky, log_terms):
        r"""Each component's :math:`\tilde U_k` (Fortran order, as BLAS takes it) and constant."""
        n_components, n_features = means.shape
        augmented = np.zeros((n_components, n_features + 1, n_features + 1))
        augmented[:, 0, 1:] = -self.project_means(means, precisions_cholesky)
        augmented[:, 1:, 1:] = precisions_cholesky
        log_det = self.reference.log_det_cholesky(precisions_cholesky, n_features)
        constants = log_terms + log_det - 0.5 * n_features * LOG_2PI
        return [np.asfortranarray(matrix) for matrix in augmented], constants

    def chunk_log_density(self, coefficients, features, scratch):
        augmented, constants = coefficients
        squared_distances = scratch("log_density", (len(constants), features.shape[1]))
        work = scratch("whitened", features.shape)
        for k, matrix in enumerate(augmented):
            np.copyto(work, features)
            # work.T is the chunk as rows [1, x] in Fortran order: overwritten by [1, x] @ matrix, no copy
            blas.dtrmm(1.0, matrix, work.T, side=1, lower=0, overwrite_b=1)
            np.einsum("ij,ij->j", work, work, out=squared_distances[k])
        squared_distances *= -0.5
        squared_distances += constants[:, np.newaxis]
        return squared_distances

    def chunk_moments(self, responsibilities, features, scratch, offsets=None):
        r"""[:math:`\sum_i r_{ik} x_i x_i^\top` flattened, :math:`N_k`, :math:`\sum_i r_{ik} x_i`] over a chunk,
        with :math:`x` taken about each component's point (``offsets`` from the data centre, zero without).

        A point whose responsibility is below :data:`NEGLIGIBLE_RESPONSIBILITY` adds less to these sums than
        their rounding error, so when most points are such for a component (well separated clusters) only
        the others are gathered and multiplied.
        """
        n_components, n_rows = responsibilities.shape[0], features.shape[0]
        moments = np.empty((n_components, n_rows * n_rows))
        for k, weights in enumerate(responsibilities):
            owned = np.flatnonzero(weights >= NEGLIGIBLE_RESPONSIBILITY)
            if len(owned) <= GATHER_SHARE * len(weights):
                points = np.take(features, owned, axis=1, out=scratch("weighted", (n_rows, len(owned))))
                roots = np.sqrt(weights[owned])
            else:
                points, roots = features, np.sqrt(weights)
            if offsets is not None and offsets[k].any():
                shift = np.concatenate(([0.0], offsets[k]))[:, np.newaxis]  # the row of ones stays
                points = np.subtract(points, shift, out=scratch("weighted", points.shape))
            weighted = np.multiply(points, roots, out=scratch("weighted", points.shape))
            moments[k] = np.matmul(weighted, weighted.T).ravel()
        products = moments.reshape(n_components, n_rows, n_rows)
        return np.hstack([products[:, 1:, 1:].reshape(n_components, (n_rows - 1) ** 2), products[:, 0, :]])

    def covariances_from_sums(self, second_moments, nk, means, reg_covar, data):
        n_components, n_features = means.shape
        covariances = second_moments.reshape(n_components, n_features, n_features) / nk[:, np.newaxis, np.newaxis]
        covariances -= means[:, :, np.newaxis] * means[:, np.newaxis, :]
        covariances.reshape(n_components, -1)[:, :: n_features + 1] += reg_covar
        return covariances


FAST_MODELS = {
    "full": FullFeatures("full"),
    "tied": TiedFeatures("tied"),
    "diag": DiagFeatures("diag"),
    "spherical": SphericalFeatures("spherical"),
}
STACKED_FULL = StackedFullFeatures("full")


def fast_model(covariance_type, n_features):
    """The fast model for ``covariance_type`` and data with ``n_features`` features."""
    if covariance_type == "full" and n_features >= STACKED_FROM_FEATURES:
        return STACKED_FULL
    return FAST_MODELS[covariance_type]
