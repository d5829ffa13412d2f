"""EMSandbox in a real JupyterLab with the ipympl backend: a real mouse drag moves a mean, the keyboard steps EM.

The notebook tests/browser/notebooks/em_sandbox.ipynb builds the sandbox with the arguments repeated here. Where
a mean sits on the screen is computed in this process from the same sandbox built headless (same figure size,
same axis limits), so the test knows where to press.
"""

import re

import numpy as np
import pytest

from gmm_teach import datasets
from gmm_teach.em import e_step

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

START = [[2.0, 80.0], [4.5, 55.0]]
LOG_LIKELIHOOD = re.compile(r"Mean log-likelihood: (-?\d+\.\d+)")


@pytest.fixture(scope="module")
def headless():
    """The notebook's sandbox, built in this process without a browser."""
    from gmm_teach.widgets import EMSandbox

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GMM_MPL_BACKEND", "inline")
        sandbox = EMSandbox(datasets.load_old_faithful(), n_components=2, means=START)
    yield sandbox
    sandbox.close()


def on_page(canvas, headless, xy):
    """Page coordinates of the data point ``xy`` of the clustering panel on the ipympl canvas."""
    box = canvas.locator.bounding_box()
    width, height = headless.figure.canvas.get_width_height()
    x, y = headless.clustering_ax.transData.transform(xy)
    return box["x"] + x * box["width"] / width, box["y"] + (height - y) * box["height"] / height


def readout_log_likelihood(readout):
    return float(LOG_LIKELIHOOD.search(readout.inner_text()).group(1))


def test_a_real_mouse_drag_moves_a_mean_and_the_readout_follows(open_notebook, headless, artifacts):
    notebook = open_notebook("em_sandbox.ipynb")
    output, canvas, readout = notebook.run_explorer()
    start = canvas.drawn_pixels()
    expect(readout).to_contain_text("Last action: the start")
    assert readout_log_likelihood(readout) == pytest.approx(headless.log_likelihood, abs=1e-4)
    output.screenshot(path=artifacts / "em_sandbox_start.png")

    mouse = notebook.page.mouse
    target = np.array([2.1, 54.0])
    mouse.move(*on_page(canvas, headless, START[0]))
    mouse.down()
    for fraction in np.linspace(0.2, 1.0, 5):
        mouse.move(*on_page(canvas, headless, np.asarray(START[0]) + fraction * (target - START[0])))
    mouse.up()
    expect(readout).to_contain_text("Last action: moved the mean of component 1")
    x_field, y_field = output.locator(".widget-text input").nth(0), output.locator(".widget-text input").nth(1)
    dragged = np.array([float(x_field.input_value()), float(y_field.input_value())])
    pixel = np.ptp(headless.clustering_ax.transData.inverted().transform([[0, 0], [2, 2]]), axis=0)
    assert np.all(np.abs(dragged - target) <= pixel)  # where the pointer let go, to a pixel or two
    X = datasets.load_old_faithful()
    means = np.array([dragged, START[1]])
    headless.set_mean(0, dragged)
    assert readout_log_likelihood(readout) == pytest.approx(e_step(X, headless.params)[1], abs=1e-4)
    assert readout_log_likelihood(readout) > headless._start.log_likelihood
    moved = canvas.wait_for_change(start)
    assert canvas.changed_fraction(start, moved) > 0.005
    np.testing.assert_allclose(headless.params.means, means)
    output.screenshot(path=artifacts / "em_sandbox_dragged.png")
    assert notebook.page.js_errors == []


def test_the_keyboard_alone_can_move_a_mean_and_step_em(open_notebook, artifacts):
    notebook = open_notebook("em_sandbox.ipynb")
    output, canvas, readout = notebook.run_explorer()
    start = canvas.drawn_pixels()
    page = notebook.page
    first_field = output.locator(".widget-text input").first
    first_field.focus()
    page.keyboard.press("ArrowUp")  # one step of the number field
    page.keyboard.press("Enter")
    expect(readout).to_contain_text("Last action: moved the mean of component 1")
    for _ in range(4):  # back over Reset, Step back and Play to the M-step button
        page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "M-step"
    before = readout_log_likelihood(readout)
    page.keyboard.press("Enter")
    expect(readout).to_contain_text("Last action: M-step")
    expect(readout).to_contain_text("Next: the E-step")
    assert readout_log_likelihood(readout) >= before
    stepped = canvas.wait_for_change(start)
    assert canvas.changed_fraction(start, stepped) > 0.005
    output.screenshot(path=artifacts / "em_sandbox_keyboard_m_step.png")
    assert page.js_errors == []
