"""BayesianGaussianMixture: variational EM matches scikit-learn, never lowers the ELBO, and switches
components off."""

import pickle
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.special import logsumexp
from sklearn.base import clone
from sklearn.mixture import BayesianGaussianMixture as SklearnBayesianGaussianMixture
from threadpoolctl import threadpool_limits

from gmm_teach import BayesianGaussianMixture, NotFittedError, datasets
from gmm_teach.bayesian import VariationalParams, VariationalStep, variational_e_step, variational_weighted_log_density
from gmm_teach.em import log_density

COVARIANCE_TYPES = ["full", "tied", "diag", "spherical"]
PRIOR_TYPES = ["dirichlet_process", "dirichlet_distribution"]
MOONS = datasets.make_moons(1000, noise=0.05, random_state=0)[0]
FAITHFUL = datasets.load_old_faithful()


@pytest.fixture(autouse=True, scope="module")
def one_blas_thread():
    """Tiny matrices: BLAS threads only fight over the shared cores (a 2 x 2 solve is 50x slower)."""
    with threadpool_limits(limits=1):
        yield


def _scikit_learn_from(responsibilities, **settings):
    """scikit-learn's model, started (through its private ``_initialize``) from the given responsibilities."""
    model = SklearnBayesianGaussianMixture(**settings)
    model._initialize_parameters = lambda X, random_state, xp=None: model._initialize(X, responsibilities)
    return model


def _fit_both(X, covariance_type, prior_type, n_components=5, max_iter=30, seed=0):
    responsibilities = np.random.default_rng(seed).dirichlet(np.ones(n_components), size=X.shape[0])
    settings = dict(
        n_components=n_components,
        covariance_type=covariance_type,
        tol=0.0,
        max_iter=max_iter,
        weight_concentration_prior_type=prior_type,
    )
    ours = BayesianGaussianMixture(**settings)
    for _ in ours.iter_fit(X, initial_responsibilities=responsibilities):
        pass
    theirs = _scikit_learn_from(responsibilities, **settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tol=0 never converges: scikit-learn warns
        theirs.fit(X)
    return ours, theirs


# ------------------------------------------------------------------------------------------ parity
@pytest.mark.parametrize("prior_type", PRIOR_TYPES)
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("data_name", ["moons", "faithful"])
def test_elbo_trajectory_and_posterior_match_scikit_learn(data_name, covariance_type, prior_type):
    X = {"moons": MOONS, "faithful": FAITHFUL}[data_name]
    ours, theirs = _fit_both(X, covariance_type, prior_type)
    # scikit-learn never computes the ELBO of step 0: its lower_bounds_ are ours from step 1 on.
    assert len(ours.lower_bounds_) == len(theirs.lower_bounds_) + 1 == 31
    np.testing.assert_allclose(ours.lower_bounds_[1:], np.ravel(theirs.lower_bounds_), rtol=1e-6, atol=0)
    np.testing.assert_allclose(ours.lower_bound_, np.ravel(theirs.lower_bound_)[0], rtol=1e-6)
    np.testing.assert_allclose(ours.weights_, theirs.weights_, rtol=1e-6)
    np.testing.assert_allclose(ours.means_, theirs.means_, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(ours.covariances_, theirs.covariances_, rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(ours.precisions_, theirs.precisions_, rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(ours.weight_concentration_, theirs.weight_concentration_, rtol=1e-6)
    np.testing.assert_allclose(ours.mean_precision_, theirs.mean_precision_, rtol=1e-6)
    np.testing.assert_allclose(ours.degrees_of_freedom_, theirs.degrees_of_freedom_, rtol=1e-6)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(ours.score_samples(X), theirs.score_samples(X), rtol=1e-6)
    assert ours.n_iter_ == theirs.n_iter_ == 30


def test_priors_resolved_from_the_data_match_scikit_learn():
    ours, theirs = _fit_both(FAITHFUL, "full", "dirichlet_process", max_iter=1)
    for name in (
        "weight_concentration_prior_",
        "mean_precision_prior_",
        "mean_prior_",
        "degrees_of_freedom_prior_",
        "covariance_prior_",
    ):
        np.testing.assert_allclose(getattr(ours, name), getattr(theirs, name), rtol=1e-12, err_msg=name)


def test_convergence_stops_where_scikit_learn_stops():
    X = FAITHFUL
    responsibilities = np.random.default_rng(3).dirichlet(np.ones(3), size=X.shape[0])
    ours = BayesianGaussianMixture(3, tol=1e-2, max_iter=500)
    steps = list(ours.iter_fit(X, initial_responsibilities=responsibilities))
    theirs = _scikit_learn_from(responsibilities, n_components=3, tol=1e-2, max_iter=500).fit(X)
    assert steps[-1].converged and ours.converged_ and theirs.converged_
    assert ours.n_iter_ == theirs.n_iter_ == len(steps) - 1
    np.testing.assert_allclose(ours.weights_, theirs.weights_, rtol=1e-6)


# ------------------------------------------------------------------------------------------ the ELBO
@st.composite
def mixture_data(draw):
    """1-3 features, 1-5 components, 15-100 points from a random mixture, sometimes far from the origin."""
    n_features = draw(st.integers(1, 3))
    n_components = draw(st.integers(1, 5))
    n_samples = draw(st.integers(15, 100))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=draw(st.floats(0.5, 10.0)), size=(3, n_features))
    labels = rng.integers(3, size=n_samples)
    X = centres[labels] + rng.uniform(0.1, 2.0) * rng.normal(size=(n_samples, n_features))
    return X + draw(st.sampled_from([0.0, 100.0, -1e4])), n_components, seed


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=mixture_data(),
    covariance_type=st.sampled_from(COVARIANCE_TYPES),
    prior_type=st.sampled_from(PRIOR_TYPES),
    log10_concentration=st.floats(-3.0, 3.0),
    init_params=st.sampled_from(["kmeans", "random"]),
)
def test_elbo_never_decreases(data, covariance_type, prior_type, log10_concentration, init_params):
    X, n_components, seed = data
    model = BayesianGaussianMixture(
        n_components,
        covariance_type=covariance_type,
        weight_concentration_prior_type=prior_type,
        weight_concentration_prior=10.0**log10_concentration,
        init_params=init_params,
        tol=1e-8,
        max_iter=40,
        random_state=seed,
    )
    elbos = []
    for step in model.iter_fit(X):
        assert isinstance(step, VariationalStep) and isinstance(step.params, VariationalParams)
        np.testing.assert_allclose(step.responsibilities.sum(axis=1), 1.0, rtol=1e-10)
        assert abs(step.params.weights.sum() - 1.0) < 1e-10
        assert np.isfinite(step.evidence_lower_bound) and not hasattr(step, "log_likelihood")
        elbos.append(step.evidence_lower_bound)
    tolerance = 1e-9 * max(1.0, abs(elbos[-1]))
    assert np.all(np.diff(elbos) >= -tolerance), np.diff(elbos).min()
    assert model.lower_bounds_ == elbos and model.lower_bound_ == elbos[-1]


# ------------------------------------------------------------------------------------------ the seed example
def test_moons_with_ten_components_switch_some_off():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # like scikit-learn's, the best run may need more than 100 iterations
        model = BayesianGaussianMixture(n_components=10, n_init=10, random_state=0).fit(MOONS)
    assert (model.weights_ > 0.01).sum() <= 8
    assert model.weights_.sum() == pytest.approx(1.0)


def test_moons_with_three_components_share_the_weight_a_quarter_a_quarter_a_half():
    model = BayesianGaussianMixture(n_components=3, n_init=10, random_state=0).fit(MOONS)
    np.testing.assert_allclose(np.sort(model.weights_), [0.24, 0.24, 0.52], atol=0.01)


def test_smaller_weight_concentration_leaves_fewer_active_components():
    active = []
    for concentration in (1e-4, 1e4):
        model = BayesianGaussianMixture(
            6,
            weight_concentration_prior=concentration,
            max_iter=300,
            weight_concentration_prior_type="dirichlet_distribution",
            random_state=0,
        ).fit(FAITHFUL)
        active.append((model.weights_ > 0.01).sum())
    assert active[0] < active[1] == 6, active


def test_elbo_is_not_the_log_likelihood():
    model = BayesianGaussianMixture(4, random_state=0).fit(FAITHFUL)
    point_log_likelihood = log_density(FAITHFUL, model.params_).mean()
    assert np.isfinite(point_log_likelihood) and model.lower_bound_ != pytest.approx(point_log_likelihood)
    # close to the point estimate's log-density once the posterior is sharp
    assert model.score(FAITHFUL) == pytest.approx(point_log_likelihood, abs=0.05)


# ------------------------------------------------------------------------------------------ the estimator
def test_fitted_attributes_have_scikit_learns_shapes():
    model = BayesianGaussianMixture(3, covariance_type="diag", random_state=0).fit(FAITHFUL)
    assert model.weights_.shape == (3,) and model.means_.shape == (3, 2)
    assert model.covariances_.shape == model.precisions_.shape == model.precisions_cholesky_.shape == (3, 2)
    assert len(model.weight_concentration_) == 2 and model.weight_concentration_[0].shape == (3,)
    assert model.mean_precision_.shape == model.degrees_of_freedom_.shape == (3,)
    assert len(model.lower_bounds_) == model.n_iter_ + 1 and model.lower_bound_ == model.lower_bounds_[-1]
    assert model.converged_ and model.n_features_in_ == 2


def test_predictions_agree_with_each_other():
    model = BayesianGaussianMixture(3, random_state=1)
    labels = model.fit_predict(FAITHFUL)
    np.testing.assert_array_equal(labels, model.predict(FAITHFUL))
    probabilities = model.predict_proba(FAITHFUL)
    np.testing.assert_array_equal(probabilities.argmax(axis=1), labels)
    np.testing.assert_allclose(probabilities, variational_e_step(FAITHFUL, model.params_)[0])
    assert model.score(FAITHFUL) == pytest.approx(model.score_samples(FAITHFUL).mean())
    points, components = model.sample(50)
    assert points.shape == (50, 2) and components.shape == (50,)


def test_breaking_out_of_iter_fit_leaves_the_last_step_fitted():
    model = BayesianGaussianMixture(3, random_state=0)
    for step in model.iter_fit(FAITHFUL):
        if step.iteration == 2:
            break
    assert model.n_iter_ == 2 and model.params_ is step.params and len(model.lower_bounds_) == 3


def test_warm_start_continues_uphill():
    model = BayesianGaussianMixture(3, max_iter=5, random_state=0, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = model.fit(FAITHFUL).lower_bound_
        second = model.fit(FAITHFUL).lower_bounds_
    assert second[0] >= first - 1e-9 * abs(first) and second[-1] > first


def test_same_random_state_same_fit_and_clone_keeps_the_settings():
    model = BayesianGaussianMixture(4, weight_concentration_prior=0.5, n_init=2, random_state=7)
    twin = clone(model)
    assert twin.get_params() == model.get_params()
    assert (
        repr(twin)
        == "BayesianGaussianMixture(n_components=4, n_init=2, weight_concentration_prior=0.5, random_state=7)"
    )
    np.testing.assert_array_equal(model.fit(FAITHFUL).weights_, twin.fit(FAITHFUL).weights_)
    assert "weights_init" not in model.get_params()


def test_a_bayesian_mixture_is_a_sibling_of_gaussian_mixture_not_a_kind_of_it():
    from gmm_teach import GaussianMixture
    from gmm_teach._base import BaseMixture

    model = BayesianGaussianMixture(2)
    assert not isinstance(model, GaussianMixture) and isinstance(model, BaseMixture)
    assert not any(name.endswith("_init") and name != "n_init" for name in vars(model))
    assert set(GaussianMixture().get_params()) - set(model.get_params()) == {
        "weights_init",
        "means_init",
        "precisions_init",
    }


def test_a_fitted_bayesian_mixture_pickles_to_a_few_kilobytes():
    X_large = datasets.make_blobs(100_000, random_state=0)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a short fit: its size, not its convergence, is the point
        model = BayesianGaussianMixture(4, max_iter=20, random_state=0).fit(X_large)
    assert len(pickle.dumps(model)) < 20_000


def test_predict_before_fit_says_so():
    with pytest.raises(NotFittedError, match="not fitted yet"):
        BayesianGaussianMixture(2).predict(FAITHFUL)


@pytest.mark.parametrize(
    "params, exception, match",
    [
        (
            dict(weight_concentration_prior_type="dirichlet"),
            ValueError,
            r"weight_concentration_prior_type must be one of 'dirichlet_process', 'dirichlet_distribution'; "
            r"got 'dirichlet'",
        ),
        (
            dict(weight_concentration_prior=0.0),
            ValueError,
            r"weight_concentration_prior must be greater than 0, got 0.0",
        ),
        (dict(weight_concentration_prior="big"), TypeError, r"weight_concentration_prior must be a finite real number"),
        (dict(mean_precision_prior=-1.0), ValueError, r"mean_precision_prior must be greater than 0, got -1.0"),
        (
            dict(degrees_of_freedom_prior=1.0),
            ValueError,
            r"degrees_of_freedom_prior must be greater than n_features - 1 = 1, got 1.0",
        ),
        (
            dict(mean_prior=[1.0, 2.0, 3.0]),
            ValueError,
            r"mean_prior must be an array of shape \(2,\), got shape \(3,\)",
        ),
        (
            dict(covariance_prior=np.eye(3)),
            ValueError,
            r"covariance_prior must be an array of shape \(2, 2\), got shape \(3, 3\)",
        ),
        (dict(covariance_prior=-np.eye(2)), ValueError, r"covariance_prior must be positive definite"),
        (
            dict(covariance_prior=[1.0, -1.0], covariance_type="diag"),
            ValueError,
            r"covariance_prior for covariance_type='diag' must be positive",
        ),
        (
            dict(covariance_prior=0.0, covariance_type="spherical"),
            ValueError,
            r"covariance_prior must be greater than 0",
        ),
        (dict(n_components=0), ValueError, r"n_components must be at least 1, got 0"),
    ],
)
def test_bad_priors_are_refused_with_a_message_naming_them(params, exception, match):
    with pytest.raises(exception, match=match):
        BayesianGaussianMixture(**params).fit(FAITHFUL)


def test_one_sample_needs_a_covariance_prior():
    with pytest.raises(ValueError, match=r"X must have at least 2 samples when covariance_prior is None"):
        BayesianGaussianMixture(1).fit([[1.0, 2.0]])
    model = BayesianGaussianMixture(1, covariance_prior=np.eye(2)).fit([[1.0, 2.0]])
    np.testing.assert_allclose(model.means_, [[1.0, 2.0]])


@pytest.mark.parametrize(
    "responsibilities, match",
    [
        (np.full((272, 2), 0.5), r"initial_responsibilities must have shape \(272, 3\).*got \(272, 2\)"),
        (np.full((272, 3), 0.5), r"initial_responsibilities must be non-negative with every row summing to 1"),
    ],
)
def test_bad_initial_responsibilities_are_refused(responsibilities, match):
    with pytest.raises(ValueError, match=match):
        BayesianGaussianMixture(3).iter_fit(FAITHFUL, initial_responsibilities=responsibilities)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_variational_e_step_is_bayes_rule_on_the_expected_log_densities(covariance_type):
    """The chunked E-step (EM's, with the expected terms in place of log-weights) gives what the formula says."""
    model = BayesianGaussianMixture(n_components=4, covariance_type=covariance_type, random_state=0).fit(FAITHFUL)
    weighted = variational_weighted_log_density(FAITHFUL, model.params_)
    responsibilities, mean_log_norm = variational_e_step(FAITHFUL, model.params_)
    np.testing.assert_allclose(
        responsibilities, np.exp(weighted - logsumexp(weighted, axis=1, keepdims=True)), rtol=1e-10, atol=1e-249
    )
    assert mean_log_norm == pytest.approx(logsumexp(weighted, axis=1).mean(), rel=1e-12)
