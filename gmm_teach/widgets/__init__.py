"""Interactive explorers for Jupyter (ipywidgets, with ipympl when available).

* :class:`EMPlayer`: watch EM converge, E-step and M-step apart.
* :class:`AnomalyExplorer`: choose the share of points to flag as anomalies, by density or by confidence.
* :class:`ElbowExplorer`: read AIC and BIC against the number of components, and see the chosen model.
* :class:`BayesianExplorer`: change the prior on the weights and watch components switch off.
* :class:`EMSandbox`: set EM's start by hand (drag means and ellipses, add and remove points), then step it.

Each is an ``ipywidgets`` container whose state is in traitlets, so ``player.iteration = 5`` in Python does
what dragging the slider does. The ``GMM_MPL_BACKEND`` environment variable chooses how the figure is shown
(see :mod:`gmm_teach.widgets._base`).
"""

from ._base import backend_mode
from .anomaly_explorer import AnomalyExplorer
from .bayesian_explorer import BayesianExplorer
from .elbow_explorer import ElbowExplorer
from .em_player import EMPlayer
from .em_sandbox import EMSandbox

__all__ = ["AnomalyExplorer", "BayesianExplorer", "EMPlayer", "EMSandbox", "ElbowExplorer", "backend_mode"]
