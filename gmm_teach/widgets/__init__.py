"""Interactive explorers for Jupyter (ipywidgets, with ipympl when available).

* :class:`EMPlayer`: watch EM converge, E-step and M-step apart.
* :class:`AnomalyExplorer`: choose the share of points to flag as anomalies, by density or by confidence.
* :class:`ElbowExplorer`: read AIC and BIC against the number of components, and see the chosen model.
* :class:`BayesianExplorer`: change the prior on the weights and watch components switch off.
* :class:`EMSandbox`: set EM's start by hand (drag means and ellipses, add and remove points), then step it.
* :class:`LowerBoundExplorer`: step EM half a step at a time and see the bound and the KL gap (why EM climbs).
* :class:`LikelihoodSurfaceExplorer`: click a start on the log-likelihood surface of two means, watch EM's path.
* :class:`CollapseExplorer`: shrink a component onto one point and watch the log-likelihood run away.

Each is an ``ipywidgets`` container whose state is in traitlets, so ``player.iteration = 5`` in Python does
what dragging the slider does. The ``GMM_MPL_BACKEND`` environment variable chooses how the figure is shown
(see :mod:`gmm_teach.widgets._base`).
"""

try:
    import ipywidgets  # noqa: F401  (every explorer is an ipywidgets container)
except ImportError:
    # One line a learner can act on, not a traceback through our modules ending in ModuleNotFoundError.
    raise ImportError(
        'gmm_teach.widgets needs ipywidgets, which is not installed: pip install "gmm-teach[widgets]" '
        '(in a clone: pip install -e ".[widgets]")',
        name="ipywidgets",
    ) from None

from ._base import backend_mode
from .anomaly_explorer import AnomalyExplorer
from .bayesian_explorer import BayesianExplorer
from .collapse_explorer import CollapseExplorer
from .elbow_explorer import ElbowExplorer
from .em_player import EMPlayer
from .em_sandbox import EMSandbox
from .likelihood_surface_explorer import LikelihoodSurfaceExplorer
from .lower_bound_explorer import LowerBoundExplorer

__all__ = [
    "AnomalyExplorer",
    "BayesianExplorer",
    "CollapseExplorer",
    "EMPlayer",
    "EMSandbox",
    "ElbowExplorer",
    "LikelihoodSurfaceExplorer",
    "LowerBoundExplorer",
    "backend_mode",
]
