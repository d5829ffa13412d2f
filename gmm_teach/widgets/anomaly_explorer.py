"""AnomalyExplorer: choose what share of the points to flag, by density or by confidence."""

import ipywidgets as widgets
import numpy as np
import traitlets
from matplotlib.lines import Line2D

from .. import _validation as check
from .._base import BaseMixture
from ..anomaly import METHODS, anomaly_scores, flag_lowest
from ..mixture import GaussianMixture
from ..plotting import PALETTE, feature_names_of, plot_clustering, projection_for
from ._base import Explorer, control_layout

MAX_THRESHOLD = 20.0
#: Grid points per axis on which the scores are computed for the threshold curve.
GRID_RESOLUTION = 150
THRESHOLD_STYLE = {"colors": PALETTE[3], "linewidths": 2.0, "linestyles": "--", "zorder": 5}
METHOD_WORDS = {
    "density": "log-density below",
    "confidence": "confidence (highest responsibility) below",
}


class AnomalyExplorer(Explorer):
    r"""Flag the lowest ``threshold`` percent of points as anomalies and see which ones they are.

    Two rules (see :mod:`gmm_teach.anomaly`): **density** flags points where the mixture density
    :math:`p(x)` is low, far from every cluster; **confidence** flags points whose highest responsibility
    :math:`\max_k r_{ik}` is low, between clusters. Flagged points are drawn as black stars; with two
    features the dashed curve is the threshold (the points outside it, or between the clusters for
    confidence, are flagged), with one feature a dashed line at the threshold density.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    n_components : int, default=3
    covariance_type : {"full", "tied", "diag", "spherical"}, default="full"
    threshold : float, default=4.0
        Percent of points to flag, 0 to 20.
    method : {"density", "confidence"}, default="density"
    y_true : array-like of bool of shape (n_samples,), optional
        The true anomalies; the readout then gives precision, recall and F1.
    random_state : None, int, numpy.random.RandomState or numpy.random.Generator, default=0
        As for :class:`~gmm_teach.GaussianMixture`.
    model : GaussianMixture or BayesianGaussianMixture, optional
        A fitted mixture to use instead of fitting one (``n_components``, ``covariance_type`` and
        ``random_state`` are then ignored). Its ``score_samples`` and ``confidence_samples`` give both the
        flags and the threshold curve, so the curve is exactly the line the flags use.
    feature_names : sequence of str, optional
        Axis labels for the features of an array (default: a DataFrame's columns, else x₁, x₂, ...).

    Attributes
    ----------
    threshold, method : traitlets
    anomalies : ndarray of bool, shape (n_samples,)
        Which points are flagged now.
    cutoff : float
        The score below which a point is flagged (the ``threshold``-th percentile of the scores).
    model : GaussianMixture or BayesianGaussianMixture
    figure : matplotlib.figure.Figure

    Examples
    --------
    >>> from gmm_teach import datasets
    >>> explorer = AnomalyExplorer(datasets.load_old_faithful(), n_components=2, threshold=5.0)
    >>> int(explorer.anomalies.sum())
    14
    >>> explorer.method = "confidence"
    >>> len(explorer.stars.get_offsets()) == int(explorer.anomalies.sum())
    True
    """

    threshold = traitlets.Float(4.0)
    method = traitlets.Unicode("density")

    def __init__(
        self,
        X,
        n_components=3,
        covariance_type="full",
        threshold=4.0,
        method="density",
        y_true=None,
        random_state=0,
        model=None,
        feature_names=None,
    ):
        self.feature_names = feature_names_of(X, feature_names)
        X = check.check_array(X).astype(np.float64, copy=False)
        check.check_number(threshold, "threshold", 0.0, MAX_THRESHOLD)
        check.check_choice(method, "method", METHODS)
        self.y_true = _check_y_true(y_true, X.shape[0])
        self.model = _fitted_model(X, model, n_components, covariance_type, random_state)
        self.X = X
        self._ready = False
        super().__init__()
        self.threshold, self.method = float(threshold), method
        self._scores = {name: anomaly_scores(self.model, X, name) for name in METHODS}
        self._layout(self._make_controls(), (7.6, 5.4))
        self._draw_model()
        self._ready = True
        self._update()

    def _make_controls(self):
        self.slider = widgets.FloatSlider(
            value=self.threshold,
            min=0.0,
            max=MAX_THRESHOLD,
            step=0.5,
            description="flag lowest %",
            readout_format=".1f",
            style={"description_width": "initial"},
            layout=control_layout("360px"),
        )
        self.method_buttons = widgets.ToggleButtons(
            options=[("density", "density"), ("confidence", "confidence")],
            value=self.method,
            tooltips=["flag points far from every cluster", "flag points the model cannot assign"],
            style={"button_width": "100px"},
            layout=control_layout(),
        )
        widgets.link((self.slider, "value"), (self, "threshold"))
        widgets.link((self.method_buttons, "value"), (self, "method"))
        return [self.slider, self.method_buttons]

    def _draw_model(self):
        """Draw the points and the mixture once; only the stars and the threshold change afterwards."""
        self.ax = self.figure.add_subplot()
        self.figure.subplots_adjust(left=0.11, right=0.97, bottom=0.11, top=0.93)
        params = self.model.params_
        self.projection = projection_for(self.X, feature_names=self.feature_names)
        self.clustering = plot_clustering(
            self.ax, self.X, params, self.model.predict_proba(self.X), projection=self.projection
        )
        self._points = self.projection.points(self.X)
        if self._points.shape[1] == 1:
            self._points = np.column_stack([self._points[:, 0], self.clustering.points.get_offsets()[:, 1]])
        self.stars = self.ax.scatter(
            np.empty(0), np.empty(0), marker="*", s=170, c="black", edgecolors="white", linewidths=0.6, zorder=6
        )
        self.threshold_line = None
        self._grid_scores = self._scores_on_grid() if self.X.shape[1] == 2 else None
        handles = [
            Line2D([], [], marker="*", color="black", linestyle="none", markersize=12, label="flagged as anomaly")
        ]
        if self.X.shape[1] <= 2:
            handles.append(Line2D([], [], color=PALETTE[3], linestyle="--", linewidth=2, label="threshold"))
        self.ax.legend(handles=handles, loc="upper left", framealpha=0.9)

    def _scores_on_grid(self, resolution=GRID_RESOLUTION):
        """Both scores on a grid over the axes, computed once so that moving the threshold is cheap.

        They come from the function that scores the points (:func:`gmm_teach.anomaly.anomaly_scores`), so
        the contour at the cutoff separates exactly the flagged points from the others.
        """
        xx, yy = np.meshgrid(np.linspace(*self.ax.get_xlim(), resolution), np.linspace(*self.ax.get_ylim(), resolution))
        grid = np.column_stack([xx.ravel(), yy.ravel()])
        return xx, yy, {name: anomaly_scores(self.model, grid, name).reshape(xx.shape) for name in METHODS}

    # ----------------------------------------------------------------- traits
    @traitlets.validate("threshold")
    def _valid_threshold(self, proposal):
        return check.check_number(proposal.value, "threshold", 0.0, MAX_THRESHOLD)

    @traitlets.validate("method")
    def _valid_method(self, proposal):
        return check.check_choice(proposal.value, "method", METHODS)

    @traitlets.observe("threshold", "method")
    def _on_change(self, change):
        if self._ready:
            self._update()

    # ----------------------------------------------------------------- drawing
    def _update(self):
        self.anomalies, self.cutoff = flag_lowest(self._scores[self.method], self.threshold)
        self.stars.set_offsets(self._points[self.anomalies])
        self._draw_threshold()
        self.ax.set_title(f"{self.anomalies.sum()} of {len(self.X)} points flagged by {self.method}")
        self.readout.value = self._readout()
        self.redraw()

    def _draw_threshold(self):
        """The threshold as a contour (2 features) or a density level (1 feature); nothing for more."""
        if self.threshold_line is not None:
            self.threshold_line.remove()
            self.threshold_line = None
        if self._grid_scores is not None:
            xx, yy, scores = self._grid_scores
            values = scores[self.method]
            if values.min() < self.cutoff < values.max():
                self.threshold_line = self.ax.contour(xx, yy, values, levels=[self.cutoff], **THRESHOLD_STYLE)
        elif self.X.shape[1] == 1 and self.method == "density":
            self.threshold_line = self.ax.axhline(
                np.exp(self.cutoff), color=THRESHOLD_STYLE["colors"], linestyle="--", linewidth=2.0, zorder=5
            )

    def _readout(self):
        """The count, the threshold and (with y_true) how good the flags are, in plain words."""
        flagged = int(self.anomalies.sum())
        lines = [
            f"<b>{flagged} of {len(self.X)} points flagged</b> ({100 * flagged / len(self.X):.1f}%): "
            f"those with {METHOD_WORDS[self.method]} {self.cutoff:.4g}, the value that "
            f"{self.threshold:g}% of the points fall below."
        ]
        if self.X.shape[1] > 2:
            lines.append("With more than two features the threshold cannot be drawn as one curve in this view.")
        if self.y_true is not None:
            lines.append(_quality_sentence(self.anomalies, self.y_true))
        return "<br>".join(lines)


def _quality_sentence(flagged, truth):
    """Precision, recall and F1 of ``flagged`` against ``truth``, explained."""
    hits = int(np.sum(flagged & truth))
    n_flagged, n_true = int(flagged.sum()), int(truth.sum())
    precision = hits / n_flagged if n_flagged else float("nan")
    recall = hits / n_true if n_true else float("nan")
    f1 = 2 * hits / (n_flagged + n_true) if (n_flagged + n_true) else float("nan")
    return (
        f"Of the {n_flagged} flagged points, {hits} are true anomalies (precision {precision:.2f}); "
        f"of the {n_true} true anomalies, {hits} were flagged (recall {recall:.2f}); F1 {f1:.2f}."
    )


def _check_y_true(y_true, n_samples):
    if y_true is None:
        return None
    y_true = np.asarray(y_true)
    if y_true.shape != (n_samples,) or not np.isin(y_true, [0, 1]).all():
        raise ValueError(
            f"y_true must be {n_samples} booleans (True for a true anomaly), one per row of X; "
            f"got an array of shape {y_true.shape}."
        )
    return y_true.astype(bool)


def _fitted_model(X, model, n_components, covariance_type, random_state):
    """The given fitted mixture (checked against X), or a new one fitted to X."""
    if model is None:
        return GaussianMixture(n_components, covariance_type=covariance_type, random_state=random_state).fit(X)
    if not isinstance(model, BaseMixture):
        raise TypeError(
            f"model must be a fitted gmm_teach.GaussianMixture or BayesianGaussianMixture, got {type(model).__name__}."
        )
    model._check_is_fitted()
    check.check_n_features(X, model.n_features_in_)
    return model
