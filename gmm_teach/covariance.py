r"""The four covariance models of a Gaussian mixture, one small class each, with only the maths.

A Gaussian component :math:`k` has a covariance matrix :math:`\Sigma_k` that sets the size, shape and
orientation of its cluster. The models differ in how much freedom they give it:

============  ==========================================  ==============================
model         covariance                                  stored shape (as scikit-learn)
============  ==========================================  ==============================
full          any symmetric positive-definite matrix      (k, d, d)
tied          one full matrix shared by all components    (d, d)
diag          axis-aligned: a diagonal matrix             (k, d)
spherical     round: :math:`\sigma_k^2 I`                 (k,)
============  ==========================================  ==============================

Every model has the same methods, so the EM code never asks which model it has:

* :meth:`~FullCovariance.estimate`: the M-step's covariance from the responsibilities, which is
  :meth:`~FullCovariance.from_scatter` of the weighted scatter about the means, :meth:`~FullCovariance.scatter`;
* :meth:`~FullCovariance.precisions_cholesky`: the canonical parameter :math:`U_k`, with
  :math:`\Sigma_k^{-1} = U_k U_k^\top`;
* :meth:`~FullCovariance.log_det_cholesky`: :math:`\sum_j \log (U_k)_{jj} = -\tfrac12\log\det\Sigma_k`;
* :meth:`~FullCovariance.squared_mahalanobis`: :math:`\lVert (x - \mu_k) U_k \rVert^2`, one matrix product and
  a sum of squares;
* :meth:`~FullCovariance.n_parameters` and :meth:`~FullCovariance.as_full`.

No covariance is ever inverted with ``np.linalg.inv``. (Fits run the same maths arranged for speed in the
private ``gmm_teach._engine``; tests hold the two equal.)
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import linalg

LOG_2PI = np.log(2.0 * np.pi)

COLLAPSE_ADVICE = (
    "Fitting the mixture failed because a component collapsed: its covariance is not positive definite "
    "(this happens with duplicate points, a component that owns one or two points, or features on very "
    "different scales). Increase reg_covar (now {reg_covar:g}), use fewer components, or scale the features."
)


class CollapsedComponentError(ValueError):
    """A component's covariance is not positive definite; the message says what to change."""


@lru_cache(maxsize=64)
def _upper_triangle_mask(n_features):
    return np.triu(np.ones((n_features, n_features)))


def _upper_precision_cholesky(covariances, reg_covar):
    r"""Return :math:`U` (upper triangular) with :math:`U U^\top = \Sigma^{-1}`, for one matrix or a stack.

    :math:`\Sigma = L L^\top` (Cholesky) gives :math:`\Sigma^{-1} = L^{-\top} L^{-1}`, so :math:`U = L^{-\top}`.
    The inverse of the triangular :math:`L` is triangular; multiplying by the upper-triangle mask clears the
    rounding noise that the batched inverse can leave below the diagonal.
    """
    try:
        lower = np.linalg.cholesky(covariances)
    except np.linalg.LinAlgError:
        raise CollapsedComponentError(COLLAPSE_ADVICE.format(reg_covar=reg_covar)) from None
    return np.swapaxes(np.linalg.inv(lower), -1, -2) * _upper_triangle_mask(covariances.shape[-1])


def _upper_cholesky_of_precision(precision):
    r"""Return upper-triangular :math:`U` with :math:`U U^\top = \Lambda`, by Cholesky of the reversed matrix."""
    reversed_lower = linalg.cholesky(precision[::-1, ::-1], lower=True)
    return reversed_lower[::-1, ::-1]


def _rounding_noise(means):
    """Squared rounding error of the means: a smaller variance cannot be told apart from zero."""
    return (16 * np.finfo(float).eps * np.abs(means)) ** 2


class CovarianceModel:
    """The M-step every model shares: its covariance is a function of the weighted scatter about the means."""

    def estimate(
        self, X: np.ndarray, responsibilities: np.ndarray, nk: np.ndarray, means: np.ndarray, reg_covar: float
    ) -> np.ndarray:
        r"""The M-step's covariances: :meth:`from_scatter` of :meth:`scatter`. For the full model,
        :math:`\Sigma_k = \frac{1}{N_k}\sum_i r_{ik}(x_i-\mu_k)(x_i-\mu_k)^\top + \epsilon I`.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
        responsibilities : ndarray of shape (n_samples, n_components)
        nk : ndarray of shape (n_components,)
            :math:`N_k = \sum_i r_{ik}`.
        means : ndarray of shape (n_components, n_features)
        reg_covar : float
            :math:`\epsilon`, added to every variance.

        Returns
        -------
        ndarray in the model's shape (see the module's table)
        """
        return self.from_scatter(self.scatter(X, responsibilities, means), nk, reg_covar)

    def refuse_collapsed(self, covariances: np.ndarray, means: np.ndarray, reg_covar: float) -> None:
        """Raise :class:`CollapsedComponentError` when, without ``reg_covar``, a variance is at the rounding noise
        of its mean (the diagonal and spherical models); the full and tied models are judged by their Cholesky
        factorisation instead (:meth:`precisions_cholesky`), so nothing happens here."""


class FullCovariance(CovarianceModel):
    """Each component has its own full covariance matrix: any ellipse, any orientation."""

    name = "full"

    def scatter(self, X: np.ndarray, weights: np.ndarray, means: np.ndarray) -> np.ndarray:
        r"""The weighted scatter of each component about its mean,
        :math:`S_k = \sum_i w_{ik}(x_i-\mu_k)(x_i-\mu_k)^\top`, shape (n_components, n_features, n_features).

        ``weights`` (n_samples, n_components) are the responsibilities (times any sample weights).
        """
        n_components, n_features = means.shape
        scatters = np.empty((n_components, n_features, n_features))
        for k in range(n_components):
            centred = X - means[k]
            scatters[k] = (weights[:, k] * centred.T) @ centred
        return scatters

    def from_scatter(self, scatters: np.ndarray, nk: np.ndarray, reg_covar: float) -> np.ndarray:
        r"""The covariances :math:`\Sigma_k = S_k / N_k + \epsilon I` from the scatters of :meth:`scatter`."""
        covariances = scatters / nk[:, np.newaxis, np.newaxis]
        covariances[:, np.arange(scatters.shape[-1]), np.arange(scatters.shape[-1])] += reg_covar
        return covariances

    def precisions_cholesky(self, covariances: np.ndarray, reg_covar: float = 0.0) -> np.ndarray:
        r"""Upper-triangular :math:`U_k` with :math:`U_k U_k^\top = \Sigma_k^{-1}`, same shape as ``covariances``.

        Raises :class:`CollapsedComponentError` (saying to raise ``reg_covar``) when a covariance is not
        positive definite.
        """
        return _upper_precision_cholesky(covariances, reg_covar)

    def precisions_cholesky_from_precisions(self, precisions: np.ndarray) -> np.ndarray:
        r""":math:`U_k` from the precisions :math:`\Lambda_k = \Sigma_k^{-1}` (as ``precisions_init`` gives them)."""
        return np.stack([_upper_cholesky_of_precision(precision) for precision in precisions])

    def precisions(self, precisions_cholesky: np.ndarray) -> np.ndarray:
        r"""The precisions :math:`\Lambda_k = U_k U_k^\top`."""
        return precisions_cholesky @ np.swapaxes(precisions_cholesky, 1, 2)

    def covariances_from_precisions_cholesky(self, precisions_cholesky: np.ndarray) -> np.ndarray:
        r"""The covariances :math:`\Sigma_k = (U_k U_k^\top)^{-1} = U_k^{-\top} U_k^{-1}`."""
        inverse = np.linalg.inv(precisions_cholesky)  # triangular factor, well conditioned by construction
        return np.swapaxes(inverse, 1, 2) @ inverse

    def log_det_cholesky(self, precisions_cholesky: np.ndarray, n_features: int) -> np.ndarray:
        r""":math:`\sum_j \log (U_k)_{jj} = -\tfrac12 \log\det\Sigma_k`, one value per component."""
        return np.add.reduce(np.log(precisions_cholesky.diagonal(0, 1, 2)), axis=1)

    def squared_mahalanobis(self, X: np.ndarray, means: np.ndarray, precisions_cholesky: np.ndarray) -> np.ndarray:
        r""":math:`\lVert (x_i-\mu_k) U_k\rVert^2 = (x_i-\mu_k)^\top\Sigma_k^{-1}(x_i-\mu_k)`, shape (n, k)."""
        distances = np.empty((X.shape[0], means.shape[0]))
        for k, (mean, cholesky) in enumerate(zip(means, precisions_cholesky)):
            projected = (X - mean) @ cholesky
            distances[:, k] = np.einsum("ij,ij->i", projected, projected)
        return distances

    def n_parameters(self, n_components: int, n_features: int) -> int:
        r"""Free covariance parameters: :math:`K\,d(d+1)/2` (each matrix is symmetric)."""
        return n_components * n_features * (n_features + 1) // 2

    def as_full(self, covariances: np.ndarray, n_components: int, n_features: int) -> np.ndarray:
        """The covariances as full matrices, shape (n_components, n_features, n_features)."""
        return np.asarray(covariances)


class TiedCovariance(CovarianceModel):
    """All components share one full covariance matrix: same ellipse everywhere, different centres."""

    name = "tied"

    def scatter(self, X: np.ndarray, weights: np.ndarray, means: np.ndarray) -> np.ndarray:
        r"""The weighted scatter of each component about its own mean, as :meth:`FullCovariance.scatter`
        (the shared covariance pools them), shape (n_components, n_features, n_features)."""
        return FULL.scatter(X, weights, means)

    def from_scatter(self, scatters: np.ndarray, nk: np.ndarray, reg_covar: float) -> np.ndarray:
        r"""The shared covariance :math:`\Sigma = \frac{1}{N}\sum_k S_k + \epsilon I`, :math:`N = \sum_k N_k`,
        shape (n_features, n_features)."""
        covariance = scatters.sum(axis=0) / nk.sum()
        covariance.flat[:: covariance.shape[0] + 1] += reg_covar
        return covariance

    def precisions_cholesky(self, covariances: np.ndarray, reg_covar: float = 0.0) -> np.ndarray:
        r"""Upper-triangular :math:`U` with :math:`U U^\top = \Sigma^{-1}`, shape (d, d)."""
        return _upper_precision_cholesky(covariances, reg_covar)

    def precisions_cholesky_from_precisions(self, precisions: np.ndarray) -> np.ndarray:
        r""":math:`U` from the precision :math:`\Lambda = \Sigma^{-1}`."""
        return _upper_cholesky_of_precision(precisions)

    def precisions(self, precisions_cholesky: np.ndarray) -> np.ndarray:
        r"""The precision :math:`\Lambda = U U^\top`."""
        return precisions_cholesky @ precisions_cholesky.T

    def covariances_from_precisions_cholesky(self, precisions_cholesky: np.ndarray) -> np.ndarray:
        r"""The covariance :math:`\Sigma = U^{-\top} U^{-1}`."""
        inverse = np.linalg.inv(precisions_cholesky)
        return inverse.T @ inverse

    def log_det_cholesky(self, precisions_cholesky: np.ndarray, n_features: int) -> np.ndarray:
        r""":math:`\sum_j \log U_{jj} = -\tfrac12 \log\det\Sigma`, the same for every component (a number)."""
        return np.add.reduce(np.log(precisions_cholesky.diagonal()))

    def squared_mahalanobis(self, X: np.ndarray, means: np.ndarray, precisions_cholesky: np.ndarray) -> np.ndarray:
        r""":math:`\lVert (x_i-\mu_k) U\rVert^2` for every point and component, shape (n, k)."""
        distances = np.empty((X.shape[0], means.shape[0]))
        for k, mean in enumerate(means):
            projected = (X - mean) @ precisions_cholesky
            distances[:, k] = np.einsum("ij,ij->i", projected, projected)
        return distances

    def n_parameters(self, n_components: int, n_features: int) -> int:
        r"""Free covariance parameters: :math:`d(d+1)/2`, one matrix for all."""
        return n_features * (n_features + 1) // 2

    def as_full(self, covariances: np.ndarray, n_components: int, n_features: int) -> np.ndarray:
        """The shared covariance repeated for every component, shape (n_components, n_features, n_features)."""
        return np.broadcast_to(covariances, (n_components, n_features, n_features)).copy()


class _VarianceModel(CovarianceModel):
    """What the diag and spherical models share: their covariances are variances, their factors 1/sigma."""

    def precisions_cholesky(self, covariances: np.ndarray, reg_covar: float = 0.0) -> np.ndarray:
        r""":math:`U = 1/\sigma`, elementwise; raises :class:`CollapsedComponentError` for a variance <= 0."""
        if not np.minimum.reduce(covariances, axis=None) > 0.0:  # np.any(covariances <= 0.0), in one call
            raise CollapsedComponentError(COLLAPSE_ADVICE.format(reg_covar=reg_covar))
        return 1.0 / np.sqrt(covariances)

    def precisions_cholesky_from_precisions(self, precisions: np.ndarray) -> np.ndarray:
        r""":math:`U = \sqrt{\lambda}` from the precisions (inverse variances)."""
        return np.sqrt(precisions)

    def precisions(self, precisions_cholesky: np.ndarray) -> np.ndarray:
        r"""The precisions (inverse variances), :math:`U^2`."""
        return precisions_cholesky**2

    def covariances_from_precisions_cholesky(self, precisions_cholesky: np.ndarray) -> np.ndarray:
        r"""The variances, :math:`1/U^2`."""
        return 1.0 / precisions_cholesky**2


class DiagCovariance(_VarianceModel):
    """Each component has its own variances along the axes: ellipses aligned with the axes."""

    name = "diag"

    def scatter(self, X: np.ndarray, weights: np.ndarray, means: np.ndarray) -> np.ndarray:
        r"""The weighted sums of squares of each component about its mean,
        :math:`s_{kj} = \sum_i w_{ik}(x_{ij}-\mu_{kj})^2`, shape (n_components, n_features)."""
        scatters = np.empty_like(means, dtype=float)
        for k, mean in enumerate(means):
            scatters[k] = weights[:, k] @ (X - mean) ** 2
        return scatters

    def from_scatter(self, scatters: np.ndarray, nk: np.ndarray, reg_covar: float) -> np.ndarray:
        r"""The variances :math:`\sigma^2_{kj} = s_{kj} / N_k + \epsilon`."""
        return scatters / nk[:, np.newaxis] + reg_covar

    def estimate(
        self, X: np.ndarray, responsibilities: np.ndarray, nk: np.ndarray, means: np.ndarray, reg_covar: float
    ) -> np.ndarray:
        r"""The variances, :math:`\sigma^2_{kj} = \frac{1}{N_k}\sum_i r_{ik}(x_{ij}-\mu_{kj})^2 + \epsilon`.

        Parameters as :meth:`FullCovariance.estimate`; returns shape (n_components, n_features). Without
        ``reg_covar``, a variance at the rounding noise of its mean raises :class:`CollapsedComponentError`.
        """
        variances = super().estimate(X, responsibilities, nk, means, reg_covar)
        self.refuse_collapsed(variances, means, reg_covar)
        return variances

    def refuse_collapsed(self, variances: np.ndarray, means: np.ndarray, reg_covar: float) -> None:
        """Without ``reg_covar``, a variance at the rounding noise of its mean's coordinate raises
        :class:`CollapsedComponentError`: it cannot be told apart from zero."""
        if reg_covar <= 0.0 and np.any(variances <= _rounding_noise(means)):
            raise CollapsedComponentError(COLLAPSE_ADVICE.format(reg_covar=reg_covar))

    def log_det_cholesky(self, precisions_cholesky: np.ndarray, n_features: int) -> np.ndarray:
        r""":math:`\sum_j \log(1/\sigma_{kj})`, one value per component."""
        return np.add.reduce(np.log(precisions_cholesky), axis=1)

    def squared_mahalanobis(self, X: np.ndarray, means: np.ndarray, precisions_cholesky: np.ndarray) -> np.ndarray:
        r""":math:`\sum_j (x_{ij}-\mu_{kj})^2/\sigma_{kj}^2` for every point and component, shape (n, k)."""
        distances = np.empty((X.shape[0], means.shape[0]))
        for k, (mean, scale) in enumerate(zip(means, precisions_cholesky)):
            distances[:, k] = ((X - mean) ** 2) @ scale**2
        return distances

    def n_parameters(self, n_components: int, n_features: int) -> int:
        r"""Free covariance parameters: :math:`K d` variances."""
        return n_components * n_features

    def as_full(self, covariances: np.ndarray, n_components: int, n_features: int) -> np.ndarray:
        """Diagonal matrices, shape (n_components, n_features, n_features)."""
        full = np.zeros((n_components, n_features, n_features))
        full[:, np.arange(n_features), np.arange(n_features)] = covariances
        return full


class SphericalCovariance(_VarianceModel):
    """Each component is round, with one variance of its own: circles of different sizes."""

    name = "spherical"

    def scatter(self, X: np.ndarray, weights: np.ndarray, means: np.ndarray) -> np.ndarray:
        r"""The weighted sums of squares per feature, as :meth:`DiagCovariance.scatter`, shape
        (n_components, n_features)."""
        return DIAG.scatter(X, weights, means)

    def from_scatter(self, scatters: np.ndarray, nk: np.ndarray, reg_covar: float) -> np.ndarray:
        r"""One variance per component, :math:`\sigma^2_k = \frac{1}{d}\sum_j s_{kj} / N_k + \epsilon`: the mean of
        the diagonal model's variances."""
        return DIAG.from_scatter(scatters, nk, reg_covar).mean(axis=1)

    def estimate(
        self, X: np.ndarray, responsibilities: np.ndarray, nk: np.ndarray, means: np.ndarray, reg_covar: float
    ) -> np.ndarray:
        r"""One variance per component, the mean of the diagonal model's variances (without ``reg_covar``, one at
        the rounding noise of its mean raises :class:`CollapsedComponentError`). Returns shape (n_components,)."""
        variances = super().estimate(X, responsibilities, nk, means, reg_covar)
        self.refuse_collapsed(variances, means, reg_covar)
        return variances

    def refuse_collapsed(self, variances: np.ndarray, means: np.ndarray, reg_covar: float) -> None:
        """Without ``reg_covar``, a component's one variance at the rounding noise of its mean's largest coordinate
        raises :class:`CollapsedComponentError`."""
        DIAG.refuse_collapsed(variances, np.max(np.abs(means), axis=1), reg_covar)

    def log_det_cholesky(self, precisions_cholesky: np.ndarray, n_features: int) -> np.ndarray:
        r""":math:`d \log(1/\sigma_k)`, one value per component."""
        return n_features * np.log(precisions_cholesky)

    def squared_mahalanobis(self, X: np.ndarray, means: np.ndarray, precisions_cholesky: np.ndarray) -> np.ndarray:
        r""":math:`\lVert x_i-\mu_k\rVert^2/\sigma_k^2` for every point and component, shape (n, k)."""
        distances = np.empty((X.shape[0], means.shape[0]))
        for k, mean in enumerate(means):
            centred = X - mean
            distances[:, k] = np.einsum("ij,ij->i", centred, centred)
        return distances * precisions_cholesky**2

    def n_parameters(self, n_components: int, n_features: int) -> int:
        r"""Free covariance parameters: :math:`K` variances."""
        return n_components

    def as_full(self, covariances: np.ndarray, n_components: int, n_features: int) -> np.ndarray:
        r""":math:`\sigma_k^2 I`, shape (n_components, n_features, n_features)."""
        return np.asarray(covariances)[:, np.newaxis, np.newaxis] * np.eye(n_features)


FULL, DIAG = FullCovariance(), DiagCovariance()

COVARIANCE_MODELS = {model.name: model for model in (FULL, TiedCovariance(), DIAG, SphericalCovariance())}
"""The model object of each ``covariance_type``."""
