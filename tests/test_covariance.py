"""The four covariance models of gmm_teach.covariance, each formula checked on a small example worked by hand."""

import warnings

import numpy as np
import pytest

from gmm_teach.covariance import COVARIANCE_MODELS, CollapsedComponentError
from gmm_teach.em import MixtureParams, m_step

COVARIANCE_TYPES = ["full", "tied", "diag", "spherical"]
EPS = np.finfo(np.float64).eps

# One component in two dimensions whose covariance is not positive definite, in each model's shape
NOT_POSITIVE_DEFINITE = {
    "full": [[[1.0, 2.0], [2.0, 1.0]]],  # eigenvalues 3 and -1
    "tied": [[1.0, 2.0], [2.0, 1.0]],
    "diag": [[1.0, -1.0]],
    "spherical": [0.0],  # exactly zero: a point, not a Gaussian
}

# Two components in two dimensions: precisions (inverse covariances) and the covariances they invert to
COVARIANCE = np.array([[2.0, 0.5], [0.5, 1.0]])
PRECISIONS = {
    "full": np.linalg.inv([COVARIANCE, [[1.0, -0.2], [-0.2, 3.0]]]),
    "tied": np.linalg.inv(COVARIANCE),
    "diag": np.array([[0.5, 4.0], [1.0, 0.25]]),
    "spherical": np.array([0.5, 4.0]),
}
INVERSE = {"full": np.linalg.inv, "tied": np.linalg.inv, "diag": np.reciprocal, "spherical": np.reciprocal}


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_a_collapsed_component_error_names_the_reg_covar_in_use(covariance_type):
    """The advice 'increase reg_covar' quotes the value the learner used; the model alone has added nothing."""
    covariances = NOT_POSITIVE_DEFINITE[covariance_type]
    with pytest.raises(CollapsedComponentError, match=r"component collapsed.*Increase reg_covar \(now 0\.001\)"):
        MixtureParams.from_covariances([1.0], [[0.0, 0.0]], covariances, covariance_type, reg_covar=1e-3)
    with pytest.raises(CollapsedComponentError, match=r"Increase reg_covar \(now 0\)"):
        MixtureParams.from_covariances([1.0], [[0.0, 0.0]], covariances, covariance_type)
    with pytest.raises(CollapsedComponentError, match=r"Increase reg_covar \(now 0\)"):
        COVARIANCE_MODELS[covariance_type].precisions_cholesky(np.asarray(covariances))


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_from_precisions_inverts_the_precisions_of_every_model(covariance_type):
    r"""Covariances :math:`\Lambda^{-1}`, precisions :math:`U U^\top = \Lambda` back, :math:`U` upper triangular."""
    precisions = PRECISIONS[covariance_type]
    params = MixtureParams.from_precisions([0.25, 0.75], [[0.0, 0.0], [1.0, 1.0]], precisions, covariance_type)
    np.testing.assert_allclose(params.covariances, INVERSE[covariance_type](precisions), rtol=1e-12)
    np.testing.assert_allclose(params.precisions, precisions, rtol=1e-12)
    if covariance_type in ("full", "tied"):
        np.testing.assert_array_equal(params.precisions_cholesky, np.triu(params.precisions_cholesky))
    np.testing.assert_array_equal(params.weights, [0.25, 0.75])
    np.testing.assert_array_equal(params.means, [[0.0, 0.0], [1.0, 1.0]])


def _float32_then_float64(values):
    """The float32 rounding of ``values`` (what a float32 array holds) as float64."""
    return np.asarray(values, dtype=np.float32).astype(np.float64)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_parameters_are_float64_whatever_they_were_given_as(covariance_type):
    """Integer lists are stored as floats, and float32 arrays are factorised in float64 (not to 7 digits)."""
    covariances = {
        "full": [[[2, 1], [1, 1]]],
        "tied": [[2, 1], [1, 1]],
        "diag": [[2, 1]],
        "spherical": [3],
    }[covariance_type]
    for params in (
        MixtureParams.from_covariances([1], [[0, 1]], covariances, covariance_type),
        MixtureParams.from_precisions([1], [[0, 1]], covariances, covariance_type),
    ):
        for array in (params.weights, params.means, params.covariances, params.precisions_cholesky):
            assert array.dtype == np.float64
    # one third is not a float32 number: a float32 factorisation would differ in the 8th digit
    thirds = np.asarray(covariances) / 3.0 + (np.asarray(covariances) > 1) / 7.0
    from_float32 = MixtureParams.from_covariances(
        np.float32([1]), np.float32([[0, 1]]), np.float32(thirds), covariance_type
    )
    exact = MixtureParams.from_covariances([1], [[0, 1]], _float32_then_float64(thirds), covariance_type)
    np.testing.assert_allclose(from_float32.precisions_cholesky, exact.precisions_cholesky, rtol=1e-14)
    from_precisions = MixtureParams.from_precisions([1], [[0, 1]], np.float32(thirds), covariance_type)
    exact = MixtureParams.from_precisions([1], [[0, 1]], _float32_then_float64(thirds), covariance_type)
    np.testing.assert_allclose(from_precisions.covariances, exact.covariances, rtol=1e-14)


@pytest.mark.parametrize("covariance_type, expected", [("full", 24), ("tied", 6), ("diag", 12), ("spherical", 4)])
def test_free_covariance_parameters_of_four_components_in_three_dimensions(covariance_type, expected):
    """full: 4 symmetric 3x3 matrices, 6 entries each; tied: one of them; diag: 4 x 3 variances; spherical: 4."""
    count = COVARIANCE_MODELS[covariance_type].n_parameters(4, 3)
    assert count == expected
    assert type(count) is int  # a count, not 24.0


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_the_scatter_about_integer_means_is_not_rounded(covariance_type):
    """One point at (0.5, 1.5) about the mean (0, 1): squared deviations 0.25, whatever the means' dtype."""
    scatter = COVARIANCE_MODELS[covariance_type].scatter(np.array([[0.5, 1.5]]), np.ones((1, 1)), np.array([[0, 1]]))
    expected = [[[0.25, 0.25], [0.25, 0.25]]] if covariance_type in ("full", "tied") else [[0.25, 0.25]]
    np.testing.assert_array_equal(scatter, expected)


@pytest.mark.parametrize("covariance_type", ["diag", "spherical"])
def test_without_reg_covar_a_variance_at_the_rounding_noise_of_its_mean_collapses(covariance_type):
    r"""A variance of at most :math:`(16\,\epsilon\,|\mu|)^2` cannot be told from zero: the M-step says so.

    One point at :math:`1 + 16\epsilon` about the mean 1 has that variance exactly; at :math:`1 + 17\epsilon`
    it is a (tiny) variance like any other. No warning either way.
    """
    model = COVARIANCE_MODELS[covariance_type]

    def variance_of_one_point(ulps_above_the_mean):
        X = np.array([[1.0 + ulps_above_the_mean * EPS]])
        return model.estimate(X, np.ones((1, 1)), np.ones(1), np.ones((1, 1)), reg_covar=0.0)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(CollapsedComponentError, match=r"Increase reg_covar \(now 0\)"):
            variance_of_one_point(16)
        np.testing.assert_array_equal(variance_of_one_point(17).ravel(), [(17 * EPS) ** 2])


@pytest.mark.parametrize("covariance_type", ["diag", "spherical"])
def test_with_reg_covar_identical_points_far_from_the_origin_keep_a_variance(covariance_type):
    """At 1e12 the rounding noise of the mean, (16 eps 1e12)^2 = 1.3e-5, exceeds reg_covar = 1e-6: with
    reg_covar given, the M-step still returns a variance of reg_covar plus that noise; it does not raise."""
    X = np.full((2, 1), 1e12)
    variance = m_step(X, np.ones((2, 1)), covariance_type, reg_covar=1e-6).covariances.ravel()
    assert 1e-6 <= variance[0] < 1e-6 + (16 * EPS * 1e12) ** 2


def test_a_spherical_variance_is_judged_against_its_own_means_rounding_noise():
    """Without reg_covar a spherical component collapses when its one variance is at the rounding noise of its own
    mean's largest coordinate, (16 eps |mu|)^2; another component far from the origin does not make it stricter."""
    from gmm_teach.covariance import COVARIANCE_MODELS

    spherical = COVARIANCE_MODELS["spherical"]
    means = np.array([[1e8, 0.0], [1.0, -2.0]])
    spherical.refuse_collapsed(np.array([1.0, 1e-20]), means, 0.0)  # 1e-20 is far above (16 eps 2)^2 = 5e-29
    with pytest.raises(CollapsedComponentError, match="reg_covar"):
        spherical.refuse_collapsed(np.array([1.0, 1e-30]), means, 0.0)
    spherical.refuse_collapsed(np.array([1.0, 1e-30]), means, 1e-6)  # reg_covar: nothing is refused
