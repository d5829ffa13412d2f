r"""CollapseExplorer: a component shrinks onto one point and the log-likelihood runs away (the singularity)."""

from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
import traitlets

from .. import _validation as check
from ..covariance import CollapsedComponentError
from ..em import MixtureParams, e_step, em_steps, log_density, log_gaussian_density
from ..plotting import PALETTE, plot_clustering, projection_for
from ._base import Explorer, control_layout
from ._clicks import on_click

FIGURE_SIZE = (11.0, 7.4)
LOG10_VARIANCE_RANGE = (-12.0, 1.0)
REG_COVAR_CHOICES = (0.0, 1e-8, 1e-6, 1e-4, 1e-3, 1e-2, 1e-1)
RAISED_REG_COVAR = 1e-3
"""The reg_covar of the second EM run while the slider is at 0 (the run it is compared with needs one > 0)."""
CURVE_POINTS = 200
FLOOR_SHARE = 1e-6
"""A variance within this share of reg_covar above it sits at the floor."""
WITHOUT_COLOR, WITH_COLOR = PALETTE[3], PALETTE[0]


@dataclass(frozen=True, eq=False)
class CollapseRun:
    """One EM run from the collapsing start, as far as it went.

    Attributes
    ----------
    reg_covar : float
    variances : ndarray
        The variance of the component on the point after each iteration (the start first).
    log_likelihoods : ndarray
        The mean log-likelihood after each iteration.
    error : str
        The :class:`~gmm_teach.covariance.CollapsedComponentError` message that stopped the run, or "".
    """

    reg_covar: float
    variances: np.ndarray
    log_likelihoods: np.ndarray
    error: str

    @property
    def outcome(self):
        """``"collapsed"`` (stopped by the error), ``"at the floor"`` (variance down at reg_covar) or ``"kept"``."""
        if self.error:
            return "collapsed"
        if self.variances[-1] <= self.reg_covar * (1 + FLOOR_SHARE) + np.finfo(float).tiny:
            return "at the floor"
        return "kept"


def run_from(X, start, reg_covar, max_iter):
    """EM (:func:`~gmm_teach.em.em_steps`) from ``start``, kept up to a collapse instead of raising it."""
    variances, log_likelihoods, error = [], [], ""
    try:
        for step in em_steps(X, start, tol=1e-8, max_iter=max_iter, reg_covar=reg_covar):
            variances.append(float(step.params.covariances[0]))
            log_likelihoods.append(step.log_likelihood)
    except CollapsedComponentError as collapse:
        error = str(collapse)
    return CollapseRun(reg_covar, np.array(variances), np.array(log_likelihoods), error)


def most_isolated_point(x):
    """The index of the point farthest from its nearest neighbour (a component sitting on it stays alone)."""
    order = np.argsort(x)
    gaps = np.diff(x[order])
    nearest = np.minimum(np.concatenate([[np.inf], gaps]), np.concatenate([gaps, [np.inf]]))
    return int(order[np.argmax(nearest)])


class CollapseExplorer(Explorer):
    r"""Put a component's mean on one data point, shrink its variance, and watch :math:`\ln p(X\mid\theta)` climb.

    A two-component 1-D mixture: component 1 sits on one data point :math:`x_j` with variance
    :math:`\sigma^2` (the slider, log scale); component 2 covers all the data (their mean and variance);
    the weights are :math:`\frac12` each. As :math:`\sigma^2 \to 0`, the density of :math:`x_j` under
    component 1, :math:`(2\pi\sigma^2)^{-1/2}`, grows without bound while every other point keeps component 2:

    .. math:: \ln p(X\mid\theta) \approx -\tfrac12 \ln \sigma^2 + \text{const} \to \infty.

    The maximum-likelihood estimate does not exist; EM, which climbs the likelihood, can fall into this
    hole. ``reg_covar`` (:math:`\epsilon`, the second slider) adds :math:`\epsilon` to every variance, as
    :class:`~gmm_teach.GaussianMixture` does in its M-step, so the density uses :math:`\sigma^2 + \epsilon`
    and the climb stops at about :math:`-\frac12\ln\epsilon`: like a prior that rules out variances far below
    :math:`\epsilon`.

    Below, EM (:func:`~gmm_teach.em.em_steps`) runs from this start twice: with ``reg_covar = 0`` and with the
    slider's ``reg_covar`` (or 1e-3 when the slider is at 0). A collapse shows as the package's
    ``CollapsedComponentError`` message, or as a variance that stops at the floor :math:`\epsilon`: the
    component then describes a single point.

    Parameters
    ----------
    X : array-like of shape (n_samples,) or (n_samples, 1)
    point : int, optional
        Index of the data point component 1 sits on. Default: the most isolated point.
    variance : float, default=0.1
        :math:`\sigma^2` of component 1, between 1e-12 and 10.
    reg_covar : float, default=0.0
    max_iter : int, default=50
        Iterations of each EM run at most.

    Attributes
    ----------
    point, variance, reg_covar : traitlets
        Setting one from Python does what the controls (or a click on the data) do. The reg_covar slider
        stops at 0, 1e-8, 1e-6, 1e-4, 1e-3, 0.01 and 0.1; any other value >= 0 can be set from Python.
    runs : tuple of CollapseRun
        The EM runs without and with ``reg_covar``.
    figure : matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> X = np.concatenate([np.random.default_rng(0).normal(0, 1, 100), [8.0]])
    >>> explorer = CollapseExplorer(X)
    >>> explorer.point                      # the outlier at 8
    100
    >>> explorer.variance = 1e-2
    >>> low = explorer.log_likelihood
    >>> explorer.variance = 1e-8            # shrink: the log-likelihood climbs
    >>> bool(explorer.log_likelihood > low)
    True
    >>> explorer.runs[0].outcome, explorer.runs[1].outcome
    ('collapsed', 'at the floor')
    """

    point = traitlets.Int(0)
    variance = traitlets.Float(0.1)
    reg_covar = traitlets.Float(0.0)

    def __init__(self, X, point=None, variance=0.1, reg_covar=0.0, max_iter=50):
        self.X = check.check_one_feature(X, min_samples=3)
        x = self.X[:, 0]
        point = most_isolated_point(x) if point is None else point
        check.check_integer(point, "point", 0, len(x) - 1)
        check.check_number(variance, "variance", 10 ** LOG10_VARIANCE_RANGE[0], 10 ** LOG10_VARIANCE_RANGE[1])
        check.check_number(reg_covar, "reg_covar", minimum=0.0)
        self.max_iter = check.check_integer(max_iter, "max_iter", 1)
        self._ready = False
        super().__init__()
        self.point, self.variance, self.reg_covar = point, variance, reg_covar
        self.runs = self._run()
        self._layout(self._make_controls(), FIGURE_SIZE)
        self._draw()
        self._ready = True
        self._show()

    # ----------------------------------------------------------------- the maths
    def params(self, variance=None, reg_covar=None):
        """The mixture shown: component 1 on the point with ``variance + reg_covar``, component 2 on all the data."""
        x = self.X[:, 0]
        variance = self.variance if variance is None else variance
        reg_covar = self.reg_covar if reg_covar is None else reg_covar
        return MixtureParams.from_covariances(
            [0.5, 0.5], [[x[self.point]], [x.mean()]], [variance + reg_covar, x.var()], "spherical"
        )

    def log_likelihood_curve(self, reg_covar=None):
        """``(variances, log_likelihoods)``: :math:`\\ln p(X\\mid\\theta)` (a sum) over the variance slider's range.

        Each variance of component 1 is treated as a component of its own, so one call of
        :func:`~gmm_teach.em.log_gaussian_density` gives every point's log-density under all of them.
        """
        variances = np.logspace(*LOG10_VARIANCE_RANGE, CURVE_POINTS)
        reg_covar = self.reg_covar if reg_covar is None else reg_covar
        shown = self.params()
        on_point = MixtureParams.from_covariances(
            np.full(CURVE_POINTS, 1.0 / CURVE_POINTS),
            np.repeat(shown.means[:1], CURVE_POINTS, axis=0),
            variances + reg_covar,
            "spherical",
        )
        first = np.log(shown.weights[0]) + log_gaussian_density(self.X, on_point)
        second = np.log(shown.weights[1]) + log_gaussian_density(self.X, shown)[:, 1:2]
        return variances, np.logaddexp(first, second).sum(axis=0)

    @property
    def log_likelihood(self):
        """:math:`\\ln p(X\\mid\\theta)` (a sum over the points) of the mixture shown."""
        return float(log_density(self.X, self.params()).sum())

    def _run(self):
        start = self.params(reg_covar=0.0)
        raised = self.reg_covar if self.reg_covar > 0 else RAISED_REG_COVAR
        return run_from(self.X, start, 0.0, self.max_iter), run_from(self.X, start, raised, self.max_iter)

    # ----------------------------------------------------------------- traits and controls
    @traitlets.validate("point")
    def _valid_point(self, proposal):
        return check.check_integer(proposal.value, "point", 0, self.X.shape[0] - 1)

    @traitlets.validate("variance")
    def _valid_variance(self, proposal):
        low, high = (10**bound for bound in LOG10_VARIANCE_RANGE)
        return check.check_number(proposal.value, "variance", low, high)

    @traitlets.validate("reg_covar")
    def _valid_reg_covar(self, proposal):
        return check.check_number(proposal.value, "reg_covar", minimum=0.0)

    @traitlets.observe("point", "variance", "reg_covar")
    def _on_change(self, change):
        if not self._ready:
            return
        if change.name == "reg_covar" and change.new in self._reg_covar_choices:
            self.reg_covar_slider.value = change.new  # a value off the slider's stops leaves the slider alone
        self.runs = self._run()
        self._show()

    def _make_controls(self):
        self.variance_slider = widgets.FloatLogSlider(
            value=self.variance,
            base=10,
            min=LOG10_VARIANCE_RANGE[0],
            max=LOG10_VARIANCE_RANGE[1],
            step=0.25,
            description="σ²₁",
            readout_format=".1e",
            layout=control_layout("330px"),
        )
        widgets.link((self.variance_slider, "value"), (self, "variance"))
        self._reg_covar_choices = sorted({*REG_COVAR_CHOICES, self.reg_covar})
        self.reg_covar_slider = widgets.SelectionSlider(
            options=[(f"{value:g}", value) for value in self._reg_covar_choices],
            value=self.reg_covar,
            description="reg_covar",
            layout=control_layout("330px"),
        )
        self.reg_covar_slider.observe(lambda change: setattr(self, "reg_covar", change.new), "value")
        return [self.variance_slider, self.reg_covar_slider]

    def _on_click(self, x, y):
        """A click on the data panel puts component 1 on the nearest data point."""
        self.point = int(np.argmin(np.abs(self.X[:, 0] - x)))

    # ----------------------------------------------------------------- drawing
    def _draw(self):
        grid = self.figure.add_gridspec(
            2, 2, height_ratios=[1, 0.9], hspace=0.55, wspace=0.28, left=0.075, right=0.98, top=0.94, bottom=0.09
        )
        self.data_ax = self.figure.add_subplot(grid[0, 0])
        self.curve_ax = self.figure.add_subplot(grid[0, 1])
        self.run_axes = [self.figure.add_subplot(grid[1, 0]), self.figure.add_subplot(grid[1, 1])]
        self.mixture = plot_clustering(self.data_ax, self.X, self.params(), projection=projection_for(self.X))
        self._histogram_top = 1.15 * max(bar.get_height() for bar in self.mixture.histogram)
        self.data_ax.set_xlabel("x (click a point: put component 1 on it)")
        (self.point_mark,) = self.data_ax.plot([], [], "v", color=PALETTE[0], ms=11, mec="black", zorder=5)
        self.spike_label = self.data_ax.text(
            0.02,
            0.95,
            "",
            transform=self.data_ax.transAxes,
            va="top",
            fontsize=9,
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none"},
        )
        self._draw_curve_panel()
        self._draw_run_panels()
        on_click(self.data_ax, self._on_click)

    def _draw_curve_panel(self):
        ax = self.curve_ax
        (self.free_curve,) = ax.plot([], [], color=WITHOUT_COLOR, lw=2, label="reg_covar = 0")
        (self.held_curve,) = ax.plot([], [], color=WITH_COLOR, lw=2, ls="--", label="reg_covar")
        (self.now_mark,) = ax.plot([], [], "o", color="black", ms=8, zorder=5, label="σ²₁ now")
        ax.set_xscale("log")
        ax.set_xlim(10 ** LOG10_VARIANCE_RANGE[0], 10 ** LOG10_VARIANCE_RANGE[1])
        ax.invert_xaxis()  # shrinking the variance reads left to right
        ax.set_xlabel("σ²₁, the variance of the component on the point (shrinking →)")
        ax.set_ylabel("ln p(X | θ)")
        ax.set_title("the log-likelihood as the component shrinks", fontsize=10)
        self.curve_legend = ax.legend(loc="best", fontsize=8)

    def _draw_run_panels(self):
        self.run_lines, self.floor_lines = [], []
        for ax, color in zip(self.run_axes, (WITHOUT_COLOR, WITH_COLOR)):
            (line,) = ax.plot([], [], "-o", color=color, ms=4, lw=1.8)
            floor = ax.axhline(1.0, color="0.4", ls=":", lw=1.2)
            ax.set_yscale("log")
            ax.xaxis.get_major_locator().set_params(integer=True)
            ax.set_xlabel("EM iteration")
            ax.set_ylabel("σ²₁ after the iteration")
            self.run_lines.append(line)
            self.floor_lines.append(floor)

    def _show(self):
        params = self.params()
        self.mixture.update(params, e_step(self.X, params)[0])
        self.data_ax.set_ylim(-0.06 * self._histogram_top, self._histogram_top)  # the spike is clipped, not rescaled
        x_point = self.X[self.point, 0]
        self.point_mark.set_data([x_point], [0.93 * self._histogram_top])
        peak = 0.5 / np.sqrt(2 * np.pi * (self.variance + self.reg_covar))
        self.spike_label.set_text(
            f"component 1 on x = {x_point:.3g}\nits peak: {peak:.3g} (off the chart)"
            if peak > self._histogram_top
            else f"component 1 on x = {x_point:.3g}"
        )
        self._show_curves()
        self._show_runs()
        self.readout.value = self._readout()
        self.redraw()

    def _show_curves(self):
        variances, free = self.log_likelihood_curve(reg_covar=0.0)
        self.free_curve.set_data(variances, free)
        _, held = self.log_likelihood_curve()
        self.held_curve.set_data(variances, held)
        self.held_curve.set_visible(self.reg_covar > 0)
        # a label starting with "_" keeps the hidden curve out of the legend
        self.held_curve.set_label(f"{'' if self.reg_covar > 0 else '_'}reg_covar = {self.reg_covar:g}")
        self.curve_legend = self.curve_ax.legend(loc="best", fontsize=8)
        self.now_mark.set_data([self.variance], [self.log_likelihood])
        span = free.max() - free.min()
        self.curve_ax.set_ylim(free.min() - 0.05 * span, free.max() + 0.08 * span)

    def _show_runs(self):
        for ax, line, floor, run in zip(self.run_axes, self.run_lines, self.floor_lines, self.runs):
            iterations = np.arange(len(run.variances))
            line.set_data(iterations, run.variances)
            floor.set_ydata([run.reg_covar] * 2)
            floor.set_visible(run.reg_covar > 0)
            ax.set_xlim(-0.5, max(len(run.variances), 2) - 0.5)
            shown = np.concatenate([run.variances, [run.reg_covar] if run.reg_covar > 0 else []])
            shown = shown[shown > 0]
            ax.set_ylim(shown.min() / 20, shown.max() * 20)
            ax.set_title(f"EM from this start, reg_covar = {run.reg_covar:g}\n{self._outcome_title(run)}", fontsize=10)

    @staticmethod
    def _outcome_title(run):
        if run.outcome == "collapsed":
            return f"collapsed: CollapsedComponentError after iteration {len(run.variances) - 1}"
        if run.outcome == "at the floor":
            return "σ²₁ stopped at the floor (dotted): one point only"
        return f"no collapse: σ²₁ = {run.variances[-1]:.3g}"

    @staticmethod
    def _outcome_words(run):
        last = len(run.variances) - 1
        if run.outcome == "collapsed":
            return (
                f"collapsed after iteration {last}: the next M-step found no positive variance and stopped "
                f"with CollapsedComponentError, whose message says: {run.error}"
            )
        if run.outcome == "at the floor":
            return (
                f"σ²₁ fell to the floor reg_covar = {run.reg_covar:g}: the component describes one point only "
                f"(mean log-likelihood {run.log_likelihoods[-1]:.3f}, finite)."
            )
        return f"no collapse: the component took other points (σ²₁ = {run.variances[-1]:.3g} after {last} iterations)."

    def _readout(self):
        x_point = self.X[self.point, 0]
        lines = [
            f"<b>Component 1 sits on point {self.point} (x = {x_point:.4g}) with σ²₁ = {self.variance:.2g}"
            f"{f' + reg_covar {self.reg_covar:g}' if self.reg_covar > 0 else ''}.</b> "
            f"ln p(X | θ) = {self.log_likelihood:.3f}."
        ]
        if self.reg_covar == 0:
            copies = int(np.count_nonzero(self.X[:, 0] == x_point))
            per_decade = (
                "½ ln 10 ≈ 1.15"
                if copies == 1
                else f"{copies} × ½ ln 10 ≈ {copies * np.log(10) / 2:.2f} (one ½ ln 10 per copy of the point)"
            )
            lines.append(
                "Once σ₁ is far below the distance to the nearest other point, each tenfold shrink of "
                f"σ²₁ adds {per_decade} to ln p: the point's own density grows like 1/σ₁, "
                "with no end. The likelihood has no maximum; raise reg_covar to bound it."
            )
        else:
            ceiling = log_density(self.X, self.params(0.0)).sum()
            lines.append(
                f"With reg_covar = {self.reg_covar:g} the density uses σ²₁ + reg_covar, so ln p can climb "
                f"no higher than {ceiling:.3f} however small σ²₁ gets."
            )
        for run in self.runs:
            lines.append(f"EM with reg_covar = {run.reg_covar:g}: " + self._outcome_words(run))
        return "<br>".join(lines)
