"""The theory explorers in a real JupyterLab with ipympl: a mouse click on the likelihood surface starts EM there.

The notebook builds LikelihoodSurfaceExplorer from Old Faithful's eruption durations; the pixel to click is
found from the same explorer built here (same figure size and dpi), and the path it must draw is recomputed.
"""

import re

import numpy as np
import pytest

from gmm_teach import datasets

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

START = re.compile(r"from \((-?\d+\.\d+), (-?\d+\.\d+)\)")
TARGET = (2.0, 4.5)  # below the diagonal's mirror: EM goes to the optimum with mu_1 < mu_2


def target_in_canvas_pixels(monkeypatch):
    """Where TARGET lies on the canvas, in CSS pixels from its top-left corner, and the canvas size."""
    monkeypatch.setenv("GMM_MPL_BACKEND", "inline")
    from gmm_teach.widgets import LikelihoodSurfaceExplorer

    explorer = LikelihoodSurfaceExplorer(datasets.load_old_faithful()[:, 0])
    explorer.figure.canvas.draw()
    x, y = explorer.ax.transData.transform(TARGET)
    width, height = explorer.figure.bbox.size
    explorer.close()
    return (x, height - y), (width, height)


def test_a_click_on_the_surface_starts_a_path(open_notebook, artifacts, monkeypatch):
    (x, y), (width, height) = target_in_canvas_pixels(monkeypatch)
    notebook = open_notebook("likelihood_surface_explorer.ipynb")
    output, canvas, readout = notebook.run_explorer()
    before = canvas.drawn_pixels()
    expect(readout).to_contain_text("EM reached the optimum")
    output.screenshot(path=artifacts / "likelihood_surface_start.png")

    box = canvas.locator.bounding_box()
    scale_x, scale_y = box["width"] / width, box["height"] / height  # the canvas may be drawn scaled
    notebook.page.mouse.click(box["x"] + x * scale_x, box["y"] + y * scale_y)
    expect(readout).to_contain_text(re.compile(r"from \([12]\.\d\d, 4\.\d\d\)"), timeout=20_000)  # not the first start
    first, second = (float(value) for value in START.search(readout.inner_text()).groups())
    assert abs(first - TARGET[0]) < 0.05 and abs(second - TARGET[1]) < 0.05
    after = canvas.wait_for_change(before)
    assert canvas.changed_fraction(before, after) > 0.0005
    expect(readout).to_contain_text("EM reached the optimum with μ₁ < μ₂", timeout=30_000)  # played to its end
    output.screenshot(path=artifacts / "likelihood_surface_clicked.png")
    assert notebook.page.js_errors == []
    assert np.isfinite([first, second]).all()
