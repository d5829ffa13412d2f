"""The README's pictures come from tools/make_readme_images.py, which drives the explorers like their controls."""

import importlib.util
from pathlib import Path

import numpy as np
import PIL.Image
import pytest
from helpers import three_blobs

from gmm_teach.animation import em_frames

pytest.importorskip("ipywidgets")

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "docs" / "images"
README_IMAGES = [
    "em_player.gif",
    "em_player.png",
    "anomaly_explorer.png",
    "elbow_explorer.png",
    "bayesian_explorer.png",
]


@pytest.fixture
def script(monkeypatch):
    monkeypatch.setenv("GMM_MPL_BACKEND", "inline")  # the GIF's frames are drawn by Agg, as the script draws them
    spec = importlib.util.spec_from_file_location("make_readme_images", ROOT / "tools" / "make_readme_images.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def frames_of(path):
    with PIL.Image.open(path) as gif:
        frames = []
        for index in range(gif.n_frames):
            gif.seek(index)
            frames.append((np.asarray(gif.convert("RGB")), gif.info["duration"]))
    return frames


def test_the_gif_is_the_player_stepping_through_its_run(script, tmp_path):
    from gmm_teach.widgets import EMPlayer

    player = EMPlayer(three_blobs()[0], n_components=3, init_params="random_from_data", random_state=0, max_iter=3)
    path = script.em_player_gif(player, tmp_path / "player.gif")
    frames = frames_of(path)
    assert len(frames) == len(em_frames(player.trace)) == 1 + 2 * 3
    # every E-step recolours the points and every M-step moves the ellipses: no two neighbours look alike
    assert all(np.any(before != after) for (before, _), (after, _) in zip(frames, frames[1:]))
    assert [duration for _, duration in frames] == [script.GIF_FRAME_MS] * 6 + [script.GIF_LAST_FRAME_MS]
    # the player was left where the GIF ends
    assert (player.iteration, player.phase) == (3, "M")
    player.close()


def test_the_committed_pictures_are_there_and_small():
    sizes = {name: (IMAGES / name).stat().st_size for name in README_IMAGES}
    assert sum(sizes.values()) < 400 * 1024, sizes
    with PIL.Image.open(IMAGES / "em_player.gif") as gif:
        assert gif.n_frames > 10 and gif.is_animated
    readme = (ROOT / "README.md").read_text()
    assert all(f"docs/images/{name}" in readme for name in README_IMAGES)
