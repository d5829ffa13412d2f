"""EMPlayer: watch EM converge, one E-step and one M-step at a time."""

import numbers
from itertools import combinations

import ipywidgets as widgets
import numpy as np
import traitlets

from .. import _validation as check
from ..animation import FIGURE_SIZE, PHASES, EMView, frame_state, to_jshtml
from ..plotting import feature_names_of, projection_for
from ..trace import EMTrace
from ._base import Explorer, control_layout, count

MAX_COMPONENTS = 10
MAX_FEATURE_PAIRS = 15
PCA_VIEW = "principal components"


class EMPlayer(Explorer):
    r"""Replay one EM run: a Play button and an iteration slider, with the E-step and the M-step shown apart.

    At the **E-step** of iteration :math:`t` the points are recoloured by their new responsibilities while the
    ellipses stay where they were; at the **M-step** the ellipses move to the refitted components. Changing the
    number of components, the covariance type or the initialisation, or pressing "new start", runs EM again.

    Parameters
    ----------
    X : array-like or pandas.DataFrame of shape (n_samples, n_features)
        With more than two features the picture shows the first two principal components (or a chosen
        pair of features); with one feature, the density curves. A DataFrame's column names label the axes.
    n_components : int, default=3
    covariance_type : {"full", "tied", "diag", "spherical"}, default="full"
    init_params : {"random_from_data", "kmeans", "k-means++", "random"}, default="random_from_data"
        Where EM starts. The default, components centred on randomly chosen points, leaves EM work to do;
        "kmeans" starts where k-means ended, so on well separated groups EM has little left to show.
    random_state : None, int, numpy.random.RandomState or numpy.random.Generator, default=1
        An int is the first seed (the default 1 gives a start that leaves EM work to do on the book's examples:
        Old Faithful and three well separated blobs), and "new start" adds one (seed ``s`` gives the start
        scikit-learn's
        ``random_state=s`` gives). Otherwise every run (a new start, a changed control) draws its start from
        this generator (None: NumPy's global one), continuing its stream; ``seed`` then counts the starts.
    max_iter : int, default=100
    tol : float, default=1e-4
        EM stops when the mean log-likelihood changes by less than this (``GaussianMixture``'s ``tol``, 1e-3
        there): the smaller default shows the slow crawl that follows an early plateau.
    feature_names : sequence of str, optional
        Axis labels for the features of an array (default: a DataFrame's columns, else x₁, x₂, ...).

    Attributes
    ----------
    iteration, phase, n_components, covariance_type, init_params, seed : traitlets
        The state; setting one from Python does what moving its control does.
    features : traitlet
        ``None`` for principal components or a pair of column indices (data with more than two features).
    trace : EMTrace
        The current run.
    figure : matplotlib.figure.Figure

    Examples
    --------
    >>> from gmm_teach import datasets
    >>> player = EMPlayer(datasets.load_old_faithful(), n_components=2)
    >>> player.iteration = 2
    >>> player.phase = "E"
    >>> player.view.clustering.means.get_offsets().tolist() == player.trace.params[1].means.tolist()
    True
    """

    iteration = traitlets.Int(0)
    phase = traitlets.Unicode("M")
    n_components = traitlets.Int(3)
    covariance_type = traitlets.Unicode("full")
    init_params = traitlets.Unicode("random_from_data")
    seed = traitlets.Int(0)
    features = traitlets.Any(None)

    def __init__(
        self,
        X,
        n_components=3,
        covariance_type="full",
        init_params="random_from_data",
        random_state=1,
        max_iter=100,
        tol=1e-4,
        feature_names=None,
    ):
        self.feature_names = feature_names_of(X, feature_names)
        X = check.check_array(X).astype(np.float64, copy=False)
        self._max_components = min(MAX_COMPONENTS, X.shape[0])
        check.check_integer(n_components, "n_components", 1, self._max_components)
        check.check_choice(covariance_type, "covariance_type", check.COVARIANCE_TYPES)
        check.check_choice(init_params, "init_params", check.INIT_METHODS)
        generator = check.check_random_state(random_state)  # refuses a bad one before any work
        # an int seeds each run itself ("new start" adds one); any other random_state is continued by every run
        self._generator = None if isinstance(random_state, numbers.Integral) else generator
        self.max_iter = check.check_integer(max_iter, "max_iter", 1)
        self.tol = check.check_number(tol, "tol", minimum=0.0)
        self.X = X
        self._ready = False
        super().__init__()
        self.n_components, self.covariance_type = n_components, covariance_type
        self.init_params, self.seed = init_params, (random_state if self._generator is None else 0)
        self.trace = self._run()
        self._layout(self._make_controls(), FIGURE_SIZE)
        self.view = EMView(self.figure, self.trace, projection_for(X, feature_names=self.feature_names))
        self._ready = True
        self._show()

    # ----------------------------------------------------------------- building
    def _make_controls(self):
        last = len(self.trace) - 1
        self.play = widgets.Play(value=0, min=0, max=last, step=1, interval=700, description="Play EM")
        self.slider = widgets.IntSlider(
            value=0, min=0, max=last, description="iteration", continuous_update=True, layout=control_layout("300px")
        )
        self.phase_buttons = widgets.ToggleButtons(
            options=[("E-step", "E"), ("M-step", "M")],
            value=self.phase,
            tooltips=["recolour the points (responsibilities)", "move the ellipses (refit the components)"],
            style={"button_width": "70px"},
            layout=control_layout(),
        )
        self.components_menu = widgets.Dropdown(
            options=list(range(1, self._max_components + 1)),
            value=self.n_components,
            description="components",
            style={"description_width": "initial"},
            layout=control_layout("160px"),
        )
        self.covariance_menu = widgets.Dropdown(
            options=list(check.COVARIANCE_TYPES),
            value=self.covariance_type,
            description="covariance",
            layout=control_layout("190px"),
        )
        self.init_menu = widgets.Dropdown(
            options=list(check.INIT_METHODS),
            value=self.init_params,
            description="start from",
            layout=control_layout("230px"),
        )
        self.new_start = widgets.Button(
            description="new start",
            icon="refresh",
            tooltip="run EM again from another random start",
            layout=control_layout(),
        )
        self.new_start.on_click(lambda _: setattr(self, "seed", self.seed + 1))
        controls = [
            self.play,
            self.slider,
            self.phase_buttons,
            self.components_menu,
            self.covariance_menu,
            self.init_menu,
            self.new_start,
        ]
        widgets.link((self.play, "value"), (self.slider, "value"))
        for control, name in [
            (self.slider, "iteration"),
            (self.phase_buttons, "phase"),
            (self.components_menu, "n_components"),
            (self.covariance_menu, "covariance_type"),
            (self.init_menu, "init_params"),
        ]:
            widgets.link((control, "value"), (self, name))
        if self.X.shape[1] > 2:
            self.view_menu = widgets.Dropdown(
                options=self._view_options(), value=None, description="view", layout=control_layout("260px")
            )
            widgets.link((self.view_menu, "value"), (self, "features"))
            controls.append(self.view_menu)
        return controls

    def _view_options(self):
        pairs = list(combinations(range(self.X.shape[1]), 2))[:MAX_FEATURE_PAIRS]
        names = self.feature_names
        return [(PCA_VIEW, None)] + [(f"{names[i]} vs {names[j]}", (i, j)) for i, j in pairs]

    def _run(self):
        return EMTrace.run(
            self.X,
            n_components=self.n_components,
            covariance_type=self.covariance_type,
            init_params=self.init_params,
            random_state=self.seed if self._generator is None else self._generator,
            max_iter=self.max_iter,
            tol=self.tol,
        )

    # ----------------------------------------------------------------- validation of the traits
    @traitlets.validate("iteration")
    def _valid_iteration(self, proposal):
        if self._ready:
            check.check_integer(proposal.value, "iteration", 0, len(self.trace) - 1)
        return proposal.value

    @traitlets.validate("phase")
    def _valid_phase(self, proposal):
        return check.check_choice(proposal.value, "phase", PHASES)

    @traitlets.validate("n_components")
    def _valid_n_components(self, proposal):
        return check.check_integer(proposal.value, "n_components", 1, self._max_components)

    @traitlets.validate("covariance_type")
    def _valid_covariance_type(self, proposal):
        return check.check_choice(proposal.value, "covariance_type", check.COVARIANCE_TYPES)

    @traitlets.validate("init_params")
    def _valid_init_params(self, proposal):
        return check.check_choice(proposal.value, "init_params", check.INIT_METHODS)

    @traitlets.validate("seed")
    def _valid_seed(self, proposal):
        return check.check_integer(proposal.value, "seed", 0)

    @traitlets.validate("features")
    def _valid_features(self, proposal):
        if proposal.value is None:
            return None
        projection_for(self.X, features=proposal.value)  # raises a clear error for a bad pair
        return tuple(int(j) for j in proposal.value)

    # ----------------------------------------------------------------- reacting
    @traitlets.observe("iteration", "phase")
    def _on_step(self, change):
        if self._ready:
            self._show()

    @traitlets.observe("n_components", "covariance_type", "init_params", "seed")
    def _on_model(self, change):
        if self._ready:
            self.trace = self._run()
            self._redraw_run()

    @traitlets.observe("features")
    def _on_features(self, change):
        if self._ready:
            self.view.projection = projection_for(self.X, features=self.features, feature_names=self.feature_names)
            self._redraw_run()

    def _redraw_run(self):
        """After a refit or a new view: draw the run again and go back to iteration 0."""
        self._ready = False
        self.view.set_trace(self.trace)
        last = len(self.trace) - 1
        self.iteration = 0
        self.play.max = self.slider.max = last
        self._ready = True
        self._show()

    def _show(self):
        self.view.show(self.iteration, self.phase)
        self.redraw(self.view.changing())  # the picture first: it is what the learner waits for
        self.readout.value = self._readout()

    def _readout(self):
        """What the picture shows, in plain words."""
        trace, t = self.trace, self.iteration
        params, _, shown = frame_state(trace, t, self.phase)
        weights = ", ".join(f"{w:.2f}" for w in params.weights)
        lines = [f"<b>Iteration {t} of {len(trace) - 1}</b>"]
        if t == 0:
            lines.append("The starting point: parameters from the initial guess (" + self.init_params + ").")
        elif self.phase == "E":
            lines.append(
                "E-step: each point's colour now shows how responsible each component is for it, "
                "computed from the previous parameters. The ellipses have not moved yet."
            )
        else:
            lines.append(
                "M-step: each component moved to the weighted mean and spread of the points it is responsible for."
            )
        log_likelihood = trace.log_likelihoods[shown]
        sentence = f"Mean log-likelihood of the parameters shown: {log_likelihood:.4f}"
        if shown > 0:
            change = log_likelihood - trace.log_likelihoods[shown - 1]
            sentence += f" (up {change:.2g} from the iteration before; EM never goes down)"
        lines.append(sentence + ".")
        lines.append(f"Weights (share of the points each component takes): {weights}.")
        if trace.converged[-1]:
            lines.append(
                f"EM converged after {count(len(trace) - 1, 'iteration')}: the log-likelihood had changed by "
                f"less than {self.tol:g} in the iteration before (EM stops one M-step later, as scikit-learn)."
            )
        else:
            lines.append(f"EM stopped after max_iter={count(self.max_iter, 'iteration')} without converging.")
        return "<br>".join(lines)

    def to_html(self, fps=2.0):
        """The current run as a self-contained JavaScript animation (HTML string), for static pages."""
        return to_jshtml(self.trace, fps=fps, projection=self.view.projection)
