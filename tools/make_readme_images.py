"""Draw the pictures README.md shows, from the explorers themselves: ``python tools/make_readme_images.py``.

The files go to ``docs/images/`` (or the folder given as the first argument):

* ``em_player.gif``: EMPlayer playing one EM run on Old Faithful, an E-step and an M-step per iteration. The
  player is stepped through ``player.phase`` and ``player.iteration`` (what its Play button does) and its
  figure saved at each step, with the inline backend.
* ``em_player.png``, ``anomaly_explorer.png``, ``elbow_explorer.png``, ``bayesian_explorer.png``: screenshots
  of each explorer, controls included, as a learner sees it in JupyterLab with ipympl: a throwaway JupyterLab
  and headless Chromium, started and stopped the way the browser tests do (``tests/browser/conftest.py``,
  so Chromium and the test extra are needed).

Images are reduced to a small palette, so together they stay well under half a megabyte in the repository.
"""

import io
import os
import sys
import tempfile
from pathlib import Path

import nbformat
import PIL.Image
import PIL.ImageChops

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "docs" / "images"
DPI = 64
PALETTE_COLOURS = 32  # enough for the responsibility blends at this size; a GIF holds at most 256
GIF_FRAME_MS = 600
GIF_LAST_FRAME_MS = 2400  # linger on the converged fit before the loop starts again
MAX_GIF_ITERATIONS = 12
FAITHFUL = "from gmm_teach import datasets\nX = datasets.load_old_faithful()\n"
# What each screenshot shows: the code a learner would run (state set from Python, as a slider would set it).
EXPLORERS = {
    "em_player": FAITHFUL
    + (
        "from gmm_teach.widgets import EMPlayer\n"
        "player = EMPlayer(X, n_components=2, init_params='random_from_data', random_state=4)\n"
        "player.phase, player.iteration = 'E', 3\n"
        "player"
    ),
    "anomaly_explorer": FAITHFUL
    + ("from gmm_teach.widgets import AnomalyExplorer\nAnomalyExplorer(X, n_components=2, threshold=5.0)"),
    "elbow_explorer": FAITHFUL + ("from gmm_teach.widgets import ElbowExplorer\nElbowExplorer(X, k_range=range(1, 7))"),
    "bayesian_explorer": (
        "from gmm_teach import datasets\n"
        "from gmm_teach.widgets import BayesianExplorer\n"
        "X, _ = datasets.make_blobs(400, means=[[0, 0], [6, 0], [3, 5]], random_state=0)\n"
        "BayesianExplorer(X, n_components=8)"
    ),
}


def quantized(image):
    """``image`` with a small palette (what keeps the files small)."""
    return image.convert("RGB").quantize(PALETTE_COLOURS, method=PIL.Image.Quantize.MEDIANCUT)


def cropped(image, margin=8):
    """``image`` without the blank right part of the output area (an explorer spans its whole width)."""
    image = image.convert("RGB")
    left, top, right, bottom = PIL.ImageChops.difference(image, PIL.Image.new("RGB", image.size, "white")).getbbox()
    return image.crop((0, 0, min(image.width, right + margin), min(image.height, bottom + margin)))


def rendered(figure, dpi=DPI):
    """The figure as a palette image, at README size."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    buffer.seek(0)
    return quantized(PIL.Image.open(buffer))


def em_player_gif(player, path):
    """Play the run frame by frame through ``player.iteration`` and ``player.phase`` (what Play does)."""
    from gmm_teach.animation import em_frames

    frames = [(iteration, phase) for iteration, phase in em_frames(player.trace) if iteration <= MAX_GIF_ITERATIONS]
    images = []
    for iteration, phase in frames:
        player.phase = phase
        player.iteration = iteration
        images.append(rendered(player.figure))
    durations = [GIF_FRAME_MS] * (len(images) - 1) + [GIF_LAST_FRAME_MS]
    images[0].save(path, save_all=True, append_images=images[1:], duration=durations, loop=0, optimize=True)
    return path


def make_gif(output):
    os.environ["GMM_MPL_BACKEND"] = "inline"  # frames are rendered by Agg; no front end is needed
    from gmm_teach import datasets
    from gmm_teach.widgets import EMPlayer

    # A random start far from the answer, so the ellipses travel and the colours change as EM runs.
    player = EMPlayer(datasets.load_old_faithful(), n_components=2, init_params="random_from_data", random_state=4)
    path = em_player_gif(player, output / "em_player.gif")
    player.close()
    return path


def notebook_of(code):
    """A notebook of ``code`` for the server's own Python kernel (named, so JupyterLab asks for no kernel)."""
    kernel = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    return nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("%matplotlib widget"), nbformat.v4.new_code_cell(code)],
        metadata={"kernelspec": kernel},
    )


def screenshot_explorers(output):
    """Each explorer of EXPLORERS in JupyterLab (ipympl) in headless Chromium, photographed with its controls."""
    sys.path.insert(0, str(ROOT / "tests" / "browser"))
    from conftest import CHROMIUM, CHROMIUM_ARGS, JupyterLabServer, LabNotebook
    from playwright.sync_api import sync_playwright

    written = []
    with tempfile.TemporaryDirectory() as scratch:
        server = JupyterLabServer(Path(scratch))
        for name, code in EXPLORERS.items():
            nbformat.write(notebook_of(code), server.workdir / f"{name}.ipynb")
        server.start()
        try:
            with sync_playwright() as api:
                browser = api.chromium.launch_persistent_context(
                    str(Path(scratch) / "profile"),
                    executable_path=CHROMIUM,
                    args=CHROMIUM_ARGS,
                    headless=True,
                    viewport={"width": 1280, "height": 900},
                )
                page = browser.new_page()
                for name in EXPLORERS:
                    notebook = LabNotebook(page, server, f"{name}.ipynb")
                    widget, canvas, _ = notebook.run_explorer()
                    canvas.drawn_pixels()
                    path = output / f"{name}.png"
                    quantized(cropped(PIL.Image.open(io.BytesIO(widget.screenshot())))).save(path, optimize=True)
                    written.append(path)
                    server.shutdown_kernels()
                browser.close()
        finally:
            server.stop()
    return written


def main(output=OUTPUT):
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    written = [make_gif(output), *screenshot_explorers(output)]
    for path in written:
        print(f"{path} ({path.stat().st_size / 1024:.0f} KiB)")
    return written


if __name__ == "__main__":
    main(*sys.argv[1:])
