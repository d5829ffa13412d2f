"""gmm-teach: Gaussian mixture models and the EM algorithm, made visible.

The public API::

    from gmm_teach import GaussianMixture, datasets
    from gmm_teach.em import e_step, m_step, em_steps, EMStep, MixtureParams
"""

import importlib

from . import datasets, selection
from ._validation import ConvergenceWarning, NotFittedError
from .bayesian import BayesianGaussianMixture
from .em import EMStep, MixtureParams, e_step, em_steps, m_step
from .mixture import GaussianMixture
from .selection import best_model, information_criteria
from .trace import EMTrace

# Imported on first use (``gmm_teach.plotting``), so that ``import gmm_teach`` needs neither matplotlib nor
# ipywidgets; they are left out of ``__all__`` for the same reason.
_LAZY_SUBMODULES = ("plotting", "animation", "widgets")


def __getattr__(name):
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BayesianGaussianMixture",
    "ConvergenceWarning",
    "EMStep",
    "EMTrace",
    "GaussianMixture",
    "MixtureParams",
    "NotFittedError",
    "best_model",
    "datasets",
    "e_step",
    "em_steps",
    "information_criteria",
    "m_step",
    "selection",
]
__version__ = "0.1.0"
