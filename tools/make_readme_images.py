"""Draw the pictures README.md shows, from the explorers themselves: ``python tools/make_readme_images.py``.

Each explorer is built and moved through its Python API (what its controls do), and the figure it shows is
saved. The files go to ``docs/images/`` (or the folder given as the first argument):

* ``em_player.gif``: EMPlayer playing one EM run on Old Faithful, an E-step and an M-step per iteration;
* ``em_player.png``, ``anomaly_explorer.png``, ``elbow_explorer.png``, ``bayesian_explorer.png``: one state of
  each explorer.

Images are reduced to a small palette, so together they stay well under a megabyte in the repository. The
inline backend is used (no ipympl canvas, no browser); the controls above the figure are not part of the images.
"""

import io
import os
import sys
from pathlib import Path

os.environ["GMM_MPL_BACKEND"] = "inline"  # the figure is rendered by Agg; no front end is needed

import PIL.Image  # noqa: E402  (after the backend choice above)

from gmm_teach import datasets  # noqa: E402
from gmm_teach.animation import em_frames  # noqa: E402
from gmm_teach.widgets import AnomalyExplorer, BayesianExplorer, ElbowExplorer, EMPlayer  # noqa: E402

OUTPUT = Path(__file__).resolve().parents[1] / "docs" / "images"
DPI = 64
PALETTE_COLOURS = 32  # enough for the responsibility blends at this size; a GIF holds at most 256
GIF_FRAME_MS = 600
GIF_LAST_FRAME_MS = 2400  # linger on the converged fit before the loop starts again
MAX_GIF_ITERATIONS = 12


def rendered(figure, dpi=DPI):
    """The figure as a palette image (what the explorer shows, at README size)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    buffer.seek(0)
    return PIL.Image.open(buffer).convert("RGB").quantize(PALETTE_COLOURS, method=PIL.Image.Quantize.MEDIANCUT)


def save_png(figure, path):
    rendered(figure).save(path, optimize=True)
    return path


def em_player_gif(player, path):
    """Play the run frame by frame through ``player.iteration`` and ``player.phase`` (what Play does)."""
    frames = [(iteration, phase) for iteration, phase in em_frames(player.trace)
              if iteration <= MAX_GIF_ITERATIONS]
    images = []
    for iteration, phase in frames:
        player.phase = phase
        player.iteration = iteration
        images.append(rendered(player.figure))
    durations = [GIF_FRAME_MS] * (len(images) - 1) + [GIF_LAST_FRAME_MS]
    images[0].save(path, save_all=True, append_images=images[1:], duration=durations, loop=0, optimize=True)
    return path


def main(output=OUTPUT):
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    faithful = datasets.load_old_faithful()
    # A random start far from the answer, so the ellipses travel and the colours change as EM runs.
    player = EMPlayer(faithful, n_components=2, init_params="random_from_data", random_state=4)
    written = [em_player_gif(player, output / "em_player.gif")]
    player.phase, player.iteration = "E", 3
    written.append(save_png(player.figure, output / "em_player.png"))
    player.close()

    anomalies = AnomalyExplorer(faithful, n_components=2, threshold=5.0)
    written.append(save_png(anomalies.figure, output / "anomaly_explorer.png"))
    anomalies.close()

    elbow = ElbowExplorer(faithful, k_range=range(1, 7))
    written.append(save_png(elbow.figure, output / "elbow_explorer.png"))
    elbow.close()

    blobs = datasets.make_blobs(400, means=[[0, 0], [6, 0], [3, 5]], random_state=0)[0]
    bayesian = BayesianExplorer(blobs, n_components=8)
    written.append(save_png(bayesian.figure, output / "bayesian_explorer.png"))
    bayesian.close()
    for path in written:
        print(f"{path} ({path.stat().st_size / 1024:.0f} KiB)")
    return written


if __name__ == "__main__":
    main(*sys.argv[1:])
