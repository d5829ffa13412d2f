r"""An EM run as a moving picture: GIF, MP4 or a self-contained HTML/JavaScript player.

Each EM iteration :math:`t \ge 1` is shown in two frames, as a learner should see it:

1. **E-step**: the points are recoloured by the new responsibilities :math:`r^{(t)}`, computed from the
   parameters :math:`\theta^{(t-1)}`; the ellipses have not moved yet.
2. **M-step**: every component is refitted to the points it is responsible for; the ellipses move to
   :math:`\theta^{(t)}`.

:class:`EMView` draws one such frame into a figure and updates it in place; the widget
:class:`~gmm_teach.widgets.EMPlayer` and the files written by :func:`animate_em` use the same class, so the
picture in a notebook and in a GIF is the same picture.
"""

import re
import shutil
from pathlib import Path

from matplotlib import rcParams
from matplotlib.animation import FFMpegWriter, HTMLWriter, PillowWriter
from matplotlib.figure import Figure

from . import _validation as check
from .plotting import feature_names_of, plot_clustering, plot_log_likelihood, projection_for
from .trace import EMTrace

PHASES = ("E", "M")
PHASE_CAPTIONS = {
    "E": "E-step: points recoloured by responsibility; components not moved yet",
    "M": "M-step: components refitted to the points they are responsible for",
    "start": "start: the initial parameters",
}
FIGURE_SIZE = (10.0, 4.4)

# matplotlib's HTML player draws its buttons with Font Awesome, linked from a CDN: offline they are blank. The
# link is dropped and every icon drawn as inline SVG (16 x 16, in the button's text colour) instead.
_CDN_STYLESHEET = re.compile(r'<link rel="stylesheet"\s+href="https?://[^"]*"\s*/?>\s*')
_ICON = re.compile(r'<i class="fa (fa-[a-z-]+)( fa-flip-horizontal)?"></i>')
_BAR, _LEFT_BAR = '<rect x="12" y="2" width="2" height="12"/>', '<rect x="2" y="2" width="2" height="12"/>'
_ICON_SHAPES = {
    "fa-minus": '<rect x="2" y="7" width="12" height="2"/>',
    "fa-plus": '<rect x="2" y="7" width="12" height="2"/><rect x="7" y="2" width="2" height="12"/>',
    "fa-play": '<polygon points="4,2 14,8 4,14"/>',
    "fa-pause": '<rect x="3" y="2" width="4" height="12"/><rect x="9" y="2" width="4" height="12"/>',
    "fa-step-forward": '<polygon points="3,2 11,8 3,14"/>' + _BAR,
    "fa-step-backward": _LEFT_BAR + '<polygon points="13,2 5,8 13,14"/>',
    "fa-fast-forward": '<polygon points="1,2 7,8 1,14"/><polygon points="6,2 12,8 6,14"/>' + _BAR,
    "fa-fast-backward": _LEFT_BAR + '<polygon points="10,2 4,8 10,14"/><polygon points="15,2 9,8 15,14"/>',
}


def _inline_icon(match):
    flip = ' transform="matrix(-1 0 0 1 16 0)"' if match.group(2) else ""
    return (
        f'<svg class="gmm-icon" width="14" height="14" viewBox="0 0 16 16" fill="currentColor" '
        f'aria-hidden="true"><g{flip}>{_ICON_SHAPES[match.group(1)]}</g></svg>'
    )


def offline_player(html):
    """matplotlib's HTML animation player made self-contained: no stylesheet from a CDN, icons as inline SVG.

    Examples
    --------
    >>> offline_player('<button><i class="fa fa-play"></i></button>')[:33]
    '<button><svg class="gmm-icon" wid'
    """
    return _ICON.sub(_inline_icon, _CDN_STYLESHEET.sub("", html))


class OfflineHTMLWriter(HTMLWriter):
    """matplotlib's HTML movie writer, whose page needs no network (see :func:`offline_player`)."""

    def finish(self):
        super().finish()
        path = Path(self.outfile)
        path.write_text(offline_player(path.read_text(encoding="utf-8")), encoding="utf-8")


def frame_state(trace, iteration, phase):
    r"""The parameters, responsibilities and log-likelihood index shown at (``iteration``, ``phase``).

    At the E-step of iteration :math:`t` the picture holds :math:`\theta^{(t-1)}` with :math:`r^{(t)}`; at the
    M-step it holds :math:`\theta^{(t)}` with :math:`r^{(t)}`. Iteration 0 has only the initial parameters.

    Returns
    -------
    params : MixtureParams
    responsibilities : ndarray of shape (n_samples, n_components)
    shown : int
        The iteration whose parameters (and log-likelihood) are on screen.
    """
    check.check_choice(phase, "phase", PHASES)
    shown = iteration - 1 if (phase == "E" and iteration > 0) else iteration
    return trace.params[shown], trace.responsibilities(iteration), shown


def em_frames(trace):
    """The (iteration, phase) pairs of a whole run: the start, then an E and an M frame per iteration."""
    return [(0, "M")] + [(t, phase) for t in range(1, len(trace)) for phase in PHASES]


class EMView:
    """Two panels for one EM run: the clustering (left) and the log-likelihood curve (right).

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        An empty figure; the view adds its two axes.
    trace : EMTrace
    projection : Projection, optional
        Default: :func:`~gmm_teach.plotting.projection_for` of the trace's data.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from gmm_teach import datasets
    >>> trace = EMTrace.run(datasets.load_old_faithful(), n_components=2, random_state=0)
    >>> view = EMView(Figure(), trace)
    >>> view.show(2, "E")
    >>> view.clustering.means.get_offsets().round(1).tolist() == trace.params[1].means.round(1).tolist()
    True
    """

    def __init__(self, figure, trace, projection=None):
        self.figure = figure
        self.clustering_ax, self.curve_ax = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.35, 1]})
        figure.subplots_adjust(left=0.07, right=0.98, bottom=0.14, top=0.86, wspace=0.28)
        self.projection = projection
        self.set_trace(trace)

    def set_trace(self, trace):
        """Draw a new run (after a refit): the panels are cleared and drawn again, at iteration 0."""
        self.trace = trace
        self.projection = self.projection or projection_for(trace.X)
        self.clustering_ax.clear()
        self.curve_ax.clear()
        self.clustering = plot_clustering(
            self.clustering_ax, trace.X, trace.params[0], trace.responsibilities(0), projection=self.projection
        )
        self.curve, self.marker = plot_log_likelihood(self.curve_ax, trace.log_likelihoods, current=0)
        self.caption = self.figure.suptitle("", x=0.07, ha="left", fontsize=11)
        self.show(0, "M")

    def changing(self):
        """The artists that :meth:`show` changes: the clustering, the marker, the caption and the curve's title."""
        return [*self.clustering.changing(), self.marker, self.caption, self.curve_ax.title]

    def show(self, iteration, phase):
        """Show the E or M frame of ``iteration`` by updating the artists in place."""
        params, responsibilities, shown = frame_state(self.trace, iteration, phase)
        self.clustering.update(params, responsibilities)
        self.marker.set_data([shown], [self.trace.log_likelihoods[shown]])
        self.marker.set_markerfacecolor("white" if shown != iteration else self.marker.get_color())
        what = PHASE_CAPTIONS["start" if iteration == 0 else phase]
        self.caption.set_text(f"Iteration {iteration} of {len(self.trace) - 1}. {what}.")
        self.curve_ax.set_title(
            f"log-likelihood at iteration {shown}: {self.trace.log_likelihoods[shown]:.4f}", fontsize=10
        )


FORMATS = (".gif", ".mp4", ".html")
MAX_DPI = 600
MAX_ITER = 500  # so a run has at most 1 + 2 * 500 frames
# All frames together, in pixels: a GIF writer keeps every frame in memory as RGBA (4 bytes a pixel), so this
# bounds the memory (about 1 GB) and the size of any file written. At dpi=100 a frame has 0.44 million pixels.
MAX_PIXELS = 250_000_000
BYTES_PER_PIXEL = 4


def em_animation(trace, fps=2.0, dpi=80, projection=None):
    """A :class:`matplotlib.animation.FuncAnimation` of a whole run, on a new figure (not registered in pyplot).

    ``projection`` is the view of the data (:func:`~gmm_teach.plotting.projection_for`, which also names the axes).
    """
    from matplotlib.animation import FuncAnimation

    fps = check.check_number(fps, "fps", minimum=0.1)
    figure = Figure(figsize=FIGURE_SIZE, dpi=dpi)
    view = EMView(figure, trace, projection)
    frames = em_frames(trace)
    return FuncAnimation(
        figure,
        lambda frame: view.show(*frame),
        frames=frames,
        interval=1000.0 / fps,
        repeat=False,
        cache_frame_data=False,
    )


def to_jshtml(trace, fps=2.0, dpi=80, projection=None):
    """A self-contained HTML/JavaScript player of a run (frames embedded as PNG, no external URL), for static
    pages; ``projection`` as for :func:`em_animation`."""
    return offline_player(em_animation(trace, fps, dpi, projection).to_jshtml(fps=fps, default_mode="once"))


def ffmpeg_path():
    """The ffmpeg program that writes MP4: the one matplotlib finds (``animation.ffmpeg_path``, on the PATH),
    else the one the ``imageio-ffmpeg`` package ships (``pip install "gmm-teach[video]"``); None without either."""
    found = shutil.which(rcParams["animation.ffmpeg_path"])
    if found:
        return found
    try:
        import imageio_ffmpeg
    except ImportError:
        return None
    return imageio_ffmpeg.get_ffmpeg_exe()


class _FoundFFMpegWriter(FFMpegWriter):
    """matplotlib's ffmpeg writer, running the program :func:`ffmpeg_path` finds."""

    @classmethod
    def bin_path(cls):
        return ffmpeg_path() or super().bin_path()


def mp4_writer(fps):
    """A matplotlib movie writer for MP4 at ``fps`` frames per second (needs :func:`ffmpeg_available`)."""
    return _FoundFFMpegWriter(fps=fps)


def ffmpeg_available():
    """Whether an ffmpeg program to write MP4 is there (see :func:`ffmpeg_path`)."""
    return ffmpeg_path() is not None


def check_output_path(path, name="path"):
    """Check, before any work, that an animation can be written to ``path``; return it as a ``Path``.

    The suffix chooses the format (one of ``FORMATS``); the folder must exist, the path must not be a folder,
    and an MP4 needs ffmpeg. ``name`` is the argument named in messages (the command line says ``--output``).
    """
    path = Path(path)
    check.check_choice(path.suffix.lower(), f"the suffix of {name}", FORMATS)
    if path.is_dir():
        raise ValueError(
            f"{name}: {str(path)!r} is a folder; give a file name such as {str(path / ('em' + path.suffix.lower()))!r}."
        )
    if not path.parent.is_dir():
        raise ValueError(f"{name}: the folder {str(path.parent)!r} does not exist.")
    if path.suffix.lower() == ".mp4" and not ffmpeg_available():
        raise ValueError(
            f"{name}: writing {path.name} needs ffmpeg, which was not found: install it "
            '(pip install "gmm-teach[video]", or your system\'s ffmpeg package), or write a .gif or '
            ".html instead."
        )
    return path


def frame_pixels(dpi):
    """The number of pixels of one frame at ``dpi`` (the figure is ``FIGURE_SIZE`` inches)."""
    width, height = FIGURE_SIZE
    return round(width * dpi) * round(height * dpi)


def check_movie_size(n_frames, dpi):
    """Refuse a movie larger than ``MAX_PIXELS`` pixels over all frames, before a single frame is drawn."""
    dpi = check.check_integer(dpi, "dpi", 10, MAX_DPI)
    total = n_frames * frame_pixels(dpi)
    if total > MAX_PIXELS:
        raise ValueError(
            f"dpi={dpi} with {n_frames} frames makes {total / 1e6:.0f} million pixels; at most "
            f"{MAX_PIXELS / 1e6:.0f} million are written (about "
            f"{MAX_PIXELS * BYTES_PER_PIXEL / 1e9:.0f} GB of memory for a GIF). Lower dpi or max_iter."
        )
    return dpi


def _movie_writer(suffix, fps):
    if suffix == ".gif":
        return PillowWriter(fps=fps)
    if suffix == ".mp4":
        return mp4_writer(fps)
    # Frames within MAX_PIXELS all fit (PNG is smaller than raw pixels); matplotlib's default limit of 20 MB
    # would silently drop the last frames of a large page.
    embed_limit_mb = MAX_PIXELS * BYTES_PER_PIXEL * 4 / 3 / 1e6  # base64 makes 4 bytes of every 3
    return OfflineHTMLWriter(fps=fps, embed_frames=True, default_mode="once", embed_limit=embed_limit_mb)


def write_animation(trace, path="em.gif", fps=2.0, dpi=80, feature_names=None, progress=None):
    """Write a recorded run as a GIF (Pillow), an MP4 (ffmpeg, see :func:`ffmpeg_path`) or an HTML page.

    Parameters
    ----------
    trace : EMTrace
    path : str or Path, default="em.gif"
        The suffix chooses the format: ``.gif``, ``.mp4`` (needs ffmpeg) or ``.html``.
    fps : float, default=2
        Frames per second; each iteration has an E and an M frame.
    dpi : int, default=80
        At most ``MAX_DPI``; all frames together at most ``MAX_PIXELS`` pixels.
    feature_names : sequence of str, optional
        Axis labels (default ``feature 0``, ...).
    progress : callable, optional
        Called as ``progress(frames_done, n_frames)`` after each frame is written (a progress bar uses it).

    Returns
    -------
    Path
        Where the file was written.
    """
    path = check_output_path(path)
    fps = check.check_number(fps, "fps", minimum=0.1)
    n_frames = len(em_frames(trace))
    dpi = check_movie_size(n_frames, dpi)
    if progress is not None and not callable(progress):
        raise TypeError(f"progress must be a callable progress(done, total) or None, got {progress!r}.")
    movie = em_animation(trace, fps, dpi, projection_for(trace.X, feature_names=feature_names))
    report = None if progress is None else (lambda frame, total: progress(frame + 1, total))
    movie.save(path, writer=_movie_writer(path.suffix.lower(), fps), dpi=dpi, progress_callback=report)
    return path


def animate_em(
    X,
    n_components=3,
    covariance_type="full",
    init_params="kmeans",
    random_state=0,
    max_iter=100,
    path="em.gif",
    fps=2.0,
    dpi=80,
    feature_names=None,
):
    """Run EM on ``X`` and write the run as a GIF, an MP4 or an HTML page (see :func:`write_animation`).

    Parameters
    ----------
    X : array-like or pandas.DataFrame of shape (n_samples, n_features)
    n_components, covariance_type, init_params, random_state
        As for :class:`~gmm_teach.GaussianMixture` (one initialisation).
    max_iter : int, default=100
        At most ``MAX_ITER`` (each iteration is two frames).
    path : str or Path, default="em.gif"
        The suffix chooses the format: ``.gif``, ``.mp4`` (needs ffmpeg) or ``.html``.
    fps : float, default=2
        Frames per second; each iteration has an E and an M frame.
    dpi : int, default=80
        At most ``MAX_DPI``.
    feature_names : sequence of str, optional
        Axis labels for the features of an array (default: a DataFrame's columns, else x₁, x₂, ...).

    Returns
    -------
    Path
        Where the file was written.
    """
    # Everything that can be checked before EM runs is checked now; the size once the frames are counted.
    check_output_path(path)
    feature_names = feature_names_of(X, feature_names)
    check.check_number(fps, "fps", minimum=0.1)
    check.check_integer(dpi, "dpi", 10, MAX_DPI)
    check.check_integer(max_iter, "max_iter", 0, MAX_ITER)
    trace = EMTrace.run(
        X,
        n_components=n_components,
        covariance_type=covariance_type,
        init_params=init_params,
        random_state=random_state,
        max_iter=max_iter,
    )
    return write_animation(trace, path, fps, dpi, feature_names)
