"""BayesianExplorer in a real JupyterLab with the ipympl backend: the log slider and the prior toggle refit.

The notebook tests/browser/notebooks/bayesian_explorer.ipynb builds the explorer on three blobs with the
arguments repeated here; the expected counts of active components are computed in this process.
"""

import pytest

from gmm_teach import BayesianGaussianMixture, datasets
from gmm_teach.widgets.bayesian_explorer import LOG10_CONCENTRATION_RANGE

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

N_COMPONENTS = 10
LARGEST_CONCENTRATION = 10.0 ** LOG10_CONCENTRATION_RANGE[1]


def n_active(prior_type, concentration):
    """The count the explorer should show, from the same fit made here."""
    X, _ = datasets.make_blobs(600, random_state=0)
    model = BayesianGaussianMixture(
        N_COMPONENTS,
        weight_concentration_prior=concentration,
        weight_concentration_prior_type=prior_type,
        max_iter=200,
        random_state=0,
    )
    for _ in model.iter_fit(X):
        pass
    return int((model.weights_ > 0.01).sum())


def test_bayesian_explorer_slider_and_prior_toggle_refit_and_redraw(open_notebook, artifacts):
    expected = {
        "start": n_active("dirichlet_distribution", 0.1),
        "slider at the end": n_active("dirichlet_distribution", LARGEST_CONCENTRATION),
        "toggled": n_active("dirichlet_process", LARGEST_CONCENTRATION),
    }
    assert expected == {"start": 3, "slider at the end": 10, "toggled": 3}
    notebook = open_notebook("bayesian_explorer.ipynb")
    output, canvas, readout = notebook.run_explorer()
    expect(readout).to_contain_text(f"{expected['start']} of {N_COMPONENTS} components active")
    start = canvas.drawn_pixels()
    output.screenshot(path=artifacts / "bayesian_explorer_start.png")

    handle = output.locator(".widget-slider .noUi-handle")
    handle.focus()
    handle.press("End")  # the largest weight concentration: the Dirichlet distribution demands every component
    expect(readout).to_contain_text(f"{expected['slider at the end']} of {N_COMPONENTS} components active")
    expect(readout).to_contain_text("α₀ = 1e+04")
    after_slider = canvas.wait_for_change(start)
    assert canvas.changed_fraction(start, after_slider) > 0.01

    output.get_by_role("button", name="Dirichlet process").click()
    expect(readout).to_contain_text(f"{expected['toggled']} of {N_COMPONENTS} components active")
    expect(readout).to_contain_text("Prior: Dirichlet process")
    toggled = canvas.wait_for_change(after_slider)
    assert canvas.changed_fraction(after_slider, toggled) > 0.01
    output.screenshot(path=artifacts / "bayesian_explorer_dirichlet_process.png")
