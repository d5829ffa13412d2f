"""ElbowExplorer: AIC and BIC against the number of components, and the clustering of the chosen model."""

import ipywidgets as widgets
import traitlets

from .. import _validation as check
from ..plotting import RING_STYLE, feature_names_of, plot_clustering, plot_information_criteria, projection_for
from ..selection import CRITERIA, best_model, check_grid, fit_record
from ._base import Explorer, control_layout

CRITERION_WORDS = {
    "bic": "BIC = -2 log L + p log n",
    "aic": "AIC = -2 log L + 2p",
}


class ElbowExplorer(Explorer):
    r"""Fit a grid of mixtures, plot their AIC and BIC against ``k``, and show any one of them.

    More components always fit the data better, so :math:`\log L` alone keeps improving; an information
    criterion adds a charge for each of the :math:`p` free parameters, and the lowest value is the model
    it recommends (the star). The clustering on the right is the model selected with the controls (the ring).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    k_range : iterable of int, default=range(1, 9)
    covariance_types : sequence of str, default=("full", "tied", "diag", "spherical")
    n_init : int, default=3
        Initialisations per model (the best is kept).
    random_state : None, int, numpy.random.RandomState or numpy.random.Generator, default=0
        As for :class:`~gmm_teach.GaussianMixture`; a generator is continued from fit to fit.
    feature_names : sequence of str, optional
        Axis labels for the features of an array (default: a DataFrame's columns, else x₁, x₂, ...).

    Attributes
    ----------
    k, covariance_type, criterion : traitlets
        The selected model and the criterion (``"bic"`` or ``"aic"``) plotted.
    results : list of CriterionRecord
        One record per fitted model (k, covariance_type, aic, bic, converged, ...).
    best : tuple
        ``(k, covariance_type)`` with the lowest value of the current criterion.
    models : dict
        ``(k, covariance_type) -> GaussianMixture``, fitted.
    progress : ipywidgets.IntProgress
    figure : matplotlib.figure.Figure

    Examples
    --------
    >>> from gmm_teach import datasets
    >>> elbow = ElbowExplorer(datasets.load_old_faithful(), k_range=range(1, 4), covariance_types=["full"],
    ...                       n_init=1)
    >>> elbow.best
    (2, 'full')
    >>> elbow.k = 3
    >>> elbow.models[(3, "full")].n_components
    3
    """

    k = traitlets.Int(1)
    covariance_type = traitlets.Unicode("full")
    criterion = traitlets.Unicode("bic")

    def __init__(
        self,
        X,
        k_range=range(1, 9),
        covariance_types=("full", "tied", "diag", "spherical"),
        n_init=3,
        random_state=0,
        feature_names=None,
    ):
        self.feature_names = feature_names_of(X, feature_names)
        X, self.ks, self.covariance_types = check_grid(X, k_range, covariance_types)
        self.n_init = check.check_integer(n_init, "n_init", 1)
        check.check_random_state(random_state)  # refuses a bad one before any fit
        self.random_state = random_state
        self.X = X
        self._ready = False
        super().__init__()
        total = len(self.ks) * len(self.covariance_types)
        self.progress = widgets.IntProgress(
            value=0, min=0, max=total, description="fitting", bar_style="info", layout=control_layout("360px")
        )
        self.progress_label = widgets.Label(f"0 of {total} models fitted")
        self.k, self.covariance_type = self.ks[0], self.covariance_types[0]
        progress_row = widgets.HBox([self.progress, self.progress_label])
        self._layout(self._make_controls(), (11.0, 4.6), extra_rows=[progress_row])
        self.results, self.models = self._fit_grid()
        self.k, self.covariance_type = self.best
        self._draw()
        self._ready = True
        self._show_selection()

    def _make_controls(self):
        self.criterion_buttons = widgets.ToggleButtons(
            options=[("BIC", "bic"), ("AIC", "aic")],
            value=self.criterion,
            style={"button_width": "60px"},
            layout=control_layout(),
        )
        self.k_slider = widgets.SelectionSlider(
            options=self.ks, value=self.k, description="k", layout=control_layout("300px")
        )
        self.covariance_menu = widgets.Dropdown(
            options=list(self.covariance_types),
            value=self.covariance_type,
            description="covariance",
            layout=control_layout("190px"),
        )
        for control, name in [
            (self.criterion_buttons, "criterion"),
            (self.k_slider, "k"),
            (self.covariance_menu, "covariance_type"),
        ]:
            widgets.link((control, "value"), (self, name))
        return [self.criterion_buttons, self.k_slider, self.covariance_menu]

    def _fit_grid(self):
        """Fit every (k, covariance type), moving the progress bar after each fit."""
        handle = _show_while_running(self.progress)
        results, models = [], {}
        for covariance_type in self.covariance_types:
            for k in self.ks:
                record, model = fit_record(self.X, k, covariance_type, self.n_init, self.random_state)
                results.append(record)
                models[(k, covariance_type)] = model
                self.progress.value = len(results)
                self.progress_label.value = f"{len(results)} of {self.progress.max} models fitted"
        self.progress.bar_style = "success"
        if handle is not None:
            handle.update({"text/plain": ""}, raw=True)
        return results, models

    @property
    def best(self):
        """``(k, covariance_type)`` of the model with the lowest current criterion."""
        record = best_model(self.results, self.criterion)
        return record.k, record.covariance_type

    def record(self, k=None, covariance_type=None):
        """The :class:`~gmm_teach.selection.CriterionRecord` of a model (default: the selected one)."""
        key = (self.k if k is None else k, self.covariance_type if covariance_type is None else covariance_type)
        return next(r for r in self.results if (r.k, r.covariance_type) == key)

    # ----------------------------------------------------------------- traits
    @traitlets.validate("k")
    def _valid_k(self, proposal):
        if proposal.value not in self.ks:
            raise traitlets.TraitError(
                f"k must be one of the fitted numbers of components {self.ks}, got {proposal.value!r}."
            )
        return proposal.value

    @traitlets.validate("covariance_type")
    def _valid_covariance_type(self, proposal):
        return check.check_choice(proposal.value, "covariance_type", self.covariance_types)

    @traitlets.validate("criterion")
    def _valid_criterion(self, proposal):
        return check.check_choice(proposal.value, "criterion", CRITERIA)

    @traitlets.observe("criterion")
    def _on_criterion(self, change):
        if self._ready:
            self._draw_curves()
            self._show_selection()

    @traitlets.observe("k", "covariance_type")
    def _on_selection(self, change):
        if self._ready:
            self._show_selection()

    # ----------------------------------------------------------------- drawing
    def _draw(self):
        self.curve_ax, self.clustering_ax = self.figure.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.1]})
        self.figure.subplots_adjust(left=0.08, right=0.98, bottom=0.13, top=0.9, wspace=0.25)
        self.projection = projection_for(self.X, feature_names=self.feature_names)
        self._draw_curves()

    def _draw_curves(self):
        self.curve_ax.clear()
        self.lines, self.best_star = plot_information_criteria(self.curve_ax, self.results, self.criterion, other=True)
        (self.selected_ring,) = self.curve_ax.plot([], [], "o", **RING_STYLE, label="shown on the right")
        other = CRITERIA[1 - CRITERIA.index(self.criterion)].upper()
        self.curve_ax.set_title(f"solid: {self.criterion.upper()}, dashed: {other}", fontsize=10)
        self.curve_ax.legend(fontsize=9, loc="best", framealpha=0.9)

    def _show_selection(self):
        record = self.record()
        self.selected_ring.set_data([record.k], [record.criterion(self.criterion)])
        self.clustering_ax.clear()
        model = self.models[(record.k, record.covariance_type)]
        plot_clustering(self.clustering_ax, self.X, model.params_, projection=self.projection)
        self.clustering_ax.set_title(f"k = {record.k}, {record.covariance_type} covariances", fontsize=10)
        self.readout.value = self._readout(record)
        self.redraw()

    def _readout(self, record):
        best = best_model(self.results, self.criterion)
        name = self.criterion.upper()
        value = record.criterion(self.criterion)
        lines = [
            f"<b>Shown: k = {record.k}, {record.covariance_type} covariances.</b> {name} {value:.1f} "
            f"({record.n_parameters} free parameters, mean log-likelihood {record.log_likelihood:.3f}).",
            f"Lowest {name}: k = {best.k}, {best.covariance_type} ({best.criterion(self.criterion):.1f}). "
            f"{CRITERION_WORDS[self.criterion]}: a better fit lowers it, every extra parameter raises it; "
            "lower is better.",
        ]
        if not record.converged:
            lines.append("This model stopped at max_iter before EM converged.")
        return "<br>".join(lines)


def _show_while_running(progress):
    """In a Jupyter kernel, show ``progress`` now (the explorer appears only when the cell ends)."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return None
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return None
    return display(progress, display_id=True)
