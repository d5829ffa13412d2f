"""The fast paths of the EM core compute what the plain formulas say, at every size the benchmark uses.

The E-step and M-step run on per-point feature columns in chunks (see gmm_teach.covariance and gmm_teach.em).
These tests hold them to scikit-learn at the benchmark's size classes, to the plain per-component formulas
(written out here), and to themselves under a shift of the data by 1e6, a tight cluster far from the rest,
chunking and the many-feature (stacked) path of the full model.
"""

import warnings

import numpy as np
import pytest
from scipy.special import logsumexp
from sklearn.mixture import GaussianMixture as SklearnGaussianMixture

import gmm_teach.em as em
from gmm_teach import GaussianMixture, MixtureParams, e_step, em_steps, m_step
from gmm_teach.covariance import COVARIANCE_MODELS, STACKED_FROM_FEATURES
from gmm_teach.em import log_gaussian_density
from gmm_teach.initialization import initial_params, kmeans_plusplus, nearest_centre, one_hot

COVARIANCE_TYPES = ["full", "tied", "diag", "spherical"]
# the benchmark's size classes (n_samples, n_features, n_components)
SIZE_CLASSES = [(2_000, 2, 3), (100_000, 2, 5), (200_000, 10, 10), (50_000, 50, 5)]


def mixture_data(n_samples, n_features, n_components, seed=0, offset=0.0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4.0, size=(n_components, n_features))
    shapes = rng.normal(scale=0.3, size=(n_components, n_features, n_features)) + np.eye(n_features)
    labels = rng.integers(n_components, size=n_samples)
    noise = rng.normal(size=(n_samples, n_features))
    return centres[labels] + np.einsum("nij,nj->ni", shapes[labels], noise) + offset


def plain_em(X, params, n_iterations, reg_covar=1e-6):
    """EM by the textbook formulas, one component at a time: the reference for the fast paths."""
    model = params.model
    log_likelihoods = []
    for _ in range(n_iterations + 1):
        weighted = log_gaussian_density(X, params) + np.log(params.weights)
        log_norm = logsumexp(weighted, axis=1)
        log_likelihoods.append(log_norm.mean())
        responsibilities = np.exp(weighted - log_norm[:, np.newaxis])
        nk = responsibilities.sum(axis=0) + 10 * np.finfo(float).eps
        means = responsibilities.T @ X / nk[:, np.newaxis]
        covariances = model.estimate(X, responsibilities, nk, means, reg_covar)
        params = MixtureParams.from_covariances(nk / nk.sum(), means, covariances, params.covariance_type)
    return np.array(log_likelihoods)


def fast_em(X, params, n_iterations):
    return np.array([step.log_likelihood for step in em_steps(X, params, tol=0.0, max_iter=n_iterations)])


def start(X, n_components, covariance_type, seed=0):
    """A rough start with ellipses of a sensible size: each point to its nearest k-means++ seed, one M-step."""
    seeds = kmeans_plusplus(X, n_components, np.random.RandomState(seed))[0]
    return m_step(X, one_hot(nearest_centre(X, seeds), n_components), covariance_type)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("size", SIZE_CLASSES, ids=lambda size: "n{}_d{}_k{}".format(*size))
def test_log_likelihood_trajectory_matches_scikit_learn_at_every_size_class(size, covariance_type):
    X = mixture_data(*size)
    params = start(X, size[2], covariance_type)
    settings = dict(n_components=size[2], covariance_type=covariance_type, tol=0.0, max_iter=3,
                    weights_init=params.weights, means_init=params.means, precisions_init=params.precisions)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tol=0 never converges: both warn
        ours = GaussianMixture(**settings).fit(X)
        theirs = SklearnGaussianMixture(**settings).fit(X)
    np.testing.assert_allclose(ours.lower_bounds_[:-1], theirs.lower_bounds_, rtol=1e-8, atol=0)
    np.testing.assert_allclose(ours.covariances_, theirs.covariances_, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_data_a_million_from_the_origin_keeps_full_accuracy(covariance_type):
    """Shifting the data by 1e6 shifts the means and changes nothing else (scikit-learn's diag, spherical and
    tied M-steps lose digits here: they subtract uncentred moments)."""
    X = mixture_data(5_000, 3, 4, seed=1)
    params = start(X, 4, covariance_type)
    shifted = MixtureParams(params.weights, params.means + 1e6, params.covariances, params.precisions_cholesky,
                            covariance_type)
    near = list(em_steps(X, params, tol=0.0, max_iter=20))
    far = list(em_steps(X + 1e6, shifted, tol=0.0, max_iter=20))
    np.testing.assert_allclose([s.log_likelihood for s in far], [s.log_likelihood for s in near], rtol=1e-8)
    np.testing.assert_allclose(far[-1].params.means - 1e6, near[-1].params.means, atol=1e-6)
    np.testing.assert_allclose(far[-1].params.covariances, near[-1].params.covariances, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_a_tight_cluster_far_from_the_rest_follows_the_plain_formulas(covariance_type):
    """A cluster of spread 1e-3 at distance 1e3 from the others: the expanded quadratic form would lose about
    twelve digits there, so that component must be computed the plain way."""
    rng = np.random.default_rng(2)
    X = np.vstack([rng.normal(size=(1_500, 2)), 1e3 + 1e-3 * rng.normal(size=(500, 2)),
                   rng.normal(size=(1_000, 2)) * 2 + 6])
    params = initial_params(X, 3, covariance_type, "kmeans", np.random.default_rng(0))[0]
    np.testing.assert_allclose(fast_em(X, params, 15), plain_em(X, params, 15), rtol=1e-9)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_many_small_chunks_give_what_one_chunk_gives(covariance_type, monkeypatch):
    X = mixture_data(3_000, 3, 4, seed=3)
    params = start(X, 4, covariance_type)
    one_chunk = list(em_steps(X, params, tol=0.0, max_iter=8))
    monkeypatch.setattr(em, "CHUNK_BYTES", 4_096)
    many_chunks = list(em_steps(X, params, tol=0.0, max_iter=8))
    np.testing.assert_allclose([s.log_likelihood for s in many_chunks], [s.log_likelihood for s in one_chunk],
                               rtol=1e-13)
    np.testing.assert_allclose(many_chunks[-1].responsibilities, one_chunk[-1].responsibilities, rtol=1e-10,
                               atol=1e-15)


@pytest.mark.parametrize("n_features", [STACKED_FROM_FEATURES - 1, STACKED_FROM_FEATURES + 4])
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_em_follows_the_plain_formulas_on_both_sides_of_the_stacked_threshold(n_features, covariance_type):
    X = mixture_data(2_000, n_features, 4, seed=4)
    params = start(X, 4, covariance_type)
    np.testing.assert_allclose(fast_em(X, params, 10), plain_em(X, params, 10), rtol=1e-10)


@pytest.mark.parametrize("n_features", [2, STACKED_FROM_FEATURES + 4])
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_m_step_with_soft_responsibilities_matches_the_plain_estimate(n_features, covariance_type):
    rng = np.random.default_rng(5)
    X = mixture_data(1_000, n_features, 3, seed=5) + 50.0
    responsibilities = rng.dirichlet(np.ones(3), size=len(X))
    params = m_step(X, responsibilities, covariance_type, reg_covar=1e-6)
    nk = responsibilities.sum(axis=0) + 10 * np.finfo(float).eps
    means = responsibilities.T @ X / nk[:, np.newaxis]
    expected = COVARIANCE_MODELS[covariance_type].estimate(X, responsibilities, nk, means, 1e-6)
    np.testing.assert_allclose(params.means, means, rtol=1e-12)
    np.testing.assert_allclose(params.covariances, expected, rtol=1e-9)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_e_step_matches_the_plain_formula_for_parameters_far_from_the_data(covariance_type):
    """Parameters 30 units away from the data, which are centred on their own mean, give the plain formula's values."""
    X = mixture_data(500, 3, 2, seed=6)
    params = start(X, 2, covariance_type)
    moved = MixtureParams(params.weights, params.means + 30.0, params.covariances, params.precisions_cholesky,
                          covariance_type)
    weighted = log_gaussian_density(X, moved) + np.log(moved.weights)
    responsibilities, log_likelihood = e_step(X, moved)
    # responsibilities below about 1e-250 are flushed to 0 (their products would be slow subnormal numbers)
    np.testing.assert_allclose(responsibilities, np.exp(weighted - logsumexp(weighted, axis=1, keepdims=True)),
                               rtol=1e-9, atol=1e-249)
    assert log_likelihood == pytest.approx(logsumexp(weighted, axis=1).mean(), rel=1e-12)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_float32_data_with_a_tight_cluster_fit_as_float64(covariance_type):
    """float32 input is computed in float64 (a float32 E-step would lose the tight cluster): a cluster of
    spread 1e-3 of its distance from the data centre fits without error and as its float64 copy does."""
    rng = np.random.default_rng(7)
    X = np.vstack([rng.normal(size=(2_000, 2)), 1_000 + 1.0 * rng.normal(size=(1_000, 2))]).astype(np.float32)
    settings = dict(n_components=2, covariance_type=covariance_type, random_state=0)
    single = GaussianMixture(**settings).fit(X)
    double = GaussianMixture(**settings).fit(X.astype(np.float64))
    assert single.params_.means.dtype == np.float64 and single.means_.dtype == np.float32 and single.converged_
    np.testing.assert_allclose(single.covariances_, double.covariances_, rtol=1e-4)
    np.testing.assert_allclose(single.means_, double.means_, rtol=1e-4)
    responsibilities, _ = e_step(X, single.params_)
    assert responsibilities.dtype == np.float64


def test_stacked_m_step_leaves_out_only_negligible_responsibilities(monkeypatch):
    """Well separated clusters: most points' responsibilities for a component are below 1e-30, and the M-step
    gathers the others; the result is the plain estimate's, and the same as multiplying every point."""
    import gmm_teach.covariance as covariance

    n_features = STACKED_FROM_FEATURES + 4
    X = mixture_data(3_000, n_features, 4, seed=8)
    responsibilities, _ = e_step(X, start(X, 4, "full"))
    assert np.mean(responsibilities < covariance.NEGLIGIBLE_RESPONSIBILITY) > 0.5  # the gathering path is taken
    gathered = m_step(X, responsibilities, "full")
    nk = responsibilities.sum(axis=0) + 10 * np.finfo(float).eps
    means = responsibilities.T @ X / nk[:, np.newaxis]
    expected = COVARIANCE_MODELS["full"].estimate(X, responsibilities, nk, means, 1e-6)
    np.testing.assert_allclose(gathered.means, means, rtol=1e-12)
    np.testing.assert_allclose(gathered.covariances, expected, rtol=1e-10, atol=1e-13)
    monkeypatch.setattr(covariance, "GATHER_SHARE", -1.0)  # never gather: every point multiplied
    everything = m_step(X, responsibilities, "full")
    np.testing.assert_allclose(gathered.covariances, everything.covariances, rtol=1e-12, atol=1e-13)  # rounding
