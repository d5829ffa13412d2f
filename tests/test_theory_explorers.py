"""The bound, the surface and the collapse: gmm_teach.bound and the three theory explorers, without a browser.

Each explorer is driven through its Python API and through synthetic matplotlib mouse events, and the tests
read back what is drawn (bar heights, curve data, path vertices, readout text).
"""

import numpy as np
import pytest
from matplotlib.backend_bases import MouseEvent
from sklearn.mixture import GaussianMixture as SklearnGaussianMixture

from gmm_teach.bound import (
    evidence_decomposition,
    lower_bound,
    posterior_log_responsibilities,
    slice_maximum,
    slice_through,
    with_parameter,
)
from gmm_teach.em import MixtureParams, e_step, log_density, m_step
from gmm_teach.widgets import CollapseExplorer, LikelihoodSurfaceExplorer, LowerBoundExplorer
from gmm_teach.widgets.likelihood_surface_explorer import log_likelihood_surface, means_only_em

RNG = np.random.default_rng(0)
TWO_CLUSTERS = np.concatenate([RNG.normal(-2.0, 1.0, 120), RNG.normal(2.5, 0.8, 80)])
WITH_OUTLIER = np.concatenate([TWO_CLUSTERS, [9.0]])
IDENTITY_TOLERANCE = 1e-10


@pytest.fixture
def backend(request, monkeypatch):
    """The figure's backend: "inline" unless a test is parametrized with ``backend`` (ipympl's "widget")."""
    mode = getattr(request, "param", "inline")
    monkeypatch.setenv("GMM_MPL_BACKEND", mode)
    return mode


BOTH_BACKENDS = pytest.mark.parametrize("backend", ["inline", "widget"], indirect=True)


def click(ax, x, y, button=1):
    """A mouse press at data coordinates (x, y) of ``ax``, through the canvas' callbacks as a real one."""
    canvas = ax.figure.canvas
    canvas.draw()  # the axes' transforms are final after a draw
    pixel_x, pixel_y = ax.transData.transform((x, y))
    event = MouseEvent("button_press_event", canvas, pixel_x, pixel_y, button=button)
    assert event.inaxes is ax
    canvas.callbacks.process("button_press_event", event)


def spherical(weights, means, variances):
    return MixtureParams.from_covariances(weights, np.reshape(means, (-1, 1)), variances, "spherical")


def sklearn_mixture(params):
    """A scikit-learn GaussianMixture holding ``params`` (spherical), to score data with."""
    model = SklearnGaussianMixture(params.n_components, covariance_type="spherical")
    model.weights_, model.means_ = params.weights, params.means
    model.covariances_, model.precisions_cholesky_ = params.covariances, params.precisions_cholesky
    return model


# ------------------------------------------------------------------------------------------ gmm_teach.bound
PARAMS = spherical([0.3, 0.7], [-1.0, 1.5], [2.0, 0.5])
X_COLUMN = TWO_CLUSTERS[:, np.newaxis]


def random_q(n, k, seed):
    q = np.random.default_rng(seed).dirichlet(np.ones(k), size=n)
    q[:5] = np.eye(k)[0]  # some exact zeros: 0 ln 0 counts as 0
    return q


@pytest.mark.parametrize("seed", range(4))
def test_bound_plus_kl_is_the_log_likelihood_for_any_q(seed):
    q = random_q(len(X_COLUMN), 2, seed)
    log_likelihood, bound, kl = evidence_decomposition(X_COLUMN, PARAMS, q)
    assert abs(log_likelihood - (bound + kl)) < IDENTITY_TOLERANCE
    assert kl > 0 and bound < log_likelihood
    assert bound == lower_bound(X_COLUMN, PARAMS, q)


def test_log_likelihood_and_posterior_match_scikit_learn():
    model = sklearn_mixture(PARAMS)
    log_likelihood, _, kl = evidence_decomposition(X_COLUMN, PARAMS, model.predict_proba(X_COLUMN))
    assert log_likelihood == pytest.approx(model.score(X_COLUMN) * len(X_COLUMN), abs=1e-9)
    assert abs(kl) < IDENTITY_TOLERANCE  # scikit-learn's responsibilities are the posterior
    np.testing.assert_allclose(
        np.exp(posterior_log_responsibilities(X_COLUMN, PARAMS)), model.predict_proba(X_COLUMN), atol=1e-12
    )


def test_kl_is_zero_exactly_at_the_e_step():
    responsibilities, _ = e_step(X_COLUMN, PARAMS)
    log_likelihood, bound, kl = evidence_decomposition(X_COLUMN, PARAMS, responsibilities)
    assert abs(kl) < IDENTITY_TOLERANCE and abs(log_likelihood - bound) < IDENTITY_TOLERANCE


def test_slice_peaks_where_the_m_step_puts_a_mean_and_a_weight():
    responsibilities, _ = e_step(X_COLUMN, PARAMS)
    new = m_step(X_COLUMN, responsibilities, "spherical", reg_covar=0.0)
    assert slice_maximum(X_COLUMN, PARAMS, responsibilities, "mean", 1) == pytest.approx(new.means[1, 0], abs=1e-12)
    assert slice_maximum(X_COLUMN, PARAMS, responsibilities, "weight", 0) == pytest.approx(new.weights[0], abs=1e-12)
    for name, component, values in [
        ("mean", 1, np.linspace(-3, 4, 701)),
        ("weight", 0, np.linspace(0.01, 0.99, 981)),
        ("variance", 0, np.geomspace(0.1, 10, 1001)),
    ]:
        _, bounds = slice_through(X_COLUMN, PARAMS, responsibilities, name, component, values)
        peak = slice_maximum(X_COLUMN, PARAMS, responsibilities, name, component)
        step = np.diff(values)[bounds.argmax()]
        assert abs(values[bounds.argmax()] - peak) <= step, name


@pytest.mark.parametrize(
    "name, component, values",
    [
        ("mean", 0, np.linspace(-4, 4, 9)),
        ("weight", 1, np.linspace(0.05, 0.95, 7)),
        ("variance", 1, np.geomspace(0.01, 10, 8)),
    ],
)
def test_slice_is_the_log_likelihood_and_bound_of_each_moved_mixture(name, component, values):
    q = random_q(len(X_COLUMN), 2, 7)
    log_likelihoods, bounds = slice_through(X_COLUMN, PARAMS, q, name, component, values)
    for value, log_likelihood, bound in zip(values, log_likelihoods, bounds):
        moved = with_parameter(PARAMS, name, component, value)
        assert log_likelihood == pytest.approx(log_density(X_COLUMN, moved).sum(), abs=1e-9)
        assert bound == pytest.approx(lower_bound(X_COLUMN, moved, q), abs=1e-9)


def test_with_parameter_keeps_the_rest_and_checks_its_arguments():
    moved = with_parameter(PARAMS, "weight", 0, 0.5)
    np.testing.assert_allclose(moved.weights, [0.5, 0.5])
    np.testing.assert_allclose(moved.means, PARAMS.means)
    np.testing.assert_allclose(with_parameter(PARAMS, "variance", 1, 3.0).covariances, [2.0, 3.0])
    with pytest.raises(ValueError, match="name must be one of"):
        with_parameter(PARAMS, "scale", 0, 1.0)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        with_parameter(PARAMS, "weight", 0, 1.0)
    with pytest.raises(ValueError, match="1-D mixture"):
        with_parameter(MixtureParams.from_covariances([1.0], [[0.0, 0.0]], [1.0], "spherical"), "mean", 0, 1.0)
    with pytest.raises(ValueError, match="responsibilities must have shape"):
        evidence_decomposition(X_COLUMN, PARAMS, np.full((3, 2), 0.5))


# ------------------------------------------------------------------------------------------ LowerBoundExplorer
@pytest.fixture
def bound_explorer(backend):
    explorer = LowerBoundExplorer(TWO_CLUSTERS, start_means=[-3.0, -2.0])
    assert explorer.host.mode == backend
    yield explorer
    explorer.close()


def drawn_bar(explorer, column):
    """(top of the bound bar, top of the KL bar, the ln p line) of a bar column."""
    bound, gap = explorer.bound_bars[column], explorer.gap_bars[column]
    return (
        bound.get_y() + bound.get_height(),
        gap.get_y() + gap.get_height(),
        explorer.likelihood_marks[column].get_ydata()[0],
    )


@BOTH_BACKENDS
def test_bound_plus_kl_is_ln_p_at_every_half_step_and_the_bars_show_it(bound_explorer):
    explorer = bound_explorer
    for half_step in range(12):
        explorer.half_step = half_step
        state = explorer.current
        assert state.kind == ("start" if half_step == 0 else "EM"[(half_step - 1) % 2])
        assert abs(state.log_likelihood - (state.lower_bound + state.kl)) < IDENTITY_TOLERANCE
        bound_top, gap_top, likelihood_line = drawn_bar(explorer, 1)
        assert bound_top == pytest.approx(state.lower_bound, abs=1e-9)
        assert gap_top == pytest.approx(state.log_likelihood, abs=1e-9)
        assert likelihood_line == state.log_likelihood
        assert f"{state.log_likelihood:.4f}" in explorer.readout.value
        if half_step:
            before = explorer.history[half_step - 1]
            assert drawn_bar(explorer, 0)[2] == before.log_likelihood
            assert explorer.bound_bars[0].get_visible()
        else:
            assert not explorer.bound_bars[0].get_visible()


def test_e_step_closes_the_gap_and_m_step_raises_ln_p_at_least_as_much_as_the_bound(bound_explorer):
    explorer = bound_explorer
    explorer.half_step = 20
    for before, after in zip(explorer.history, explorer.history[1:]):
        if after.kind == "E":
            assert abs(after.kl) < IDENTITY_TOLERANCE
            assert after.lower_bound >= before.lower_bound - IDENTITY_TOLERANCE
            assert after.log_likelihood == before.log_likelihood
        else:
            bound_rise = after.lower_bound - before.lower_bound
            assert bound_rise >= -IDENTITY_TOLERANCE
            assert after.log_likelihood - before.log_likelihood >= bound_rise - IDENTITY_TOLERANCE
    assert explorer.history[2].log_likelihood > explorer.history[1].log_likelihood + 1  # EM is at work


@pytest.mark.parametrize("parameter", ["mean 1", "mean 2", "weight 1", "variance 2"])
def test_bound_curve_touches_ln_p_at_theta_old_after_the_e_step_and_lies_below(bound_explorer, parameter):
    explorer = bound_explorer
    explorer.parameter = parameter
    explorer.half_step = 3  # after the second E-step
    name, component = parameter.split()[0], int(parameter.split()[1]) - 1
    values, log_likelihoods, bounds = explorer.slice_curves()
    np.testing.assert_array_equal(explorer.likelihood_curve.get_xdata(), values)
    np.testing.assert_array_equal(explorer.bound_curve.get_ydata(), bounds)
    old = explorer._value(explorer.current.anchor, name, component)
    touching = np.flatnonzero(values == old)
    assert len(touching) == 1
    assert abs(log_likelihoods[touching[0]] - bounds[touching[0]]) < IDENTITY_TOLERANCE
    assert np.all(bounds <= log_likelihoods + IDENTITY_TOLERANCE)
    away = np.abs(values - old) > 0.05 * (values[-1] - values[0])
    assert np.all(bounds[away] < log_likelihoods[away] - 1e-6)
    np.testing.assert_allclose(explorer.old_marks.get_ydata(), log_likelihoods[touching[0]], atol=1e-9)


def test_peak_of_the_bound_is_where_the_m_step_moves_the_mean(bound_explorer):
    explorer = bound_explorer
    explorer.half_step = 3
    peak = explorer.peak_line.get_xdata()[0]
    explorer.step()  # the M-step
    assert explorer.current.kind == "M"
    assert explorer.current.params.means[0, 0] == pytest.approx(peak, abs=1e-12)
    np.testing.assert_allclose(explorer.new_marks.get_xdata(), peak, atol=1e-12)
    values, _, bounds = explorer.slice_curves()
    assert abs(values[bounds.argmax()] - peak) <= 2 * np.diff(values).max()


def test_buttons_and_play_take_half_steps(bound_explorer):
    explorer = bound_explorer
    explorer.e_button.click()
    assert (explorer.half_step, explorer.current.kind) == (1, "E")
    explorer.e_button.click()  # a second E-step changes nothing
    assert explorer.current.kind == "E" and abs(explorer.current.kl) < IDENTITY_TOLERANCE
    explorer.m_button.click()
    assert explorer.current.kind == "M"
    before = explorer.half_step
    explorer.play.value += 1  # what a tick of the Play widget sends
    assert explorer.half_step == before + 1 and explorer.current.kind == "E"
    explorer.half_step = 1  # back: an earlier moment is shown, later ones kept until a button is pressed
    assert explorer.mixture_ax.get_title() == "θ and q after the E-step"
    explorer.m_step()
    assert len(explorer.history) == 3


def test_play_stops_when_em_converges(backend):
    explorer = LowerBoundExplorer(TWO_CLUSTERS, start_means=[-2.0, 2.0], tol=1e-2)
    explorer.play.playing = True
    for tick in range(1, 100):
        explorer.play.value = tick
        if not explorer.play.playing:
            break
    assert explorer.converged and "Converged" in explorer.readout.value
    explorer.close()


@BOTH_BACKENDS
def test_a_click_on_the_data_moves_the_nearest_start_and_starts_again(bound_explorer):
    explorer = bound_explorer
    explorer.half_step = 4
    click(explorer.mixture_ax, 3.0, 0.05)
    assert explorer.half_step == 0 and len(explorer.history) == 1
    assert explorer.start_means[0] == -3.0 and explorer.start_means[1] == pytest.approx(3.0, abs=0.01)
    np.testing.assert_allclose(explorer.mixture.means.get_offsets()[:, 0], explorer.start_means)
    assert [field.value for field in explorer.start_fields] == list(explorer.start_means)
    explorer.start_fields[0].value = -4.0  # the number fields do the same
    assert explorer.start_means[0] == -4.0
    click(explorer.mixture_ax, 0.0, 0.05, button=3)  # a right click does nothing
    assert explorer.start_means[0] == -4.0


def test_a_collapse_is_told_in_the_readout_and_reg_covar_prevents_it(backend):
    explorer = LowerBoundExplorer(WITH_OUTLIER, n_components=3, start_means=[-2.0, 2.5, 9.0])
    explorer.half_step = 30  # the component on the outlier shrinks onto it: an M-step becomes impossible
    assert explorer.half_step < 30 and explorer.current.kind == "E"
    assert "The M-step could not be taken" in explorer.readout.value and "Increase reg_covar" in explorer.readout.value
    explorer.m_step()  # the button says the same instead of raising
    assert explorer.current.kind == "E" and "Increase reg_covar" in explorer.readout.value
    explorer.close()
    held = LowerBoundExplorer(WITH_OUTLIER, n_components=3, start_means=[-2.0, 2.5, 9.0], reg_covar=1e-3)
    held.half_step = 30
    assert held.half_step == 30 and held.message == ""
    assert held.current.params.covariances.min() >= 1e-3
    held.close()


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"X": np.zeros((10, 2))}, ValueError, "must be 1-D data"),
        ({"X": TWO_CLUSTERS, "n_components": 4}, ValueError, "n_components must be at least 2 and at most 3"),
        ({"X": TWO_CLUSTERS, "start_means": [1.0]}, ValueError, "start_means must have shape"),
        ({"X": TWO_CLUSTERS, "parameter": "mean 3"}, ValueError, "parameter must be one of"),
        ({"X": TWO_CLUSTERS, "reg_covar": -1.0}, ValueError, "reg_covar must be at least 0"),
    ],
)
def test_lower_bound_explorer_checks_its_arguments(kwargs, error, words):
    with pytest.raises(error, match=words):
        LowerBoundExplorer(**kwargs)


# ------------------------------------------------------------------------------------------ LikelihoodSurfaceExplorer
@pytest.fixture
def surface_explorer(backend):
    explorer = LikelihoodSurfaceExplorer(TWO_CLUSTERS, variance=0.9, resolution=61)
    yield explorer
    explorer.close()


def test_surface_is_the_mean_log_likelihood_and_matches_scikit_learn(surface_explorer):
    explorer = surface_explorer
    means = explorer.grid_means
    for row, column in [(5, 40), (30, 30), (50, 12)]:
        params = spherical([0.5, 0.5], [means[column], means[row]], [0.9, 0.9])
        assert explorer.surface[row, column] == pytest.approx(sklearn_mixture(params).score(X_COLUMN), abs=1e-12)


def test_surface_is_symmetric_with_a_saddle_on_the_diagonal(surface_explorer):
    values = surface_explorer.surface
    np.testing.assert_allclose(values, values.T, rtol=0, atol=1e-12)  # label switching
    diagonal = np.diagonal(values)
    saddle = diagonal.argmax()
    assert 0 < saddle < len(diagonal) - 1
    across = [values[saddle + 3, saddle - 3], values[saddle - 3, saddle + 3]]
    assert min(across) > values[saddle, saddle] > max(diagonal[saddle - 3], diagonal[saddle + 3])
    first, second = surface_explorer.optima
    np.testing.assert_allclose(first, second[::-1])


def test_a_start_on_the_diagonal_stays_on_it(surface_explorer):
    surface_explorer.start_at(1.5, 1.5)
    path = surface_explorer.path
    assert np.all(path[:, 0] == path[:, 1])
    assert surface_explorer.optimum == "diagonal"
    assert path[-1, 0] == pytest.approx(TWO_CLUSTERS.mean(), abs=1e-9)  # both means at the data mean
    assert "stayed on the diagonal" in surface_explorer.readout.value


@pytest.mark.parametrize(
    "start, reached",
    [((-4.0, 0.0), "μ₁ < μ₂"), ((0.0, -4.0), "μ₁ > μ₂"), ((4.5, 4.0), "μ₁ > μ₂"), ((4.0, 4.5), "μ₁ < μ₂")],
)
def test_the_readout_names_the_mirror_optimum_reached(surface_explorer, start, reached):
    surface_explorer.start_at(*start)
    assert surface_explorer.optimum == reached
    assert f"EM reached the optimum with {reached}" in surface_explorer.readout.value
    assert np.all(np.diff(surface_explorer.log_likelihoods) >= -1e-12)  # EM never goes down
    target = next(optimum for optimum in surface_explorer.optima if (optimum[0] < optimum[1]) == (reached == "μ₁ < μ₂"))
    np.testing.assert_allclose(surface_explorer.path[-1], target, atol=1e-3)


@BOTH_BACKENDS
def test_the_path_is_means_only_em_drawn_step_by_step(surface_explorer):
    explorer = surface_explorer
    explorer.start_at(-4.0, -3.0)
    reference, _ = means_only_em(X_COLUMN, [0.5, 0.5], 0.9, [-4.0, -3.0])
    np.testing.assert_array_equal(explorer.path, reference)
    assert explorer.n_steps >= 5
    for iteration in (0, 2, explorer.n_steps):
        explorer.iteration = iteration
        np.testing.assert_array_equal(np.column_stack(explorer.path_line.get_data()), explorer.path[: iteration + 1])
        np.testing.assert_array_equal(np.ravel(explorer.end_mark.get_data()), explorer.path[iteration])
        assert f"Step {iteration} of {explorer.n_steps}" in explorer.readout.value
    # the end is a fixed point: the M-step's means under its own responsibilities
    params = spherical([0.5, 0.5], explorer.path[-1], [0.9, 0.9])
    np.testing.assert_allclose(
        m_step(X_COLUMN, e_step(X_COLUMN, params)[0], "spherical").means[:, 0], explorer.path[-1], atol=1e-4
    )


@BOTH_BACKENDS
def test_a_click_on_the_surface_starts_em_there(surface_explorer, backend):
    explorer = surface_explorer
    click(explorer.ax, -3.5, 1.0)
    np.testing.assert_allclose(explorer.path[0], [-3.5, 1.0], atol=1e-9)
    np.testing.assert_allclose(np.ravel(explorer.start_mark.get_data()), [-3.5, 1.0], atol=1e-9)
    if backend == "widget":  # the front end plays the path from its start
        assert explorer.iteration == 0 and explorer.play.playing
    else:  # nothing could play it: the whole path is shown
        assert explorer.iteration == explorer.n_steps
    assert explorer.optimum == "μ₁ < μ₂"
    assert [field.value for field in explorer.start_fields] == [-3.5, 1.0]
    explorer.start_fields[0].value, explorer.start_fields[1].value = 2.0, 2.0
    explorer.start_button.click()
    assert explorer.optimum == "diagonal"


def test_surface_is_computed_by_the_package_log_density():
    means = np.linspace(-3, 3, 7)
    values = log_likelihood_surface(X_COLUMN, np.array([0.5, 0.5]), 0.9, means, means)
    direct = [[log_density(X_COLUMN, spherical([0.5, 0.5], [a, b], [0.9, 0.9])).mean() for a in means] for b in means]
    np.testing.assert_allclose(values, direct, atol=1e-12)


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"X": np.zeros((10, 2))}, ValueError, "must be 1-D data"),
        ({"X": TWO_CLUSTERS, "variance": 0.0}, ValueError, "variance must be at least"),
        ({"X": TWO_CLUSTERS, "start": [1.0, 2.0, 3.0]}, ValueError, "start must have shape"),
        ({"X": "data"}, TypeError, "X must be an array-like of numbers"),
    ],
)
def test_surface_explorer_checks_its_arguments(kwargs, error, words):
    with pytest.raises(error, match=words):
        LikelihoodSurfaceExplorer(**kwargs)


def test_surface_explorer_refuses_a_step_beyond_the_path(surface_explorer):
    with pytest.raises(ValueError, match="iteration must be at least 0 and at most"):
        surface_explorer.iteration = surface_explorer.n_steps + 1
    with pytest.raises(TypeError, match="first_mean must be a finite real number"):
        surface_explorer.start_at("left", 0.0)


# ------------------------------------------------------------------------------------------ CollapseExplorer
@pytest.fixture
def collapse(backend):
    explorer = CollapseExplorer(WITH_OUTLIER)
    yield explorer
    explorer.close()


def test_the_component_starts_on_the_most_isolated_point(collapse):
    assert collapse.point == len(WITH_OUTLIER) - 1  # the outlier at 9
    np.testing.assert_allclose(collapse.point_mark.get_xdata(), [9.0])


@BOTH_BACKENDS
def test_log_likelihood_climbs_without_bound_as_the_variance_shrinks(collapse):
    values = []
    for variance in 10.0 ** np.arange(-1, -13, -1):
        collapse.variance = variance
        values.append(collapse.log_likelihood)
        assert f"ln p(X | θ) = {collapse.log_likelihood:.3f}" in collapse.readout.value
        np.testing.assert_allclose(collapse.now_mark.get_ydata(), [collapse.log_likelihood])
    steps = np.diff(values)
    assert np.all(steps > 0)
    np.testing.assert_allclose(steps[-5:], 0.5 * np.log(10), rtol=1e-6)  # half of ln 10 per decade, for ever
    variances, curve = collapse.free_curve.get_data()
    assert curve[-1] > curve[np.searchsorted(variances, 1e-3)] + 10


def test_reg_covar_bounds_the_log_likelihood(collapse):
    collapse.reg_covar = 1e-4
    ceiling = log_density(collapse.X, collapse.params(variance=0.0)).sum()
    values = []
    for variance in 10.0 ** np.arange(-1, -13, -1):
        collapse.variance = variance
        values.append(collapse.log_likelihood)
    assert np.all(np.diff(values) > -1e-9) and max(values) <= ceiling
    assert ceiling - values[-1] < 1e-6  # flat: it has reached its bound
    variances, held = collapse.held_curve.get_data()
    shrunk = variances < 1e-2  # the other side of the curve is the component growing over the data
    assert collapse.held_curve.get_visible() and held[shrunk].max() <= ceiling + 1e-9
    _, free = collapse.free_curve.get_data()
    assert free[shrunk].max() > ceiling + 5  # without reg_covar it would have gone on
    assert collapse.reg_covar_slider.value == 1e-4


def test_curve_is_the_package_log_density(collapse):
    collapse.reg_covar = 1e-3
    variances, held = collapse.log_likelihood_curve()
    for index in (0, 77, 199):
        assert held[index] == pytest.approx(log_density(collapse.X, collapse.params(variances[index])).sum(), abs=1e-9)


@BOTH_BACKENDS
def test_em_collapses_without_reg_covar_and_stops_at_the_floor_with_it(collapse):
    collapse.variance = 1e-2
    without, with_floor = collapse.runs
    assert without.outcome == "collapsed" and "Increase reg_covar" in without.error
    assert with_floor.reg_covar == 1e-3 and with_floor.outcome == "at the floor"
    assert np.all(with_floor.variances[1:] >= 1e-3)
    assert np.isfinite(with_floor.log_likelihoods).all()
    assert "collapsed" in collapse.run_axes[0].get_title() and "floor" in collapse.run_axes[1].get_title()
    np.testing.assert_array_equal(collapse.run_lines[0].get_ydata(), without.variances)
    assert "CollapsedComponentError" in collapse.readout.value and "Traceback" not in collapse.readout.value
    collapse.reg_covar = 1e-2  # the second run uses the slider's value
    assert collapse.runs[1].reg_covar == 1e-2
    np.testing.assert_allclose(collapse.floor_lines[1].get_ydata(), 1e-2)


def test_a_start_inside_a_cluster_need_not_collapse(collapse):
    collapse.point = int(np.argmin(np.abs(WITH_OUTLIER - 2.5)))
    collapse.variance = 0.5
    assert collapse.runs[1].outcome == "kept"
    assert "no collapse" in collapse.run_axes[1].get_title()


@BOTH_BACKENDS
def test_a_click_puts_the_component_on_the_nearest_point(collapse):
    click(collapse.data_ax, -2.0, 0.05)
    nearest = int(np.argmin(np.abs(WITH_OUTLIER + 2.0)))
    assert collapse.point == nearest
    np.testing.assert_allclose(collapse.point_mark.get_xdata(), [WITH_OUTLIER[nearest]])
    np.testing.assert_allclose(collapse.mixture.means.get_offsets()[0, 0], WITH_OUTLIER[nearest])
    assert f"point {nearest}" in collapse.readout.value


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"X": np.zeros((10, 2))}, ValueError, "must be 1-D data"),
        ({"X": WITH_OUTLIER, "point": len(WITH_OUTLIER)}, ValueError, "point must be at least 0 and at most"),
        ({"X": WITH_OUTLIER, "variance": 0.0}, ValueError, "variance must be at least"),
        ({"X": WITH_OUTLIER, "reg_covar": -1e-3}, ValueError, "reg_covar must be at least 0"),
    ],
)
def test_collapse_explorer_checks_its_arguments(kwargs, error, words):
    with pytest.raises(error, match=words):
        CollapseExplorer(**kwargs)


def test_each_copy_of_a_duplicated_point_adds_its_own_climb(backend):
    explorer = CollapseExplorer(np.concatenate([TWO_CLUSTERS, [9.0, 9.0, 9.0]]), point=len(TWO_CLUSTERS), variance=1e-8)
    before = explorer.log_likelihood
    explorer.variance = 1e-9
    assert explorer.log_likelihood - before == pytest.approx(3 * 0.5 * np.log(10), rel=1e-6)
    assert "3 × ½ ln 10" in explorer.readout.value
    assert explorer.runs[0].outcome == "collapsed"
    explorer.close()
