"""The EM engine: e_step, m_step and the EMStep stream keep the contracts in DESIGN.md."""

import warnings

import numpy as np
import pytest
from helpers import three_blobs
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

from gmm_teach import GaussianMixture, MixtureParams, e_step, em_steps, m_step
from gmm_teach.em import log_density, log_gaussian_density
from gmm_teach.initialization import initial_params

COVARIANCE_TYPES = ["full", "tied", "diag", "spherical"]
X, LABELS = three_blobs(240, 2, seed=5)


def _one_hot(labels, n_components=3):
    return np.eye(n_components)[labels]


def test_e_step_matches_bayes_rule_with_scipy_densities():
    params = MixtureParams.from_covariances(
        [0.2, 0.5, 0.3],
        [[0, 0], [4, 1], [-3, 5]],
        [[[1, 0.3], [0.3, 2]], [[0.5, 0], [0, 0.5]], [[2, -0.4], [-0.4, 1]]],
        "full",
    )
    joint = np.column_stack(
        [w * multivariate_normal(m, c).pdf(X) for w, m, c in zip(params.weights, params.means, params.covariances)]
    )
    responsibilities, log_likelihood = e_step(X, params)
    np.testing.assert_allclose(responsibilities, joint / joint.sum(axis=1, keepdims=True), rtol=1e-10, atol=1e-15)
    assert log_likelihood == pytest.approx(np.mean(np.log(joint.sum(axis=1))), rel=1e-12)


def test_e_step_stays_finite_far_from_every_component():
    """Log space: a point 1,000 standard deviations away still gets responsibilities that sum to one."""
    params = MixtureParams.from_covariances([0.5, 0.5], [[0.0], [1.0]], [1.0, 1.0], "spherical")
    responsibilities, log_likelihood = e_step(np.array([[1000.0]]), params)
    np.testing.assert_allclose(responsibilities, [[0.0, 1.0]], atol=1e-12)
    assert np.isfinite(log_likelihood)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_e_step_of_very_tight_components_does_not_overflow(covariance_type):
    """Densities above e^709, the largest float64 exponential (standard deviations of 3e-32 in 10
    dimensions): the E-step sees that exponentials could overflow and shifts each point by its largest
    log-probability; no warning, Bayes' rule holds."""
    rng = np.random.default_rng(2)
    means = np.array([np.zeros(10), np.full(10, 1e-29)])
    X = np.vstack([mean + 3e-32 * rng.normal(size=(50, 10)) for mean in means])
    params = m_step(X, np.repeat(np.eye(2), 50, axis=0), covariance_type, reg_covar=0.0)
    weighted = log_gaussian_density(X, params) + np.log(params.weights)
    assert weighted.max() > 710
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        responsibilities, log_likelihood = e_step(X, params)
    np.testing.assert_allclose(
        responsibilities, np.exp(weighted - logsumexp(weighted, axis=1, keepdims=True)), rtol=1e-9, atol=1e-249
    )
    assert log_likelihood == pytest.approx(logsumexp(weighted, axis=1).mean(), rel=1e-12)


def test_e_step_mixes_ordinary_points_and_one_far_from_every_component():
    """The E-step exponentiates without a shift when every point's density is moderate, and shifts each point
    by its largest log-probability otherwise: both give Bayes' rule, in one chunk and in the next."""
    params = MixtureParams.from_covariances([0.3, 0.7], [[0.0, 0.0], [60.0, 0.0]], [1.0, 1.0], "spherical")
    rng = np.random.default_rng(1)
    X = np.vstack([rng.normal(size=(200, 2)), [[5000.0, 0.0]], rng.normal(size=(200, 2)) + [60.0, 0.0]])
    weighted = log_gaussian_density(X, params) + np.log(params.weights)
    expected = np.exp(weighted - logsumexp(weighted, axis=1, keepdims=True))
    responsibilities, log_likelihood = e_step(X, params)
    # the clusters are 60 standard deviations apart: most ratios are below 1e-250 and raised to about it
    np.testing.assert_allclose(responsibilities, expected, rtol=1e-12, atol=1e-249)
    np.testing.assert_allclose(responsibilities.sum(axis=1), 1.0, rtol=1e-15)
    assert log_likelihood == pytest.approx(logsumexp(weighted, axis=1).mean(), rel=1e-13)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_m_step_with_hard_labels_gives_the_sample_statistics(covariance_type):
    params = m_step(X, _one_hot(LABELS), covariance_type, reg_covar=0.0)
    groups = [X[LABELS == k] for k in range(3)]
    np.testing.assert_allclose(params.weights, [len(g) / len(X) for g in groups], rtol=1e-12)
    np.testing.assert_allclose(params.means, [g.mean(axis=0) for g in groups], rtol=1e-10)
    sample_covariances = np.array([np.cov(g.T, bias=True) for g in groups])
    expected = {
        "full": sample_covariances,
        "tied": sum(len(g) * c for g, c in zip(groups, sample_covariances)) / len(X),
        "diag": np.array([np.diag(c) for c in sample_covariances]),
        "spherical": np.array([np.diag(c).mean() for c in sample_covariances]),
    }[covariance_type]
    np.testing.assert_allclose(params.covariances, expected, rtol=1e-9)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_precisions_cholesky_is_the_factor_of_the_inverse_covariance(covariance_type):
    params = m_step(X, _one_hot(LABELS), covariance_type, reg_covar=1e-6)
    full = params.as_full()
    assert full.shape == (3, 2, 2)
    precisions_full = MixtureParams(
        params.weights, params.means, full, np.linalg.inv(np.linalg.cholesky(full)).transpose(0, 2, 1), "full"
    ).precisions
    np.testing.assert_allclose(precisions_full, np.linalg.inv(full), rtol=1e-9)
    np.testing.assert_allclose(
        log_density(X, params),
        log_density(X, MixtureParams.from_covariances(params.weights, params.means, full, "full")),
        rtol=1e-10,
    )


def test_from_precisions_round_trips_to_covariances():
    covariances = np.array([[[2.0, 0.5], [0.5, 1.0]], [[1.0, -0.2], [-0.2, 3.0]]])
    params = MixtureParams.from_precisions([0.5, 0.5], [[0, 0], [1, 1]], np.linalg.inv(covariances), "full")
    np.testing.assert_allclose(params.covariances, covariances, rtol=1e-12)
    np.testing.assert_allclose(params.precisions, np.linalg.inv(covariances), rtol=1e-12)


def _steps(covariance_type="full", **settings):
    params, responsibilities = initial_params(X, 3, covariance_type, "random", np.random.default_rng(0))
    return params, responsibilities, list(em_steps(X, params, responsibilities, **settings))


def test_step_zero_holds_the_initial_parameters_and_what_produced_them():
    params, responsibilities, steps = _steps(tol=1e-3, max_iter=50)
    first = steps[0]
    assert first.iteration == 0 and first.params is params and first.responsibilities is responsibilities
    assert first.log_likelihood == pytest.approx(e_step(X, params)[1])
    assert not first.converged


def test_each_step_holds_the_responsibilities_that_produced_its_parameters():
    _, _, steps = _steps(tol=1e-3, max_iter=50)
    for previous, step in zip(steps, steps[1:]):
        np.testing.assert_allclose(step.responsibilities, e_step(X, previous.params)[0], rtol=1e-12)
        rebuilt = m_step(X, step.responsibilities, "full", 1e-6)
        np.testing.assert_allclose(rebuilt.means, step.params.means, rtol=1e-12)
        assert step.log_likelihood == pytest.approx(e_step(X, step.params)[1], rel=1e-12)


def test_em_stops_one_step_after_the_first_change_below_tol_as_scikit_learn():
    _, _, steps = _steps(tol=1e-3, max_iter=200)
    changes = np.diff([step.log_likelihood for step in steps])
    assert steps[-1].converged and not any(step.converged for step in steps[:-1])
    # the last step is converged because the change *before* it was below tol; it made one more M-step
    assert abs(changes[-2]) < 1e-3 and np.all(np.abs(changes[:-2]) >= 1e-3)
    assert [step.iteration for step in steps] == list(range(len(steps)))


def test_the_first_step_never_converges():
    _, _, steps = _steps(tol=1e9, max_iter=200)  # any change is below this tol
    assert [step.iteration for step in steps] == [0, 1, 2] and [s.converged for s in steps] == [False, False, True]


def test_em_stops_at_max_iter_without_converging():
    _, _, steps = _steps(tol=0.0, max_iter=7)
    assert len(steps) == 8 and not any(step.converged for step in steps)
    assert len(list(em_steps(X, steps[0].params, max_iter=0))) == 1


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_log_likelihood_never_decreases(covariance_type):
    _, _, steps = _steps(covariance_type, tol=0.0, max_iter=60)
    log_likelihoods = np.array([step.log_likelihood for step in steps])
    assert np.all(np.diff(log_likelihoods) >= -1e-12 * np.abs(log_likelihoods[1:]))


def test_yielded_arrays_may_be_kept():
    """A consumer that keeps every step's arrays sees each step's own values, not a reused buffer."""
    _, _, steps = _steps(tol=0.0, max_iter=10)
    kept = [(step.params.means.copy(), step.responsibilities.copy()) for step in steps]
    for (means, responsibilities), step in zip(kept, steps):
        np.testing.assert_array_equal(means, step.params.means)
        np.testing.assert_array_equal(responsibilities, step.responsibilities)
    assert not np.array_equal(steps[1].responsibilities, steps[5].responsibilities)


def test_iter_fit_yields_the_same_steps_as_fit_and_leaves_the_model_fitted():
    streamed = GaussianMixture(n_components=3, random_state=4)
    steps = list(streamed.iter_fit(X))
    fitted = GaussianMixture(n_components=3, random_state=4).fit(X)
    assert streamed.lower_bounds_ == fitted.lower_bounds_ == [step.log_likelihood for step in steps]
    np.testing.assert_array_equal(streamed.means_, steps[-1].params.means)
    assert streamed.n_iter_ == steps[-1].iteration == fitted.n_iter_
    assert streamed.converged_ == steps[-1].converged


def test_iter_fit_stopped_early_leaves_the_last_step_seen():
    model = GaussianMixture(n_components=3, random_state=4, tol=0.0)
    for step in model.iter_fit(X):
        if step.iteration == 2:
            break
    assert model.n_iter_ == 2 and len(model.lower_bounds_) == 3
    np.testing.assert_array_equal(model.means_, step.params.means)


def test_iter_fit_can_start_from_given_responsibilities():
    start = _one_hot(LABELS)
    steps = list(GaussianMixture(n_components=3, tol=0.0, max_iter=3).iter_fit(X, initial_responsibilities=start))
    np.testing.assert_array_equal(steps[0].responsibilities, start)
    np.testing.assert_allclose(steps[0].params.means, m_step(X, start, "full", 1e-6).means, rtol=1e-12)
    with pytest.raises(ValueError, match=r"initial_responsibilities must have shape \(240, 3\)"):
        GaussianMixture(n_components=3).iter_fit(X, initial_responsibilities=start[:10])
    with pytest.raises(ValueError, match="initial_responsibilities must be non-negative with every row summing"):
        GaussianMixture(n_components=3).iter_fit(X, initial_responsibilities=start * 2)
