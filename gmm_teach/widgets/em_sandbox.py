r"""EMSandbox: set EM's start by hand, move points, then step EM half a step at a time.

EM alternates two half-steps, and the sandbox lets the learner do either by hand:

* the **E-step** recolours every point by the responsibilities :math:`r_{ik}` of the parameters on screen;
* the **M-step** moves every component to the weighted mean and spread of the points it is responsible for.

Dragging a mean, or the handle on a component's 1σ ellipse, is "being the M-step": the learner chooses the
parameters, and while they drag the points recolour with the responsibilities of the dragged parameters (the
E-step that follows at once) and the readout gives their log-likelihood. Anything done by hand (a drag, a
number typed, a point added or removed) is followed by that E-step, so the colours always show what the
parameters on screen imply and the next half-step is the M-step. Every action, drags included, can be undone.
"""

import time
from dataclasses import dataclass, replace

import ipywidgets as widgets
import numpy as np

from .. import _validation as check
from ..em import MixtureParams, e_step, em_steps, m_step
from ..plotting import component_colors, feature_names_of, plot_clustering, plot_log_likelihood, projection_for
from ._base import Explorer, control_layout, count

FIGURE_SIZE = (10.0, 4.4)
PICK_RADIUS_PIXELS = 12
MAX_UNDO = 500
PLAY_INTERVAL_SECONDS = 0.2
PHASE_CAPTIONS = {
    "E": "the components moved; next, the E-step recolours the points",
    "M": "the colours show the responsibilities; next, the M-step moves the components",
}


@dataclass(frozen=True, eq=False)
class SandboxState:
    """One moment of the sandbox: what ``back()`` restores.

    Attributes
    ----------
    X : ndarray of shape (n_samples, n_features)
        The points.
    params : MixtureParams
        The parameters on screen (full covariances).
    responsibilities : ndarray of shape (n_samples, n_components)
        The colours on screen: the E-step of ``params`` when ``phase`` is "M", the responsibilities the last
        M-step used when ``phase`` is "E".
    phase : {"E", "M"}
        The half-step that comes next.
    log_likelihood : float
        Mean log-likelihood of ``X`` under ``params``.
    action : str
        What led here, in words.
    strip : ndarray of shape (n_samples,) or None
        Heights of the points in the strip under the axis (1-D data only), kept as points come and go.
    """

    X: np.ndarray
    params: MixtureParams
    responsibilities: np.ndarray
    phase: str
    log_likelihood: float
    action: str
    strip: np.ndarray = None


class EMSandbox(Explorer):
    r"""Take EM in hand: drag the start, add and remove points, step E and M, step back.

    On the canvas (with the ipympl backend): drag a component's mean (its large marker) to move it; drag the
    small white handle on its 1σ ellipse to stretch and turn the ellipse (its covariance); click on empty space
    to add a point; shift-click to remove the point nearest the pointer. The buttons do an E-step, an M-step,
    play EM to convergence, step back (undo any action, drags included) and reset to the start. Each mean also
    has number fields, so everything can be done from the keyboard, and every action has a Python method.

    Parameters
    ----------
    X : array-like or pandas.DataFrame of shape (n_samples, n_features)
        With one feature the picture shows the density curves (drag a mean or its 1σ handle along the axis);
        with more than two, the pair of columns ``features`` (the hidden coordinates of a point added by a click
        are those of the data's mean).
    n_components : int, default=2
    means : array-like of shape (n_components, n_features), optional
        Where the components start. Default: ``n_components`` data points chosen at random.
    random_state : int, default=0
        Chooses the default starting means.
    features : pair of int, default=(0, 1)
        The two columns shown when ``X`` has more than two.
    tol : float, default=1e-4
        "Play to convergence" stops when an iteration changes the mean log-likelihood by less than this.
    max_iter : int, default=200
        "Play to convergence" runs at most this many iterations.
    reg_covar : float, default=1e-6
        Added to the diagonal of every covariance by the M-step (see :func:`~gmm_teach.em.m_step`).
    feature_names : sequence of str, optional
        Axis labels for the features of an array (default: a DataFrame's columns, else x₁, x₂, ...).

    Attributes
    ----------
    params : MixtureParams
        The parameters now (full covariances, all features).
    phase : {"E", "M"}
        The half-step :meth:`step` does next.
    X : ndarray of shape (n_samples, n_features)
        The points now.
    log_likelihood : float
        Mean log-likelihood of ``X`` under ``params``.
    responsibilities : ndarray of shape (n_samples, n_components)
        The colours on screen.
    n_undo : int
        How many actions :meth:`back` can undo.
    play_interval : float
        Seconds between the iterations :meth:`play` draws with the ipympl backend (default 0.2).
    figure : matplotlib.figure.Figure
    clustering : ClusteringArtists
        The points, means and ellipses (or curves) drawn.
    handles : PathCollection
        The white 1σ handles, one per component.
    history_line : Line2D
        The mean log-likelihood after each action (right panel).
    mean_fields : list of list of ipywidgets.FloatText
        ``mean_fields[k][j]``: the shown coordinate ``j`` of component ``k``'s mean.
    e_button, m_button, play_button, back_button, reset_button : ipywidgets.Button

    Notes
    -----
    The covariance handle sits at the end of a principal axis of the ellipse, :math:`\mu_k + a`. Dragging it to
    :math:`\mu_k + a'` makes :math:`a'` that axis and keeps the length :math:`s` of the other one:
    :math:`\Sigma_k = a' a'^\top + s^2 n n^\top` with :math:`n \perp a'` a unit vector, always a valid covariance.
    With more than two features the shown 2 x 2 block :math:`A` of :math:`\Sigma_k` changes this way and the rest
    follows so that the hidden features keep their regression on the shown ones and their residual covariance
    (:math:`B = A W`, :math:`C = S + W^\top A W`): the matrix stays positive definite.

    Examples
    --------
    >>> from gmm_teach import datasets
    >>> sandbox = EMSandbox(datasets.load_old_faithful(), n_components=2)
    >>> sandbox.set_mean(0, [2.0, 55.0])
    >>> sandbox.phase, sandbox.params.means[0].tolist()
    ('M', [2.0, 55.0])
    >>> before = sandbox.log_likelihood
    >>> sandbox.step()                                     # the M-step moves the components
    >>> sandbox.phase, sandbox.log_likelihood >= before
    ('E', True)
    >>> sandbox.back()                                     # undo the M-step
    >>> sandbox.params.means[0].tolist()
    [2.0, 55.0]
    """

    def __init__(
        self,
        X,
        n_components=2,
        means=None,
        random_state=0,
        features=(0, 1),
        tol=1e-4,
        max_iter=200,
        reg_covar=1e-6,
        feature_names=None,
    ):
        names = feature_names_of(X, feature_names)
        X = check.check_array(X).astype(np.float64, copy=True)
        n_samples, n_features = X.shape
        n_components = check.check_integer(n_components, "n_components", 1, min(10, n_samples))
        check.check_integer(random_state, "random_state", 0)
        if means is not None:
            means = check.check_means(means, n_components, n_features, name="means")
        self.tol = check.check_number(tol, "tol", minimum=0.0)
        self.max_iter = check.check_integer(max_iter, "max_iter", 1)
        self.reg_covar = check.check_number(reg_covar, "reg_covar", minimum=0.0)
        shown = tuple(features) if n_features > 2 else None
        self.projection = projection_for(X, features=shown, feature_names=names)
        self._shown = list(shown) if shown else list(range(n_features))
        self._hidden_values = X.mean(axis=0)  # the coordinates a click cannot give
        self._scale = _round_step(X[:, self._shown])
        super().__init__()
        self.play_interval = PLAY_INTERVAL_SECONDS
        start = self._starting_params(X, n_components, means, random_state)
        self._state, self._history, self._drag = self._hand_made(X, start, "the start", strip=None), [], None
        self._layout(self._make_controls(n_components), FIGURE_SIZE, extra_rows=[self._mean_fields_row])
        self._draw()
        self._start = self._state = replace(self._state, strip=self._strip_heights())
        self._show()

    # ----------------------------------------------------------------- the state, read from Python
    @property
    def params(self):
        """The parameters now (a :class:`~gmm_teach.em.MixtureParams` with full covariances)."""
        return self._state.params

    @property
    def phase(self):
        """The half-step :meth:`step` does next: "E" or "M"."""
        return self._state.phase

    @property
    def X(self):
        """The points now, shape (n_samples, n_features) (read-only: change them with the methods)."""
        return self._state.X

    @property
    def log_likelihood(self):
        """Mean log-likelihood of the points under the parameters now."""
        return self._state.log_likelihood

    @property
    def responsibilities(self):
        """The responsibilities the colours show, shape (n_samples, n_components)."""
        return self._state.responsibilities

    @property
    def n_undo(self):
        """How many actions :meth:`back` can undo."""
        return len(self._history)

    # ----------------------------------------------------------------- actions
    def step(self):
        """Do the next half-step: the E-step when :attr:`phase` is "E", else the M-step."""
        if self.phase == "E":
            self.e_step()
        else:
            self.m_step()

    def e_step(self):
        """Recolour the points by the responsibilities of the parameters on screen (:func:`~gmm_teach.em.e_step`)."""
        if self.phase == "E":
            self._commit(self._hand_made(self.X, self.params, "E-step"))

    def m_step(self):
        """Refit every component to the points it is responsible for (:func:`~gmm_teach.em.m_step`)."""
        if self.phase != "M":
            return
        try:
            params = m_step(self.X, self.responsibilities, "full", self.reg_covar)
            log_likelihood = e_step(self.X, params)[1]
        except ValueError as error:  # a component collapsed on too few points: say so, change nothing
            self.readout.value = f"<b>The M-step failed:</b> {error}<br>" + self._readout()
            return
        self._commit(replace(self._state, params=params, phase="E", log_likelihood=log_likelihood, action="M-step"))

    def play(self):
        """Run EM from the parameters on screen until it converges (``tol``) or ``max_iter`` iterations; one action.

        With the ipympl backend each iteration is drawn as it comes, ``play_interval`` seconds apart.
        """
        before, state = self._state, self._state
        for step in em_steps(self.X, self.params, tol=self.tol, max_iter=self.max_iter, reg_covar=self.reg_covar):
            if step.iteration == 0:
                continue
            state = replace(
                state,
                params=step.params,
                responsibilities=step.responsibilities,
                phase="E",
                log_likelihood=step.log_likelihood,
                action=f"played EM: {count(step.iteration, 'iteration')}" + (", converged" if step.converged else ""),
            )
            if self.host.mode == "widget":
                self._state = state
                self._show(history_curve=False)
                time.sleep(self.play_interval)
        self._state = before
        self._commit(state)

    def set_mean(self, k, xy):
        """Move component ``k``'s mean to ``xy`` (the shown coordinates, or all ``n_features`` of them)."""
        k = self._check_component(k)
        self._commit(self._with_mean(k, self._full_point(xy, "xy", self.params.means[k])))

    def set_covariance(self, k, cov):
        """Give component ``k`` the covariance ``cov``, shape (n_features, n_features) or, with more than two
        features, the (2, 2) block of the shown pair (the rest follows as the Notes of the class say)."""
        k = self._check_component(k)
        cov = np.atleast_2d(np.asarray(cov, dtype=float))
        n_features, n_shown = self.params.n_features, len(self._shown)
        if cov.shape not in ((n_features, n_features), (n_shown, n_shown)):
            raise ValueError(
                f"cov must have shape ({n_features}, {n_features}) or, for the features shown, "
                f"({n_shown}, {n_shown}); got {cov.shape}."
            )
        check.check_precisions(cov[np.newaxis], "full", 1, len(cov), name="cov")
        if cov.shape[0] != n_features:
            cov = _with_block(self.params.covariances[k], self._shown, cov)
        self._commit(self._with_covariance(k, cov))

    def add_points(self, points):
        """Add points, shape (m, n_features) or (m, 2) in the shown pair of features (1-D: a list of numbers)."""
        points = np.atleast_2d(np.asarray(points, dtype=float))
        if points.shape[0] == 1 and points.shape[1] not in (self.params.n_features, len(self._shown)):
            points = points.T  # a 1-D list of values for 1-D data
        points = np.vstack([self._full_point(point, "points", self._hidden_values) for point in points])
        X = np.vstack([self.X, points])
        strip = self._state.strip
        if strip is not None:
            strip = np.r_[strip, np.random.default_rng(len(X)).uniform(strip.min(), strip.max(), len(points))]
        self._commit(self._hand_made(X, self.params, f"added {count(len(points), 'point')}", strip))

    def remove_points(self, indices):
        """Remove the points at ``indices`` (row numbers in :attr:`X`)."""
        indices = np.unique(np.atleast_1d(np.asarray(indices)))
        if indices.dtype.kind not in "iu" or (indices.size and (indices.min() < 0 or indices.max() >= len(self.X))):
            raise ValueError(f"indices must be row numbers of X, between 0 and {len(self.X) - 1}; got {indices!r}.")
        keep = np.ones(len(self.X), dtype=bool)
        keep[indices] = False
        if keep.sum() < self.params.n_components:
            raise ValueError(
                f"indices would leave {keep.sum()} points; the sandbox needs at least one per "
                f"component ({self.params.n_components})."
            )
        strip = None if self._state.strip is None else self._state.strip[keep]
        self._commit(self._hand_made(self.X[keep], self.params, f"removed {count(len(indices), 'point')}", strip))

    def back(self):
        """Undo the last action (a half-step, a play, a drag, a typed number, points added or removed, a reset)."""
        if not self._history:
            self.readout.value = "<b>Nothing to undo.</b><br>" + self._readout()
            return
        self._state = self._history.pop()
        self._show()

    def reset(self):
        """Go back to the start (points and parameters); :meth:`back` undoes the reset."""
        self._commit(replace(self._start, action="reset to the start"))

    # ----------------------------------------------------------------- how a new state is made
    def _starting_params(self, X, n_components, means, random_state):
        """The start: the given means (or random data points), equal weights, the data's covariance / k²."""
        if means is None:
            rng = np.random.RandomState(random_state)
            means = X[rng.choice(len(X), n_components, replace=False)]
        spread = np.atleast_2d(np.cov(X, rowvar=False)) / n_components**2
        spread = spread + self.reg_covar * np.eye(X.shape[1]) + 1e-12 * np.trace(spread) * np.eye(X.shape[1])
        return MixtureParams.from_covariances(
            np.full(n_components, 1.0 / n_components),
            means,
            np.repeat(spread[np.newaxis], n_components, axis=0),
            "full",
        )

    def _hand_made(self, X, params, action, strip=False):
        """A state set by hand: the E-step of ``params`` on ``X`` colours the points; the M-step comes next.

        ``strip`` gives the 1-D strip heights of ``X``'s points when they changed (default: the current ones).
        """
        responsibilities, log_likelihood = e_step(X, params)
        strip = self._state.strip if strip is False else strip
        return SandboxState(X, params, responsibilities, "M", log_likelihood, action, strip)

    def _with_mean(self, k, mean):
        means = self.params.means.copy()
        means[k] = mean
        params = MixtureParams.from_covariances(self.params.weights, means, self.params.covariances, "full")
        return self._hand_made(self.X, params, f"moved the mean of component {k + 1}")

    def _with_covariance(self, k, covariance):
        covariances = self.params.covariances.copy()
        covariances[k] = covariance
        params = MixtureParams.from_covariances(self.params.weights, self.params.means, covariances, "full")
        return self._hand_made(self.X, params, f"changed the covariance of component {k + 1}")

    def _commit(self, state):
        """Make ``state`` the current one; the one it replaces can be restored by :meth:`back`."""
        self._remember(self._state)
        self._state = state
        self._show()

    def _remember(self, state):
        self._history.append(state)
        del self._history[:-MAX_UNDO]

    def _full_point(self, xy, name, hidden_from):
        """A point with all features: ``xy`` gives them all, or the shown ones and ``hidden_from`` the others."""
        xy = np.atleast_1d(np.asarray(xy, dtype=float)).ravel()
        n_features = self.params.n_features
        if len(xy) == n_features:
            point = xy
        elif len(xy) == len(self._shown):
            point = np.array(hidden_from, dtype=float)
            point[self._shown] = xy
        else:
            raise ValueError(
                f"{name} must have {len(self._shown)} coordinates (the features shown) or {n_features}; got {len(xy)}."
            )
        if not np.all(np.isfinite(point)):
            raise ValueError(f"{name} must be finite numbers, got {xy.tolist()}.")
        return point

    def _check_component(self, k):
        return check.check_integer(k, "k", 0, self.params.n_components - 1)

    # ----------------------------------------------------------------- building
    def _make_controls(self, n_components):
        buttons = {}
        for name, label, tooltip, action in [
            ("E", "E-step", "recolour the points by their responsibilities", self.e_step),
            ("M", "M-step", "move every component to the points it is responsible for", self.m_step),
            ("play", "Play to convergence", "run EM until the log-likelihood settles", self.play),
            ("back", "Step back", "undo the last action (drags and point edits too)", self.back),
            ("reset", "Reset", "go back to the start", self.reset),
        ]:
            button = widgets.Button(description=label, tooltip=tooltip, layout=control_layout())
            button.on_click(lambda _, action=action: action())
            buttons[name] = button
        self.e_button, self.m_button = buttons["E"], buttons["M"]
        self.play_button, self.back_button, self.reset_button = buttons["play"], buttons["back"], buttons["reset"]
        self.mean_fields = [
            [
                widgets.FloatText(
                    description=f"{self.projection.labels[j]}" if j else f"mean {k + 1}: {self.projection.labels[j]}",
                    step=self._scale,
                    style={"description_width": "initial"},
                    layout=control_layout("220px"),
                )
                for j in range(len(self._shown))
            ]
            for k in range(n_components)
        ]
        for k, fields in enumerate(self.mean_fields):
            for field in fields:
                field.observe(lambda change, k=k: self._on_mean_field(k), names="value")
        self._syncing_fields = False
        self._mean_fields_row = widgets.HBox(
            [field for fields in self.mean_fields for field in fields], layout=widgets.Layout(flex_flow="row wrap")
        )
        return list(buttons.values())

    def _draw(self):
        self.clustering_ax, self.curve_ax = self.figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.35, 1]})
        self.figure.subplots_adjust(left=0.08, right=0.98, bottom=0.14, top=0.88, wspace=0.3)
        state = self._state
        self.clustering = plot_clustering(
            self.clustering_ax, state.X, state.params, state.responsibilities, projection=self.projection
        )
        self.handles = self.clustering_ax.scatter(
            *np.zeros((2, state.params.n_components)),
            s=60,
            marker="o",
            facecolors="white",
            linewidths=2,
            zorder=5,
            edgecolors=component_colors(state.params.n_components),
            clip_on=self.projection.n_dims == 2,
        )
        self._handle_axes = None
        self.history_line, self.current_marker = plot_log_likelihood(self.curve_ax, [state.log_likelihood], 0)
        self.curve_ax.set_xlabel("action (E-step, M-step, or by hand)")
        self.caption = self.figure.suptitle("", x=0.08, ha="left", fontsize=11)
        canvas = self.figure.canvas
        self._connections = [
            canvas.mpl_connect("button_press_event", self._on_press),
            canvas.mpl_connect("motion_notify_event", self._on_motion),
            canvas.mpl_connect("button_release_event", self._on_release),
        ]

    def _strip_heights(self):
        return self.clustering.points.get_offsets()[:, 1].copy() if self.projection.n_dims == 1 else None

    # ----------------------------------------------------------------- drawing a state
    def _show(self, history_curve=True):
        """Draw the current state in place; the log-likelihood curve is redrawn unless dragging or playing."""
        state = self._state
        changed = self._show_points()
        self.clustering.update(state.params, state.responsibilities)
        self._handle_axes = self._principal_handles() if self._drag is None else self._handle_axes
        self._place_handles()
        changed_artists = [*self.clustering.changing(), self.handles]
        if history_curve:  # not while dragging or playing: text takes long to draw, and the readout has it
            self.caption.set_text(f"After {count(len(self._history), 'action')}: {PHASE_CAPTIONS[state.phase]}")
            self._show_history()
            changed_artists += [self.caption, self.history_line, self.current_marker, self.curve_ax.title]
        self.redraw(None if changed else changed_artists)  # the picture first: it is what the learner waits for
        self._sync_controls()
        self.readout.value = self._readout()

    def _show_points(self):
        """Show the points if they changed (added or removed); returns whether they did."""
        offsets = self.clustering.points.get_offsets()
        view = self.projection.points(self.X)
        if len(offsets) == len(view) and np.array_equal(offsets[:, 0], view[:, 0]):
            return False
        if self.projection.n_dims == 2:
            self.clustering.points.set_offsets(view)
        else:
            self.clustering.points.set_offsets(np.column_stack([view[:, 0], self._state.strip]))
            self._show_histogram(view[:, 0])
        return True

    def _show_histogram(self, x):
        bars = self.clustering.histogram
        edges = [bar.get_x() for bar in bars] + [bars[-1].get_x() + bars[-1].get_width()]
        heights, _ = np.histogram(x, bins=edges, density=True)
        for bar, height in zip(bars, heights):
            bar.set_height(height)

    def _principal_handles(self):
        """Each component's handle axis: the major semi-axis of its 1σ ellipse (1-D: one standard deviation)."""
        view = self.projection.params(self.params).as_full()
        eigenvalues, eigenvectors = np.linalg.eigh(view)
        axes = eigenvectors[:, :, -1] * np.sqrt(np.clip(eigenvalues[:, -1:], 0.0, None))
        if self._handle_axes is not None and len(self._handle_axes) == len(axes):
            # an eigenvector's sign is arbitrary: keep each handle at the end it was at, not the opposite one
            axes *= np.where(np.sum(axes * self._handle_axes, axis=1, keepdims=True) < 0, -1.0, 1.0)
        return axes

    def _place_handles(self):
        means = self.projection.points(self.params.means)
        if self.projection.n_dims == 2:
            self.handles.set_offsets(means + self._handle_axes)
        else:
            self.handles.set_offsets(
                np.column_stack([means[:, 0] + np.abs(self._handle_axes[:, 0]), np.zeros(len(means))])
            )

    def _show_history(self):
        states = [*self._history, self._state]
        values = [state.log_likelihood for state in states]
        self.history_line.set_data(np.arange(len(values)), values)
        self.current_marker.set_data([len(values) - 1], [values[-1]])
        self.curve_ax.relim()
        self.curve_ax.autoscale_view()
        self.curve_ax.set_xlim(-0.5, max(len(values) - 0.5, 5.5))
        self.curve_ax.set_title(f"mean log-likelihood now: {values[-1]:.4f}", fontsize=10)

    def _sync_controls(self):
        self.e_button.disabled = self.phase != "E"
        self.m_button.disabled = self.phase != "M"
        self.e_button.button_style = "primary" if self.phase == "E" else ""
        self.m_button.button_style = "primary" if self.phase == "M" else ""
        self.back_button.disabled = not self._history
        self._syncing_fields = True
        for fields, mean in zip(self.mean_fields, self.params.means[:, self._shown]):
            for field, value in zip(fields, mean):
                field.value = float(np.round(value, 6))
        self._syncing_fields = False

    def _on_mean_field(self, k):
        if self._syncing_fields:
            return
        xy = [field.value for field in self.mean_fields[k]]
        if not np.allclose(xy, self.params.means[k, self._shown], rtol=0, atol=1e-6 * (1 + np.abs(xy).max())):
            self.set_mean(k, xy)

    def _readout(self):
        state = self._state
        if self._drag is not None:
            lines = [f"<b>Dragging: you {state.action}.</b> Let go to keep it (Step back undoes it)."]
        else:
            lines = [
                f"<b>Last action: {state.action}.</b> Next: the <b>{state.phase}-step</b> "
                "(press it, or call <code>step()</code>)."
            ]
        if state.phase == "M":
            lines.append(
                "The colours show the responsibilities of the parameters on screen; the M-step will move "
                "each component to the points it is responsible for."
            )
        else:
            lines.append(
                "The components moved; the colours still show the responsibilities the M-step used. "
                "The E-step will recolour the points for the new parameters."
            )
        sentence = f"Mean log-likelihood: {state.log_likelihood:.4f}"
        if self._history:
            change = state.log_likelihood - self._history[-1].log_likelihood
            sentence += f" ({'up' if change >= 0 else 'down'} {abs(change):.3g} from before this action"
            sentence += "; an EM step never goes down)" if state.action.startswith(("M-step", "E-step")) else ")"
        lines.append(sentence + ".")
        weights = ", ".join(f"{w:.2f}" for w in state.params.weights)
        lines.append(
            f"{count(len(state.X), 'point')}; weights {weights}. Drag a mean or a white handle, click to "
            "add a point, shift-click to remove one; Step back undoes any action."
        )
        return "<br>".join(lines)

    # ----------------------------------------------------------------- the mouse
    def _hit(self, event):
        """What the pointer is on: ("mean", k), ("handle", k) or None (within PICK_RADIUS_PIXELS)."""
        to_pixels = self.clustering_ax.transData.transform
        pointer = np.array([event.x, event.y])
        candidates = []
        for kind, artist in (("mean", self.clustering.means), ("handle", self.handles)):
            distances = np.hypot(*(to_pixels(artist.get_offsets()) - pointer).T)
            k = int(np.argmin(distances))
            candidates.append((distances[k], kind, k))
        distance, kind, k = min(candidates)
        radius = PICK_RADIUS_PIXELS * self.figure.dpi / 72
        return (kind, k) if distance <= radius else None

    def _on_press(self, event):
        toolbar = getattr(self.figure.canvas, "toolbar", None)
        if event.inaxes is not self.clustering_ax or event.button != 1 or (toolbar and toolbar.mode):
            return
        if "shift" in (getattr(event, "modifiers", None) or ()) or event.key == "shift":
            self._remove_nearest(event)
            return
        hit = self._hit(event)
        if hit is None:
            self.add_points([[event.xdata, event.ydata][: len(self._shown)]])
            return
        kind, k = hit
        pointer = np.array([event.xdata, event.ydata])
        mean = self.projection.points(self.params.means[k : k + 1])[0]
        self._drag = {
            "kind": kind,
            "k": k,
            "before": self._state,
            "offset": pointer[: len(mean)] - mean,
            "pressed_at": (event.x, event.y),
        }
        if kind == "handle":
            covariance = self.projection.params(self.params).as_full()[k]
            axis = self._handle_axes[k]
            self._drag["other_variance"] = max(np.trace(covariance) - axis @ axis, 0.0)

    def _on_motion(self, event):
        if self._drag is None or event.inaxes is not self.clustering_ax or event.xdata is None:
            return
        k = self._drag["k"]
        pointer = np.array([event.xdata, event.ydata])[: len(self._shown)]
        if self._drag["kind"] == "mean":
            mean = self._full_point(pointer - self._drag["offset"], "xy", self.params.means[k])
            self._state = self._with_mean(k, mean)
        else:
            self._state = self._with_covariance(k, self._dragged_covariance(k, pointer))
        self._show(history_curve=False)

    def _dragged_covariance(self, k, pointer):
        """The covariance whose principal semi-axis ends at ``pointer`` (see the class Notes)."""
        mean = self.projection.points(self.params.means[k : k + 1])[0]
        axis = pointer - mean
        if np.linalg.norm(axis) < 1e-3 * self._scale:  # on the mean itself: keep a small, valid ellipse
            axis = np.r_[1e-3 * self._scale, np.zeros(len(axis) - 1)]
        if len(axis) == 1:
            block = np.outer(axis, axis)
        else:
            normal = np.array([-axis[1], axis[0]]) / np.linalg.norm(axis)
            block = np.outer(axis, axis) + self._drag["other_variance"] * np.outer(normal, normal)
        self._handle_axes = self._handle_axes.copy()
        self._handle_axes[k] = axis
        return _with_block(self.params.covariances[k], self._shown, block)

    def _on_release(self, event):
        if self._drag is None:
            return
        # the front end may drop motion events while an image is on its way: the drag ends where it is let go
        if (event.x, event.y) != self._drag["pressed_at"]:
            self._on_motion(event)
        drag, self._drag = self._drag, None
        if self._state is not drag["before"]:
            self._remember(drag["before"])
        self._show()

    def _remove_nearest(self, event):
        to_pixels = self.clustering_ax.transData.transform
        distances = np.hypot(*(to_pixels(self.clustering.points.get_offsets()) - [event.x, event.y]).T)
        if len(self.X) > self.params.n_components:
            self.remove_points([int(np.argmin(distances))])

    def close(self):
        """Close the sandbox, its number fields and its figure."""
        for fields in getattr(self, "mean_fields", []):
            for field in fields:
                field.close()
        super().close()


def _with_block(covariance, shown, block):
    r"""``covariance`` with the block of the ``shown`` features replaced by ``block``, still positive definite.

    With :math:`\Sigma = \begin{pmatrix} A & B \\ B^\top & C \end{pmatrix}` (:math:`A` the shown block), the
    hidden features keep their regression :math:`W = A^{-1} B` on the shown ones and their residual covariance
    :math:`S = C - B^\top A^{-1} B`: the new matrix has :math:`A'`, :math:`B' = A' W` and
    :math:`C' = S + W^\top A' W`.
    """
    covariance = np.asarray(covariance, dtype=float)
    if len(shown) == len(covariance):
        return np.asarray(block, dtype=float).copy()
    hidden = [j for j in range(len(covariance)) if j not in shown]
    A = covariance[np.ix_(shown, shown)]
    B = covariance[np.ix_(shown, hidden)]
    C = covariance[np.ix_(hidden, hidden)]
    W = np.linalg.solve(A, B)
    result = np.empty_like(covariance)
    result[np.ix_(shown, shown)] = block
    result[np.ix_(shown, hidden)] = block @ W
    result[np.ix_(hidden, shown)] = (block @ W).T
    result[np.ix_(hidden, hidden)] = C - B.T @ W + W.T @ block @ W
    return result


def _round_step(points):
    """A round step for the number fields of the means: a power of ten near a twentieth of the data's spread."""
    spread = float(np.std(points)) or 1.0
    return float(10 ** np.floor(np.log10(spread / 20)))
