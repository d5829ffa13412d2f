"""The theory explorers in a real JupyterLab with ipympl: mouse clicks and the keyboard drive them.

Each notebook in tests/browser/notebooks builds an explorer from Old Faithful's eruption durations. The same
explorer is built here (same figure size and dpi) to find the pixel to click and the numbers to expect.
"""

import re

import pytest

from gmm_teach import datasets

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

DURATIONS = datasets.load_old_faithful()[:, 0]
START = re.compile(r"from \((-?\d+\.\d+), (-?\d+\.\d+)\)")


@pytest.fixture
def headless(monkeypatch):
    """Build an explorer here, without a front end, to compute what the browser must show."""
    monkeypatch.setenv("GMM_MPL_BACKEND", "inline")
    made = []

    def build(explorer_class, *args, **kwargs):
        made.append(explorer_class(*args, **kwargs))
        return made[-1]

    yield build
    for explorer in made:
        explorer.close()


def click_data_point(notebook, canvas, explorer, ax, point):
    """Click, with the real mouse, where ``point`` (data coordinates of ``ax``) lies on the browser's canvas."""
    explorer.figure.canvas.draw()
    x, y = ax.transData.transform(point)
    width, height = explorer.figure.bbox.size
    canvas.locator.scroll_into_view_if_needed()
    box = canvas.locator.bounding_box()
    scale_x, scale_y = box["width"] / width, box["height"] / height  # the canvas may be drawn scaled
    notebook.page.mouse.click(box["x"] + x * scale_x, box["y"] + (height - y) * scale_y)


def test_a_click_on_the_surface_starts_a_path(open_notebook, artifacts, headless):
    from gmm_teach.widgets import LikelihoodSurfaceExplorer

    target = (2.0, 4.5)  # above the diagonal: EM goes to the optimum with mu_1 < mu_2
    here = headless(LikelihoodSurfaceExplorer, DURATIONS)
    notebook = open_notebook("likelihood_surface_explorer.ipynb")
    output, canvas, readout = notebook.run_explorer()
    before = canvas.drawn_pixels()
    expect(readout).to_contain_text("EM reached the optimum")
    output.screenshot(path=artifacts / "likelihood_surface_start.png")

    click_data_point(notebook, canvas, here, here.ax, target)
    expect(readout).to_contain_text(re.compile(r"from \([12]\.\d\d, 4\.\d\d\)"), timeout=20_000)  # the new start
    first, second = (float(value) for value in START.search(readout.inner_text()).groups())
    assert abs(first - target[0]) < 0.05 and abs(second - target[1]) < 0.05
    after = canvas.wait_for_change(before)
    assert canvas.changed_fraction(before, after) > 0.0005
    expect(readout).to_contain_text("EM reached the optimum with μ₁ < μ₂", timeout=30_000)  # played to its end
    output.screenshot(path=artifacts / "likelihood_surface_clicked.png")
    assert notebook.page.js_errors == []


def test_lower_bound_explorer_steps_from_the_keyboard(open_notebook, artifacts, headless):
    from gmm_teach.widgets import LowerBoundExplorer

    here = headless(LowerBoundExplorer, DURATIONS)
    here.half_step = 2
    notebook = open_notebook("lower_bound_explorer.ipynb")
    output, canvas, readout = notebook.run_explorer()
    start = canvas.drawn_pixels()
    expect(readout).to_contain_text("Half-step 0: after the start.")
    output.screenshot(path=artifacts / "lower_bound_start.png")

    output.get_by_role("button", name="E-step").focus()
    notebook.page.keyboard.press("Enter")
    expect(readout).to_contain_text("Half-step 1: after the E-step.")
    expect(readout).to_contain_text("+ KL 0.0000")  # the E-step closes the gap
    after_e_step = canvas.wait_for_change(start)
    assert canvas.changed_fraction(start, after_e_step) > 0.001

    notebook.page.keyboard.press("Tab")  # on to the M-step button
    notebook.page.keyboard.press("Enter")
    expect(readout).to_contain_text("Half-step 2: after the M-step.")
    expect(readout).to_contain_text(f"ln p(X | θ) = {here.current.log_likelihood:.4f}")
    after_m_step = canvas.wait_for_change(after_e_step)
    assert canvas.changed_fraction(after_e_step, after_m_step) > 0.001
    output.screenshot(path=artifacts / "lower_bound_after_m_step.png")
    assert notebook.page.js_errors == []


def test_a_click_on_a_point_puts_the_collapsing_component_there(open_notebook, artifacts, headless):
    from gmm_teach.widgets import CollapseExplorer

    here = headless(CollapseExplorer, DURATIONS, variance=1e-3)
    longest = int(DURATIONS.argmax())
    notebook = open_notebook("collapse_explorer.ipynb")
    output, canvas, readout = notebook.run_explorer()
    before = canvas.drawn_pixels()
    expect(readout).to_contain_text(f"point {here.point} ")
    expect(readout).to_contain_text("CollapsedComponentError")
    output.screenshot(path=artifacts / "collapse_start.png")

    click_data_point(notebook, canvas, here, here.data_ax, (DURATIONS[longest], 0.05))
    expect(readout).to_contain_text(f"point {longest} (x = {DURATIONS[longest]:.4g})", timeout=20_000)
    here.point = longest
    expect(readout).to_contain_text(f"ln p(X | θ) = {here.log_likelihood:.3f}")
    after = canvas.wait_for_change(before)
    assert canvas.changed_fraction(before, after) > 0.001
    output.screenshot(path=artifacts / "collapse_longest_eruption.png")
    assert notebook.page.js_errors == []
