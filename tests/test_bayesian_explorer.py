"""BayesianExplorer without a browser: its controls refit the mixture and change what is drawn."""

import numpy as np
import pytest
import traitlets
from threadpoolctl import threadpool_limits

from gmm_teach import datasets
from gmm_teach.widgets.bayesian_explorer import BayesianExplorer

BLOBS = datasets.make_blobs(300, random_state=0)[0]  # three round clusters


@pytest.fixture(autouse=True, scope="module")
def one_blas_thread():
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(params=["inline", "widget"])
def explorer(request, monkeypatch):
    monkeypatch.setenv("GMM_MPL_BACKEND", request.param)
    explorer = BayesianExplorer(
        BLOBS, n_components=6, weight_concentration_prior=1.0, weight_concentration_prior_type="dirichlet_distribution"
    )
    assert explorer.host.mode == request.param
    yield explorer
    explorer.close()


def _bar_heights(explorer):
    return np.array([bar.get_height() for bar in explorer.bars])


def _visible_ellipses(explorer):
    return sum(ring.get_visible() for rings in explorer.clustering.ellipses for ring in rings)


def test_the_first_picture_shows_three_active_components(explorer):
    assert explorer.n_active == 3
    np.testing.assert_allclose(_bar_heights(explorer), np.sort(explorer.model.weights_)[::-1])
    assert _visible_ellipses(explorer) == 3 * 2  # two rings per active component, none for the others
    assert "3 of 6 components active" in explorer.readout.value and "hidden" in explorer.readout.value
    assert explorer.weights_ax.get_title().startswith("3 of 6")


def test_the_slider_refits_and_redraws_in_place(explorer):
    artists_before = len(explorer.figure.axes[0].get_children())
    heights_before, redraws_before = _bar_heights(explorer), explorer.host.redraws
    explorer.slider.value = 1e4  # what dragging the slider does
    assert explorer.weight_concentration_prior == 1e4
    assert explorer.model.weight_concentration_prior == 1e4
    assert explorer.n_active == 6 and _visible_ellipses(explorer) == 6 * 2
    np.testing.assert_allclose(_bar_heights(explorer), 1 / 6, atol=0.01)  # the prior insists on equal weights
    assert not np.allclose(_bar_heights(explorer), heights_before)
    assert "6 of 6 components active" in explorer.readout.value and "1e+04" in explorer.readout.value
    assert "hidden" not in explorer.readout.value
    assert explorer.host.redraws == redraws_before + 1
    assert len(explorer.figure.axes[0].get_children()) == artists_before  # moved, not re-plotted


def test_the_prior_toggle_refits_with_the_other_prior(explorer):
    explorer.weight_concentration_prior = 1e3
    distribution_heights = _bar_heights(explorer)
    explorer.prior_buttons.value = "dirichlet_process"
    assert explorer.weight_concentration_prior_type == "dirichlet_process"
    assert explorer.model.weight_concentration_prior_type == "dirichlet_process"
    # the stick-breaking prior gives empty components only a sliver of weight even with a large concentration
    assert explorer.n_active == 3 < (distribution_heights > 0.01).sum() == 6
    assert "Dirichlet process" in explorer.clustering.ax.get_title()


def test_setting_a_trait_moves_its_control(explorer):
    explorer.weight_concentration_prior = 0.01
    explorer.weight_concentration_prior_type = "dirichlet_process"
    assert explorer.slider.value == pytest.approx(0.01)
    assert explorer.prior_buttons.value == "dirichlet_process"


def test_each_prior_is_fitted_once():
    explorer = BayesianExplorer(BLOBS, n_components=4)
    first = explorer.model
    explorer.weight_concentration_prior = 10.0
    explorer.weight_concentration_prior = 0.25
    assert explorer.model is first


@pytest.mark.parametrize(
    "arguments, error, match",
    [
        (dict(n_components=0), ValueError, r"n_components must be at least 1 and at most 20, got 0"),
        (dict(weight_concentration_prior=0.0), ValueError, r"weight_concentration_prior must be at least 0.0001"),
        (dict(weight_concentration_prior=1e5), ValueError, r"weight_concentration_prior must be at most 10000"),
        (dict(weight_concentration_prior_type="dp"), ValueError, r"weight_concentration_prior_type must be one of"),
        (dict(covariance_type="round"), ValueError, r"covariance_type must be one of"),
        (dict(active_threshold=2.0), ValueError, r"active_threshold must be at most 1.0, got 2.0"),
    ],
)
def test_bad_arguments_are_named(arguments, error, match):
    with pytest.raises(error, match=match):
        BayesianExplorer(BLOBS, **arguments)


def test_bad_trait_values_are_refused_and_the_picture_stays():
    explorer = BayesianExplorer(BLOBS, n_components=4)
    with pytest.raises((ValueError, traitlets.TraitError), match="weight_concentration_prior"):
        explorer.weight_concentration_prior = -1.0
    with pytest.raises((ValueError, traitlets.TraitError), match="weight_concentration_prior_type"):
        explorer.weight_concentration_prior_type = "uniform"
    assert explorer.weight_concentration_prior == 0.25 and explorer.n_active == 3


def _awkward_data():
    rng = np.random.default_rng(0)
    return {
        "one feature": rng.normal(size=(200, 1)),
        "five features": rng.normal(size=(200, 5)),
        "duplicate points": np.vstack([np.zeros((50, 2)), rng.normal(size=(100, 2))]),
    }


@pytest.mark.parametrize("n_components", [1, 4])
@pytest.mark.parametrize("name", list(_awkward_data()))
def test_any_shape_of_data_is_drawn(name, n_components):
    X = _awkward_data()[name]
    explorer = BayesianExplorer(X, n_components=n_components, weight_concentration_prior=1e-3)
    explorer.weight_concentration_prior_type = "dirichlet_distribution"
    explorer.weight_concentration_prior = 1e3  # the prior now demands every component
    assert explorer.n_active == n_components
    np.testing.assert_allclose(_bar_heights(explorer), 1 / n_components, atol=0.05)
    if X.shape[1] == 1:  # one feature: density curves, no ellipses
        assert len(explorer.clustering.component_curves) == n_components
    else:
        assert _visible_ellipses(explorer) == 2 * n_components
