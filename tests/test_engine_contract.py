"""The contract between the reference core and the engine: the engine computes what the reference says.

``gmm_teach.em`` and ``gmm_teach.covariance`` are the reference a learner reads (``e_step``, ``m_step``: each
formula one short function). Fits run the private engine (``gmm_teach._engine``: chunks, feature columns, one
matrix product per step). For every covariance type, small and large n, d on both sides of the stacked-model
threshold, data far from the origin, tight clusters, and the Bayesian expected terms, the engine's
responsibilities, log-likelihood and next parameters equal the reference's to 1e-10 relative.
"""

import warnings

import numpy as np
import pytest
from sklearn.mixture import GaussianMixture as SklearnGaussianMixture

import gmm_teach._engine.data as engine_data
import gmm_teach._engine.models as engine_models
from gmm_teach import GaussianMixture, MixtureParams, _engine, e_step, em_steps, m_step  # noqa: F401
from gmm_teach.bayesian import MixturePriors, variational_e_step, variational_em_steps, variational_m_step
from gmm_teach.initialization import initial_params, kmeans_plusplus, nearest_centre, one_hot

COVARIANCE_TYPES = ["full", "tied", "diag", "spherical"]
STACKED = engine_models.STACKED_FROM_FEATURES
# the benchmark's size classes (n_samples, n_features, n_components)
SIZE_CLASSES = [(2_000, 2, 3), (100_000, 2, 5), (200_000, 10, 10), (50_000, 50, 5)]
RTOL = 1e-10
# Responsibilities are probabilities: they agree to RTOL relative and 1e-12 absolute (a responsibility of
# 1e-60 is exp(-138), and 1e-16 relative in that exponent is 1e-14 relative in it, whoever computes it).
RESPONSIBILITY_ATOL = 1e-12


def mixture_data(n_samples, n_features, n_components, seed=0, offset=0.0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4.0, size=(n_components, n_features))
    shapes = rng.normal(scale=0.3, size=(n_components, n_features, n_features)) + np.eye(n_features)
    labels = rng.integers(n_components, size=n_samples)
    noise = rng.normal(size=(n_samples, n_features))
    return centres[labels] + np.einsum("nij,nj->ni", shapes[labels], noise) + offset


def tight_far_cluster(n_features=2):
    """A cluster of spread 1e-3 at distance 1e3 from the others: the expanded quadratic form would lose about
    twelve digits there, so the engine must compute that component about its own mean (tied: by the reference
    formulas)."""
    rng = np.random.default_rng(2)
    return np.vstack(
        [
            rng.normal(size=(1_500, n_features)),
            1e3 + 1e-3 * rng.normal(size=(500, n_features)),
            rng.normal(size=(1_000, n_features)) * 2 + 6,
        ]
    )


def start(X, n_components, covariance_type, seed=0):
    """A rough start with ellipses of a sensible size: each point to its nearest k-means++ seed, one M-step."""
    seeds = kmeans_plusplus(X, n_components, np.random.RandomState(seed))[0]
    return m_step(X, one_hot(nearest_centre(X, seeds), n_components), covariance_type)


def engine_params(estimate, covariance_type):
    return MixtureParams(
        estimate.weights, estimate.means, estimate.covariances, estimate.precisions_cholesky, covariance_type
    )


def relative_error(ours, reference):
    """Norm-wise relative error, per component for a stack of matrices (elementwise error in a triangular
    factor of an ill-conditioned covariance is amplified by its condition number, whoever computes it)."""
    ours, reference = np.asarray(ours), np.asarray(reference)
    axes = tuple(range(1, reference.ndim)) if reference.ndim == 3 else None
    return np.max(np.linalg.norm(ours - reference, axis=axes) / np.linalg.norm(reference, axis=axes))


def assert_same_params(ours, reference):
    np.testing.assert_allclose(ours.weights, reference.weights, rtol=RTOL, atol=0)
    np.testing.assert_allclose(ours.means, reference.means, rtol=RTOL, atol=RTOL * np.abs(reference.means).max())
    assert relative_error(ours.covariances, reference.covariances) < RTOL
    # a triangular factor of the inverse moves by the covariance's error times its condition number
    condition = np.max(np.linalg.cond(reference.as_full()))
    assert relative_error(ours.precisions_cholesky, reference.precisions_cholesky) < RTOL * condition


def assert_same_e_step(data, X, params):
    fast = _engine.expectation(data, params)
    responsibilities, log_likelihood = e_step(X, params)
    np.testing.assert_allclose(fast.responsibilities.T, responsibilities, rtol=RTOL, atol=RESPONSIBILITY_ATOL)
    assert fast.log_likelihood == pytest.approx(log_likelihood, rel=RTOL)
    return fast, responsibilities


def assert_engine_follows_reference(X, params, n_iterations=3, reg_covar=1e-6):
    """From ``params``, ``n_iterations`` of EM by the engine and by e_step / m_step agree at every half-step."""
    data = _engine.prepare(X, params.covariance_type, many_passes=True)
    for _ in range(n_iterations):
        fast, responsibilities = assert_same_e_step(data, X, params)
        following = engine_params(
            _engine.maximisation(data, fast.responsibilities, fast.sums, reg_covar), params.covariance_type
        )
        assert_same_params(following, m_step(X, responsibilities, params.covariance_type, reg_covar))
        params = following


# ------------------------------------------------------------------------------ the contract, case by case
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("n_samples", [50, 20_000])
@pytest.mark.parametrize("n_features", [2, STACKED - 1, STACKED + 4])
def test_engine_equals_reference(covariance_type, n_samples, n_features):
    X = mixture_data(n_samples, n_features, 4, seed=n_features)
    assert_engine_follows_reference(X, start(X, 4, covariance_type))


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_engine_equals_reference_on_data_a_million_from_the_origin(covariance_type):
    X = mixture_data(5_000, 3, 4, seed=1, offset=1e6)
    assert_engine_follows_reference(X, start(X, 4, covariance_type))


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("n_features", [2, STACKED + 4])
def test_engine_equals_reference_with_a_tight_cluster_far_from_the_rest(covariance_type, n_features):
    X = tight_far_cluster(n_features)
    params = initial_params(X, 3, covariance_type, "kmeans", np.random.default_rng(0))[0]
    assert_engine_follows_reference(X, params, n_iterations=5)
    # the far component really took its own centre (a change of threshold must not skip this path unseen)
    offsets = _engine.expectation(_engine.prepare(X, covariance_type), params).sums.offsets
    if covariance_type == "tied":  # its sums pool every component: the M-step takes the reference formulas instead
        assert offsets is None
    else:
        far_rows = np.flatnonzero(np.any(offsets != 0, axis=1))
        tight = np.flatnonzero(np.all(np.abs(params.means - 1e3) < 0.1, axis=1))
        assert tight.size == 1 and tight[0] in far_rows


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_engine_e_step_equals_reference_for_parameters_far_from_the_data(covariance_type):
    """Every point 30 units from both components. (Only the E-step: one component then owns no point, N_k is
    below 1e-200, and its next mean is 0 / 0 for both; the engine raises such responsibilities to 1e-250 / k.)"""
    X = mixture_data(500, 3, 2, seed=6)
    params = start(X, 2, covariance_type)
    moved = MixtureParams(
        params.weights, params.means + 30.0, params.covariances, params.precisions_cholesky, covariance_type
    )
    assert_same_e_step(_engine.prepare(X, covariance_type), X, moved)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_engine_equals_reference_in_many_small_chunks(covariance_type, monkeypatch):
    monkeypatch.setattr(engine_data, "CHUNK_BYTES", 4_096)
    monkeypatch.setattr(engine_data, "KEPT_FEATURES_BYTES", 0)  # refilled chunk by chunk, from a transposed copy
    X = mixture_data(3_000, 3, 4, seed=3)
    assert_engine_follows_reference(X, start(X, 4, covariance_type))


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("n_features", [2, STACKED + 4])
def test_engine_m_step_with_soft_responsibilities_equals_reference(covariance_type, n_features):
    rng = np.random.default_rng(5)
    X = mixture_data(1_000, n_features, 3, seed=5) + 50.0
    responsibilities = rng.dirichlet(np.ones(3), size=len(X))
    data = _engine.prepare(X, covariance_type)
    ours = engine_params(_engine.m_step(data, responsibilities.T, 1e-6), covariance_type)
    assert_same_params(ours, m_step(X, responsibilities, covariance_type, 1e-6))


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_variational_engine_equals_reference_with_the_expected_terms(covariance_type):
    """The Bayesian E-step passes its expected terms to the engine: responsibilities, normaliser and the next
    posterior equal the plain variational_e_step / variational_m_step."""
    X = mixture_data(3_000, 3, 4, seed=9)
    priors = MixturePriors.from_data(X, 4, covariance_type)
    responsibilities = np.random.default_rng(9).dirichlet(np.ones(4), size=len(X))
    posterior = variational_m_step(X, responsibilities, priors, covariance_type)
    data = _engine.prepare(X, covariance_type, many_passes=True)
    for _ in range(3):
        fast = _engine.expectation(data, posterior, expected_log_terms=posterior.expected_log_terms())
        responsibilities, mean_log_norm = variational_e_step(X, posterior)
        np.testing.assert_allclose(fast.responsibilities.T, responsibilities, rtol=RTOL, atol=RESPONSIBILITY_ATOL)
        assert fast.log_likelihood == pytest.approx(mean_log_norm, rel=RTOL)
        steps = list(variational_em_steps(X, responsibilities, priors, covariance_type=covariance_type, max_iter=0))
        posterior = variational_m_step(X, responsibilities, priors, covariance_type)
        assert_same_params(steps[0].params, posterior)


def test_stacked_m_step_leaves_out_only_negligible_responsibilities(monkeypatch):
    """Well separated clusters: most points' responsibilities for a component are below 1e-30, and the engine's
    M-step gathers the others; the result is the reference's, and the same as multiplying every point."""
    X = mixture_data(3_000, STACKED + 4, 4, seed=8)
    responsibilities, _ = e_step(X, start(X, 4, "full"))
    assert np.mean(responsibilities < engine_models.NEGLIGIBLE_RESPONSIBILITY) > 0.5  # the gathering path is taken
    data = _engine.prepare(X, "full")
    gathered = engine_params(_engine.m_step(data, responsibilities.T, 1e-6), "full")
    assert_same_params(gathered, m_step(X, responsibilities, "full"))
    monkeypatch.setattr(engine_models, "GATHER_SHARE", -1.0)  # never gather: every point multiplied
    everything = engine_params(_engine.m_step(data, responsibilities.T, 1e-6), "full")
    np.testing.assert_allclose(gathered.covariances, everything.covariances, rtol=1e-12, atol=1e-13)


# ------------------------------------------------------------------------------ whole runs
def plain_em(X, params, n_iterations, reg_covar=1e-6):
    """The mean log-likelihoods of EM run with the reference e_step and m_step alone."""
    log_likelihoods = []
    for _ in range(n_iterations + 1):
        responsibilities, log_likelihood = e_step(X, params)
        log_likelihoods.append(log_likelihood)
        params = m_step(X, responsibilities, params.covariance_type, reg_covar)
    return np.array(log_likelihoods)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_em_steps_follow_the_reference_loop(covariance_type):
    X = tight_far_cluster()
    params = initial_params(X, 3, covariance_type, "kmeans", np.random.default_rng(0))[0]
    fast = [step.log_likelihood for step in em_steps(X, params, tol=0.0, max_iter=15)]
    np.testing.assert_allclose(fast, plain_em(X, params, 15), rtol=1e-9)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("size", SIZE_CLASSES, ids=lambda size: "n{}_d{}_k{}".format(*size))
def test_log_likelihood_trajectory_matches_scikit_learn_at_every_size_class(size, covariance_type):
    X = mixture_data(*size)
    params = start(X, size[2], covariance_type)
    settings = dict(
        n_components=size[2],
        covariance_type=covariance_type,
        tol=0.0,
        max_iter=3,
        weights_init=params.weights,
        means_init=params.means,
        precisions_init=params.precisions,
    )
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
    shifted = MixtureParams(
        params.weights, params.means + 1e6, params.covariances, params.precisions_cholesky, covariance_type
    )
    near = list(em_steps(X, params, tol=0.0, max_iter=20))
    far = list(em_steps(X + 1e6, shifted, tol=0.0, max_iter=20))
    np.testing.assert_allclose([s.log_likelihood for s in far], [s.log_likelihood for s in near], rtol=1e-8)
    np.testing.assert_allclose(far[-1].params.means - 1e6, near[-1].params.means, atol=1e-6)
    np.testing.assert_allclose(far[-1].params.covariances, near[-1].params.covariances, rtol=1e-6, atol=1e-9)


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


@pytest.mark.parametrize("covariance_type", ["diag", "spherical"])
def test_engine_refuses_a_collapse_without_reg_covar_as_the_reference_does(covariance_type):
    """A component on one point far from the rest, reg_covar = 0: its variance is the other points' negligible
    responsibilities times their distances, 1e-246, below the rounding noise of its mean, so the reference m_step
    refuses it (the diagonal and spherical models' rule; for full and tied, Cholesky decides, and a variance at the
    rounding noise is noise for both); the engine must refuse it too, also when it runs its E-step first."""
    from gmm_teach.covariance import CollapsedComponentError

    X = np.concatenate([np.random.default_rng(0).normal(0, 1, 100), [8.0]])[:, np.newaxis]
    variances = np.array([1e-8, X.var()])
    start = MixtureParams.from_covariances(
        np.array([0.5, 0.5]),
        np.array([[8.0], [X.mean()]]),
        variances[:, np.newaxis] if covariance_type == "diag" else variances,
        covariance_type,
    )
    responsibilities = e_step(X, start)[0]
    with pytest.raises(CollapsedComponentError):
        m_step(X, responsibilities, covariance_type, reg_covar=0.0)
    data = _engine.prepare(X, covariance_type)
    with pytest.raises(CollapsedComponentError):
        _engine.m_step(data, responsibilities.T, 0.0)
    expectation = _engine.expectation(data, start)  # the component is far: its sums are about its own mean
    with pytest.raises(CollapsedComponentError):
        _engine.maximisation(data, expectation.responsibilities, expectation.sums, 0.0)
