r"""LowerBoundExplorer: why EM never goes down, half-step by half-step (Bishop, Figs 9.11-9.14)."""

from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
import traitlets

from .. import _validation as check
from .. import em
from ..bound import evidence_decomposition, slice_maximum, slice_through
from ..covariance import CollapsedComponentError
from ..em import MixtureParams
from ..plotting import PALETTE, plot_clustering, projection_for
from ._base import Explorer, control_layout
from ._clicks import on_click

FIGURE_SIZE = (11.0, 4.7)
BOUND_COLOR, GAP_COLOR, LIKELIHOOD_COLOR = PALETTE[0], PALETTE[1], "black"
CURVE_POINTS = 161
WEIGHT_RANGE = (0.005, 0.995)
SYMBOLS = {"mean": "μ", "weight": "π", "variance": "σ²"}
SUBSCRIPTS = "₁₂₃"
KIND_WORDS = {"start": "the start", "E": "the E-step", "M": "the M-step"}
COLUMN_WORDS = {"start": "at the start", "E": "after\nthe E-step", "M": "after\nthe M-step"}


@dataclass(frozen=True, eq=False)
class HalfStep:
    r"""One moment of EM seen through the bound: :math:`\theta`, :math:`q` and the three numbers.

    Attributes
    ----------
    kind : {"start", "E", "M"}
        What made this moment: the start, an E-step (new :math:`q`) or an M-step (new :math:`\theta`).
    params : MixtureParams
        :math:`\theta`.
    responsibilities : ndarray of shape (n_samples, n_components)
        :math:`q`.
    anchor : MixtureParams
        The :math:`\theta_{\text{old}}` the curve panel slices through: the parameters :math:`q` was made for
        (after an M-step, the parameters before it).
    log_likelihood, lower_bound, kl : float
        :math:`\ln p(X\mid\theta)`, :math:`\mathcal L(q, \theta)` and :math:`\mathrm{KL}(q\,\|\,p(Z\mid X,\theta))`
        (sums over the points), from :func:`~gmm_teach.bound.evidence_decomposition`.
    """

    kind: str
    params: MixtureParams
    responsibilities: np.ndarray
    anchor: MixtureParams
    log_likelihood: float
    lower_bound: float
    kl: float


def _shown_kl(kl):
    """The KL gap for display: a rounding residue of a closed gap (about 1e-15, maybe negative) shows as 0."""
    return 0.0 if abs(kl) < 1e-9 else kl


def _parameter_options(n_components):
    """Dropdown options ``(label, "name k")`` for every parameter a slice can run along."""
    options = []
    for name in ("mean", "weight", "variance"):
        for k in range(n_components):
            options.append((f"{SYMBOLS[name]}{SUBSCRIPTS[k]} ({name} of component {k + 1})", f"{name} {k + 1}"))
    return options


class LowerBoundExplorer(Explorer):
    r"""Step EM half a step at a time and watch :math:`\ln p(X\mid\theta) = \mathcal L(q,\theta) + \mathrm{KL}`.

    A 1-D mixture of two or three components starts from means the learner chooses (equal weights, each
    variance the data's), with :math:`q` uniform: no point assigned yet. Three panels:

    * **the mixture**: the data, each component's weighted density, and the points coloured by :math:`q`;
      a click puts the nearest component's starting mean where you clicked and starts again;
    * **the bars** (Bishop, Figs 9.11-9.13): before and after the last half-step, the bound
      :math:`\mathcal L` (blue) with the KL gap (orange) stacked on it, reaching :math:`\ln p(X\mid\theta)`
      (black line). The E-step closes the gap; the M-step raises the bound and opens a new gap above it;
    * **the slice** (Bishop, Fig. 9.14): :math:`\ln p(X\mid\theta)` and :math:`\mathcal L(q, \theta)` along one
      parameter (chosen in the controls), the others held at :math:`\theta_{\text{old}}`. After an E-step the
      bound touches the log-likelihood at :math:`\theta_{\text{old}}` and lies below it elsewhere; its peak is
      where the M-step puts that parameter (exactly so for a mean or a weight).

    Every half-step is :func:`gmm_teach.em.e_step` or :func:`gmm_teach.em.m_step` (spherical covariances,
    that is one variance per component); the numbers come from :func:`gmm_teach.bound.evidence_decomposition`.

    Parameters
    ----------
    X : array-like of shape (n_samples,) or (n_samples, 1)
    n_components : {2, 3}, default=2
    start_means : sequence of float, optional
        One starting mean per component. Default: the data's quantiles at 1/6, 2/6 (and 3/6), all in the
        lower half, so that EM has a long way to go.
    parameter : str, default="mean 1"
        The slice shown: ``"mean k"``, ``"weight k"`` or ``"variance k"`` for component ``k`` (from 1).
    reg_covar : float, default=0.0
        Added to every variance in the M-step. At 0 the M-step is the exact maximiser of the bound, as in the
        theory; a positive value keeps a component that shrinks onto one point from collapsing.
    tol : float, default=1e-6
        Play stops when an M-step raises :math:`\ln p(X\mid\theta)` by less than this.

    Attributes
    ----------
    half_step : traitlet
        How many half-steps were taken (0 = the start). Setting it higher takes the next half-steps (E, M,
        E, ...); setting it lower shows an earlier moment.
    parameter, start_means : traitlets
        The slice and the start; a new start begins again.
    history : list of HalfStep
        Every moment computed so far; ``history[half_step]`` is shown.
    figure : matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> X = np.concatenate([np.random.default_rng(0).normal(-2, 1, 150), np.random.default_rng(1).normal(2, 1, 150)])
    >>> explorer = LowerBoundExplorer(X, start_means=[-1.0, 0.0])
    >>> explorer.e_step()                     # q becomes the posterior: the KL gap closes
    >>> abs(explorer.current.kl) < 1e-10
    True
    >>> before = explorer.current.log_likelihood
    >>> explorer.m_step()                     # the bound rises, and ln p rises at least as much
    >>> bool(explorer.current.log_likelihood >= before)
    True
    """

    half_step = traitlets.Int(0)
    parameter = traitlets.Unicode("mean 1")
    start_means = traitlets.Tuple()

    def __init__(self, X, n_components=2, start_means=None, parameter="mean 1", reg_covar=0.0, tol=1e-6):
        self.X = check.check_one_feature(X, min_samples=3)
        self.n_components = check.check_integer(n_components, "n_components", 2, 3)
        self.reg_covar = check.check_number(reg_covar, "reg_covar", minimum=0.0)
        self.tol = check.check_number(tol, "tol", minimum=0.0)
        self._options = _parameter_options(self.n_components)
        check.check_choice(parameter, "parameter", [value for _, value in self._options])
        if start_means is None:
            levels = np.arange(1, self.n_components + 1) / 6
            start_means = np.quantile(self.X[:, 0], levels).round(3)  # readable in the number fields
        start_means = tuple(check.check_means(start_means, self.n_components, 1, "start_means")[:, 0].tolist())
        self.message = ""
        self._ready = False
        super().__init__()
        self.parameter = parameter
        self.start_means = start_means
        self.history = [self._start(start_means)]
        self._layout(self._make_controls(), FIGURE_SIZE)
        self._draw()
        self._ready = True
        self._show()

    # ----------------------------------------------------------------- the maths of each half-step
    def _record(self, kind, params, responsibilities, anchor):
        return HalfStep(
            kind, params, responsibilities, anchor, *evidence_decomposition(self.X, params, responsibilities)
        )

    def _start(self, means):
        k = self.n_components
        params = MixtureParams.from_covariances(
            np.full(k, 1.0 / k), np.reshape(means, (k, 1)), np.full(k, self.X[:, 0].var()), "spherical"
        )
        return self._record("start", params, np.full((self.X.shape[0], k), 1.0 / k), params)

    def _after(self, state, kind):
        """The half-step of ``kind`` from ``state``: E gives a new q, M a new θ (may raise CollapsedComponentError)."""
        if kind == "E":
            responsibilities, _ = em.e_step(self.X, state.params)
            return self._record("E", state.params, responsibilities, state.params)
        params = em.m_step(self.X, state.responsibilities, "spherical", self.reg_covar)
        return self._record("M", params, state.responsibilities, state.params)

    @property
    def current(self):
        """The :class:`HalfStep` shown."""
        return self.history[self.half_step]

    @property
    def converged(self):
        """Whether the last M-step shown raised :math:`\\ln p(X\\mid\\theta)` by less than ``tol``."""
        state = self.current
        return state.kind == "M" and state.log_likelihood - self.history[self.half_step - 1].log_likelihood < self.tol

    # ----------------------------------------------------------------- the Python API of the buttons
    def e_step(self):
        """Take an E-step from the moment shown (later moments are forgotten)."""
        self._take("E")

    def m_step(self):
        """Take an M-step from the moment shown (later moments are forgotten)."""
        self._take("M")

    def step(self):
        """The next half-step: E after the start or an M-step, M after an E-step."""
        self.half_step += 1

    def start_at(self, means):
        """Start again from these means (one per component), with :math:`q` uniform."""
        self.start_means = tuple(check.check_means(means, self.n_components, 1, "means")[:, 0].tolist())

    def _take(self, kind):
        del self.history[self.half_step + 1 :]
        if self._append(kind):
            self.half_step = len(self.history) - 1
        else:
            self._show()

    def _append(self, kind):
        """Compute one more half-step; on a collapse, keep its message for the readout and return False."""
        try:
            self.history.append(self._after(self.history[-1], kind))
        except CollapsedComponentError as error:
            self.message = f"The M-step could not be taken: {error}"
            return False
        self.message = ""
        return True

    # ----------------------------------------------------------------- traits
    @traitlets.validate("half_step")
    def _valid_half_step(self, proposal):
        return check.check_integer(proposal.value, "half_step", 0)

    @traitlets.validate("parameter")
    def _valid_parameter(self, proposal):
        return check.check_choice(proposal.value, "parameter", [value for _, value in self._options])

    @traitlets.observe("half_step")
    def _on_half_step(self, change):
        while len(self.history) <= change.new:
            following = "M" if self.history[-1].kind == "E" else "E"
            if not self._append(following):
                self.half_step = len(self.history) - 1
                return
        if self._ready:
            self._show()

    @traitlets.observe("parameter")
    def _on_parameter(self, change):
        if self._ready:
            self._show()

    @traitlets.observe("start_means")
    def _on_start(self, change):
        if not self._ready:
            return
        self._ready = False
        self.history = [self._start(change.new)]
        self.half_step = 0
        for field, mean in zip(self.start_fields, change.new):
            field.value = mean
        self._ready = True
        self._show()

    # ----------------------------------------------------------------- controls
    def _make_controls(self):
        self.e_button = widgets.Button(
            description="E-step", tooltip="q = the posterior of the labels: the gap closes", layout=control_layout()
        )
        self.m_button = widgets.Button(
            description="M-step", tooltip="θ = the maximum of the bound", layout=control_layout()
        )
        self.e_button.on_click(lambda _: self.e_step())
        self.m_button.on_click(lambda _: self.m_step())
        self.play = widgets.Play(value=0, min=0, max=10_000, interval=800, description="Play: E, M, E, ...")
        self.play.observe(self._on_play, "value")
        self.parameter_menu = widgets.Dropdown(
            options=self._options, value=self.parameter, description="slice along", layout=control_layout("300px")
        )
        widgets.link((self.parameter_menu, "value"), (self, "parameter"))
        self.start_fields = [
            widgets.FloatText(
                value=mean,
                description=f"start μ{SUBSCRIPTS[k]}",
                step=0.5,
                layout=control_layout("150px"),
                style={"description_width": "50px"},
            )
            for k, mean in enumerate(self.start_means)
        ]
        for field in self.start_fields:
            field.observe(self._on_start_field, "value")
        return [self.e_button, self.m_button, self.play, self.parameter_menu, *self.start_fields]

    def _on_play(self, change):
        if change.new > change.old:
            self.step()
            if self.converged or self.message:
                self.play.playing = False

    def _on_start_field(self, change):
        means = tuple(field.value for field in self.start_fields)
        if means != self.start_means:
            self.start_means = means

    def _on_click(self, x, y):
        """A click on the mixture panel: the nearest starting mean moves to ``x``."""
        nearest = int(np.argmin(np.abs(np.asarray(self.start_means) - x)))
        means = list(self.start_means)
        means[nearest] = x
        self.start_at(means)

    # ----------------------------------------------------------------- drawing
    def _draw(self):
        self.mixture_ax, self.bars_ax, self.curve_ax = self.figure.subplots(
            1, 3, gridspec_kw={"width_ratios": [1.15, 0.75, 1.15]}
        )
        self.figure.subplots_adjust(left=0.06, right=0.985, bottom=0.25, top=0.91, wspace=0.34)
        state = self.current
        self.mixture = plot_clustering(
            self.mixture_ax, self.X, state.params, state.responsibilities, projection=projection_for(self.X)
        )
        self.mixture_ax.set_xlabel("x (click: move the nearest start here)")
        self._draw_bars()
        self._draw_curves()
        on_click(self.mixture_ax, self._on_click)

    def _draw_bars(self):
        ax = self.bars_ax
        self.bound_bars = ax.bar([0, 1], [1, 1], width=0.6, color=BOUND_COLOR, label="bound L(q, θ)")
        self.gap_bars = ax.bar([0, 1], [0, 0], width=0.6, color=GAP_COLOR, label="KL(q ‖ p(Z | X, θ))")
        self.likelihood_marks = [
            ax.plot(
                [x - 0.38, x + 0.38], [0, 0], color=LIKELIHOOD_COLOR, lw=2.5, label="ln p(X | θ)" if x == 0 else None
            )[0]
            for x in (0, 1)
        ]
        self.bar_labels = [ax.text(x, 0, "", ha="center", va="bottom", fontsize=8) for x in (0, 1)]
        ax.set_xlim(-0.6, 1.6)
        ax.set_xticks([0, 1])
        ax.ticklabel_format(axis="y", useOffset=False)
        ax.set_ylabel("sum over the points")
        _legend_below(ax, ncol=2, handlelength=1.2)

    def _draw_curves(self):
        ax = self.curve_ax
        (self.likelihood_curve,) = ax.plot([], [], color=LIKELIHOOD_COLOR, lw=2, label="ln p(X | θ)")
        (self.bound_curve,) = ax.plot([], [], color=BOUND_COLOR, lw=2, ls="--", label="L(q, θ)")
        (self.old_marks,) = ax.plot(
            [], [], "o", color=LIKELIHOOD_COLOR, ms=7, mfc="white", mew=2, zorder=4, label="θ_old"
        )
        (self.new_marks,) = ax.plot([], [], "*", color=GAP_COLOR, ms=13, mec="black", mew=0.6, zorder=5, label="θ_new")
        self.peak_line = ax.axvline(0, color=BOUND_COLOR, ls=":", lw=1.5, label="peak of the bound")
        ax.ticklabel_format(axis="y", useOffset=False)
        _legend_below(ax, ncol=3, handlelength=1.6)

    def _show(self):
        state = self.current
        self.mixture.update(state.params, state.responsibilities)
        self.mixture_ax.set_title(f"θ and q after {KIND_WORDS[state.kind]}", fontsize=10)
        self._show_bars(state)
        self._show_curves(state)
        self.readout.value = self._readout(state)
        self.redraw()

    def _show_bars(self, state):
        before = self.history[self.half_step - 1] if self.half_step > 0 else None
        columns = [before, state]
        values = [s for s in columns if s is not None]
        low = min(s.lower_bound for s in values)
        high = max(s.log_likelihood for s in values)
        span = max(high - low, 1e-6 * max(1.0, abs(high)))
        bottom = low - 0.9 * span
        for x, column in enumerate(columns):
            visible = column is not None
            for artist in (self.bound_bars[x], self.gap_bars[x], self.likelihood_marks[x], self.bar_labels[x]):
                artist.set_visible(visible)
            if not visible:
                continue
            self.bound_bars[x].set_y(bottom)
            self.bound_bars[x].set_height(column.lower_bound - bottom)
            self.gap_bars[x].set_y(column.lower_bound)
            self.gap_bars[x].set_height(column.kl)
            self.likelihood_marks[x].set_ydata([column.log_likelihood] * 2)
            self.bar_labels[x].set_position((x, column.log_likelihood + 0.03 * span))
            self.bar_labels[x].set_text(f"ln p {column.log_likelihood:.2f}\nKL {_shown_kl(column.kl):.2f}")
        self.bars_ax.set_ylim(bottom, high + 0.45 * span)
        self.bars_ax.set_xticklabels(["before" if before else "", COLUMN_WORDS[state.kind]], fontsize=9)
        self.bars_ax.set_title("ln p(X | θ) = L(q, θ) + KL", fontsize=10)

    def slice_curves(self, parameter=None):
        """The slice drawn for the moment shown: ``(values, log_likelihoods, lower_bounds)``, three arrays.

        ``values`` are the chosen parameter's values (the anchor :math:`\\theta_{\\text{old}}`'s own value
        among them); the other parameters stay at the anchor's.
        """
        name, component = self._parameter(parameter)
        state = self.current
        values = np.union1d(self._slice_range(name), [self._value(state.anchor, name, component)])
        return (values, *slice_through(self.X, state.anchor, state.responsibilities, name, component, values))

    def _parameter(self, parameter=None):
        name, number = (self.parameter if parameter is None else parameter).split()
        return name, int(number) - 1

    def _slice_range(self, name):
        x = self.X[:, 0]
        if name == "weight":
            return np.linspace(*WEIGHT_RANGE, CURVE_POINTS)
        if name == "mean":
            low, high = x.min(), x.max()
            return np.linspace(low - 0.1 * (high - low), high + 0.1 * (high - low), CURVE_POINTS)
        return np.geomspace(x.var() / 200, 3 * x.var(), CURVE_POINTS)

    @staticmethod
    def _value(params, name, component):
        if name == "mean":
            return float(params.means[component, 0])
        if name == "weight":
            return float(params.weights[component])
        return float(params.as_full()[component, 0, 0])

    def _show_curves(self, state):
        name, component = self._parameter()
        values, log_likelihoods, bounds = self.slice_curves()
        self.likelihood_curve.set_data(values, log_likelihoods)
        self.bound_curve.set_data(values, bounds)
        old = self._value(state.anchor, name, component)
        self.old_marks.set_data([old, old], self._on_slice(state.anchor, name, component, old, state))
        peak = slice_maximum(self.X, state.anchor, state.responsibilities, name, component, self.reg_covar)
        self.peak_line.set_xdata([peak, peak])
        if state.kind == "M":
            new = self._value(state.params, name, component)
            self.new_marks.set_data([new, new], self._on_slice(state.anchor, name, component, new, state))
        else:
            self.new_marks.set_data([], [])
        top = max(log_likelihoods.max(), bounds.max())
        span = max(top - log_likelihoods.min(), 1e-9)
        ax = self.curve_ax
        ax.set_xscale("log" if name == "variance" else "linear")
        ax.set_xlim(values[0], values[-1])
        ax.set_ylim(log_likelihoods.min() - 0.15 * span, top + 0.08 * span)
        symbol = f"{SYMBOLS[name]}{SUBSCRIPTS[component]}"
        ax.set_xlabel(f"{symbol}, the other parameters at θ_old")
        ax.set_title(f"slice along {symbol} through θ_old, q held", fontsize=10)

    def _on_slice(self, anchor, name, component, value, state):
        """``[ln p, L]`` at ``value`` on the slice through ``anchor``."""
        log_likelihoods, bounds = slice_through(self.X, anchor, state.responsibilities, name, component, [value])
        return [log_likelihoods[0], bounds[0]]

    def _readout(self, state):
        lines = [
            f"<b>Half-step {self.half_step}: after {KIND_WORDS[state.kind]}.</b> "
            f"ln p(X | θ) = {state.log_likelihood:.4f} = L(q, θ) {state.lower_bound:.4f} "
            f"+ KL {_shown_kl(state.kl):.4f}."
        ]
        if state.kind == "start":
            lines.append(
                "q is uniform: every point is shared equally, whatever θ says. The KL gap is how far q "
                "is from the posterior of the labels. Press E-step."
            )
        elif state.kind == "E":
            lines.append(
                "E-step: q is now the posterior p(Z | X, θ), so the KL gap is 0 and the bound touches "
                "ln p at θ_old. Its peak (dotted) is where the M-step will go."
            )
        else:
            before = self.history[self.half_step - 1]
            lines.append(
                "M-step: θ moved to the peak of the bound. "
                f"L rose by {state.lower_bound - before.lower_bound:.4g}, "
                f"ln p by {state.log_likelihood - before.log_likelihood:.4g} "
                f"(at least as much: the gap KL {state.kl:.4g} opened again)."
            )
        if self.converged:
            lines.append(f"Converged: the last M-step raised ln p by less than {self.tol:g}.")
        if self.message:
            lines.append(self.message)
        return "<br>".join(lines)


def _legend_below(ax, ncol, handlelength):
    """The panel's legend in one row under its axes, outside the data (both panels place theirs alike)."""
    ax.legend(
        loc="lower center",
        bbox_to_anchor=(0.5, -0.31),
        fontsize=8,
        ncol=ncol,
        frameon=False,
        columnspacing=0.8,
        handlelength=handlelength,
    )
