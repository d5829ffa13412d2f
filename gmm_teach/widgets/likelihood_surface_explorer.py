r"""LikelihoodSurfaceExplorer: the log-likelihood over two means, its mirror optima, and EM's path on it."""

import ipywidgets as widgets
import numpy as np
import traitlets

from .. import _validation as check
from ..em import MixtureParams, e_step, log_gaussian_density, m_step
from ..mixture import GaussianMixture
from ._base import Explorer, control_layout
from ._clicks import on_click

FIGURE_SIZE = (6.4, 6.2)
GRID_POINTS = 121
PATH_COLOR, START_COLOR, END_COLOR, DIAGONAL_COLOR = "white", "#E69F00", "#D55E00", "#CC79A7"
FILLED_LEVELS = 14
DIAGONAL_SHARE = 1e-9
"""A path that ends with :math:`|\\mu_1 - \\mu_2|` below this share of the grid's range stayed on the diagonal."""
OPTIMUM_SHARE = 0.01
"""A path that ends within this share of the grid's range from an optimum reached it."""


def means_only_em(X, weights, variance, start, tol=1e-10, max_iter=200):
    r"""EM over the two means of a 1-D mixture whose weights and variance are known and held fixed.

    Each iteration is :func:`~gmm_teach.em.e_step` and then the means of :func:`~gmm_teach.em.m_step`,
    :math:`\mu_k = \sum_i r_{ik} x_i / \sum_i r_{ik}`; the weights and the variance are put back to their
    fixed values. This is EM for the smaller model in which only the means are free, so the log-likelihood
    still never decreases.

    Returns
    -------
    path : ndarray of shape (n_steps + 1, 2)
        The means after each iteration, the start first.
    log_likelihoods : ndarray of shape (n_steps + 1,)
        The mean log-likelihood at each row of ``path``.
    """
    path, log_likelihoods = [np.asarray(start, dtype=float)], []
    for iteration in range(max_iter + 1):
        responsibilities, log_likelihood = e_step(X, _mixture(weights, path[-1], variance))
        log_likelihoods.append(log_likelihood)
        if iteration == max_iter or iteration > 0 and log_likelihoods[-1] - log_likelihoods[-2] < tol:
            break
        path.append(m_step(X, responsibilities, "spherical", reg_covar=0.0).means[:, 0])
    return np.array(path), np.array(log_likelihoods)


def _mixture(weights, means, variance):
    return MixtureParams.from_covariances(weights, np.reshape(means, (2, 1)), [variance, variance], "spherical")


def log_likelihood_surface(X, weights, variance, first_means, second_means):
    r"""The mean log-likelihood on the grid ``first_means`` x ``second_means`` of the two means,

    .. math:: \frac1n\sum_i\ln\left[\pi_1\mathcal N(x_i\mid\mu_1,\sigma^2)
              + \pi_2\mathcal N(x_i\mid\mu_2,\sigma^2)\right],

    shape (len(second_means), len(first_means)).

    Each grid value of a mean is treated as a component of its own, so one call of
    :func:`~gmm_teach.em.log_gaussian_density` gives every point's log-density under every grid mean.
    """
    grid_means = np.concatenate([first_means, second_means])
    grid = MixtureParams.from_covariances(
        np.full(len(grid_means), 1.0 / len(grid_means)),
        grid_means[:, np.newaxis],
        np.full(len(grid_means), variance),
        "spherical",
    )
    log_densities = log_gaussian_density(X, grid)
    first = np.log(weights[0]) + log_densities[:, : len(first_means)]
    second = np.log(weights[1]) + log_densities[:, len(first_means) :]
    # one row of the grid at a time: an (n, grid, grid) array would not fit in memory for large n
    return np.array([np.logaddexp(first, column[:, np.newaxis]).mean(axis=0) for column in second.T])


class LikelihoodSurfaceExplorer(Explorer):
    r"""The log-likelihood of a two-component 1-D mixture over its two means; click to start EM there.

    The weights are :math:`\frac12` each and both components share one known variance :math:`\sigma^2`,
    held fixed: only the means :math:`(\mu_1, \mu_2)` are free, so the whole likelihood fits in one picture.
    Swapping the labels gives the same mixture, so the surface is symmetric across the diagonal
    :math:`\mu_1 = \mu_2`: every optimum has a mirror twin (**label switching**), and between the two the
    diagonal carries a saddle.

    Click anywhere on the surface (or call :meth:`start_at`) to run EM from there: EM over the means only, with
    the weights and the variance held fixed (:func:`means_only_em`: each step is
    :func:`~gmm_teach.em.e_step` and the means of :func:`~gmm_teach.em.m_step`). The path is drawn step by
    step (Play, or the slider); the readout says which of the two mirror optima it reached. A start on the
    diagonal stays on it: with equal means both components get every point half and half, and the M-step
    gives them equal means again.

    Parameters
    ----------
    X : array-like of shape (n_samples,) or (n_samples, 1)
    variance : float, optional
        The known variance :math:`\sigma^2` of both components. Default: the shared variance of a fitted
        two-component mixture with tied covariances.
    start : (float, float), optional
        The first start. Default: the data's 10% and 25% quantiles, both means on the low side of the data,
        so that the first path has to carry one of them across.
    resolution : int, default=121
        Grid points per axis of the surface.

    Attributes
    ----------
    iteration : traitlet
        How many steps of the path are drawn.
    path : ndarray of shape (n_steps + 1, 2)
        The means after each EM iteration, the start first.
    log_likelihoods : ndarray
        The mean log-likelihood along the path (it never decreases).
    optimum : {"μ₁ < μ₂", "μ₁ > μ₂", "diagonal", "unfinished"}
        Which optimum the path reached.
    optima : ndarray of shape (2, 2)
        The two mirror optima, ``(μ₁, μ₂)`` and ``(μ₂, μ₁)``.
    figure : matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.concatenate([rng.normal(-2, 1, 100), rng.normal(2, 1, 100)])
    >>> explorer = LikelihoodSurfaceExplorer(X, variance=1.0)
    >>> explorer.start_at(-3.0, -1.0)
    >>> explorer.optimum
    'μ₁ < μ₂'
    >>> explorer.start_at(1.0, 1.0)          # on the diagonal: EM never leaves it
    >>> explorer.optimum
    'diagonal'
    """

    iteration = traitlets.Int(0)

    def __init__(self, X, variance=None, start=None, resolution=GRID_POINTS):
        self.X = check.check_one_feature(X, min_samples=3)
        x = self.X[:, 0]
        if variance is None:
            variance = float(GaussianMixture(2, covariance_type="tied", random_state=0).fit(self.X).covariances_[0, 0])
        self.variance = check.check_number(variance, "variance", minimum=np.finfo(float).tiny)
        self.resolution = check.check_integer(resolution, "resolution", 10, 1000)
        self.weights = np.array([0.5, 0.5])
        low, high = x.min(), x.max()
        self.limits = (low - 0.15 * (high - low), high + 0.15 * (high - low))
        if start is None:
            start = np.quantile(x, [0.1, 0.25])
        start = check.check_means(start, 2, 1, "start")[:, 0]
        self._ready = False
        super().__init__()
        self.path, self.log_likelihoods = means_only_em(self.X, self.weights, self.variance, start)
        self._layout(self._make_controls(), FIGURE_SIZE)
        self._draw()
        self._ready = True
        self._reset_controls(animate=False)

    # ----------------------------------------------------------------- the Python API of a click
    def start_at(self, first_mean, second_mean, animate=True):
        """Run EM from :math:`(\\mu_1, \\mu_2)` = ``(first_mean, second_mean)`` and show its path.

        With ``animate`` and the ipympl canvas the path is then played step by step from its start; otherwise
        the whole path is shown at once (``iteration`` at its last step).
        """
        start = [check.check_number(first_mean, "first_mean"), check.check_number(second_mean, "second_mean")]
        self.play.playing = False
        self.path, self.log_likelihoods = means_only_em(self.X, self.weights, self.variance, start)
        self._reset_controls(animate)

    @property
    def n_steps(self):
        """EM iterations in the current path."""
        return len(self.path) - 1

    @property
    def optimum(self):
        """Where the path ends: ``"μ₁ < μ₂"``, ``"μ₁ > μ₂"`` (the mirror twins), ``"diagonal"``, or
        ``"unfinished"`` (neither, after the largest number of iterations)."""
        end, size = self.path[-1], self.limits[1] - self.limits[0]
        if abs(end[0] - end[1]) <= DIAGONAL_SHARE * size:
            return "diagonal"
        distances = np.linalg.norm(self.optima - end, axis=1)
        if distances.min() > OPTIMUM_SHARE * size:
            return "unfinished"
        first, second = self.optima[distances.argmin()]
        return "μ₁ < μ₂" if first < second else "μ₁ > μ₂"

    def _reset_controls(self, animate):
        """Show the new path: from its start, played by the front end (ipympl), or whole (nothing could play it)."""
        animate = animate and self.host.mode == "widget"
        self._ready = False
        self.play.max = self.slider.max = self.n_steps
        self.iteration = 0 if animate else self.n_steps
        self._ready = True
        self._show()
        self.play.playing = animate

    # ----------------------------------------------------------------- controls and traits
    def _make_controls(self):
        self.play = widgets.Play(value=0, min=0, max=1, interval=350, description="Play the path")
        self.slider = widgets.IntSlider(value=0, min=0, max=1, description="step", layout=control_layout("280px"))
        widgets.link((self.play, "value"), (self.slider, "value"))
        widgets.link((self.slider, "value"), (self, "iteration"))
        self.start_fields = [
            widgets.FloatText(
                value=round(float(mean), 3),
                description=f"start μ{sub}",
                step=0.5,
                layout=control_layout("150px"),
                style={"description_width": "50px"},
            )
            for mean, sub in zip(self.path[0], "₁₂")
        ]
        self.start_button = widgets.Button(description="run EM from here", layout=control_layout())
        self.start_button.on_click(lambda _: self.start_at(*(field.value for field in self.start_fields)))
        return [self.play, self.slider, *self.start_fields, self.start_button]

    @traitlets.validate("iteration")
    def _valid_iteration(self, proposal):
        if self._ready:
            check.check_integer(proposal.value, "iteration", 0, self.n_steps)
        return proposal.value

    @traitlets.observe("iteration")
    def _on_iteration(self, change):
        if self._ready:
            self._show()

    # ----------------------------------------------------------------- drawing
    def _draw(self):
        ax = self.ax = self.figure.subplots()
        self.figure.subplots_adjust(left=0.12, right=0.97, bottom=0.2, top=0.94)
        means = np.linspace(*self.limits, self.resolution)
        self.grid_means = means
        self.surface = log_likelihood_surface(self.X, self.weights, self.variance, means, means)
        top = self.surface.max()
        floor = np.quantile(self.surface, 0.15)  # the far corners would take all the colours
        levels = np.linspace(floor, top, FILLED_LEVELS + 1)
        self.contours = ax.contourf(means, means, self.surface, levels=levels, cmap="viridis", extend="min")
        self.figure.colorbar(self.contours, ax=ax, label="mean log-likelihood", shrink=0.85, pad=0.02, format="%.1f")
        ax.plot(self.limits, self.limits, color=DIAGONAL_COLOR, ls="--", lw=1.5, label="μ₁ = μ₂ (saddle line)")
        self._mark_optima(ax)
        (self.path_line,) = ax.plot(
            [], [], "-o", color=PATH_COLOR, ms=4, lw=1.6, mec="black", mew=0.5, zorder=4, label="EM's path"
        )
        (self.start_mark,) = ax.plot([], [], "s", color=START_COLOR, ms=9, mec="black", zorder=5, label="start")
        (self.end_mark,) = ax.plot([], [], "o", color=END_COLOR, ms=9, mec="black", zorder=5, label="now")
        ax.set(
            xlim=self.limits,
            ylim=self.limits,
            aspect="equal",
            xlabel="μ₁ (mean of component 1)",
            ylabel="μ₂ (mean of component 2)",
        )
        ax.set_title(f"σ² = {self.variance:.3g} and π = (½, ½) held fixed; click to start EM", fontsize=10)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.11), fontsize=8, ncol=3, frameon=False)
        on_click(ax, lambda first, second: self.start_at(first, second))

    def _mark_optima(self, ax):
        """Stars on the two mirror optima (found by EM from the grid's best point) and a cross on the saddle."""
        row, column = np.unravel_index(self.surface.argmax(), self.surface.shape)
        best = self.grid_means[[column, row]]
        path, _ = means_only_em(self.X, self.weights, self.variance, best)
        self.optima = np.array([path[-1], path[-1][::-1]])
        ax.plot(*self.optima.T, "*", color="white", ms=15, mec="black", zorder=3, label="the two mirror optima")
        diagonal = np.diagonal(self.surface)
        saddle = self.grid_means[diagonal.argmax()]
        ax.plot([saddle], [saddle], "X", color="white", ms=10, mec="black", zorder=3, label="saddle")

    def _show(self):
        shown = self.path[: self.iteration + 1]
        self.path_line.set_data(shown[:, 0], shown[:, 1])
        self.start_mark.set_data(self.path[:1, 0], self.path[:1, 1])
        self.end_mark.set_data(shown[-1:, 0], shown[-1:, 1])
        for field, mean in zip(self.start_fields, self.path[0]):
            field.value = round(float(mean), 3)
        self.readout.value = self._readout()
        self.redraw([self.path_line, self.start_mark, self.end_mark])

    def _readout(self):
        first, second = self.path[self.iteration]
        lines = [
            f"<b>Step {self.iteration} of {self.n_steps}</b> from ({self.path[0, 0]:.2f}, {self.path[0, 1]:.2f}): "
            f"μ₁ = {first:.3f}, μ₂ = {second:.3f}, "
            f"mean log-likelihood {self.log_likelihoods[self.iteration]:.4f}"
            " (it never goes down)."
        ]
        if self.iteration < self.n_steps:
            lines.append("Press Play or drag the slider to walk the rest of the path.")
        elif self.optimum == "unfinished":
            lines.append(
                "EM stopped after its largest number of iterations before reaching an optimum (a start "
                "very close to the diagonal leaves it slowly)."
            )
        elif self.optimum == "diagonal":
            lines.append(
                "The path stayed on the diagonal μ₁ = μ₂: with equal means both components take every "
                "point half and half, so the M-step gives them equal means again. It stops on the saddle "
                "line, not at an optimum; any start off the diagonal escapes."
            )
        else:
            twin = "μ₁ > μ₂" if self.optimum == "μ₁ < μ₂" else "μ₁ < μ₂"
            lines.append(
                f"EM reached the optimum with {self.optimum}. Its mirror twin ({twin}) is the same "
                "mixture with the labels swapped, equally good: which one EM finds depends only on the "
                "side of the diagonal it starts on."
            )
        return "<br>".join(lines)
