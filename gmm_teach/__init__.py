"""gmm-teach: Gaussian mixture models and the EM algorithm, made visible.

The public API::

    from gmm_teach import GaussianMixture, datasets
    from gmm_teach.em import e_step, m_step, em_steps, EMStep, MixtureParams
"""

from . import datasets
from .bayesian import BayesianGaussianMixture
from ._validation import ConvergenceWarning, NotFittedError
from .em import EMStep, MixtureParams, e_step, em_steps, m_step
from .mixture import GaussianMixture

__all__ = [
    "BayesianGaussianMixture",
    "ConvergenceWarning",
    "EMStep",
    "GaussianMixture",
    "MixtureParams",
    "NotFittedError",
    "datasets",
    "e_step",
    "em_steps",
    "m_step",
]
__version__ = "0.1.0"
