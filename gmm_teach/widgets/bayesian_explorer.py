"""BayesianExplorer: watch the prior on the weights switch components on and off."""

import ipywidgets as widgets
import numpy as np
import traitlets

from .. import _validation as check
from ..bayesian import PRIOR_TYPES, BayesianGaussianMixture
from ..em import MixtureParams
from ..plotting import PALETTE, component_colors, feature_names_of, plot_clustering, projection_for
from ._base import Explorer, control_layout

MAX_COMPONENTS = 20
#: The slider runs over 10**-4 ... 10**4 in quarter decades.
LOG10_CONCENTRATION_RANGE = (-4.0, 4.0)
PRIOR_LABELS = {"dirichlet_process": "Dirichlet process", "dirichlet_distribution": "Dirichlet distribution"}
FIGURE_SIZE = (8.6, 4.0)
MEAN_MARKER_SIZE = 150


class BayesianExplorer(Explorer):
    r"""Fit a Bayesian Gaussian mixture with many components and see which ones the prior keeps.

    A log-scale slider sets the weight concentration prior :math:`\alpha_0` and a toggle chooses the
    prior type (Dirichlet process or Dirichlet distribution). Each change refits
    :class:`~gmm_teach.BayesianGaussianMixture` from the same start; the clustering (left) shows the active
    components only, the bars (right) show every component's weight, and the readout counts the components
    whose weight is above ``active_threshold``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        With more than two features the picture shows the first two principal components.
    n_components : int, default=10
        How many components the mixture may use, at most 20.
    weight_concentration_prior : float, default=None (1 / n_components)
        The starting value of :math:`\alpha_0`, between 1e-4 and 1e4.
    weight_concentration_prior_type : {"dirichlet_process", "dirichlet_distribution"}, default="dirichlet_process"
    covariance_type : {"full", "tied", "diag", "spherical"}, default="full"
    random_state : None, int, numpy.random.RandomState or numpy.random.Generator, default=0
        Where the (single) start of every fit comes from: an int gives the same start to every refit (and
        scikit-learn's start for that ``random_state``); a generator is continued from fit to fit.
    max_iter : int, default=200
    active_threshold : float, default=0.01
        A component with a weight above this counts as active.
    feature_names : sequence of str, optional
        Axis labels for the features of an array (default: a DataFrame's columns, else x₁, x₂, ...).

    Attributes
    ----------
    weight_concentration_prior, weight_concentration_prior_type : traitlets
        The state; setting one from Python does what moving its control does.
    model : BayesianGaussianMixture
        The current fit.
    figure : matplotlib.figure.Figure

    Examples
    --------
    >>> from gmm_teach import datasets
    >>> explorer = BayesianExplorer(datasets.load_old_faithful(), n_components=6)
    >>> explorer.n_active                                   # Old Faithful has two clusters
    2
    >>> explorer.weight_concentration_prior_type = "dirichlet_distribution"
    >>> explorer.weight_concentration_prior = 1e3           # a prior that insists on equal weights
    >>> explorer.n_active
    6
    """

    weight_concentration_prior = traitlets.Float(0.1)
    weight_concentration_prior_type = traitlets.Unicode("dirichlet_process")

    def __init__(
        self,
        X,
        n_components=10,
        weight_concentration_prior=None,
        weight_concentration_prior_type="dirichlet_process",
        covariance_type="full",
        random_state=0,
        max_iter=200,
        active_threshold=0.01,
        feature_names=None,
    ):
        self.feature_names = feature_names_of(X, feature_names)
        X = check.check_array(X).astype(np.float64, copy=False)
        n_components = check.check_integer(n_components, "n_components", 1, min(MAX_COMPONENTS, X.shape[0]))
        concentration = 1.0 / n_components if weight_concentration_prior is None else weight_concentration_prior
        _check_concentration(concentration)
        check.check_choice(weight_concentration_prior_type, "weight_concentration_prior_type", PRIOR_TYPES)
        check.check_choice(covariance_type, "covariance_type", check.COVARIANCE_TYPES)
        check.check_random_state(random_state)  # refuses a bad one before any fit
        check.check_integer(max_iter, "max_iter", 1)
        self.active_threshold = check.check_number(active_threshold, "active_threshold", 0.0, 1.0)
        self.X = X
        self._settings = dict(
            n_components=n_components, covariance_type=covariance_type, random_state=random_state, max_iter=max_iter
        )
        self._fits = {}
        self._ready = False
        super().__init__()
        self.weight_concentration_prior = concentration
        self.weight_concentration_prior_type = weight_concentration_prior_type
        self.model = self._fit()
        self._layout(self._make_controls(), FIGURE_SIZE)
        self._draw()
        self._ready = True
        self._show()

    # ----------------------------------------------------------------- building
    def _make_controls(self):
        low, high = LOG10_CONCENTRATION_RANGE
        self.slider = widgets.FloatLogSlider(
            value=self.weight_concentration_prior,
            base=10,
            min=low,
            max=high,
            step=0.25,
            description="weight concentration α₀",
            readout_format=".2g",
            continuous_update=False,
            style={"description_width": "initial"},
            layout=control_layout("380px"),
        )
        self.prior_buttons = widgets.ToggleButtons(
            options=[(label, name) for name, label in PRIOR_LABELS.items()],
            value=self.weight_concentration_prior_type,
            style={"button_width": "160px"},
            tooltips=[
                "stick-breaking: the first components take most of the weight",
                "every component is treated alike",
            ],
            layout=control_layout(),
        )
        widgets.link((self.slider, "value"), (self, "weight_concentration_prior"))
        widgets.link((self.prior_buttons, "value"), (self, "weight_concentration_prior_type"))
        return [self.slider, self.prior_buttons]

    def _draw(self):
        """Make the two panels once; :meth:`_show` then updates their artists in place."""
        clustering_ax, self.weights_ax = self.figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.25, 1]})
        params, responsibilities = self._sorted_fit()
        self.clustering = plot_clustering(
            clustering_ax,
            self.X,
            params,
            responsibilities,
            projection=projection_for(self.X, feature_names=self.feature_names),
        )
        n_components = self._settings["n_components"]
        positions = np.arange(1, n_components + 1)
        self.bars = self.weights_ax.bar(
            positions, params.weights, color=component_colors(n_components), edgecolor="black", linewidth=0.6
        )
        for bar in self.bars[len(PALETTE) :]:  # the palette repeats: hatch the second round of colours
            bar.set_hatch("//")
        self.bar_labels = [self.weights_ax.text(x, 0.0, "", ha="center", va="bottom", fontsize=7) for x in positions]
        self.weights_ax.axhline(self.active_threshold, color="0.3", linestyle="--", linewidth=1)
        self.weights_ax.set_xticks(positions)
        self.weights_ax.set_xlabel("components, heaviest first")
        self.weights_ax.set_ylabel("weight")
        self.figure.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.9, wspace=0.22)

    # ----------------------------------------------------------------- validation of the traits
    @traitlets.validate("weight_concentration_prior")
    def _valid_concentration(self, proposal):
        return _check_concentration(proposal.value)

    @traitlets.validate("weight_concentration_prior_type")
    def _valid_prior_type(self, proposal):
        return check.check_choice(proposal.value, "weight_concentration_prior_type", PRIOR_TYPES)

    # ----------------------------------------------------------------- reacting
    @traitlets.observe("weight_concentration_prior", "weight_concentration_prior_type")
    def _on_prior(self, change):
        if self._ready:
            self.model = self._fit()
            self._show()

    def _fit(self):
        """The fit for the current prior (each is computed once, then remembered)."""
        key = (self.weight_concentration_prior, self.weight_concentration_prior_type)
        if key not in self._fits:
            self._fits[key] = BayesianGaussianMixture(
                weight_concentration_prior=self.weight_concentration_prior,
                weight_concentration_prior_type=self.weight_concentration_prior_type,
                **self._settings,
            )
            for _ in self._fits[key].iter_fit(self.X):  # one start, no ConvergenceWarning: the readout says it
                pass
        return self._fits[key]

    def _sorted_fit(self):
        """The fit's parameters and responsibilities with the components sorted by weight, heaviest first.

        The palette has eight colours: sorting gives the active components distinct ones. The covariances
        are given as full matrices, which draw the same ellipses for every covariance type.
        """
        params = self.model.params_
        order = np.argsort(-params.weights, kind="stable")
        view = MixtureParams.from_covariances(
            params.weights[order], params.means[order], params.as_full()[order], "full"
        )
        return view, self.model.predict_proba(self.X)[:, order]

    @property
    def active(self):
        """Boolean mask of the components whose weight is above ``active_threshold``."""
        return self.model.weights_ > self.active_threshold

    @property
    def n_active(self):
        """The number of active components of the current fit."""
        return int(self.active.sum())

    def _show(self):
        params, responsibilities = self._sorted_fit()
        self.clustering.update(params, responsibilities)
        active = params.weights > self.active_threshold
        for rings, is_active in zip(self.clustering.ellipses, active):
            for ring in rings:
                ring.set_visible(bool(is_active))
        self.clustering.means.set_sizes(np.where(active, MEAN_MARKER_SIZE, 0.0))
        for bar, label, weight in zip(self.bars, self.bar_labels, params.weights):
            bar.set_height(weight)
            label.set_y(weight + 0.01)
            label.set_text(f"{weight:.2f}" if weight >= 0.005 else "~0")
        self.weights_ax.set_ylim(0, max(0.25, 1.15 * self.model.weights_.max()))
        self.weights_ax.set_title(
            f"{self.n_active} of {len(active)} active (weight > {self.active_threshold:g})", fontsize=11
        )
        self.clustering.ax.set_title(
            f"{PRIOR_LABELS[self.weight_concentration_prior_type]}, α₀ = {self.weight_concentration_prior:.2g}",
            fontsize=11,
        )
        self.readout.value = self._readout()
        self.redraw()

    def _readout(self):
        """What the picture shows, in plain words."""
        model = self.model
        hidden = "; the others are hidden on the left" if self.n_active < len(model.weights_) else ""
        lines = [
            f"<b>{self.n_active} of {len(model.weights_)} components active</b> (weight above "
            f"{self.active_threshold:g}{hidden}).",
            f"Prior: {PRIOR_LABELS[self.weight_concentration_prior_type]} with weight concentration "
            f"α₀ = {self.weight_concentration_prior:.3g}. Smaller α₀ asks for fewer components.",
            f"Evidence lower bound (ELBO) of this fit: {model.lower_bound_:.2f}.",
        ]
        if model.converged_:
            lines.append(f"Variational EM converged after {model.n_iter_} iterations.")
        else:
            lines.append(f"Variational EM stopped after max_iter={model.max_iter} iterations without converging.")
        return "<br>".join(lines)


def _check_concentration(value):
    """α₀ must be a number within the slider's range, 1e-4 to 1e4."""
    low, high = (10.0**bound for bound in LOG10_CONCENTRATION_RANGE)
    return check.check_number(value, "weight_concentration_prior", minimum=low, maximum=high)
