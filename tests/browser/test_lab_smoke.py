"""JupyterLab + ipympl + ipywidgets work in this browser at all: a slider redraws a live canvas."""


def test_slider_redraws_ipympl_canvas(open_notebook, artifacts):
    notebook = open_notebook("smoke.ipynb")
    notebook.run_all()
    output = notebook.widget()
    canvas = notebook.canvas(output)
    before = canvas.drawn_pixels()

    handle = output.locator(".widget-slider .noUi-handle")
    handle.focus()
    handle.press("ArrowRight")
    after = canvas.wait_for_change(before)

    assert output.locator(".widget-readout").inner_text() == "2"
    assert canvas.changed_fraction(before, after) > 0.005
    output.screenshot(path=artifacts / "lab-smoke.png")
    assert not notebook.page.js_errors
