"""animation.py: the frames of a run, and the files written from them."""

import re

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from gmm_teach import datasets
from gmm_teach.animation import (
    EMView,
    animate_em,
    check_movie_size,
    check_output_path,
    em_frames,
    ffmpeg_available,
    frame_state,
    offline_player,
    to_jshtml,
    write_animation,
)
from gmm_teach.plotting import projection_for, responsibility_colors
from gmm_teach.trace import EMTrace

BLOBS = datasets.make_blobs(90, means=[[0, 0], [2.5, 0.5], [0.5, 2.5]], random_state=0)[0]


@pytest.fixture(scope="module")
def trace():
    return EMTrace.run(BLOBS, n_components=3, init_params="random_from_data", max_iter=3, tol=0.0)


def test_frames_are_the_start_then_e_and_m_of_each_iteration(trace):
    assert em_frames(trace) == [(0, "M"), (1, "E"), (1, "M"), (2, "E"), (2, "M"), (3, "E"), (3, "M")]


def test_e_frame_pairs_old_parameters_with_new_responsibilities(trace):
    params, responsibilities, shown = frame_state(trace, 2, "E")
    assert params is trace.params[1] and shown == 1
    np.testing.assert_array_equal(responsibilities, trace[2].responsibilities)
    params, _, shown = frame_state(trace, 2, "M")
    assert params is trace.params[2] and shown == 2
    assert frame_state(trace, 0, "E")[2] == 0
    with pytest.raises(ValueError, match="phase"):
        frame_state(trace, 1, "X")


def test_view_shows_a_frame_in_place(trace):
    view = EMView(Figure(), trace)
    ellipse = view.clustering.ellipses[0][0]
    view.show(3, "E")
    assert view.clustering.ellipses[0][0] is ellipse
    np.testing.assert_allclose(ellipse.get_center(), trace.params[2].means[0])
    np.testing.assert_allclose(
        view.clustering.points.get_facecolor()[:, :3], responsibility_colors(trace[3].responsibilities)[:, :3]
    )
    assert view.marker.get_xdata()[0] == 2
    assert "Iteration 3 of 3" in view.caption.get_text() and "E-step" in view.caption.get_text()


def test_gif_has_one_frame_per_phase(tmp_path):
    path = animate_em(
        BLOBS, n_components=3, init_params="random_from_data", max_iter=2, path=tmp_path / "em.gif", fps=5, dpi=40
    )
    with Image.open(path) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == 1 + 2 * 2


def test_html_page_is_self_contained(tmp_path):
    path = animate_em(BLOBS[:, :1], n_components=2, max_iter=1, path=tmp_path / "em.html", dpi=40)
    text = path.read_text()
    assert "<script" in text and text.count("data:image/png;base64") == 3
    assert_needs_no_network(text)


def assert_needs_no_network(page):
    """No URL to fetch (matplotlib links Font Awesome from a CDN), and every player button has an inline icon."""
    assert re.findall(r"(?:src|href)=[\"']?(?:https?:)?//", page) == [] and "font-awesome" not in page
    assert 'class="fa ' not in page
    buttons = re.findall(r"<button.*?</button>", page, flags=re.S)
    assert len(buttons) == 9 and all(
        "<svg" in button and ("<polygon" in button or "<rect" in button) for button in buttons
    )


def test_offline_player_replaces_every_icon_of_matplotlibs_player():
    from matplotlib._animation_data import DISPLAY_TEMPLATE, JS_INCLUDE

    assert_needs_no_network(offline_player(JS_INCLUDE + DISPLAY_TEMPLATE))


def test_animation_axes_are_named_from_the_data(tmp_path):
    pytest.importorskip("pandas")
    frame = datasets.load_old_faithful(as_frame=True)
    trace = EMTrace.run(frame, n_components=2, max_iter=1)
    view = EMView(Figure(), trace, projection_for(frame))
    assert view.clustering_ax.get_xlabel() == "eruption duration (min)"
    assert EMView(Figure(), trace).clustering_ax.get_ylabel() == "x₂"
    html = to_jshtml(trace, dpi=20, projection=projection_for(trace.X, feature_names=["a (s)", "b (m)"]))
    assert_needs_no_network(html)


def test_mp4_has_a_frame_per_e_and_m_step(tmp_path):
    """The test extra installs imageio-ffmpeg, so MP4 is always tested here (its ffmpeg counts the frames)."""
    import imageio_ffmpeg

    assert ffmpeg_available()
    path = animate_em(BLOBS, n_components=3, max_iter=3, path=tmp_path / "em.mp4", fps=4, dpi=40)
    assert path.read_bytes()[4:8] == b"ftyp"  # an MP4 container
    trace = EMTrace.run(BLOBS, n_components=3, max_iter=3)
    n_frames, seconds = imageio_ffmpeg.count_frames_and_secs(str(path))
    assert n_frames == len(em_frames(trace))
    assert seconds == pytest.approx(n_frames / 4, abs=0.3)


def test_bad_suffix_and_missing_ffmpeg_are_explained(tmp_path, monkeypatch):
    import gmm_teach.animation as animation

    with pytest.raises(ValueError, match="the suffix of path must be one of '.gif'"):
        animate_em(BLOBS, path=tmp_path / "em.avi")
    monkeypatch.setattr(animation, "ffmpeg_available", lambda: False)
    with pytest.raises(ValueError, match=r'needs ffmpeg.*pip install "gmm-teach\[video\]"'):
        animate_em(BLOBS, path=tmp_path / "em.mp4")
    with pytest.raises(TypeError, match="fps"):
        animate_em(BLOBS, max_iter=1, path=tmp_path / "em.gif", fps="fast")


def test_write_animation_labels_axes_reports_progress_and_bounds_the_size(trace, tmp_path):
    calls = []
    path = write_animation(
        trace,
        tmp_path / "em.gif",
        dpi=20,
        feature_names=["x", "y"],
        progress=lambda done, total: calls.append((done, total)),
    )
    n_frames = len(em_frames(trace))
    assert calls == [(done, n_frames) for done in range(1, n_frames + 1)]
    with Image.open(path) as gif:
        assert gif.n_frames == n_frames
    with pytest.raises(ValueError, match=r"dpi must be at least 10 and at most 600, got 601"):
        write_animation(trace, tmp_path / "big.gif", dpi=601)
    assert check_movie_size(n_frames, 600) == 600  # 7 frames of 15.8 million pixels: within the bound
    with pytest.raises(ValueError, match=r"dpi=600 with 100 frames makes 1584 million pixels; at most 250 million"):
        check_movie_size(100, 600)
    with pytest.raises(ValueError, match="max_iter must be at least 0 and at most 500, got 501"):
        animate_em(BLOBS, max_iter=501, path=tmp_path / "long.gif")


def test_an_html_page_keeps_every_frame_beyond_matplotlibs_embed_limit(trace, tmp_path, monkeypatch):
    import matplotlib

    monkeypatch.setitem(matplotlib.rcParams, "animation.embed_limit", 0.01)  # MB: a single frame exceeds it
    path = write_animation(trace, tmp_path / "em.html", dpi=20)
    assert path.read_text().count("data:image/png;base64") == len(em_frames(trace))


def test_output_path_is_checked_before_any_work(tmp_path):
    (tmp_path / "em.gif").mkdir()
    with pytest.raises(ValueError, match="path: .* is a folder; give a file name such as"):
        check_output_path(tmp_path / "em.gif")
    with pytest.raises(ValueError, match="path: the folder .* does not exist"):
        check_output_path(tmp_path / "slides" / "em.gif")
    assert check_output_path(str(tmp_path / "EM.GIF")) == tmp_path / "EM.GIF"
