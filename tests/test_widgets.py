"""The explorers without a browser: every control drives its trait, and every trait changes what is drawn."""

import re

import matplotlib.pyplot as plt
import numpy as np
import pytest
import traitlets
from helpers import three_blobs

from gmm_teach import BayesianGaussianMixture, GaussianMixture, datasets
from gmm_teach.plotting import responsibility_colors
from gmm_teach.selection import best_model
from gmm_teach.widgets import AnomalyExplorer, ElbowExplorer, EMPlayer
from gmm_teach.widgets.anomaly_explorer import GRID_RESOLUTION

FAITHFUL = datasets.load_old_faithful()
BLOBS = datasets.make_blobs(150, means=[[0, 0], [2.5, 0.5], [0.5, 2.5]], random_state=0)[0]


@pytest.fixture(params=["inline", "widget"])
def backend(request, monkeypatch):
    monkeypatch.setenv("GMM_MPL_BACKEND", request.param)
    return request.param


def means_drawn(player):
    return player.view.clustering.means.get_offsets()


def ellipse_centres(player):
    return np.array([rings[0].get_center() for rings in player.view.clustering.ellipses])


def point_colours(clustering):
    return clustering.points.get_facecolor()[:, :3]


# ------------------------------------------------------------------------------------------ EMPlayer
@pytest.fixture
def player(backend):
    player = EMPlayer(BLOBS, n_components=3, init_params="random_from_data", random_state=0)
    assert player.host.mode == backend
    assert len(player.trace) >= 4
    yield player
    player.close()


def test_m_step_frame_draws_the_means_and_responsibilities_of_that_step(player):
    for iteration in range(len(player.trace)):
        player.iteration = iteration
        step = player.trace[iteration]
        np.testing.assert_allclose(ellipse_centres(player), step.params.means)
        np.testing.assert_allclose(means_drawn(player), step.params.means)
        np.testing.assert_allclose(
            point_colours(player.view.clustering), responsibility_colors(step.responsibilities)[:, :3]
        )


def test_e_step_frame_recolours_points_but_keeps_the_previous_ellipses(player):
    player.iteration = 3
    player.phase = "E"
    np.testing.assert_allclose(ellipse_centres(player), player.trace[2].params.means)
    np.testing.assert_allclose(
        point_colours(player.view.clustering), responsibility_colors(player.trace[3].responsibilities)[:, :3]
    )
    assert "E-step" in player.readout.value
    player.phase = "M"
    np.testing.assert_allclose(ellipse_centres(player), player.trace[3].params.means)


def test_each_step_redraws_in_place(player):
    ellipse, redraws = player.view.clustering.ellipses[0][0], player.host.redraws
    player.iteration = 2
    assert player.view.clustering.ellipses[0][0] is ellipse
    assert player.host.redraws == redraws + 1


def test_controls_and_traits_are_linked_both_ways(player):
    player.slider.value = 2
    assert player.iteration == 2
    player.iteration = 1
    assert player.slider.value == 1 and player.play.value == 1
    player.play.value = 3
    assert player.iteration == 3
    player.phase_buttons.value = "E"
    assert player.phase == "E"
    player.phase = "M"
    assert player.phase_buttons.value == "M"
    player.covariance_menu.value = "diag"
    assert player.covariance_type == "diag"
    player.n_components = 2
    assert player.components_menu.value == 2
    player.init_menu.value = "kmeans"
    assert player.init_params == "kmeans"


def test_changing_the_model_refits_and_resets_the_slider(player):
    player.iteration = 2
    player.covariance_type = "spherical"
    assert player.trace.params[0].covariance_type == "spherical"
    assert player.iteration == 0 and player.slider.max == player.play.max == len(player.trace) - 1
    player.n_components = 2
    assert player.trace.params[0].n_components == 2
    assert len(player.view.clustering.ellipses) == 2
    np.testing.assert_allclose(means_drawn(player), player.trace[0].params.means)


def test_new_start_button_changes_the_seed_and_the_run(player):
    first_means = player.trace[0].params.means
    player.new_start.click()
    assert player.seed == 1
    assert not np.allclose(player.trace[0].params.means, first_means)


def test_readout_and_log_likelihood_marker_follow_the_iteration(player):
    last = len(player.trace) - 1
    player.iteration = last
    assert f"Iteration {last} of {last}" in player.readout.value
    marker = player.view.marker
    assert marker.get_xdata()[0] == last and marker.get_ydata()[0] == player.trace.log_likelihoods[last]


def test_readout_says_how_much_the_log_likelihood_went_up_since_the_iteration_before(player):
    log_likelihoods = player.trace.log_likelihoods
    for iteration in range(2, len(player.trace)):
        for phase, shown in (("M", iteration), ("E", iteration - 1)):
            player.iteration, player.phase = iteration, phase
            rise = log_likelihoods[shown] - log_likelihoods[shown - 1]
            assert rise > 0
            stated = re.search(r"\(up (\S+) from the iteration before", player.readout.value)
            assert stated and float(stated.group(1)) == pytest.approx(rise, rel=0.06), (stated, rise)
    player.iteration, player.phase = 0, "M"
    assert "from the iteration before" not in player.readout.value


def test_bad_trait_values_raise_clear_errors(player):
    with pytest.raises((ValueError, traitlets.TraitError), match="iteration"):
        player.iteration = len(player.trace)
    with pytest.raises((ValueError, traitlets.TraitError), match="phase"):
        player.phase = "both"
    with pytest.raises((ValueError, traitlets.TraitError), match="covariance_type"):
        player.covariance_type = "round"


def test_player_checks_its_arguments_first():
    with pytest.raises(ValueError, match="n_components"):
        EMPlayer(BLOBS, n_components=0)
    with pytest.raises(ValueError, match="init_params"):
        EMPlayer(BLOBS, init_params="magic")
    with pytest.raises(TypeError, match="X must"):
        EMPlayer("not data")
    with pytest.raises(ValueError, match="tol must be at least 0.0"):
        EMPlayer(BLOBS, tol=-1.0)


def test_player_tol_sets_where_em_stops():
    loose = EMPlayer(BLOBS, n_components=3, init_params="random", tol=1e-1)
    strict = EMPlayer(BLOBS, n_components=3, init_params="random", tol=1e-8)
    assert loose.trace.converged[-1] and "less than 0.1 in the iteration before" in loose.readout.value
    assert np.abs(np.diff(loose.trace.log_likelihoods))[-1] < 1e-1
    assert len(strict.trace) > len(loose.trace)
    assert np.all(np.abs(np.diff(strict.trace.log_likelihoods))[:-1] >= 1e-8)


@pytest.mark.parametrize(
    "X",
    [FAITHFUL, three_blobs()[0], datasets.make_blobs(300, means=[[0, 0], [10, 0], [0, 10]], random_state=1)[0]],
    ids=["old faithful", "three blobs", "three far blobs"],
)
def test_default_player_shows_em_at_work(X):
    player = EMPlayer(X)
    assert len(player.trace) - 1 >= 5
    log_likelihoods = player.trace.log_likelihoods
    assert np.all(np.diff(log_likelihoods) >= -1e-12)
    player.init_params = "kmeans"  # still one choice of "start from"
    assert player.init_menu.value == "kmeans" and player.trace.params[0] is not None
    player.close()


def test_iterations_are_counted_with_the_right_plural():
    player = EMPlayer(FAITHFUL, n_components=2, max_iter=1)
    assert len(player.trace) - 1 == 1
    assert "stopped after max_iter=1 iteration without converging" in player.readout.value
    player = EMPlayer(FAITHFUL, n_components=2)
    assert f"converged after {len(player.trace) - 1} iterations:" in player.readout.value
    player.close()


def test_player_axes_are_named_from_the_data():
    player = EMPlayer(datasets.load_old_faithful(as_frame=True), n_components=2)
    assert player.view.clustering_ax.get_xlabel() == "eruption duration (min)"
    assert player.view.clustering_ax.get_ylabel() == "waiting time to next eruption (min)"
    player.close()
    X = datasets.make_blobs(60, means=np.eye(3) * 4, random_state=0)[0]
    player = EMPlayer(X, n_components=2, feature_names=["height (cm)", "mass (kg)", "age (years)"])
    assert ("mass (kg) vs age (years)", (1, 2)) in player.view_menu.options
    player.features = (1, 2)
    assert player.view.clustering_ax.get_xlabel() == "mass (kg)"
    player.close()


def test_to_html_is_a_self_contained_animation():
    player = EMPlayer(BLOBS, n_components=3, init_params="random_from_data", max_iter=2)
    html = player.to_html(fps=4)
    assert "<script" in html and "data:image/png;base64" in html
    assert html.count("data:image/png;base64") == 1 + 2 * 2  # the start, then E and M of 2 iterations
    assert "https://" not in html and "http://" not in html and html.count("<svg") == 9  # icons inline
    player.close()


def test_widget_backend_puts_the_ipympl_canvas_in_the_container(backend):
    player = EMPlayer(FAITHFUL, n_components=2)
    kind = type(player.host.widget).__name__
    assert kind == ("Canvas" if backend == "widget" else "Output")
    assert player.host.widget in player.children
    assert player.figure.canvas is not None and plt.get_fignums() == []  # nothing left in pyplot
    player.close()


@pytest.mark.parametrize(
    "X, n_components",
    [
        (FAITHFUL[:, 1], 2),  # one feature
        (FAITHFUL, 1),  # one component
        (np.repeat(FAITHFUL[:20], 5, axis=0), 3),  # duplicate points
        (datasets.make_blobs(120, means=np.eye(5) * 4, random_state=0)[0], 3),  # five features
    ],
)
def test_player_runs_on_awkward_data(X, n_components):
    player = EMPlayer(X, n_components=n_components)
    for iteration in range(len(player.trace)):
        player.iteration = iteration
        player.phase = "E"
        player.phase = "M"
    np.testing.assert_allclose(
        point_colours(player.view.clustering), responsibility_colors(player.trace[-1].responsibilities)[:, :3]
    )
    player.close()


def test_five_features_can_be_viewed_through_a_feature_pair():
    X = datasets.make_blobs(120, means=np.eye(5) * 4, random_state=0)[0]
    player = EMPlayer(X, n_components=3)
    assert "principal component" in player.view.clustering_ax.get_xlabel()
    player.view_menu.value = (1, 3)
    assert player.features == (1, 3)
    np.testing.assert_allclose(means_drawn(player), player.trace[0].params.means[:, [1, 3]])
    assert player.view.clustering_ax.get_xlabel() == "x₂"
    player.close()


# ------------------------------------------------------------------------------------------ AnomalyExplorer
@pytest.fixture
def anomaly_data():
    rng = np.random.default_rng(0)
    outliers = rng.uniform([0.5, 20.0], [6.0, 110.0], size=(12, 2))
    X = np.vstack([FAITHFUL, outliers])
    return X, np.r_[np.zeros(len(FAITHFUL), bool), np.ones(12, bool)]


@pytest.fixture
def anomaly(backend, anomaly_data):
    X, y_true = anomaly_data
    explorer = AnomalyExplorer(X, n_components=2, threshold=4.0, y_true=y_true)
    yield explorer
    explorer.close()


def test_stars_are_exactly_the_flagged_points(anomaly):
    for threshold in (0.0, 2.5, 4.0, 12.0, 20.0):
        anomaly.threshold = threshold
        assert len(anomaly.stars.get_offsets()) == anomaly.anomalies.sum()
        np.testing.assert_allclose(anomaly.stars.get_offsets(), anomaly.X[anomaly.anomalies])
        np.testing.assert_array_equal(anomaly.anomalies, anomaly.model.anomaly_detect(anomaly.X, threshold))
        assert f"{anomaly.anomalies.sum()} of {len(anomaly.X)} points flagged" in anomaly.readout.value


def test_method_switches_the_rule(anomaly):
    anomaly.threshold = 5.0
    anomaly.method = "confidence"
    np.testing.assert_array_equal(anomaly.anomalies, anomaly.model.anomaly_detect(anomaly.X, 5.0, method="confidence"))
    assert "confidence" in anomaly.readout.value


def test_threshold_contour_sits_at_the_cutoff(anomaly):
    anomaly.threshold = 6.0
    assert list(anomaly.threshold_line.levels) == [pytest.approx(anomaly.cutoff)]
    anomaly.method = "confidence"
    assert list(anomaly.threshold_line.levels) == [pytest.approx(anomaly.cutoff)]
    assert len(anomaly.ax.collections) == len({id(c) for c in anomaly.ax.collections})


@pytest.mark.parametrize("estimator", [GaussianMixture, BayesianGaussianMixture])
def test_threshold_curve_is_the_level_of_the_score_that_flags_the_points(estimator):
    """Curve and flags come from the model's own scores (a Bayesian mixture's are not its point estimate's)."""
    model = estimator(4, random_state=0).fit(FAITHFUL)
    explorer = AnomalyExplorer(FAITHFUL, model=model, threshold=6.0)
    scores = {"density": model.score_samples, "confidence": model.confidence_samples}
    for method in ("density", "confidence"):
        explorer.method = method
        np.testing.assert_array_equal(explorer.anomalies, scores[method](FAITHFUL) < explorer.cutoff)
        assert list(explorer.threshold_line.levels) == [pytest.approx(explorer.cutoff)]
        # the same level set, drawn afresh from the model's score on the explorer's grid
        xx, yy = np.meshgrid(
            np.linspace(*explorer.ax.get_xlim(), GRID_RESOLUTION), np.linspace(*explorer.ax.get_ylim(), GRID_RESOLUTION)
        )
        level = scores[method](np.column_stack([xx.ravel(), yy.ravel()])).reshape(xx.shape)
        expected = plt.figure().add_subplot().contour(xx, yy, level, levels=[explorer.cutoff])
        drawn, redrawn = (
            np.vstack([path.vertices for path in contour.get_paths()])
            for contour in (explorer.threshold_line, expected)
        )
        np.testing.assert_allclose(drawn, redrawn, rtol=1e-9)
        if method == "density":
            np.testing.assert_allclose(model.score_samples(drawn), explorer.cutoff, atol=0.01)
        plt.close("all")
    explorer.close()


def test_anomaly_controls_are_linked_both_ways(anomaly):
    anomaly.slider.value = 7.5
    assert anomaly.threshold == 7.5
    anomaly.threshold = 1.0
    assert anomaly.slider.value == 1.0
    anomaly.method_buttons.value = "confidence"
    assert anomaly.method == "confidence"
    anomaly.method = "density"
    assert anomaly.method_buttons.value == "density"


def test_precision_recall_and_f1_in_the_readout(anomaly, anomaly_data):
    from sklearn.metrics import f1_score, precision_score, recall_score

    _, y_true = anomaly_data
    anomaly.threshold = 5.0
    flagged = anomaly.anomalies
    text = anomaly.readout.value
    assert f"precision {precision_score(y_true, flagged):.2f}" in text
    assert f"recall {recall_score(y_true, flagged):.2f}" in text
    assert f"F1 {f1_score(y_true, flagged):.2f}" in text


def test_a_fitted_model_can_be_given(anomaly_data):
    X, _ = anomaly_data
    model = GaussianMixture(3, covariance_type="diag", random_state=1).fit(X)
    explorer = AnomalyExplorer(X, model=model, threshold=3.0)
    assert explorer.model is model
    np.testing.assert_array_equal(explorer.anomalies, model.anomaly_detect(X, 3.0))
    with pytest.raises(ValueError, match="not fitted"):
        AnomalyExplorer(X, model=GaussianMixture(2))
    with pytest.raises(ValueError, match="features"):
        AnomalyExplorer(X[:, :1], model=model)
    with pytest.raises(TypeError, match="model"):
        AnomalyExplorer(X, model="gmm")


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"threshold": 25.0}, ValueError, "threshold"),
        ({"method": "distance"}, ValueError, "method"),
        ({"y_true": [1, 0]}, ValueError, "y_true"),
    ],
)
def test_anomaly_explorer_checks_its_arguments(kwargs, error, words):
    with pytest.raises(error, match=words):
        AnomalyExplorer(FAITHFUL, n_components=2, **kwargs)


@pytest.mark.parametrize(
    "X",
    [
        FAITHFUL[:, 0],
        np.repeat(FAITHFUL[:30], 4, axis=0),
        datasets.make_blobs(100, means=np.eye(5) * 4, random_state=0)[0],
    ],
)
def test_anomaly_explorer_on_one_feature_duplicates_and_five_features(X):
    explorer = AnomalyExplorer(X, n_components=2, threshold=10.0)
    assert len(explorer.stars.get_offsets()) == explorer.anomalies.sum() > 0
    if X.ndim == 1:
        assert explorer.threshold_line.get_ydata()[0] == pytest.approx(np.exp(explorer.cutoff))
    explorer.method = "confidence"
    assert len(explorer.stars.get_offsets()) == explorer.anomalies.sum()
    explorer.close()


def test_one_component_anomalies(backend):
    explorer = AnomalyExplorer(FAITHFUL, n_components=1, threshold=5.0, method="confidence")
    assert len(explorer.stars.get_offsets()) == explorer.anomalies.sum()
    explorer.close()


# ------------------------------------------------------------------------------------------ ElbowExplorer
@pytest.fixture
def elbow(backend):
    explorer = ElbowExplorer(BLOBS, k_range=range(1, 5), covariance_types=("full", "spherical"), n_init=1)
    yield explorer
    explorer.close()


def test_elbow_fits_the_grid_and_selects_the_best(elbow):
    assert len(elbow.results) == 8
    assert elbow.progress.value == elbow.progress.max == 8
    best = best_model(elbow.results, "bic")
    assert elbow.best == (best.k, best.covariance_type) == (elbow.k, elbow.covariance_type)
    assert (elbow.best_star.get_xdata()[0], elbow.best_star.get_ydata()[0]) == (best.k, best.bic)


def test_elbow_selection_draws_that_model(elbow):
    elbow.k = 4
    elbow.covariance_type = "spherical"
    model = elbow.models[(4, "spherical")]
    centres = np.array([ring.get_center() for ring in elbow.clustering_ax.patches[::2]])
    np.testing.assert_allclose(np.sort(centres, axis=0), np.sort(model.means_, axis=0))
    assert len(elbow.clustering_ax.patches) == 2 * 4
    record = elbow.record()
    assert (elbow.selected_ring.get_xdata()[0], elbow.selected_ring.get_ydata()[0]) == (4, record.bic)
    assert "k = 4, spherical" in elbow.readout.value


def test_elbow_criterion_redraws_the_curves(elbow):
    elbow.criterion = "aic"
    best = best_model(elbow.results, "aic")
    assert elbow.best == (best.k, best.covariance_type)
    assert elbow.best_star.get_ydata()[0] == best.aic
    np.testing.assert_allclose(
        elbow.lines["full"].get_ydata(), [r.aic for r in elbow.results if r.covariance_type == "full"]
    )
    assert "AIC" in elbow.curve_ax.get_ylabel()


def test_elbow_controls_are_linked_both_ways(elbow):
    elbow.k_slider.value = 2
    assert elbow.k == 2
    elbow.k = 3
    assert elbow.k_slider.value == 3
    elbow.covariance_menu.value = "spherical"
    assert elbow.covariance_type == "spherical"
    elbow.criterion_buttons.value = "aic"
    assert elbow.criterion == "aic"
    elbow.criterion = "bic"
    assert elbow.criterion_buttons.value == "bic"
    with pytest.raises(traitlets.TraitError, match="k must be one of"):
        elbow.k = 7


def test_elbow_on_one_feature_duplicates_and_five_features():
    for X in (
        FAITHFUL[:, 0],
        np.repeat(FAITHFUL[:25], 4, axis=0),
        datasets.make_blobs(80, means=np.eye(5) * 4, random_state=0)[0],
    ):
        explorer = ElbowExplorer(X, k_range=[1, 2], covariance_types=["diag"], n_init=1)
        explorer.k = 1 if explorer.k == 2 else 2
        assert len(explorer.results) == 2
        explorer.close()


@pytest.mark.parametrize("X", [FAITHFUL, FAITHFUL[:, 1]])
def test_blitted_step_is_pixel_identical_to_a_full_draw(monkeypatch, X):
    monkeypatch.setenv("GMM_MPL_BACKEND", "inline")
    player = EMPlayer(X, n_components=3, init_params="random_from_data")
    player.iteration = 2
    player.phase = "E"
    player.iteration = 3  # drawn over the cached background
    blitted = np.asarray(player.figure.canvas.buffer_rgba()).copy()
    player.figure.canvas.draw()  # everything drawn again
    np.testing.assert_array_equal(blitted, np.asarray(player.figure.canvas.buffer_rgba()))
    player.close()
