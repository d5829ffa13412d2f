r"""The four covariance models of a Gaussian mixture, one small class each.

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

Every model has the same methods, so the EM code never asks which model it has. The canonical parameter is
the Cholesky factor of the precision, :math:`U_k` with :math:`\Sigma_k^{-1} = U_k U_k^\top`: the squared
Mahalanobis distance is then :math:`\lVert (x - \mu_k) U_k \rVert^2` (one matrix product and a sum of
squares) and :math:`\log\det\Sigma_k^{-1/2} = \sum_j \log (U_k)_{jj}`. No covariance is ever inverted with
``np.linalg.inv``.
"""

import numpy as np
from scipy import linalg

COLLAPSE_ADVICE = (
    "Fitting the mixture failed because a component collapsed: its covariance is not positive definite "
    "(this happens with duplicate points, a component that owns one or two points, or features on very "
    "different scales). Increase reg_covar (now {reg_covar:g}), use fewer components, or scale the features."
)


class CollapsedComponentError(ValueError):
    """A component's covariance is not positive definite; the message says what to change."""


def _upper_precision_cholesky(covariance, reg_covar):
    r"""Return :math:`U` (upper triangular) with :math:`U U^\top = \Sigma^{-1}` for one covariance matrix."""
    try:
        lower = linalg.cholesky(covariance, lower=True)
    except linalg.LinAlgError:
        raise CollapsedComponentError(COLLAPSE_ADVICE.format(reg_covar=reg_covar)) from None
    return linalg.solve_triangular(lower, np.eye(covariance.shape[0]), lower=True).T


def _rounding_noise(means):
    """Squared rounding error of the means: a smaller variance cannot be told apart from zero."""
    return (16 * np.finfo(float).eps * np.abs(means)) ** 2


def _upper_cholesky_of_precision(precision):
    r"""Return upper-triangular :math:`U` with :math:`U U^\top = \Lambda`, by Cholesky of the reversed matrix."""
    reversed_lower = linalg.cholesky(precision[::-1, ::-1], lower=True)
    return reversed_lower[::-1, ::-1]


class FullCovariance:
    """Each component has its own full covariance matrix: any ellipse, any orientation."""

    name = "full"

    def estimate(self, X, responsibilities, nk, means, reg_covar):
        r""":math:`\Sigma_k = \frac{1}{N_k}\sum_i r_{ik}(x_i-\mu_k)(x_i-\mu_k)^\top + \epsilon I`."""
        n_components, n_features = means.shape
        covariances = np.empty((n_components, n_features, n_features))
        for k in range(n_components):
            centred = X - means[k]
            covariances[k] = (responsibilities[:, k] * centred.T) @ centred / nk[k]
            covariances[k].flat[:: n_features + 1] += reg_covar
        return covariances

    def precisions_cholesky(self, covariances, reg_covar=0.0):
        return np.stack([_upper_precision_cholesky(cov, reg_covar) for cov in covariances])

    def precisions_cholesky_from_precisions(self, precisions):
        return np.stack([_upper_cholesky_of_precision(precision) for precision in precisions])

    def precisions(self, precisions_cholesky):
        return precisions_cholesky @ np.swapaxes(precisions_cholesky, 1, 2)

    def covariances_from_precisions_cholesky(self, precisions_cholesky):
        inverse = np.linalg.inv(precisions_cholesky)  # triangular factor, well conditioned by construction
        return np.swapaxes(inverse, 1, 2) @ inverse

    def log_det_cholesky(self, precisions_cholesky, n_features):
        r""":math:`\sum_j \log (U_k)_{jj} = -\tfrac12 \log\det\Sigma_k`, one value per component."""
        return np.log(np.diagonal(precisions_cholesky, axis1=1, axis2=2)).sum(axis=1)

    def squared_mahalanobis(self, X, means, precisions_cholesky):
        r""":math:`\lVert (x_i-\mu_k) U_k\rVert^2` for every point and component, shape (n, k)."""
        distances = np.empty((X.shape[0], means.shape[0]))
        for k, (mean, cholesky) in enumerate(zip(means, precisions_cholesky)):
            projected = X @ cholesky - mean @ cholesky
            distances[:, k] = np.einsum("ij,ij->i", projected, projected)
        return distances

    def n_parameters(self, n_components, n_features):
        return n_components * n_features * (n_features + 1) // 2

    def as_full(self, covariances, n_components, n_features):
        return np.asarray(covariances)


class TiedCovariance:
    """All components share one full covariance matrix: same ellipse everywhere, different centres."""

    name = "tied"

    def estimate(self, X, responsibilities, nk, means, reg_covar):
        r""":math:`\Sigma = \frac{1}{N}\sum_k\sum_i r_{ik}(x_i-\mu_k)(x_i-\mu_k)^\top + \epsilon I`."""
        n_features = X.shape[1]
        covariance = np.zeros((n_features, n_features))
        for k, mean in enumerate(means):
            centred = X - mean
            covariance += (responsibilities[:, k] * centred.T) @ centred
        covariance /= nk.sum()
        covariance.flat[:: n_features + 1] += reg_covar
        return covariance

    def precisions_cholesky(self, covariances, reg_covar=0.0):
        return _upper_precision_cholesky(covariances, reg_covar)

    def precisions_cholesky_from_precisions(self, precisions):
        return _upper_cholesky_of_precision(precisions)

    def precisions(self, precisions_cholesky):
        return precisions_cholesky @ precisions_cholesky.T

    def covariances_from_precisions_cholesky(self, precisions_cholesky):
        inverse = np.linalg.inv(precisions_cholesky)
        return inverse.T @ inverse

    def log_det_cholesky(self, precisions_cholesky, n_features):
        return np.log(np.diag(precisions_cholesky)).sum()

    def squared_mahalanobis(self, X, means, precisions_cholesky):
        projected_points = X @ precisions_cholesky
        projected_means = means @ precisions_cholesky
        distances = np.empty((X.shape[0], means.shape[0]))
        for k, projected_mean in enumerate(projected_means):
            projected = projected_points - projected_mean
            distances[:, k] = np.einsum("ij,ij->i", projected, projected)
        return distances

    def n_parameters(self, n_components, n_features):
        return n_features * (n_features + 1) // 2

    def as_full(self, covariances, n_components, n_features):
        return np.broadcast_to(covariances, (n_components, n_features, n_features)).copy()


class DiagCovariance:
    """Each component has its own variances along the axes: ellipses aligned with the axes."""

    name = "diag"

    def estimate(self, X, responsibilities, nk, means, reg_covar):
        r""":math:`\sigma^2_{kj} = \frac{1}{N_k}\sum_i r_{ik}(x_{ij}-\mu_{kj})^2 + \epsilon`."""
        variances = np.empty_like(means)
        for k, mean in enumerate(means):
            variances[k] = responsibilities[:, k] @ (X - mean) ** 2 / nk[k]
        if reg_covar <= 0.0 and np.any(variances <= _rounding_noise(means)):
            raise CollapsedComponentError(COLLAPSE_ADVICE.format(reg_covar=reg_covar))
        return variances + reg_covar

    def precisions_cholesky(self, covariances, reg_covar=0.0):
        if np.any(covariances <= 0.0):
            raise CollapsedComponentError(COLLAPSE_ADVICE.format(reg_covar=reg_covar))
        return 1.0 / np.sqrt(covariances)

    def precisions_cholesky_from_precisions(self, precisions):
        return np.sqrt(precisions)

    def precisions(self, precisions_cholesky):
        return precisions_cholesky**2

    def covariances_from_precisions_cholesky(self, precisions_cholesky):
        return 1.0 / precisions_cholesky**2

    def log_det_cholesky(self, precisions_cholesky, n_features):
        return np.log(precisions_cholesky).sum(axis=1)

    def squared_mahalanobis(self, X, means, precisions_cholesky):
        distances = np.empty((X.shape[0], means.shape[0]))
        for k, (mean, scale) in enumerate(zip(means, precisions_cholesky)):
            distances[:, k] = ((X - mean) ** 2) @ scale**2
        return distances

    def n_parameters(self, n_components, n_features):
        return n_components * n_features

    def as_full(self, covariances, n_components, n_features):
        full = np.zeros((n_components, n_features, n_features))
        full[:, np.arange(n_features), np.arange(n_features)] = covariances
        return full


class SphericalCovariance:
    """Each component is round, with one variance of its own: circles of different sizes."""

    name = "spherical"

    def estimate(self, X, responsibilities, nk, means, reg_covar):
        r""":math:`\sigma^2_k = \frac{1}{d}\sum_j \sigma^2_{kj}`, the mean of the diagonal model's variances."""
        return DIAG.estimate(X, responsibilities, nk, means, reg_covar).mean(axis=1)

    def precisions_cholesky(self, covariances, reg_covar=0.0):
        return DIAG.precisions_cholesky(covariances, reg_covar)

    def precisions_cholesky_from_precisions(self, precisions):
        return np.sqrt(precisions)

    def precisions(self, precisions_cholesky):
        return precisions_cholesky**2

    def covariances_from_precisions_cholesky(self, precisions_cholesky):
        return 1.0 / precisions_cholesky**2

    def log_det_cholesky(self, precisions_cholesky, n_features):
        return n_features * np.log(precisions_cholesky)

    def squared_mahalanobis(self, X, means, precisions_cholesky):
        distances = np.empty((X.shape[0], means.shape[0]))
        for k, mean in enumerate(means):
            centred = X - mean
            distances[:, k] = np.einsum("ij,ij->i", centred, centred)
        return distances * precisions_cholesky**2

    def n_parameters(self, n_components, n_features):
        return n_components

    def as_full(self, covariances, n_components, n_features):
        return np.asarray(covariances)[:, np.newaxis, np.newaxis] * np.eye(n_features)


DIAG = DiagCovariance()

COVARIANCE_MODELS = {
    model.name: model for model in (FullCovariance(), TiedCovariance(), DIAG, SphericalCovariance())
}
