"""What the explorers share: where their figure lives, and their layout (controls, figure, readout).

The matplotlib backend is chosen by the ``GMM_MPL_BACKEND`` environment variable:

* ``widget`` (the default): the figure is an ipympl canvas placed inside the explorer and updated in place
  (``set_offsets``, ``set_facecolor``, ellipse transforms, then ``draw_idle``): smooth in JupyterLab.
* anything else (``inline`` in tests and the book build): the same figure is rendered to PNG and shown in an
  ``ipywidgets.Output`` after each change, so the explorer works in any kernel.

Each explorer makes one :class:`matplotlib.figure.Figure`, once, outside pyplot, so none is left behind in
pyplot's list of open figures.
"""

import importlib.util
import io
import os

import ipywidgets as widgets
import numpy as np
import PIL.Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

BACKEND_VARIABLE = "GMM_MPL_BACKEND"


def backend_mode():
    """``"widget"`` when ``GMM_MPL_BACKEND`` asks for it (default) and ipympl is installed, else ``"inline"``."""
    requested = os.environ.get(BACKEND_VARIABLE, "widget").strip().lower()
    if requested not in ("widget", "ipympl"):
        return "inline"
    return "widget" if importlib.util.find_spec("ipympl") is not None else "inline"


def _import_ipympl():
    """Import ipympl's canvas without switching pyplot's backend.

    ``import ipympl`` calls ``matplotlib.use("module://ipympl.backend_nbagg")`` when matplotlib is already
    imported, which would turn the reader's own pyplot figures into ipympl widgets; the backend they chose
    is put back.
    """
    import matplotlib

    chosen = matplotlib.rcParams._get_backend_or_none()
    from ipympl import backend_nbagg

    if chosen is not None and matplotlib.rcParams._get_backend_or_none() != chosen:
        matplotlib.use(chosen)
    return backend_nbagg


class FigureHost:
    """One figure and the widget that shows it: an ipympl canvas, or an Output redrawn with a PNG.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
    widget : ipywidgets.DOMWidget
        The ipympl ``Canvas`` or the ``Output`` to place in a layout.
    mode : {"widget", "inline"}
    redraws : int
        How many times the figure was sent to the front end (tests read it).
    """

    def __init__(self, figsize, dpi=96):
        self.mode = backend_mode()
        self.figure = Figure(figsize=figsize, dpi=dpi)
        self.redraws = 0
        self._background, self._limits, self._changed = None, None, []
        if self.mode == "widget":
            ipympl = _import_ipympl()
            canvas = ipympl.Canvas(self.figure)
            canvas.header_visible = False
            canvas.footer_visible = False
            canvas.resizable = False
            canvas.toolbar_position = "right"
            self._manager = ipympl.FigureManager(canvas, 0)  # the canvas sends its images through a manager
            self.widget = canvas
        else:
            FigureCanvasAgg(self.figure)
            self.widget = widgets.Output()
        # any full draw (first display, resize, zoom, savefig) may change what lies under the changing artists
        self.figure.canvas.mpl_connect("draw_event", self._forget_background)

    def redraw(self, changed=None):
        """Show the figure's current state.

        Parameters
        ----------
        changed : list of artists, optional
            The artists that changed since the last call, when nothing else did. They are drawn over a
            cached image of everything else (blitting), so a step costs a fraction of a full draw. The
            cache is rebuilt when these artists are not the ones it was made for, when an axis' limits
            changed, or after any full draw (a resize or zoom in ipympl).
        """
        self.redraws += 1
        if self.mode == "widget" and self.figure.canvas.syncing_data_url:
            # No front end has drawn the canvas yet (or none ever will, as under nbconvert). ipympl would store
            # a blitted image as a data URL without its "data:" prefix, and the browser could not show it;
            # a full draw keeps the URL ipympl made at display time.
            self.figure.canvas.draw_idle()
            return
        if changed is not None:
            self._draw_over_background(changed)
        elif self.mode == "widget":
            self.figure.canvas.draw_idle()
            return
        elif self._shell() is None:
            self.figure.canvas.draw()
        if self.mode == "widget":
            self.figure.canvas.blit(self.figure.bbox)
        elif self._shell() is not None:
            self._show_png(changed is not None)

    def _draw_over_background(self, changed):
        canvas = self.figure.canvas
        changed = sorted(changed, key=lambda artist: artist.get_zorder())
        limits = [ax.viewLim.frozen().get_points().tobytes() for ax in self.figure.axes]
        fresh = (
            self._background is not None
            and limits == self._limits
            and len(changed) == len(self._changed)
            and all(a is b for a, b in zip(changed, self._changed))
        )
        if fresh:
            canvas.restore_region(self._background)
        else:
            visible = [artist.get_visible() for artist in changed]
            for artist in changed:
                artist.set_visible(False)
            FigureCanvasAgg.draw(canvas)  # Agg's own draw: ipympl would also send this half-drawn image
            self._background = canvas.copy_from_bbox(self.figure.bbox)
            self._limits, self._changed = limits, changed
            for artist, was_visible in zip(changed, visible):
                artist.set_visible(was_visible)
        for artist in changed:
            self.figure.draw_artist(artist)

    def _forget_background(self, event=None):
        self._background = None

    @staticmethod
    def _shell():
        from IPython import get_ipython

        return get_ipython()

    def _show_png(self, from_buffer):
        """Replace the Output's image by the figure as PNG (from the canvas buffer when it is up to date)."""
        from IPython.display import Image, clear_output, display

        buffer = io.BytesIO()
        if from_buffer:
            PIL.Image.fromarray(np.asarray(self.figure.canvas.buffer_rgba())).save(buffer, format="png")
        else:
            self.figure.savefig(buffer, format="png")
        with self.widget:
            clear_output(wait=True)
            display(Image(data=buffer.getvalue()))

    def close(self):
        """Close the canvas or output widget."""
        self.widget.close()


class Explorer(widgets.VBox):
    """Base of the explorers: a row of controls, the figure, and a readout in plain words.

    Subclasses call :meth:`_layout` once, keep their state in traitlets, and call :meth:`redraw` after
    changing the figure.
    """

    def _layout(self, controls, figsize, extra_rows=()):
        self.host = FigureHost(figsize)
        self.figure = self.host.figure
        self.readout = widgets.HTML(layout=widgets.Layout(padding="0 0 0 8px"))
        self.controls = list(controls)
        row = widgets.HBox(self.controls, layout=widgets.Layout(flex_flow="row wrap", align_items="center"))
        self.children = [row, *extra_rows, self.host.widget, self.readout]

    def redraw(self, changed=None):
        """Send the figure to the front end (in place with ipympl); see :meth:`FigureHost.redraw`."""
        self.host.redraw(changed)

    def close(self):
        """Close the explorer, its controls and its figure."""
        for control in getattr(self, "controls", []):  # a constructor that raised built no controls
            control.close()
        for part in ("host", "readout"):
            if hasattr(self, part):
                getattr(self, part).close()
        super().close()


def control_layout(width="auto"):
    """A layout that keeps a control's description readable."""
    return widgets.Layout(width=width, margin="2px 10px 2px 0")


def count(number, noun):
    """A count in words with the right plural: ``count(1, "iteration")`` is "1 iteration", else "2 iterations"."""
    return f"{number} {noun}" + ("" if number == 1 else "s")
