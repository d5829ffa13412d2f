"""How long a learner waits in JupyterLab: from a slider key (EMPlayer) or a mouse drag (EMSandbox) to new pixels.

Run: ``.venv/bin/python benchmarks/bench_latency.py`` (needs Chromium, Playwright and JupyterLab, as the browser
tests do; it reuses their JupyterLab and canvas helpers from tests/browser/conftest.py).

Both explorers show n = 2,000 points with the ipympl backend in a throwaway JupyterLab. In the page a listener
notes the time of the input event (the key press on the iteration slider, or one mouse move while a mean is
held), and a requestAnimationFrame loop notes when the canvas' pixels first differ: the difference is what the
learner waits, kernel work and the image's trip included. The goal is a median of at most 100 ms.
"""

import json
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from conftest import CHROMIUM, CHROMIUM_ARGS, JupyterLabServer, LabNotebook  # noqa: E402

N_SAMPLES = 2000
REPEATS = 15
GOAL_MS = 100.0
DATA = f"X = datasets.make_blobs({N_SAMPLES}, means=[[0, 0], [3, 0.5], [0.5, 3]], random_state=0)[0]\n"
NOTEBOOKS = {
    "latency_em_player.ipynb": "from gmm_teach.widgets import EMPlayer\n"
    + DATA
    + "explorer = EMPlayer(X, n_components=3, tol=0.0, max_iter=40)\nexplorer",
    "latency_em_sandbox.ipynb": "from gmm_teach.widgets import EMSandbox\n"
    + DATA
    + "explorer = EMSandbox(X, n_components=3, means=[[1, 1], [2, 2], [1, 2]])\n"
    "explorer",
}

# Arm a watcher: the first input event after this call starts the clock, the first frame whose canvas
# differs from the current one stops it; both are read back from window.__latency.
ARM = """canvas => {
    const context = canvas.getContext('2d');
    const fingerprint = () => {
        const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
        let hash = 0;
        for (let i = 0; i < data.length; i += 8) hash = (hash * 31 + data[i] + 7 * data[i + 1] + 13 * data[i + 2]) | 0;
        return hash;
    };
    const before = fingerprint();
    const state = window.__latency = {start: null, end: null};
    const onInput = event => { if (state.start === null) state.start = event.timeStamp; };
    for (const kind of ['keydown', 'mousemove']) document.addEventListener(kind, onInput, {capture: true, once: true});
    const poll = () => {
        if (state.start !== null && fingerprint() !== before) state.end = performance.now();
        else requestAnimationFrame(poll);
    };
    requestAnimationFrame(poll);
}"""


def write_notebooks(folder):
    for name, source in NOTEBOOKS.items():
        cell = {
            "cell_type": "code",
            "execution_count": None,
            "id": "bench",
            "metadata": {},
            "outputs": [],
            "source": "%matplotlib widget\nfrom gmm_teach import datasets\n" + source,
        }
        notebook = {
            "cells": [cell],
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
        (folder / name).write_text(json.dumps(notebook))


def measure(page, canvas, act):
    """Milliseconds from the input ``act()`` makes to the first changed canvas frame."""
    canvas.locator.evaluate(ARM)
    act()
    page.wait_for_function("() => window.__latency.end !== null", timeout=30_000)
    return page.evaluate("() => window.__latency.end - window.__latency.start")


def slider_latencies(page, output, canvas):
    handle = output.locator(".widget-slider .noUi-handle")
    handle.focus()
    return [measure(page, canvas, lambda: handle.press("ArrowRight")) for _ in range(REPEATS)]


def drag_latencies(page, output, canvas):
    """Hold the first mean (found in the kernel's figure through its number fields) and move it in steps."""
    box = canvas.locator.bounding_box()
    # the sandbox's first mean is at data (1, 1); find it on screen from the axis limits the kernel reports
    fields = output.locator(".widget-text input")
    assert float(fields.nth(0).input_value()) == 1.0
    mouse = page.mouse
    start = locate(page, output, box, (1.0, 1.0))
    mouse.move(*start)
    mouse.down()
    times = []
    for step in range(1, REPEATS + 1):
        times.append(measure(page, canvas, lambda step=step: mouse.move(start[0] + 4 * step, start[1] - 3 * step)))
    mouse.up()
    return times


def locate(page, output, box, xy):
    """Page coordinates of data point ``xy``, from the same sandbox built in this process."""
    import os

    os.environ["GMM_MPL_BACKEND"] = "inline"
    from gmm_teach import datasets
    from gmm_teach.widgets import EMSandbox

    X = datasets.make_blobs(N_SAMPLES, means=[[0, 0], [3, 0.5], [0.5, 3]], random_state=0)[0]
    sandbox = EMSandbox(X, n_components=3, means=[[1, 1], [2, 2], [1, 2]])
    width, height = sandbox.figure.canvas.get_width_height()
    x, y = sandbox.clustering_ax.transData.transform(xy)
    sandbox.close()
    return box["x"] + x * box["width"] / width, box["y"] + (height - y) * box["height"] / height


def report(name, times):
    median = statistics.median(times)
    verdict = "ok" if median <= GOAL_MS else "SLOWER THAN GOAL"
    print(
        f"{name}, n={N_SAMPLES:,}: median {median:.0f} ms, min {min(times):.0f}, max {max(times):.0f} "
        f"over {len(times)} (goal <= {GOAL_MS:.0f} ms: {verdict})"
    )
    return median


def main():
    import os

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if sync_playwright is None or not os.access(CHROMIUM, os.X_OK):
        print(f"latency benchmark skipped: it needs the Python package playwright and Chromium at {CHROMIUM}")
        return

    with tempfile.TemporaryDirectory() as folder, sync_playwright() as api:
        server = JupyterLabServer(Path(folder))
        write_notebooks(server.workdir)
        server.start()
        context = api.chromium.launch_persistent_context(
            str(Path(folder) / "profile"),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
        )
        try:
            for name, run in [
                ("latency_em_player.ipynb", slider_latencies),
                ("latency_em_sandbox.ipynb", drag_latencies),
            ]:
                page = context.new_page()
                notebook = LabNotebook(page, server, name)
                output, canvas, _ = notebook.run_explorer()
                canvas.drawn_pixels()
                label = {
                    "latency_em_player.ipynb": "EMPlayer slider key -> new pixels",
                    "latency_em_sandbox.ipynb": "EMSandbox drag move -> new pixels",
                }[name]
                report(label, run(page, output, canvas))
                page.close()
                server.shutdown_kernels()
        finally:
            context.close()
            server.stop()


if __name__ == "__main__":
    main()
