"""The EM engine: e_step, m_step and the EMStep stream keep the contracts in DESIGN.md."""

import warnings

import numpy as np
import pytest
from helpers import three_blobs
from scipy.special import logsumexp
from scipy.stats import multivariate_normal, norm

from gmm_teach import GaussianMixture, MixtureParams, e_step, em_steps, m_step
from gmm_teach.covariance import CollapsedComponentError
from gmm_teach.em import log_density, log_gaussian_density, log_likelihood, n_parameters
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


def test_the_log_likelihood_of_the_mean_of_a_standard_normal_is_minus_half_log_two_pi():
    params = MixtureParams.from_covariances([1.0], [[0.0]], [1.0], "spherical")
    assert log_likelihood(np.array([[0.0]]), params) == pytest.approx(-0.5 * np.log(2 * np.pi), rel=1e-15)


def test_log_density_is_the_log_of_the_weighted_sum_of_the_component_densities():
    """p(x) = 0.3 N(x | 0, 1) + 0.7 N(x | 2, 4), one value per point; log_likelihood is their mean."""
    params = MixtureParams.from_covariances([0.3, 0.7], [[0.0], [2.0]], [1.0, 4.0], "spherical")
    points = np.array([[-1.0], [0.0], [2.5], [7.0]])
    density = 0.3 * norm(0.0, 1.0).pdf(points[:, 0]) + 0.7 * norm(2.0, 2.0).pdf(points[:, 0])
    np.testing.assert_allclose(log_density(points, params), np.log(density), rtol=1e-13)
    assert log_likelihood(points, params) == pytest.approx(np.log(density).mean(), rel=1e-13)


def test_the_parameters_e_step_is_the_e_step():
    params = m_step(X, _one_hot(LABELS), "diag")
    responsibilities, mean_log_likelihood = params.e_step(X)
    np.testing.assert_array_equal(responsibilities, e_step(X, params)[0])
    assert mean_log_likelihood == e_step(X, params)[1]


def test_a_component_of_weight_zero_is_responsible_for_nothing_and_warns_nothing():
    """log 0 = -inf is the right log-weight: no 'divide by zero' warning, responsibility exactly 0."""
    params = MixtureParams.from_covariances([1.0, 0.0], [[0.0, 0.0], [1.0, 1.0]], [1.0, 1.0], "spherical")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        responsibilities, _ = e_step(X, params)
    np.testing.assert_array_equal(responsibilities[:, 1], 0.0)


@pytest.mark.parametrize("covariance_type, expected", [("full", 39), ("tied", 21), ("diag", 27), ("spherical", 19)])
def test_n_parameters_counts_covariances_means_and_all_weights_but_one(covariance_type, expected):
    """Four components in three dimensions: the covariances (24, 6, 12, 4), 4 x 3 means and 3 free weights."""
    assert n_parameters(4, 3, covariance_type) == expected
    points = three_blobs(240, 3, seed=1)[0]
    assert m_step(points, np.eye(4)[np.arange(240) % 4], covariance_type).n_parameters == expected


def test_e_step_and_em_steps_refuse_points_with_the_wrong_number_of_features():
    params = m_step(X, _one_hot(LABELS))
    three_features = np.column_stack([X, X[:, 0]])
    with pytest.raises(ValueError, match="X has 3 features, but the model is expecting 2 features"):
        e_step(three_features, params)
    with pytest.raises(ValueError, match="X has 3 features, but the model is expecting 2 features"):
        next(em_steps(three_features, params))


def test_m_step_fits_full_covariances_unless_told_otherwise():
    params = m_step(X, _one_hot(LABELS))
    assert params.covariance_type == "full" and params.covariances.shape == (3, 2, 2)


def test_m_step_names_the_argument_it_refuses():
    responsibilities = _one_hot(LABELS)
    with pytest.raises(ValueError, match="covariance_type must be one of 'full', 'tied', 'diag', 'spherical'"):
        m_step(X, responsibilities, "round")
    with pytest.raises(ValueError, match=r"responsibilities must be a 2-D array \(n_samples, n_components\), got 1 "):
        m_step(X, LABELS.astype(float))
    with pytest.raises(ValueError, match=r"^responsibilities must have shape \(240, 3\)"):
        m_step(X, responsibilities[:10])
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(240,\)"):
        m_step(X, responsibilities, sample_weight=np.ones(10))


def test_a_collapsed_m_step_names_the_reg_covar_in_use():
    """Two points on the diagonal: the covariance [[1e8, 1e8], [1e8, 1e8]] is singular and 1e-10 is below
    the rounding of 1e8, so it stays singular; the advice quotes the reg_covar given."""
    points = np.array([[-1e4, -1e4], [1e4, 1e4]])
    with pytest.raises(CollapsedComponentError, match=r"Increase reg_covar \(now 1e-10\)"):
        m_step(points, np.ones((2, 1)), "full", reg_covar=1e-10)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_a_sample_weight_of_two_counts_a_point_twice(covariance_type):
    """m_step and em_steps with integer weights give what they give on the data with those rows repeated."""
    sample_weight = np.arange(len(X)) % 3  # 0, 1 and 2 copies
    repeated = np.repeat(X, sample_weight, axis=0)
    responsibilities = _one_hot(LABELS)
    weighted = m_step(X, responsibilities, covariance_type, sample_weight=sample_weight)
    plain = m_step(repeated, np.repeat(responsibilities, sample_weight, axis=0), covariance_type)
    for name in ("weights", "means", "covariances"):
        np.testing.assert_allclose(getattr(weighted, name), getattr(plain, name), rtol=1e-10)
    weighted_steps = list(em_steps(X, weighted, tol=0.0, max_iter=5, sample_weight=sample_weight))
    plain_steps = list(em_steps(repeated, plain, tol=0.0, max_iter=5))
    np.testing.assert_allclose(
        [step.log_likelihood for step in weighted_steps], [step.log_likelihood for step in plain_steps], rtol=1e-10
    )
    np.testing.assert_allclose(weighted_steps[-1].params.means, plain_steps[-1].params.means, rtol=1e-10)
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(240,\)"):
        next(em_steps(X, weighted, sample_weight=np.ones(10)))


def test_a_component_that_owns_no_point_keeps_ten_machine_epsilons_as_in_scikit_learn():
    r"""scikit-learn adds :math:`10\epsilon` to every :math:`N_k`: an empty component gets the weight
    :math:`10\epsilon / n`, the mean 0 (0 / :math:`10\epsilon`) and the covariance ``reg_covar`` I, with no 0 / 0."""
    responsibilities = np.column_stack([_one_hot(LABELS), np.zeros(len(X))])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        params = m_step(X, responsibilities, "full", reg_covar=1e-6)
    assert params.weights[3] == pytest.approx(10 * np.finfo(float).eps / len(X), rel=1e-12)
    np.testing.assert_array_equal(params.means[3], 0.0)
    np.testing.assert_allclose(params.covariances[3], 1e-6 * np.eye(2), rtol=1e-12)


def test_step_zero_reports_the_initial_parameters_own_e_step_when_nothing_else_produced_them():
    params = m_step(X, _one_hot(LABELS))
    first = next(em_steps(X, params))
    np.testing.assert_allclose(first.responsibilities, e_step(X, params)[0], rtol=1e-12, atol=1e-300)


def test_em_steps_stops_as_scikit_learn_by_default_tol_1e_3_and_max_iter_100():
    params, responsibilities = initial_params(X, 3, "full", "random_from_data", np.random.default_rng(0))
    default = list(em_steps(X, params, responsibilities))
    assert len(default) > 5  # this start climbs by more than 1e-3 for several iterations
    explicit = list(em_steps(X, params, responsibilities, tol=1e-3, max_iter=100))
    assert [step.log_likelihood for step in default] == [step.log_likelihood for step in explicit]
    never_converging = list(em_steps(X, params, responsibilities, tol=0.0))
    assert len(never_converging) == 101 and not never_converging[-1].converged
