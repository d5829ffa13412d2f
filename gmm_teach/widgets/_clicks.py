"""A click on one axes of an explorer's figure, as data coordinates (ipympl sends real mouse events)."""


def on_click(ax, callback):
    """Call ``callback(x, y)`` with the data coordinates of every left click inside ``ax``.

    Clicks made while the toolbar's pan or zoom tool is active belong to that tool and are ignored. The
    connection id is returned (``ax.figure.canvas.mpl_disconnect`` removes it).
    """

    def pressed(event):
        toolbar = getattr(event.canvas, "toolbar", None)
        if event.inaxes is not ax or event.button != 1 or getattr(toolbar, "mode", "") != "":
            return
        callback(float(event.xdata), float(event.ydata))

    return ax.figure.canvas.mpl_connect("button_press_event", pressed)
