"""plotting.py: what is drawn matches the mixture it draws."""

import matplotlib.figure
import numpy as np
import pytest
from matplotlib.colors import to_rgba_array

from gmm_teach import GaussianMixture, datasets
from gmm_teach.em import MixtureParams
from gmm_teach.plotting import (
    COMPONENT_MARKERS,
    PALETTE,
    component_colors,
    component_style,
    ellipse_geometry,
    feature_names_of,
    marker_path,
    plot_clustering,
    plot_decision_boundaries,
    plot_density_contours,
    plot_ellipses,
    plot_information_criteria,
    plot_log_likelihood,
    projection_for,
    responsibility_colors,
)
from gmm_teach.selection import CriterionRecord


def new_axes():
    return matplotlib.figure.Figure().add_subplot()


@pytest.fixture(scope="module")
def faithful_model():
    X = datasets.load_old_faithful()
    return X, GaussianMixture(2, random_state=0).fit(X)


def test_seventy_thirty_point_is_seventy_thirty_mix():
    colors = component_colors(2)
    mixed = responsibility_colors(np.array([[0.7, 0.3], [1.0, 0.0]]))
    np.testing.assert_allclose(mixed[0, :3], 0.7 * colors[0, :3] + 0.3 * colors[1, :3])
    np.testing.assert_allclose(mixed[1], colors[0])


def test_palette_repeats_after_eight_components():
    colors = component_colors(10)
    np.testing.assert_array_equal(colors[8], colors[0])
    assert len(set(PALETTE)) == 8


def test_ten_components_have_ten_distinct_colour_and_shape_styles():
    styles = [component_style(k) for k in range(10)]
    assert len(set(styles)) == 10 and len({marker for _, marker in styles}) == 10
    assert [colour for colour, _ in styles] == [PALETTE[k % 8] for k in range(10)]
    paths = [marker_path(marker).vertices.round(6).tobytes() for marker in COMPONENT_MARKERS]
    assert len(set(paths)) == len(COMPONENT_MARKERS)  # ten different drawn shapes


def test_points_and_means_take_their_components_shape(faithful_model):
    X, model = faithful_model
    artists = plot_clustering(new_axes(), X, model.params_)
    owners = model.predict(X)
    shapes = [marker_path(marker) for marker in COMPONENT_MARKERS[:2]]
    drawn = artists.points.get_paths()
    assert all(
        drawn[i] is shapes[owners[i]] or np.array_equal(drawn[i].vertices, shapes[owners[i]].vertices)
        for i in range(len(X))
    )
    assert [len(path.vertices) for path in artists.means.get_paths()] == [len(path.vertices) for path in shapes]


def test_axis_names_come_from_the_data():
    pytest.importorskip("pandas")
    frame = datasets.load_old_faithful(as_frame=True)
    assert feature_names_of(frame) == ("eruption duration (min)", "waiting time to next eruption (min)")
    assert feature_names_of(np.zeros((3, 12)))[-1] == "x₁₂" and feature_names_of(np.zeros(3)) == ("x₁",)
    assert projection_for(frame).labels == feature_names_of(frame)
    assert projection_for(frame.to_numpy(), feature_names=["a", "b"]).labels == ("a", "b")
    artists = plot_clustering(
        new_axes(), frame, GaussianMixture(2, random_state=0).fit(frame).params_, projection=projection_for(frame)
    )
    assert artists.ax.get_ylabel() == "waiting time to next eruption (min)"
    with pytest.raises(ValueError, match="feature_names must have one name per feature"):
        feature_names_of(frame, ["one"])
    with pytest.raises(TypeError, match="feature_names must be a sequence"):
        feature_names_of(np.zeros((3, 2)), "ab")
    with pytest.raises(TypeError, match="X must"):
        feature_names_of("not data")


def test_ellipse_axes_are_scaled_eigenvectors():
    covariance = np.array([[3.0, 1.0], [1.0, 3.0]])  # eigenvalues 4 (along x = y) and 2
    center, width, height, angle = ellipse_geometry([1.0, -1.0], covariance, n_std=2)
    assert center == (1.0, -1.0)
    assert width == pytest.approx(2 * 2 * 2.0) and height == pytest.approx(2 * 2 * np.sqrt(2.0))
    assert angle % 180 == pytest.approx(45.0)


def test_ellipse_boundary_is_at_n_std_mahalanobis_distance():
    covariance = np.array([[2.0, 0.6], [0.6, 1.0]])
    ax = new_axes()
    (ring,) = plot_ellipses(ax, [[0.5, 0.5]], [covariance], n_std=[1.5])[0]
    on_curve = ring.get_path().vertices[:-1:3]  # the path is cubic Bezier: every third vertex is on it
    boundary = ring.get_patch_transform().transform(on_curve) - 0.5
    squared = np.einsum("ij,jk,ik->i", boundary, np.linalg.inv(covariance), boundary)
    np.testing.assert_allclose(squared, 1.5**2, rtol=1e-6)


def test_clustering_draws_means_ellipses_and_responsibility_colours(faithful_model):
    X, model = faithful_model
    artists = plot_clustering(new_axes(), X, model.params_)
    np.testing.assert_allclose(artists.means.get_offsets(), model.means_)
    for rings, mean in zip(artists.ellipses, model.means_):
        for ring in rings:
            np.testing.assert_allclose(ring.get_center(), mean)
    expected = responsibility_colors(model.predict_proba(X))
    np.testing.assert_allclose(artists.points.get_facecolor()[:, :3], expected[:, :3])


def test_update_moves_the_same_artists(faithful_model):
    X, model = faithful_model
    artists = plot_clustering(new_axes(), X, model.params_)
    first_ellipse = artists.ellipses[0][0]
    moved = MixtureParams.from_covariances(model.weights_, model.means_ + 1.0, model.covariances_, "full")
    responsibilities = np.tile([0.2, 0.8], (len(X), 1))
    artists.update(moved, responsibilities)
    assert artists.ellipses[0][0] is first_ellipse
    np.testing.assert_allclose(first_ellipse.get_center(), model.means_[0] + 1.0)
    np.testing.assert_allclose(artists.points.get_facecolor()[:, :3], responsibility_colors(responsibilities)[:, :3])


def test_more_than_two_features_projects_means_and_covariances():
    X, _ = datasets.load_iris()
    model = GaussianMixture(3, random_state=0).fit(X)
    view = projection_for(X)
    np.testing.assert_allclose(view.matrix @ view.matrix.T, np.eye(2), atol=1e-12)
    artists = plot_clustering(new_axes(), X, model.params_, projection=view)
    projected_means = (model.means_ - X.mean(axis=0)) @ view.matrix.T
    np.testing.assert_allclose(artists.means.get_offsets(), projected_means)
    projected = view.matrix @ model.covariances_[1] @ view.matrix.T
    _, width, height, _ = ellipse_geometry([0, 0], projected, 1.0)
    assert artists.ellipses[1][0].get_width() == pytest.approx(width)
    assert artists.ellipses[1][0].get_height() == pytest.approx(height)
    assert "principal component 1" in artists.ax.get_xlabel()


def test_feature_pair_view_and_bad_pairs():
    X = np.arange(30.0).reshape(10, 3)
    np.testing.assert_array_equal(projection_for(X, features=(2, 0)).points(X), X[:, [2, 0]])
    for features in [(0, 0), (0, 3), (1,)]:
        with pytest.raises(ValueError, match="features"):
            projection_for(X, features=features)


def test_one_feature_curves_are_weighted_component_densities_and_their_sum():
    X = datasets.load_old_faithful()[:, :1]
    model = GaussianMixture(2, random_state=0).fit(X)
    artists = plot_clustering(new_axes(), X, model.params_)
    grid = artists.grid
    for k, curve in enumerate(artists.component_curves):
        sigma = np.sqrt(model.covariances_[k, 0, 0])
        expected = (
            model.weights_[k] * np.exp(-0.5 * ((grid - model.means_[k, 0]) / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi))
        )
        np.testing.assert_allclose(curve.get_ydata(), expected, rtol=1e-8, atol=1e-300)
    total = sum(curve.get_ydata() for curve in artists.component_curves)
    np.testing.assert_allclose(artists.mixture_curve.get_ydata(), total, rtol=1e-10)


def test_density_contours_and_decision_boundaries(faithful_model):
    X, model = faithful_model
    ax = new_axes()
    plot_clustering(ax, X, model.params_)
    contours = plot_density_contours(ax, model.params_, levels=[-5.0])
    assert list(contours.levels) == [-5.0]
    image, boundary = plot_decision_boundaries(ax, model.params_)
    shade = image.get_array()
    colours = to_rgba_array(PALETTE[:2])[:, :3]
    corner_low, corner_high = shade[0, 0, :3], shade[-1, -1, :3]  # bottom-left: short eruptions
    np.testing.assert_allclose(corner_low, colours[np.argmin(model.means_[:, 0])])
    np.testing.assert_allclose(corner_high, colours[np.argmax(model.means_[:, 0])])
    with pytest.raises(ValueError, match="2-D mixture"):
        plot_density_contours(ax, GaussianMixture(2, random_state=0).fit(np.c_[X, X]).params_)


def test_log_likelihood_marker_sits_on_the_curve():
    line, marker = plot_log_likelihood(new_axes(), [-3.0, -2.0, -1.5], current=1)
    np.testing.assert_array_equal(marker.get_xdata(), [1])
    np.testing.assert_array_equal(marker.get_ydata(), [-2.0])
    np.testing.assert_array_equal(line.get_ydata(), [-3.0, -2.0, -1.5])


def test_information_criteria_curves_and_star_at_the_minimum():
    records = [
        CriterionRecord(k, kind, aic=a, bic=b, converged=True, log_likelihood=0.0, n_parameters=1)
        for k, kind, a, b in [(1, "full", 9, 9), (2, "full", 4, 7), (1, "diag", 8, 8), (2, "diag", 6, 3)]
    ]
    lines, best = plot_information_criteria(new_axes(), records, "bic")
    np.testing.assert_array_equal(lines["full"].get_ydata(), [9, 7])
    assert (best.get_xdata()[0], best.get_ydata()[0]) == (2, 3)
    _, best_aic = plot_information_criteria(new_axes(), records, "aic", other=True)
    assert best_aic.get_ydata()[0] == 4


def test_single_component_and_duplicate_points():
    X = np.repeat([[0.0, 0.0], [1.0, 1.0]], 10, axis=0)
    model = GaussianMixture(1, random_state=0).fit(X)
    artists = plot_clustering(new_axes(), X, model.params_)
    assert len(artists.ellipses) == 1
    assert plot_decision_boundaries(artists.ax, model.params_)[0] is not None


def test_mismatched_features_raise(faithful_model):
    X, model = faithful_model
    with pytest.raises(ValueError, match="features"):
        plot_clustering(new_axes(), X[:, :1], model.params_)
    with pytest.raises(ValueError, match="responsibilities"):
        responsibility_colors(np.ones(3))


def test_visualize_clustering_uses_the_training_data_and_color_dict(faithful_model):
    X, model = faithful_model
    artists = model.visualize_clustering(X, color_dict={1: "purple"}, ax=new_axes())
    assert len(artists.points.get_offsets()) == len(X)
    np.testing.assert_allclose(artists.means.get_facecolor()[1], to_rgba_array(["purple"])[0])
    np.testing.assert_allclose(artists.means.get_facecolor()[0], component_colors(2)[0])


def test_visualize_elbow_curve_never_changes_the_fitted_model(faithful_model):
    X, model = faithful_model
    means, lower_bounds = model.means_.copy(), list(model.lower_bounds_)
    artists = model.visualize_elbow_curve(X, 1, 4, ax=new_axes())
    np.testing.assert_array_equal(model.means_, means)
    assert model.lower_bounds_ == lower_bounds and model.n_components == 2
    np.testing.assert_array_equal(artists["lines"]["full"].get_xdata(), [1, 2, 3, 4])
    bic_2 = artists["lines"]["full"].get_ydata()[1]
    assert bic_2 == pytest.approx(GaussianMixture(2, random_state=0).fit(X).bic(X))
    assert artists["current"].get_xdata()[0] == 2


def test_visualize_works_on_one_feature_and_refuses_before_fit():
    X = datasets.load_old_faithful()[:, 1]
    model = GaussianMixture(2, random_state=0, means_init=[[50.0], [80.0]]).fit(X)
    assert len(model.visualize_clustering(X, ax=new_axes()).component_curves) == 2
    assert len(model.visualize_elbow_curve(X, 1, 3, ax=new_axes())["lines"]["full"].get_xdata()) == 3
    from gmm_teach import NotFittedError

    with pytest.raises(NotFittedError):
        GaussianMixture(2).visualize_clustering()
    with pytest.raises(NotFittedError):
        GaussianMixture(2).visualize_elbow_curve()
    with pytest.raises(ValueError, match="max_n_clusters"):
        model.visualize_elbow_curve(X, 3, 2)
    with pytest.raises(ValueError, match="color_dict"):
        model.visualize_clustering(X, color_dict={5: "red"}, ax=new_axes())


@pytest.mark.parametrize("method", ["visualize_clustering", "visualize_elbow_curve"])
def test_visualize_asks_for_the_data_a_fitted_model_does_not_keep(faithful_model, method):
    _, model = faithful_model
    with pytest.raises(TypeError, match=rf"GaussianMixture.{method} needs the data X.*model.{method}\(X"):
        getattr(model, method)(ax=new_axes())


def test_visualize_clustering_draws_a_bayesian_mixture_too(faithful_model):
    from gmm_teach import BayesianGaussianMixture

    X, _ = faithful_model
    model = BayesianGaussianMixture(3, random_state=0).fit(X)
    artists = model.visualize_clustering(X, ax=new_axes())
    expected = responsibility_colors(model.predict_proba(X))  # the variational responsibilities
    np.testing.assert_allclose(artists.points.get_facecolor()[:, :3], expected[:, :3])


def test_import_gmm_teach_needs_neither_matplotlib_nor_ipywidgets():
    import subprocess
    import sys

    code = "import sys, gmm_teach; print('matplotlib' in sys.modules, 'ipywidgets' in sys.modules)"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.split() == ["False", "False"]


def test_a_start_far_below_the_climb_does_not_flatten_the_curve():
    """A seed start's iteration 0 can be millions below the rest: the axis keeps iterations 1 on in view."""
    ax = matplotlib.figure.Figure().add_subplot()
    plot_log_likelihood(ax, [-1.2e7, -4.2, -4.15, -4.14])
    low, high = ax.get_ylim()
    assert -4.3 < low < -4.2 and high > -4.14
    assert any("iteration 0" in text.get_text() for text in ax.texts)
    close = matplotlib.figure.Figure().add_subplot()
    plot_log_likelihood(close, [-4.3, -4.2, -4.15, -4.14])  # an ordinary start: everything in view
    assert close.get_ylim()[0] <= -4.3 and not close.texts
