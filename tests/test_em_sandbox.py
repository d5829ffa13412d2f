"""EMSandbox without a browser: its Python API and synthetic mouse events change what is drawn, and back() undoes."""

import numpy as np
import pytest
from matplotlib.backend_bases import MouseEvent
from sklearn.mixture import GaussianMixture as SklearnGaussianMixture

from gmm_teach import datasets
from gmm_teach.em import e_step, m_step
from gmm_teach.plotting import responsibility_colors
from gmm_teach.widgets import EMSandbox

FAITHFUL = datasets.load_old_faithful()
START = np.array([[2.0, 80.0], [4.5, 55.0]])  # each mean in the wrong group: EM has work to do


@pytest.fixture(params=["inline", "widget"])
def sandbox(request, monkeypatch):
    monkeypatch.setenv("GMM_MPL_BACKEND", request.param)
    sandbox = EMSandbox(FAITHFUL, n_components=2, means=START)
    assert sandbox.host.mode == request.param
    yield sandbox
    sandbox.close()


def mouse(sandbox, kind, xy, shift=False):
    """Send a left-button mouse event at data coordinates ``xy`` of the clustering panel, as ipympl would."""
    canvas = sandbox.figure.canvas
    x, y = sandbox.clustering_ax.transData.transform(xy)
    event = MouseEvent(
        kind, canvas, x, y, button=1, key="shift" if shift else None, modifiers={"shift"} if shift else None
    )
    canvas.callbacks.process(kind, event)


def drag(sandbox, start, end, steps=3):
    mouse(sandbox, "button_press_event", start)
    for fraction in np.linspace(0, 1, steps + 1)[1:]:
        mouse(sandbox, "motion_notify_event", np.asarray(start) + fraction * (np.asarray(end) - start))
    mouse(sandbox, "button_release_event", end)


def drawn_means(sandbox):
    return sandbox.clustering.means.get_offsets()


def drawn_colours(sandbox):
    return sandbox.clustering.points.get_facecolor()[:, :3]


def expected_colours(X, params):
    return responsibility_colors(e_step(X, params)[0])[:, :3]


def readout_log_likelihood(sandbox):
    return f"Mean log-likelihood: {sandbox.log_likelihood:.4f}"


# ------------------------------------------------------------------------------------------ the mouse
def test_dragging_a_mean_moves_it_recolours_the_points_and_updates_the_log_likelihood(sandbox):
    before = sandbox.log_likelihood
    start, end = START[0], np.array([2.1, 54.0])
    mouse(sandbox, "button_press_event", start)
    mouse(sandbox, "motion_notify_event", (start + end) / 2)
    # while dragging: the dragged parameters colour the points and give the readout's log-likelihood
    np.testing.assert_allclose(drawn_means(sandbox)[0], (start + end) / 2)
    np.testing.assert_allclose(drawn_colours(sandbox), expected_colours(FAITHFUL, sandbox.params))
    assert sandbox.log_likelihood == pytest.approx(e_step(FAITHFUL, sandbox.params)[1])
    assert readout_log_likelihood(sandbox) in sandbox.readout.value
    mouse(sandbox, "motion_notify_event", end)
    mouse(sandbox, "button_release_event", end)
    np.testing.assert_allclose(sandbox.params.means, [end, START[1]])
    np.testing.assert_allclose(drawn_means(sandbox)[0], end)
    np.testing.assert_allclose(sandbox.clustering.ellipses[0][0].get_center(), end)
    np.testing.assert_allclose(drawn_colours(sandbox), expected_colours(FAITHFUL, sandbox.params))
    assert sandbox.log_likelihood > before and readout_log_likelihood(sandbox) in sandbox.readout.value
    assert sandbox.phase == "M" and sandbox.n_undo == 1  # the whole drag is one action
    sandbox.back()
    np.testing.assert_allclose(drawn_means(sandbox), START)
    np.testing.assert_allclose(drawn_colours(sandbox), expected_colours(FAITHFUL, sandbox.params))
    assert sandbox.log_likelihood == before


def test_dragging_the_handle_makes_the_pointer_the_end_of_a_principal_axis(sandbox):
    mean = sandbox.params.means[1]
    handle = sandbox.handles.get_offsets()[1]
    other_variance = np.trace(sandbox.params.covariances[1]) - np.sum((handle - mean) ** 2)
    target = mean + np.array([0.5, -12.0])
    drag(sandbox, handle, target)
    covariance = sandbox.params.covariances[1]
    axis = target - mean
    np.testing.assert_allclose(covariance @ axis, (axis @ axis) * axis, rtol=1e-9)  # an eigenvector ...
    assert np.trace(covariance) == pytest.approx(axis @ axis + other_variance)  # ... the other kept
    np.testing.assert_allclose(sandbox.handles.get_offsets()[1], target)
    ellipse = sandbox.clustering.ellipses[1][0]
    assert max(ellipse.get_width(), ellipse.get_height()) == pytest.approx(2 * np.linalg.norm(axis))
    np.testing.assert_allclose(drawn_colours(sandbox), expected_colours(FAITHFUL, sandbox.params))
    np.testing.assert_allclose(sandbox.params.means, START)  # the mean stayed
    sandbox.back()
    np.testing.assert_allclose(sandbox.params.covariances[1], sandbox._start.params.covariances[1])
    end_of_major_axis = np.abs(sandbox.handles.get_offsets()[1] - mean)  # either end of it
    np.testing.assert_allclose(end_of_major_axis, np.abs(handle - mean))


def test_click_adds_a_point_and_shift_click_removes_the_nearest(sandbox):
    n = len(sandbox.X)
    mouse(sandbox, "button_press_event", (3.0, 65.0))
    mouse(sandbox, "button_release_event", (3.0, 65.0))
    assert len(sandbox.X) == n + 1
    np.testing.assert_allclose(sandbox.X[-1], [3.0, 65.0])
    np.testing.assert_allclose(sandbox.clustering.points.get_offsets()[-1], [3.0, 65.0])
    np.testing.assert_allclose(drawn_colours(sandbox), expected_colours(sandbox.X, sandbox.params))
    nearest = int(
        np.argmin(
            np.hypot(
                *(
                    sandbox.clustering_ax.transData.transform(FAITHFUL)
                    - sandbox.clustering_ax.transData.transform([1.8, 54.2])
                ).T
            )
        )
    )
    mouse(sandbox, "button_press_event", (1.8, 54.2), shift=True)
    assert len(sandbox.X) == n
    assert not any(np.array_equal(row, FAITHFUL[nearest]) for row in sandbox.X)
    assert len(sandbox.clustering.points.get_offsets()) == n
    sandbox.back()
    sandbox.back()
    np.testing.assert_array_equal(sandbox.X, FAITHFUL)
    np.testing.assert_allclose(sandbox.clustering.points.get_offsets(), FAITHFUL)


def test_a_click_without_a_move_on_a_mean_is_not_an_action(sandbox):
    mouse(sandbox, "button_press_event", START[0])
    mouse(sandbox, "button_release_event", START[0])
    assert sandbox.n_undo == 0 and len(sandbox.X) == len(FAITHFUL)


# ------------------------------------------------------------------------------------------ EM by hand
def test_step_alternates_m_and_e_and_the_log_likelihood_never_decreases(sandbox):
    log_likelihoods, phases = [sandbox.log_likelihood], [sandbox.phase]
    for _ in range(12):
        sandbox.step()
        log_likelihoods.append(sandbox.log_likelihood)
        phases.append(sandbox.phase)
    assert phases == ["M", "E"] * 6 + ["M"]
    assert np.all(np.diff(log_likelihoods) >= -1e-12)
    assert log_likelihoods[-1] > log_likelihoods[0] + 1.0


def test_half_steps_are_the_public_e_step_and_m_step(sandbox):
    responsibilities = sandbox.responsibilities
    np.testing.assert_allclose(responsibilities, e_step(FAITHFUL, sandbox.params)[0])
    sandbox.step()  # M
    expected = m_step(FAITHFUL, responsibilities, "full", sandbox.reg_covar)
    np.testing.assert_allclose(sandbox.params.means, expected.means)
    np.testing.assert_allclose(sandbox.params.covariances, expected.covariances)
    np.testing.assert_allclose(drawn_means(sandbox), expected.means)
    np.testing.assert_allclose(drawn_colours(sandbox), responsibility_colors(responsibilities)[:, :3])  # not yet
    assert sandbox.e_button.disabled is False and sandbox.m_button.disabled is True
    sandbox.e_button.click()  # E
    np.testing.assert_allclose(drawn_colours(sandbox), expected_colours(FAITHFUL, expected))
    assert sandbox.phase == "M" and sandbox.e_button.disabled


def test_play_runs_em_to_convergence_as_one_action(sandbox):
    sandbox.play_button.click()
    assert "converged" in sandbox.readout.value and sandbox.n_undo == 1 and sandbox.phase == "E"
    settled = sandbox.log_likelihood
    sandbox.step()
    sandbox.step()
    assert abs(sandbox.log_likelihood - settled) < sandbox.tol
    sandbox.back()
    sandbox.back()
    sandbox.back()
    np.testing.assert_allclose(sandbox.params.means, START)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_play_agrees_with_scikit_learn_from_the_same_start():
    sandbox = EMSandbox(FAITHFUL, n_components=2, means=START, tol=0.0, max_iter=25)
    start = sandbox.params
    sandbox.play()
    reference = SklearnGaussianMixture(
        2, tol=0.0, max_iter=25, means_init=start.means, weights_init=start.weights, precisions_init=start.precisions
    ).fit(FAITHFUL)
    np.testing.assert_allclose(sandbox.params.means, reference.means_, rtol=1e-8)
    np.testing.assert_allclose(sandbox.params.covariances, reference.covariances_, rtol=1e-7)
    assert sandbox.log_likelihood == pytest.approx(reference.score(FAITHFUL), rel=1e-10)
    sandbox.close()


def test_back_undoes_every_kind_of_action_in_turn(sandbox):
    states = []

    def remember():
        states.append(
            (
                sandbox.X.copy(),
                sandbox.params.means.copy(),
                sandbox.params.covariances.copy(),
                sandbox.phase,
                drawn_colours(sandbox).copy(),
            )
        )

    remember()
    for action in (
        lambda: sandbox.set_mean(1, [4.2, 78.0]),
        lambda: sandbox.add_points([[3.3, 60.0], [2.2, 90]]),
        sandbox.step,
        lambda: sandbox.remove_points([0, 5, 7]),
        sandbox.step,
        lambda: sandbox.set_covariance(0, [[0.2, 0.5], [0.5, 40.0]]),
        sandbox.play,
        sandbox.reset,
    ):
        action()
        remember()
    assert sandbox.n_undo == len(states) - 1
    for X, means, covariances, phase, colours in reversed(states[:-1]):
        sandbox.back()
        np.testing.assert_array_equal(sandbox.X, X)
        np.testing.assert_array_equal(sandbox.params.means, means)
        np.testing.assert_array_equal(sandbox.params.covariances, covariances)
        assert sandbox.phase == phase
        np.testing.assert_allclose(drawn_colours(sandbox), colours)
        np.testing.assert_allclose(drawn_means(sandbox), means)
    assert sandbox.back_button.disabled
    sandbox.back()
    assert "Nothing to undo" in sandbox.readout.value


def test_the_log_likelihood_curve_has_a_point_per_action(sandbox):
    for _ in range(3):
        sandbox.step()
    x, y = sandbox.history_line.get_data()
    assert list(x) == [0, 1, 2, 3]
    assert y[-1] == sandbox.log_likelihood and sandbox.current_marker.get_ydata()[0] == sandbox.log_likelihood
    sandbox.back()
    assert len(sandbox.history_line.get_xdata()) == 3


def test_number_fields_move_the_means_and_follow_them(sandbox):
    x_field, y_field = sandbox.mean_fields[0]
    y_field.value = 50.0
    np.testing.assert_allclose(sandbox.params.means[0], [2.0, 50.0])
    np.testing.assert_allclose(drawn_means(sandbox)[0], [2.0, 50.0])
    sandbox.step()
    assert x_field.value == pytest.approx(sandbox.params.means[0, 0], abs=1e-6)
    assert y_field.value == pytest.approx(sandbox.params.means[0, 1], abs=1e-6)
    assert sandbox.n_undo == 2


def test_artists_are_updated_in_place(sandbox):
    points, ellipse, means = sandbox.clustering.points, sandbox.clustering.ellipses[0][0], sandbox.clustering.means
    redraws = sandbox.host.redraws
    sandbox.step()
    drag(sandbox, sandbox.params.means[0], [2.5, 60.0])
    assert sandbox.clustering.points is points and sandbox.clustering.means is means
    assert sandbox.clustering.ellipses[0][0] is ellipse
    assert sandbox.host.redraws > redraws
    assert len(sandbox.clustering_ax.collections) == 3  # points, means, handles: nothing piled up


def test_point_shapes_follow_the_most_responsible_component(sandbox):
    shapes = sandbox.clustering.points.get_paths()
    owners = sandbox.responsibilities.argmax(axis=1)
    first, second = np.flatnonzero(owners == 0)[0], np.flatnonzero(owners == 1)[0]
    assert len(shapes) == len(FAITHFUL)
    assert len(shapes[first].vertices) != len(shapes[second].vertices)  # a circle and a square


# ------------------------------------------------------------------------------------------ other data
def test_one_feature_shows_densities_and_drags_along_the_axis(monkeypatch):
    monkeypatch.setenv("GMM_MPL_BACKEND", "inline")
    x = FAITHFUL[:, 1]
    sandbox = EMSandbox(x, n_components=2, means=[[50.0], [85.0]])
    assert sandbox.clustering_ax.get_ylabel() == "density"
    drag(sandbox, (50.0, 0.0), (55.0, 0.0))
    np.testing.assert_allclose(sandbox.params.means[:, 0], [55.0, 85.0])
    curve = sandbox.clustering.component_curves[0]
    assert curve.get_xdata()[np.argmax(curve.get_ydata())] == pytest.approx(55.0, abs=0.2)
    handle = sandbox.handles.get_offsets()[0]
    assert handle[0] == pytest.approx(55.0 + np.sqrt(sandbox.params.covariances[0, 0, 0]))
    drag(sandbox, handle, (59.0, 0.0))
    assert sandbox.params.covariances[0, 0, 0] == pytest.approx(16.0)
    heights_before = [bar.get_height() for bar in sandbox.clustering.histogram]
    sandbox.add_points([40.0, 41.0, 42.0])
    assert len(sandbox.X) == len(x) + 3 and len(sandbox.clustering.points.get_offsets()) == len(x) + 3
    assert [bar.get_height() for bar in sandbox.clustering.histogram] != heights_before
    sandbox.step()
    assert sandbox.phase == "E"
    sandbox.close()


def test_a_pair_of_features_of_four_dimensional_data(monkeypatch):
    monkeypatch.setenv("GMM_MPL_BACKEND", "inline")
    iris = datasets.load_iris(as_frame=True)[0]
    sandbox = EMSandbox(iris, n_components=3, features=(2, 3))
    assert (sandbox.clustering_ax.get_xlabel(), sandbox.clustering_ax.get_ylabel()) == ("petal_length", "petal_width")
    hidden_before = sandbox.params.means[0, :2].copy()
    sandbox.set_mean(0, [1.5, 0.3])
    np.testing.assert_allclose(sandbox.params.means[0], [*hidden_before, 1.5, 0.3])
    block = np.array([[0.5, 0.1], [0.1, 0.2]])
    sandbox.set_covariance(0, block)
    covariance = sandbox.params.covariances[0]
    np.testing.assert_allclose(covariance[2:, 2:], block)
    assert np.linalg.eigvalsh(covariance).min() > 0
    sandbox.add_points([[3.0, 1.0]])
    np.testing.assert_allclose(sandbox.X[-1], [*iris.to_numpy()[:, :2].mean(axis=0), 3.0, 1.0])
    for _ in range(4):
        sandbox.step()
    sandbox.close()


def test_the_start_is_random_data_points_unless_means_are_given():
    sandbox = EMSandbox(FAITHFUL, n_components=3, random_state=1)
    assert all(any(np.array_equal(mean, row) for row in FAITHFUL) for mean in sandbox.params.means)
    assert not np.array_equal(EMSandbox(FAITHFUL, n_components=3, random_state=2).params.means, sandbox.params.means)
    assert sandbox.clustering_ax.get_xlabel() == "x₁"
    sandbox.close()


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"n_components": 0}, ValueError, "n_components"),
        ({"means": [[0.0, 0.0]]}, ValueError, "means"),
        ({"tol": -1.0}, ValueError, "tol"),
        ({"feature_names": ["only one"]}, ValueError, "feature_names"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, words):
    with pytest.raises(error, match=words):
        EMSandbox(FAITHFUL, **kwargs)


def test_bad_actions_are_named_and_change_nothing(sandbox):
    with pytest.raises(ValueError, match="k"):
        sandbox.set_mean(2, [0.0, 0.0])
    with pytest.raises(ValueError, match="xy must have 2 coordinates"):
        sandbox.set_mean(0, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="positive definite"):
        sandbox.set_covariance(0, [[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(ValueError, match="cov must have shape"):
        sandbox.set_covariance(0, np.eye(3))
    with pytest.raises(ValueError, match="indices"):
        sandbox.remove_points([len(FAITHFUL)])
    with pytest.raises(ValueError, match="at least one per component"):
        sandbox.remove_points(np.arange(len(FAITHFUL) - 1))
    with pytest.raises(ValueError, match="finite"):
        sandbox.add_points([[np.nan, 1.0]])
    assert sandbox.n_undo == 0
    np.testing.assert_array_equal(sandbox.X, FAITHFUL)
