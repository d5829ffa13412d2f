"""The explorers in a real JupyterLab with the ipympl backend: each control changes what the learner sees.

The notebooks in tests/browser/notebooks build each explorer from Old Faithful with the arguments repeated
here; the expected numbers are computed in this process from the same data and seed.
"""

import re

import pytest

from gmm_teach import GaussianMixture, datasets
from gmm_teach.anomaly import anomaly_scores, flag_lowest
from gmm_teach.trace import EMTrace

TOL = 1e-4  # EMPlayer's default tol, as the notebook uses it

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

ITERATION = re.compile(r"Iteration (\d+) of (\d+)")
LOG_LIKELIHOOD = re.compile(r"Mean log-likelihood of the parameters shown: (-?\d+\.\d+)")
EM_PLAYER_ARGS = {"n_components": 3, "init_params": "random_from_data", "random_state": 0}


def iteration_and_log_likelihood(readout):
    text = readout.inner_text()
    return int(ITERATION.search(text).group(1)), LOG_LIKELIHOOD.search(text).group(1)


def press(handle, key, times=1):
    handle.focus()
    for _ in range(times):
        handle.press(key)


def em_trace(covariance_type):
    """The run the notebook's EMPlayer shows, recomputed here."""
    return EMTrace.run(
        datasets.load_old_faithful(), covariance_type=covariance_type, max_iter=100, tol=TOL, **EM_PLAYER_ARGS
    )


def test_em_player_play_slider_phase_and_refit_change_the_picture(open_notebook, artifacts):
    trace = em_trace("full")
    last = len(trace) - 1
    notebook = open_notebook("em_player.ipynb")
    output, canvas, readout = notebook.run_explorer()
    start = canvas.drawn_pixels()
    expect(readout).to_contain_text(f"Iteration 0 of {last}")
    assert iteration_and_log_likelihood(readout) == (0, f"{trace.log_likelihoods[0]:.4f}")
    output.screenshot(path=artifacts / "em_player_start.png")

    press(output.locator(".widget-slider .noUi-handle"), "ArrowRight")
    expect(readout).to_contain_text(f"Iteration 1 of {last}")
    assert iteration_and_log_likelihood(readout) == (1, f"{trace.log_likelihoods[1]:.4f}")
    first = canvas.wait_for_change(start)
    assert canvas.changed_fraction(start, first) > 0.001

    play_pause = output.locator(".widget-play button").first  # the second button is Stop (back to 0)
    play_pause.click()
    expect(readout).to_contain_text(re.compile(rf"Iteration ([4-9]|1\d) of {last}"))
    play_pause.click()
    played, log_likelihood = iteration_and_log_likelihood(readout)
    assert log_likelihood == f"{trace.log_likelihoods[played]:.4f}"
    after_play = canvas.wait_for_change(first)
    assert canvas.changed_fraction(first, after_play) > 0.001

    output.get_by_role("button", name="E-step").click()
    expect(readout).to_contain_text("E-step:")
    e_step = canvas.wait_for_change(after_play)
    assert canvas.changed_fraction(after_play, e_step) > 0.001
    output.screenshot(path=artifacts / "em_player_e_step.png")

    output.locator(".widget-dropdown", has_text="covariance").locator("select").select_option("spherical")
    refit = em_trace("spherical")
    expect(readout).to_contain_text(f"Iteration 0 of {len(refit) - 1}")
    expect(readout).to_contain_text(f"{refit.log_likelihoods[0]:.4f}")
    spherical = canvas.wait_for_change(e_step)
    assert canvas.changed_fraction(e_step, spherical) > 0.001
    output.screenshot(path=artifacts / "em_player_spherical.png")
    assert notebook.page.js_errors == []


def flagged_count(threshold):
    """How many Old Faithful points the notebook's AnomalyExplorer flags at ``threshold`` percent."""
    X = datasets.load_old_faithful()
    model = GaussianMixture(n_components=2, covariance_type="full", random_state=0).fit(X)
    return int(flag_lowest(anomaly_scores(model, X, "density"), threshold)[0].sum())


def test_anomaly_explorer_threshold_slider_flags_the_expected_count(open_notebook, artifacts):
    notebook = open_notebook("anomaly_explorer.ipynb")
    output, canvas, readout = notebook.run_explorer()
    start = canvas.drawn_pixels()
    expect(readout).to_contain_text(f"{flagged_count(4.0)} of 272 points flagged")
    output.screenshot(path=artifacts / "anomaly_explorer_4_percent.png")

    press(output.locator(".widget-slider .noUi-handle"), "ArrowRight", times=4)  # 4.0 -> 6.0 in steps of 0.5
    expect(output.locator(".widget-readout")).to_have_text("6.0")
    assert flagged_count(6.0) != flagged_count(4.0)
    expect(readout).to_contain_text(f"{flagged_count(6.0)} of 272 points flagged")
    expect(readout).to_contain_text("6% of the points fall below")
    more_stars = canvas.wait_for_change(start)
    assert canvas.changed_fraction(start, more_stars) > 0.001
    output.screenshot(path=artifacts / "anomaly_explorer_6_percent.png")
    assert notebook.page.js_errors == []


def test_elbow_explorer_progress_finishes_and_another_k_redraws(open_notebook, artifacts):
    notebook = open_notebook("elbow_explorer.ipynb")
    output, canvas, readout = notebook.run_explorer()
    expect(output.locator(".widget-hprogress .progress-bar")).to_have_class(re.compile("progress-bar-success"))
    expect(output.locator(".widget-hprogress .progress-bar")).to_have_attribute("style", re.compile("width: 100%"))
    expect(output.get_by_text("8 of 8 models fitted")).to_be_visible()
    start = canvas.drawn_pixels()
    expect(readout).to_contain_text("Shown: k = 2, full covariances")
    output.screenshot(path=artifacts / "elbow_explorer_best.png")

    press(output.locator(".widget-slider .noUi-handle"), "ArrowRight")
    expect(readout).to_contain_text("Shown: k = 3, full covariances")
    three = canvas.wait_for_change(start)
    assert canvas.changed_fraction(start, three) > 0.001
    output.screenshot(path=artifacts / "elbow_explorer_k3.png")
    assert notebook.page.js_errors == []
