"""GaussianMixture behaves like scikit-learn's estimator, plus the teaching conveniences."""

import pickle
import warnings

import numpy as np
import pytest
from scipy.integrate import trapezoid

from gmm_teach import ConvergenceWarning, GaussianMixture, datasets

X, LABELS = datasets.make_blobs(300, means=[[0, 0], [7, 0], [0, 7]], random_state=7)
COVARIANCE_TYPES = ["full", "tied", "diag", "spherical"]


@pytest.fixture(scope="module")
def fitted():
    return GaussianMixture(n_components=3, random_state=0).fit(X)


def test_fitted_attributes_have_scikit_learn_shapes():
    shapes = {"full": (3, 2, 2), "tied": (2, 2), "diag": (3, 2), "spherical": (3,)}
    for covariance_type, shape in shapes.items():
        model = GaussianMixture(n_components=3, covariance_type=covariance_type, random_state=0).fit(X)
        assert model.weights_.shape == (3,) and model.means_.shape == (3, 2)
        assert model.covariances_.shape == model.precisions_.shape == model.precisions_cholesky_.shape == shape
        assert model.lower_bounds_[-1] == pytest.approx(model.score(X), rel=1e-12)  # the fitted parameters'
        assert model.lower_bound_ == model.lower_bounds_[-2]  # scikit-learn's: one M-step before them
        assert len(model.lower_bounds_) == model.n_iter_ + 1


def test_unfitted_model_has_no_fitted_attributes():
    model = GaussianMixture()
    assert not hasattr(model, "means_") and not hasattr(model, "converged_")


@pytest.mark.parametrize("init_params", ["kmeans", "k-means++", "random", "random_from_data"])
def test_every_init_method_finds_the_three_blobs(init_params):
    model = GaussianMixture(n_components=3, init_params=init_params, n_init=3, random_state=0).fit(X)
    labels = model.predict(X)
    # the same partition as the truth, up to renaming the components
    assert len({(a, b) for a, b in zip(labels, LABELS)}) == 3


def test_user_given_means_are_where_em_starts():
    means = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])
    model = GaussianMixture(n_components=3, means_init=means, random_state=0)
    first = next(iter(model.iter_fit(X)))
    np.testing.assert_array_equal(first.params.means, means)


def test_predict_is_the_most_probable_component(fitted):
    np.testing.assert_array_equal(fitted.predict(X), fitted.predict_proba(X).argmax(axis=1))
    np.testing.assert_allclose(fitted.predict_proba(X).sum(axis=1), 1.0)
    np.testing.assert_array_equal(fitted.soft_predict(X), fitted.predict_proba(X))
    np.testing.assert_array_equal(fitted.confidence_samples(X), fitted.predict_proba(X).max(axis=1))
    np.testing.assert_array_equal(fitted.fit_predict(X), fitted.predict(X))


def test_score_samples_is_a_density_that_integrates_to_one():
    x = np.concatenate([np.random.default_rng(0).normal(0, 1, 200), np.random.default_rng(1).normal(6, 0.5, 100)])
    model = GaussianMixture(n_components=2, random_state=0).fit(x)
    grid = np.linspace(-10, 15, 20001)
    density = np.exp(model.score_samples(grid))
    assert trapezoid(density, grid) == pytest.approx(1.0, abs=1e-6)  # NumPy's np.trapezoid is 2.0+
    assert density.max() > 0.3  # a density, not a probability: it may exceed what a probability would


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_sample_is_ordered_by_component_and_follows_the_model(covariance_type):
    model = GaussianMixture(n_components=3, covariance_type=covariance_type, random_state=0).fit(X)
    samples, components = model.sample(30000)
    assert samples.shape == (30000, 2) and np.all(np.diff(components) >= 0)
    np.testing.assert_allclose(np.bincount(components) / 30000, model.weights_, atol=0.015)
    for k in range(3):
        np.testing.assert_allclose(samples[components == k].mean(axis=0), model.means_[k], atol=0.06)
        np.testing.assert_allclose(np.cov(samples[components == k].T), model.params_.as_full()[k], atol=0.08, rtol=0.05)


def test_aic_and_bic_follow_their_formulas(fitted):
    n_parameters = 3 * 3 + 3 * 2 + 2  # full covariances (3 each) + means + free weights
    assert fitted._n_parameters() == n_parameters
    log_likelihood = fitted.score(X) * len(X)
    assert fitted.aic(X) == pytest.approx(-2 * log_likelihood + 2 * n_parameters)
    assert fitted.bic(X) == pytest.approx(-2 * log_likelihood + n_parameters * np.log(len(X)))


def test_bic_picks_the_true_number_of_components():
    bics = [GaussianMixture(n_components=k, random_state=0).fit(X).bic(X) for k in range(1, 7)]
    assert int(np.argmin(bics)) + 1 == 3


def test_anomaly_detect_flags_the_requested_share_of_points(fitted):
    flagged = fitted.anomaly_detect(X, threshold=4.0)
    assert flagged.dtype == bool and flagged.sum() == 12  # 4% of 300
    scores = fitted.score_samples(X)
    assert scores[flagged].max() < scores[~flagged].min()
    by_confidence = fitted.anomaly_detect(X, threshold=10.0, method="confidence")
    confidence = fitted.confidence_samples(X)
    assert by_confidence.sum() == 30 and confidence[by_confidence].max() < confidence[~by_confidence].min()
    assert not fitted.anomaly_detect(X, threshold=0).any()


def test_confidence_rule_misses_a_point_far_from_every_cluster(fitted):
    far_away = fitted.means_[0] + 40.0
    data = np.vstack([X, far_away])
    assert fitted.anomaly_detect(data, 4.0, method="density")[-1]
    assert not fitted.anomaly_detect(data, 4.0, method="confidence")[-1]


def test_n_init_keeps_the_best_start():
    """The same five starts one fit at a time (one generator, drawn in turn), then in one fit with n_init=5."""
    X_moons, _ = datasets.make_moons(300, noise=0.05, random_state=0)
    settings = dict(n_components=6, init_params="random_from_data", max_iter=200)
    one_at_a_time = GaussianMixture(**settings, random_state=np.random.RandomState(2))
    fits = [(one_at_a_time.fit(X_moons).lower_bound_, one_at_a_time.score(X_moons)) for _ in range(5)]
    finals = [start_score for start_score, _ in fits]
    assert finals[0] < max(finals) - 0.1 and finals[-1] < max(finals) - 0.1  # neither first nor last is best
    best = GaussianMixture(**settings, n_init=5, random_state=np.random.RandomState(2)).fit(X_moons)
    assert best.lower_bound_ == max(finals)
    assert best.score(X_moons) == pytest.approx(fits[int(np.argmax(finals))][1], rel=1e-12)


def test_a_fitted_model_keeps_its_parameters_not_its_training_data():
    X_large = datasets.make_blobs(100_000, random_state=0)[0]
    model = GaussianMixture(n_components=3, random_state=0).fit(X_large)
    pickled = pickle.dumps(model)
    assert len(pickled) < 20_000, len(pickled)
    np.testing.assert_array_equal(pickle.loads(pickled).predict(X_large[:100]), model.predict(X_large[:100]))


def test_warm_start_continues_from_the_fitted_parameters():
    model = GaussianMixture(n_components=3, max_iter=2, tol=0.0, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X)
        first = model.lower_bounds_
        model.fit(X)
    assert model.lower_bounds_[0] == pytest.approx(first[-1], rel=1e-12)
    assert model.lower_bounds_[-1] >= first[-1]


def test_convergence_warning_names_what_to_change():
    with pytest.warns(ConvergenceWarning, match=r"did not converge within max_iter=2.*Increase max_iter or tol"):
        GaussianMixture(n_components=3, max_iter=2, tol=0.0, random_state=0).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        GaussianMixture(n_components=3, max_iter=0, random_state=0).fit(X)  # max_iter=0: initialisation only


def test_verbose_prints_progress(capsys):
    GaussianMixture(n_components=2, verbose=2, verbose_interval=1, random_state=0).fit(X)
    printed = capsys.readouterr().out
    assert "Initialisation 0" in printed and "iteration 1: change" in printed and "converged after" in printed


def test_repr_shows_only_changed_parameters():
    assert repr(GaussianMixture()) == "GaussianMixture()"
    assert (
        repr(GaussianMixture(n_components=2, covariance_type="diag"))
        == "GaussianMixture(n_components=2, covariance_type='diag')"
    )


def test_get_params_and_set_params(fitted):
    params = fitted.get_params()
    assert params["n_components"] == 3 and set(params) >= {"covariance_type", "tol", "warm_start", "verbose_interval"}
    copy = GaussianMixture(**params)
    assert copy.set_params(n_components=5) is copy and copy.n_components == 5


def test_a_fitted_model_pickles(fitted):
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict_proba(X), fitted.predict_proba(X))


def test_float32_and_integer_input_are_accepted():
    for data, dtype in ((X.astype(np.float32), np.float32), (np.round(X * 10).astype(int), np.float64)):
        model = GaussianMixture(n_components=3, random_state=0).fit(data)
        assert model.means_.dtype == model.covariances_.dtype == model.weights_.dtype == dtype  # as scikit-learn
        assert model.predict_proba(data).dtype == model.score_samples(data).dtype == dtype
        assert np.isfinite(model.score(data))
