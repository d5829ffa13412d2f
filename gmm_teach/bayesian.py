r"""Bayesian Gaussian mixtures: variational EM that switches off the components it does not need.

Plain EM finds *one* value of the parameters :math:`\theta = (\pi, \mu, \Lambda)` (weights, means,
precisions :math:`\Lambda_k = \Sigma_k^{-1}`). A Bayesian mixture puts a prior on them and asks for the
posterior :math:`p(\theta, z \mid X)`. That posterior has no closed form, so *variational* EM looks for the
closest distribution of the form :math:`q(z)\,q(\theta)` by maximising the evidence lower bound (ELBO)

.. math:: \mathcal{L}(q) = \mathbb{E}_q[\log p(X, z, \theta)] - \mathbb{E}_q[\log q(z)\,q(\theta)]
          \;\le\; \log p(X).

The priors (scikit-learn's, after Bishop, *Pattern Recognition and Machine Learning*, chapter 10):

* weights: a Dirichlet distribution with concentration :math:`\alpha_0` for every component, or a Dirichlet
  process (stick-breaking: :math:`\pi_k = v_k \prod_{j<k}(1 - v_j)` with :math:`v_k \sim
  \mathrm{Beta}(1, \alpha_0)`);
* each mean: :math:`\mu_k \mid \Lambda_k \sim \mathcal{N}(m_0, (\beta_0 \Lambda_k)^{-1})`;
* each precision: :math:`\Lambda_k \sim \mathcal{W}(W_0, \nu_0)`, a Wishart with :math:`W_0^{-1}` the
  ``covariance_prior`` and :math:`\nu_0` the ``degrees_of_freedom_prior``.

The two steps have the same shape as EM's:

* the **variational E-step** (:func:`variational_e_step`) computes responsibilities from *expected*
  log-weights and log-densities under :math:`q(\theta)`;
* the **variational M-step** (:func:`variational_m_step`) updates :math:`q(\theta)`: every posterior
  parameter is its prior value plus what the points assigned to the component say.

A component that owns almost no points keeps its prior, and with a small weight concentration the prior
pushes its weight towards zero: the model switches off the components it does not need.

:func:`variational_em_steps` is the loop, a generator like :func:`gmm_teach.em.em_steps`; it yields
:class:`VariationalStep` records whose ``evidence_lower_bound`` field holds the ELBO, the quantity that never
decreases here. :class:`BayesianGaussianMixture` is the estimator, with scikit-learn's interface.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

import numpy as np
from scipy.special import betaln, digamma, gammaln, logsumexp, xlogy

from . import _distributed, _engine
from . import _validation as check
from ._base import BaseMixture
from .covariance import COVARIANCE_MODELS
from .em import MixtureParams, SufficientStatistics, log_gaussian_density
from .initialization import SEED_METHODS, initial_params, initial_responsibilities, seed_tied_covariance

PRIOR_TYPES = ("dirichlet_process", "dirichlet_distribution")


# --------------------------------------------------------------------------------------- weight priors
class DirichletProcessWeights:
    r"""The stick-breaking (Dirichlet process) prior on the weights.

    Break a stick of length one: component 1 takes a fraction :math:`v_1`, component 2 a fraction
    :math:`v_2` of what is left, and so on, :math:`\pi_k = v_k\prod_{j<k}(1-v_j)` with
    :math:`v_k \sim \mathrm{Beta}(1, \alpha_0)`. A small :math:`\alpha_0` makes the first fractions large,
    so few components share almost all the weight; the order of the components matters.
    The posterior of each :math:`v_k` is :math:`\mathrm{Beta}(a_k, b_k)` with :math:`a_k = 1 + N_k` and
    :math:`b_k = \alpha_0 + \sum_{j>k} N_j`; the concentration is the pair ``(a, b)``.
    """

    name = "dirichlet_process"

    def posterior(self, nk, prior):
        tail = np.hstack((np.cumsum(nk[::-1])[-2::-1], 0.0))  # sum of N_j over j > k
        return (1.0 + nk, prior + tail)

    def expected_log_weights(self, concentration):
        r""":math:`\mathbb{E}[\log\pi_k] = \mathbb{E}[\log v_k] + \sum_{j<k}\mathbb{E}[\log(1-v_j)]`."""
        a, b = concentration
        digamma_sum = digamma(a + b)
        log_rest = digamma(b) - digamma_sum
        return digamma(a) - digamma_sum + np.hstack((0.0, np.cumsum(log_rest)[:-1]))

    def expected_weights(self, concentration):
        r""":math:`\mathbb{E}[v_k]\prod_{j<k}\mathbb{E}[1-v_j]`, normalised to sum to one."""
        a, b = concentration
        rest = b / (a + b)
        weights = a / (a + b) * np.hstack((1.0, np.cumprod(rest[:-1])))
        return weights / weights.sum()

    def log_normaliser(self, concentration):
        r""":math:`-\sum_k \log B(a_k, b_k)`, the log normalising constant of the Beta posteriors."""
        return -np.sum(betaln(*concentration))


class DirichletDistributionWeights:
    r"""The finite Dirichlet prior on the weights, :math:`\pi \sim \mathrm{Dir}(\alpha_0, \dots, \alpha_0)`.

    Every component is treated alike. With :math:`\alpha_0 < 1` the prior prefers weight vectors with
    many near-zero entries. The posterior is :math:`\mathrm{Dir}(\alpha_0 + N_1, \dots, \alpha_0 + N_K)`.
    """

    name = "dirichlet_distribution"

    def posterior(self, nk, prior):
        return prior + nk

    def expected_log_weights(self, concentration):
        r""":math:`\mathbb{E}[\log\pi_k] = \psi(\alpha_k) - \psi(\sum_j \alpha_j)`, with :math:`\psi` the digamma."""
        return digamma(concentration) - digamma(np.sum(concentration))

    def expected_weights(self, concentration):
        r""":math:`\mathbb{E}[\pi_k] = \alpha_k / \sum_j \alpha_j`."""
        return concentration / np.sum(concentration)

    def log_normaliser(self, concentration):
        r""":math:`\log\Gamma(\sum_k\alpha_k) - \sum_k\log\Gamma(\alpha_k)`, the Dirichlet's log normaliser."""
        return gammaln(np.sum(concentration)) - np.sum(gammaln(concentration))


WEIGHT_PRIORS = {prior.name: prior for prior in (DirichletProcessWeights(), DirichletDistributionWeights())}


# --------------------------------------------------------------------------------------- priors and posterior
@dataclass(frozen=True, eq=False)
class MixturePriors:
    """The prior of a Bayesian Gaussian mixture, every value resolved (no ``None``).

    Attributes
    ----------
    weight_concentration_prior_type : {"dirichlet_process", "dirichlet_distribution"}
    weight_concentration : float
        :math:`\\alpha_0`: small values favour few active components.
    mean_precision : float
        :math:`\\beta_0`: how strongly the means are pulled towards ``mean``.
    mean : ndarray of shape (n_features,)
        :math:`m_0`, the prior guess for every mean.
    degrees_of_freedom : float
        :math:`\\nu_0 > d - 1`: how strongly the covariances are pulled towards ``covariance``.
    covariance : ndarray or float
        :math:`W_0^{-1}`, the prior guess for the covariances, in the shape of one (tied) covariance:
        full and tied (d, d), diag (d,), spherical a float.
    """

    weight_concentration_prior_type: str
    weight_concentration: float
    mean_precision: float
    mean: np.ndarray
    degrees_of_freedom: float
    covariance: np.ndarray

    @classmethod
    def from_data(
        cls,
        X,
        n_components,
        covariance_type="full",
        weight_concentration_prior_type="dirichlet_process",
        weight_concentration_prior=None,
        mean_precision_prior=None,
        mean_prior=None,
        degrees_of_freedom_prior=None,
        covariance_prior=None,
        sample_weight=None,
    ):
        """Resolve scikit-learn's defaults from the data: a prior left as ``None`` takes its default.

        The defaults are :math:`\\alpha_0 = 1/K`, :math:`\\beta_0 = 1`, :math:`m_0` the mean of ``X``,
        :math:`\\nu_0 = d` and :math:`W_0^{-1}` the sample covariance of ``X`` (its diagonal for diag, the mean
        variance for spherical); with ``sample_weight``, the weighted mean and covariance (frequency weights: a
        weight of 2 is a point twice). ``X`` may be a Dask array (then one pass over its blocks gives the mean and
        the covariance). Inputs are assumed valid (the estimator checks them).
        """
        n_features = X.shape[1]
        data_mean, data_covariance = _data_moments(X, covariance_type, sample_weight, covariance_prior is None)
        return cls(
            weight_concentration_prior_type,
            1.0 / n_components if weight_concentration_prior is None else float(weight_concentration_prior),
            1.0 if mean_precision_prior is None else float(mean_precision_prior),
            data_mean if mean_prior is None else np.asarray(mean_prior, dtype=float),
            float(n_features) if degrees_of_freedom_prior is None else float(degrees_of_freedom_prior),
            data_covariance if covariance_prior is None else np.asarray(covariance_prior, dtype=float),
        )


def _data_moments(X, covariance_type, sample_weight=None, with_covariance=True):
    """The (weighted) mean of ``X`` and its sample covariance in the shape of one covariance of ``covariance_type``
    (None without ``with_covariance``: one point has none).

    A Dask array gives them in one pass: the sufficient statistics of a single component that owns every point,
    merged over the blocks.
    """
    if not _distributed.is_dask_array(X):
        mean = np.average(X, axis=0, weights=sample_weight)
        return mean, _sample_covariance(X, covariance_type, sample_weight) if with_covariance else None
    scatter_type = "full" if covariance_type in ("full", "tied") else "diag"
    statistics = _distributed.reduce_blocks(
        lambda block, weight: SufficientStatistics.from_responsibilities(
            block, np.ones((block.shape[0], 1)), scatter_type, weight
        ),
        SufficientStatistics.merge,
        X,
        sample_weight,
    )
    if not with_covariance:
        return statistics.means[0], None
    covariance = statistics.scatters[0] / (statistics.weight_total - 1.0)  # one degree of freedom for the mean
    return statistics.means[0], covariance.mean() if covariance_type == "spherical" else covariance


def _sample_covariance(X, covariance_type, sample_weight=None):
    """The sample covariance of ``X`` (with 1 degree of freedom taken by the mean, as ``np.cov``) in the shape of
    one covariance of ``covariance_type`` (needs 2 samples, or weights summing to more than 1)."""
    weights = np.ones(X.shape[0]) if sample_weight is None else sample_weight
    centred = X - np.average(X, axis=0, weights=weights)
    covariance = (centred.T * weights) @ centred / (weights.sum() - 1.0)
    if covariance_type in ("full", "tied"):
        return covariance
    variances = np.diag(covariance).copy()
    return variances if covariance_type == "diag" else variances.mean()


@dataclass(frozen=True, eq=False)
class VariationalParams(MixtureParams):
    r"""The variational posterior :math:`q(\theta)`, and the point estimate it implies.

    The inherited fields are the point estimate that scikit-learn reports and that plots draw:
    ``weights`` are the expected weights, ``means`` the posterior means :math:`m_k`, ``covariances`` the
    Wishart scale divided by its degrees of freedom, :math:`(\nu_k W_k)^{-1}`.

    Attributes
    ----------
    weight_concentration : ndarray or tuple of two ndarrays
        Posterior concentration of the weights: :math:`\alpha_k` (Dirichlet distribution) or the Beta
        parameters ``(a, b)`` of the sticks (Dirichlet process).
    mean_precision : ndarray of shape (n_components,)
        :math:`\beta_k = \beta_0 + N_k`: how sure the posterior is of each mean.
    degrees_of_freedom : ndarray of shape (n_components,), or float for tied
        :math:`\nu_k = \nu_0 + N_k`: how sure it is of each precision.
    weight_concentration_prior_type : {"dirichlet_process", "dirichlet_distribution"}
    """

    weight_concentration: object
    mean_precision: np.ndarray
    degrees_of_freedom: object
    weight_concentration_prior_type: str

    @property
    def weight_prior(self):
        """The weight prior object (:class:`DirichletProcessWeights` or :class:`DirichletDistributionWeights`)."""
        return WEIGHT_PRIORS[self.weight_concentration_prior_type]

    def e_step(self, X):
        """The variational E-step under this posterior, :func:`variational_e_step`."""
        return variational_e_step(X, self)

    def expected_log_terms(self):
        r""":math:`\mathbb{E}_q[\log\pi_k]` plus :func:`expected_log_precision_terms`: what the variational E-step
        uses in place of :math:`\log\pi_k`, shape (n_components,)."""
        return self.weight_prior.expected_log_weights(self.weight_concentration) + expected_log_precision_terms(self)


@dataclass(frozen=True, eq=False)
class VariationalStep:
    """One iteration of variational EM, as :func:`variational_em_steps` yields it.

    Like :class:`~gmm_teach.em.EMStep`, except that what the iterations climb is the evidence lower bound, not
    the log-likelihood, and the field says so.

    Attributes
    ----------
    iteration : int
        0 for one variational M-step on the initial responsibilities, then 1, 2, ...
    params : VariationalParams
        The posterior after this iteration's variational M-step.
    responsibilities : ndarray of shape (n_samples, n_components)
        The variational E-step output that produced ``params`` (for iteration 0, the initial responsibilities);
        a lazy Dask array when the fit runs on one.
    evidence_lower_bound : float
        The ELBO of ``responsibilities`` and ``params`` (:func:`evidence_lower_bound`): a *sum* over the points,
        up to a constant that depends only on the priors and :math:`n`, as scikit-learn's ``lower_bound_``.
        Variational EM maximises it and it never decreases. It is not a log-likelihood (nor a mean of one):
        the log-likelihood of the point estimate is ``gmm_teach.em.log_density(X, step.params).mean()``.
    converged : bool
        True when the ELBO changed by less than ``tol`` in this iteration; it is the last step.
    """

    iteration: int
    params: VariationalParams
    responsibilities: np.ndarray
    evidence_lower_bound: float
    converged: bool


# --------------------------------------------------------------------------------------- the two steps
def variational_m_step(X, responsibilities, priors, covariance_type="full", reg_covar=1e-6):
    r"""The variational M-step: update the posterior :math:`q(\theta)` from the responsibilities.

    With :math:`N_k = \sum_i r_{ik}`, :math:`\bar x_k` and :math:`S_k` the weighted mean and covariance of
    component :math:`k` (exactly those of the ordinary M-step), every posterior parameter is its prior
    value plus the evidence:

    .. math::
        \beta_k = \beta_0 + N_k, \qquad
        m_k = \frac{\beta_0 m_0 + N_k \bar x_k}{\beta_k}, \qquad
        \nu_k = \nu_0 + N_k,

    .. math::
        W_k^{-1} = W_0^{-1} + N_k S_k + \frac{\beta_0 N_k}{\beta_k}(\bar x_k - m_0)(\bar x_k - m_0)^\top,

    and the weight concentration is updated by the weight prior (:class:`DirichletProcessWeights`,
    :class:`DirichletDistributionWeights`). A component with :math:`N_k \approx 0` keeps its prior. The
    reported covariance is :math:`W_k^{-1} / \nu_k`; tied, diag and spherical take the mean over components,
    the diagonal, and the mean of the diagonal of the same formula.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    responsibilities : ndarray of shape (n_samples, n_components)
    priors : MixturePriors
    covariance_type : {"full", "tied", "diag", "spherical"}
    reg_covar : float
        Added to the diagonal of every :math:`S_k`, as in the ordinary M-step.

    Returns
    -------
    VariationalParams
    """
    data = _engine.prepare(X, covariance_type)
    responsibilities = np.asarray(responsibilities, dtype=np.float64).T  # (k, n), as the engine takes them
    return _posterior(data, responsibilities, _engine.sums_of(data, responsibilities), priors, reg_covar)


def _posterior(data, responsibilities, sums, priors, reg_covar):
    r""":func:`variational_m_step` from the sums of the engine's E-step: :math:`N_k`, :math:`\bar x_k` and
    :math:`S_k` are the ordinary M-step's, computed as it computes them."""
    nk, component_means, scatter, _ = _engine.estimate(data, responsibilities, sums, reg_covar)
    return _posterior_from_statistics(data.model.name, nk, component_means, scatter, priors, reg_covar)


def _posterior_from_sufficient_statistics(statistics, priors, reg_covar):
    """:func:`variational_m_step` from merged :class:`~gmm_teach.em.SufficientStatistics` (a Dask fit's reduce):
    :math:`N_k`, :math:`\\bar x_k` and :math:`S_k` as :func:`gmm_teach.em.m_step_from` reads them."""
    nk, component_means, scatter = statistics.estimates(reg_covar)
    return _posterior_from_statistics(statistics.covariance_type, nk, component_means, scatter, priors, reg_covar)


def _posterior_from_statistics(covariance_type, nk, component_means, scatter, priors, reg_covar):
    """The variational M-step from :math:`N_k`, :math:`\\bar x_k` and :math:`S_k` (pooled for tied)."""
    weight_prior = WEIGHT_PRIORS[priors.weight_concentration_prior_type]
    mean_precision = priors.mean_precision + nk
    means = (priors.mean_precision * priors.mean + nk[:, np.newaxis] * component_means) / mean_precision[:, np.newaxis]
    shrinkage = nk * priors.mean_precision / mean_precision
    degrees_of_freedom, scale = _WISHART_SCALES[covariance_type](
        priors, nk, scatter, shrinkage, component_means - priors.mean
    )
    covariances = scale / _per_component(degrees_of_freedom, scale.ndim)
    concentration = weight_prior.posterior(nk, priors.weight_concentration)
    return VariationalParams(
        weight_prior.expected_weights(concentration),
        means,
        covariances,
        COVARIANCE_MODELS[covariance_type].precisions_cholesky(covariances, reg_covar),
        covariance_type,
        concentration,
        mean_precision,
        degrees_of_freedom,
        priors.weight_concentration_prior_type,
    )


def _per_component(values, ndim):
    """Reshape per-component values (k,) to broadcast against an array of ``ndim`` dimensions (or a scalar)."""
    return np.reshape(values, np.shape(values) + (1,) * (ndim - 1)) if np.ndim(values) else values


def _wishart_full(priors, nk, scatter, shrinkage, offsets):
    outer = offsets[:, :, np.newaxis] * offsets[:, np.newaxis, :]
    scale = priors.covariance + nk[:, None, None] * scatter + shrinkage[:, None, None] * outer
    return priors.degrees_of_freedom + nk, scale


def _wishart_tied(priors, nk, scatter, shrinkage, offsets):
    # ``scatter`` is already the pooled sum_k N_k S_k / N; the scale is the mean over components
    n_components = nk.shape[0]
    scale = priors.covariance + scatter * nk.sum() / n_components + (shrinkage * offsets.T) @ offsets / n_components
    return priors.degrees_of_freedom + nk.sum() / n_components, scale


def _wishart_diag(priors, nk, scatter, shrinkage, offsets):
    scale = priors.covariance + nk[:, np.newaxis] * scatter + shrinkage[:, np.newaxis] * offsets**2
    return priors.degrees_of_freedom + nk, scale


def _wishart_spherical(priors, nk, scatter, shrinkage, offsets):
    scale = priors.covariance + nk * scatter + shrinkage * np.mean(offsets**2, axis=1)
    return priors.degrees_of_freedom + nk, scale


_WISHART_SCALES = {"full": _wishart_full, "tied": _wishart_tied, "diag": _wishart_diag, "spherical": _wishart_spherical}


def expected_log_precision_terms(posterior):
    r"""What the uncertainty of :math:`q(\mu_k, \Lambda_k)` adds to each component's log-density.

    .. math:: \tfrac12\Big(\mathbb{E}[\log\det\Lambda_k] - d\log\nu_k - \frac{d}{\beta_k}\Big),
              \qquad \mathbb{E}[\log\det\Lambda_k] = d\log 2 + \log\det W_k + \sum_{j=0}^{d-1}
              \psi\Big(\frac{\nu_k - j}{2}\Big)

    (the :math:`\log\det W_k` and :math:`-d\log\nu_k` parts are already in the Gaussian log-density of the
    point estimate, whose precision is :math:`\nu_k W_k`). A component with few points has small
    :math:`\nu_k` and :math:`\beta_k`, so this term is very negative: it is penalised for being unsure.
    Shape (n_components,), or a scalar for tied.
    """
    n_features = posterior.n_features
    degrees_of_freedom = np.asarray(posterior.degrees_of_freedom)
    log_lambda = n_features * np.log(2.0) + np.sum(
        digamma(0.5 * (degrees_of_freedom - np.arange(n_features)[:, np.newaxis])), axis=0
    )
    return 0.5 * (log_lambda - n_features * np.log(degrees_of_freedom) - n_features / posterior.mean_precision)


def variational_weighted_log_density(X, posterior):
    r""":math:`\mathbb{E}_q[\log\pi_k] + \mathbb{E}_q[\log\mathcal{N}(x_i\mid\mu_k,\Lambda_k^{-1})]`, shape (n, k).

    The variational counterpart of :func:`gmm_teach.em.weighted_log_density`: the Gaussian log-density of
    the point estimate plus, per component, the expected log-weight and
    :func:`expected_log_precision_terms`.
    """
    return log_gaussian_density(X, posterior) + posterior.expected_log_terms()


def variational_e_step(X, posterior):
    r"""The variational E-step: responsibilities from expected log-weights and log-densities.

    .. math:: \log r_{ik} = \mathbb{E}_q[\log\pi_k] + \mathbb{E}_q[\log\mathcal{N}(x_i\mid\mu_k,\Lambda_k^{-1})]
              - \log\sum_j \exp(\dots)_j

    It is EM's E-step with expectations under :math:`q(\theta)` in place of fixed parameters. Each row sums
    to one.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    posterior : VariationalParams

    Returns
    -------
    responsibilities : ndarray of shape (n_samples, n_components)
    mean_log_norm : float
        The mean over points of the log normaliser (scikit-learn's ``score``; not a log-likelihood).
    """
    weighted = variational_weighted_log_density(X, posterior)
    log_norm = logsumexp(weighted, axis=1)
    return np.exp(weighted - log_norm[:, np.newaxis]), float(np.mean(log_norm))


def _log_wishart_normaliser(degrees_of_freedom, log_det_precisions_cholesky, n_features):
    r"""Log normalising constant of the Wishart :math:`\mathcal{W}(W_k, \nu_k)`, without its :math:`\log\pi` term."""
    return -(
        degrees_of_freedom * log_det_precisions_cholesky
        + degrees_of_freedom * n_features * 0.5 * np.log(2.0)
        + np.sum(gammaln(0.5 * (degrees_of_freedom - np.arange(n_features)[:, np.newaxis])), axis=0)
    )


def evidence_lower_bound(responsibilities, posterior, sample_weight=None):
    r"""The ELBO of responsibilities :math:`q(z)` and a posterior :math:`q(\theta)` just updated from them.

    Right after the variational M-step most terms of :math:`\mathcal{L}(q)` cancel, and what is left is

    .. math:: \mathcal{L} = -\sum_{i,k} r_{ik}\log r_{ik}
              - \sum_k \log C(\text{Wishart}_k) - \log C(\text{weights}) - \frac d2 \sum_k \log\beta_k
              + \text{const},

    with :math:`C` the normalising constants of the posterior distributions: the entropy of the
    assignments, plus how spread out the posterior still is. The constant depends only on the priors and
    on :math:`n`, so it is left out, as scikit-learn does; values are comparable within one data set and one
    prior, not across them. The ELBO is a sum over points (not a mean); with ``sample_weight`` each point's
    entropy counts ``w_i`` times.
    """
    return assignment_entropy(responsibilities, sample_weight) + _posterior_spread(posterior)


def assignment_entropy(responsibilities, sample_weight=None):
    r"""The entropy of the assignments :math:`q(z)`, :math:`-\sum_{i,k} w_i\, r_{ik}\log r_{ik}` (:math:`w_i = 1`
    unless ``sample_weight`` is given): the one term of :func:`evidence_lower_bound` that needs every point.

    It is a sum over points, so the entropies of blocks of points add up (a Dask fit sums them in its reduce).
    """
    entropies = -np.sum(xlogy(responsibilities, responsibilities), axis=1)
    return float(np.sum(entropies) if sample_weight is None else entropies @ sample_weight)


def _posterior_spread(posterior):
    r"""The terms of :func:`evidence_lower_bound` that depend on the posterior alone:
    :math:`-\sum_k \log C(\text{Wishart}_k) - \log C(\text{weights}) - \frac d2 \sum_k \log\beta_k`."""
    n_features = posterior.n_features
    log_det = posterior.model.log_det_cholesky(posterior.precisions_cholesky, n_features) - 0.5 * n_features * np.log(
        posterior.degrees_of_freedom
    )
    log_wishart = _log_wishart_normaliser(np.asarray(posterior.degrees_of_freedom), log_det, n_features)
    log_wishart_total = np.sum(np.broadcast_to(log_wishart, (posterior.n_components,)))  # tied: one per component
    log_weight_normaliser = posterior.weight_prior.log_normaliser(posterior.weight_concentration)
    return float(
        -log_wishart_total - log_weight_normaliser - 0.5 * n_features * np.sum(np.log(posterior.mean_precision))
    )


def variational_em_steps(
    X,
    initial_responsibilities,
    priors,
    *,
    covariance_type="full",
    tol=1e-3,
    max_iter=100,
    reg_covar=1e-6,
    sample_weight=None,
    initial_posterior=None,
    previous_elbo=-np.inf,
):
    """Run variational EM from initial responsibilities and yield one :class:`VariationalStep` per iteration.

    Step 0 holds the posterior after one variational M-step on ``initial_responsibilities``. Each later
    iteration is a variational E-step on the previous posterior followed by a variational M-step; its ELBO
    (:func:`evidence_lower_bound`) is computed from those responsibilities and the new posterior. The run
    stops after the first iteration :math:`t \\ge 2` whose ELBO changed by less than ``tol`` from step
    :math:`t - 1` (that step has ``converged=True``), or after ``max_iter`` iterations, as scikit-learn's.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    initial_responsibilities : ndarray of shape (n_samples, n_components)
    priors : MixturePriors
    covariance_type : {"full", "tied", "diag", "spherical"}
    tol : float
        Convergence threshold on the change of the ELBO (a sum over points, as in scikit-learn).
    max_iter : int
    reg_covar : float
    sample_weight : ndarray of shape (n_samples,), optional
        Non-negative weights of the points: a point of weight 2 counts as two copies of it.
    initial_posterior : VariationalParams, optional
        Step 0's posterior, when it is not the variational M-step on ``initial_responsibilities`` (a warm
        start, or :func:`seed_posterior`).
    previous_elbo : float, default=-inf
        When this run continues another (a warm start), the ELBO it ended on: step 1 converges when the
        change from it is below ``tol``. A fresh start has none, so its step 1 never converges.

    Yields
    ------
    VariationalStep

    Notes
    -----
    scikit-learn computes the same ELBOs but never the one of step 0: its ``lower_bounds_`` equal the
    ELBOs of steps 1, 2, ... here.
    """
    data = _engine.prepare(X, covariance_type, many_passes=True, sample_weight=sample_weight)
    responsibilities = initial_responsibilities.T
    posterior = initial_posterior
    if posterior is None:
        posterior = _posterior(data, responsibilities, _engine.sums_of(data, responsibilities), priors, reg_covar)
    elbo = evidence_lower_bound(initial_responsibilities, posterior, sample_weight)

    def next_step(posterior):
        # the variational E-step and the sums of the next M-step in one pass, as em_steps does
        expectation = _engine.expectation(data, posterior, expected_log_terms=posterior.expected_log_terms())
        responsibilities = expectation.responsibilities.T
        posterior = _posterior(data, expectation.responsibilities, expectation.sums, priors, reg_covar)
        return responsibilities, posterior, evidence_lower_bound(responsibilities, posterior, sample_weight)

    first_step = VariationalStep(0, posterior, initial_responsibilities, elbo, False)
    yield from _climb(first_step, next_step, tol, max_iter, previous_elbo)


def _climb(first_step, next_step, tol, max_iter, previous_elbo):
    """Yield ``first_step``, then one :class:`VariationalStep` per ``next_step(posterior)`` (which returns the
    responsibilities, the next posterior and its ELBO) until the ELBO stops changing: the stopping rule of
    :func:`variational_em_steps`, shared by the in-memory and the Dask loops."""
    yield first_step
    posterior = first_step.params
    compared_with = previous_elbo  # step 1's ELBO is compared with this, as in scikit-learn (not with step 0's)
    for iteration in range(1, max_iter + 1):
        responsibilities, posterior, elbo = next_step(posterior)
        converged = bool(abs(elbo - compared_with) < tol)
        compared_with = elbo
        yield VariationalStep(iteration, posterior, responsibilities, elbo, converged)
        if converged:
            return


# --------------------------------------------------------------------------------------- on a Dask array
@dataclass(frozen=True, eq=False)
class _BlockSummary:
    """What a block of a Dask array returns to variational EM: its sufficient statistics (for the variational
    M-step) and the entropy of its responsibilities (:func:`assignment_entropy`, for the ELBO). Two summaries merge
    by merging the statistics and adding the entropies."""

    statistics: SufficientStatistics
    entropy: float

    def merge(self, other):
        return _BlockSummary(self.statistics.merge(other.statistics), self.entropy + other.entropy)


def _summary_of_responsibilities(covariance_type, X, responsibilities, sample_weight=None, log_norm_sum=0.0):
    """The :class:`_BlockSummary` of a block of points with given responsibilities (and weights)."""
    statistics = SufficientStatistics.from_responsibilities(
        X, responsibilities, covariance_type, sample_weight, log_norm_sum
    )
    return _BlockSummary(statistics, assignment_entropy(responsibilities, sample_weight))


def _summary_of_e_step(params, log_terms, X, sample_weight=None):
    r"""The :class:`_BlockSummary` of the E-step of ``params`` on a block, ``log_terms`` in place of
    :math:`\log\pi_k` (the variational E-step with a posterior's expected terms): the map step of a Dask fit.

    Unweighted blocks take the engine's one pass; weighted (or empty) ones the reference formulas."""
    if sample_weight is None and X.shape[0]:
        nk, centre, centred_means, scatters, log_norm_sum, responsibilities = _engine.block_statistics(
            X, params, log_terms
        )
        statistics = SufficientStatistics(
            nk, centre, centred_means, scatters, float(log_norm_sum), float(X.shape[0]), params.covariance_type
        )
        return _BlockSummary(statistics, assignment_entropy(responsibilities.T))
    weighted = log_gaussian_density(X, params) + log_terms
    log_norm = logsumexp(weighted, axis=1)
    log_norm_sum = np.sum(log_norm) if sample_weight is None else log_norm @ sample_weight
    responsibilities = np.exp(weighted - log_norm[:, np.newaxis])
    return _summary_of_responsibilities(params.covariance_type, X, responsibilities, sample_weight, log_norm_sum)


def _summary_of_blocks(X, params, sample_weight=None):
    """The merged :class:`_BlockSummary` of the E-step of ``params`` on every block of ``X``, in one compute
    (a variational E-step for a posterior, EM's for start parameters)."""
    log_terms = params.expected_log_terms()
    if log_terms is None:
        with np.errstate(divide="ignore"):  # a weight of exactly 0 gives log 0 = -inf, which is right
            log_terms = np.log(params.weights)
    return _distributed.reduce_blocks(
        partial(_summary_of_e_step, params, log_terms), _BlockSummary.merge, X, sample_weight
    )


def _variational_em_steps_on_blocks(
    X,
    start,
    priors,
    *,
    covariance_type,
    tol,
    max_iter,
    reg_covar,
    sample_weight=None,
    initial_posterior=None,
    previous_elbo=-np.inf,
):
    r""":func:`variational_em_steps` on a prepared Dask array: one map-reduce (one ``compute``) per iteration.

    The blocks return their sufficient statistics under the current posterior and the entropy of their
    responsibilities (:class:`_BlockSummary`), merged in a tree; the variational M-step and the ELBO are computed on
    the client from the merged numbers, and the :math:`n \times k` responsibilities are never gathered (each step's
    ``responsibilities`` is a lazy Dask array). Step 0's responsibilities are ``start``: a Dask array of them, or
    parameters whose E-step on every block gives them. The stopping rule is :func:`variational_em_steps`'.
    """
    if isinstance(start, MixtureParams):
        summary = _summary_of_blocks(X, start, sample_weight)
        initial_responsibilities = _distributed.lazy_responsibilities(X, start)
    else:
        summarise = partial(_summary_of_responsibilities, covariance_type)
        summary = _distributed.reduce_blocks(summarise, _BlockSummary.merge, X, start, sample_weight)
        initial_responsibilities = start
    posterior = initial_posterior
    if posterior is None:
        posterior = _posterior_from_sufficient_statistics(summary.statistics, priors, reg_covar)
    elbo = summary.entropy + _posterior_spread(posterior)

    def next_step(posterior):
        summary = _summary_of_blocks(X, posterior, sample_weight)
        next_posterior = _posterior_from_sufficient_statistics(summary.statistics, priors, reg_covar)
        elbo = summary.entropy + _posterior_spread(next_posterior)
        return _distributed.lazy_responsibilities(X, posterior), next_posterior, elbo

    first_step = VariationalStep(0, posterior, initial_responsibilities, elbo, False)
    yield from _climb(first_step, next_step, tol, max_iter, previous_elbo)


def seed_posterior(X, seed_responsibilities, priors, reg_covar=1e-6):
    """The tied posterior scikit-learn starts from after a seed method (``"k-means++"``, ``"random_from_data"``).

    Its pooled :math:`S` is :func:`gmm_teach.initialization.seed_tied_covariance`, not what the seed
    responsibilities give; kept so that the same ``random_state`` gives scikit-learn's fit.
    """
    nk = seed_responsibilities.sum(axis=0) + 10 * np.finfo(float).eps
    component_means = seed_responsibilities.T @ X / nk[:, np.newaxis]
    scatter = seed_tied_covariance(X, nk, component_means, reg_covar)
    return _posterior_from_statistics("tied", nk, component_means, scatter, priors, reg_covar)


# --------------------------------------------------------------------------------------- the estimator
class BayesianGaussianMixture(BaseMixture):
    r"""A Gaussian mixture fitted by variational EM, with scikit-learn's interface.

    Give it more components than you think you need: the prior on the weights switches off the ones the
    data do not support (their weights go to about zero). Everything else works as in
    :class:`~gmm_teach.GaussianMixture` (both share :class:`gmm_teach._base.BaseMixture`): ``fit``,
    ``iter_fit`` (yielding :class:`VariationalStep`), ``predict``, ``predict_proba``, ``score_samples``,
    ``score``, ``sample``. A Bayesian mixture is not a ``GaussianMixture``, as in scikit-learn: it has no
    ``weights_init``, ``means_init`` or ``precisions_init``, and its ``lower_bound_`` is the ELBO.

    ``fit`` and ``iter_fit`` also take a Dask array (and Dask ``sample_weight``): each variational iteration is then
    one map-reduce over its blocks, which return their sufficient statistics and the entropy of their
    responsibilities; the posterior and the ELBO are computed from the merged numbers, and the :math:`n \times k`
    responsibilities are never gathered. The start is ``init_params`` on a random sample of at most 20,000 rows,
    whose parameters' E-step on every block gives step 0's responsibilities (so, unlike in memory, a k-means
    start is soft, and a tied model started by ``k-means++`` or ``random_from_data`` skips
    :func:`seed_posterior`). ``predict``, ``predict_proba`` and ``score_samples`` on a Dask array return Dask
    arrays.

    Parameters
    ----------
    n_components : int, default=1
        The *largest* number of components; the fit may use fewer.
    covariance_type, tol, reg_covar, max_iter, n_init, init_params, random_state, warm_start, verbose, verbose_interval
        As in :class:`~gmm_teach.GaussianMixture`; ``tol`` applies to the ELBO (a sum over points).
    weight_concentration_prior_type : {"dirichlet_process", "dirichlet_distribution"}, default="dirichlet_process"
        The prior on the weights (:class:`DirichletProcessWeights`, :class:`DirichletDistributionWeights`).
    weight_concentration_prior : float > 0, default=None (1 / n_components)
        :math:`\alpha_0`. Small values leave few active components, large values many.
    mean_precision_prior : float > 0, default=None (1)
        :math:`\beta_0`. Large values pull the means towards ``mean_prior``.
    mean_prior : array-like of shape (n_features,), default=None (the mean of X)
    degrees_of_freedom_prior : float > n_features - 1, default=None (n_features)
    covariance_prior : float or array-like, default=None (from the covariance of X)
        Prior guess for the covariances: (d, d) for full and tied, (d,) for diag, a float for spherical.

    Attributes
    ----------
    weights_, means_, covariances_, precisions_, precisions_cholesky_ : ndarray
        The point estimate (see :class:`VariationalParams`).
    params_ : VariationalParams
        The whole posterior, ready for :mod:`gmm_teach.plotting`.
    weight_concentration_, mean_precision_, degrees_of_freedom_
        The posterior parameters (:class:`VariationalParams`).
    weight_concentration_prior_, mean_precision_prior_, mean_prior_, degrees_of_freedom_prior_, covariance_prior_
        The priors actually used (defaults resolved from the data).
    converged_, n_iter_, n_features_in_
    lower_bound_ : float
        The ELBO of the fitted posterior (:func:`evidence_lower_bound`).
    lower_bounds_ : list of float
        ``lower_bounds_[i]`` is the ELBO after ``i`` iterations of the best initialisation (``i = 0``: one
        M-step on the initial responsibilities). scikit-learn never computes the ELBO of step 0, so its
        ``lower_bounds_`` equal ours without the first entry.

    Notes
    -----
    ``predict``, ``predict_proba`` and ``score_samples`` use the variational expectations
    (:func:`variational_weighted_log_density`), as scikit-learn does; ``sample``, ``aic`` and ``bic`` use the
    point estimate. From the same initial responsibilities (the ``initial_responsibilities`` argument of
    :meth:`iter_fit`) the ELBO trajectory and the weights equal scikit-learn's to rounding error.

    Examples
    --------
    >>> from gmm_teach import BayesianGaussianMixture, datasets
    >>> X = datasets.load_old_faithful()              # two clusters
    >>> bgm = BayesianGaussianMixture(n_components=6, weight_concentration_prior_type="dirichlet_distribution",
    ...                               random_state=0).fit(X)
    >>> bgm.weights_.round(2)                           # four of the six components are switched off
    array([0.36, 0.64, 0.  , 0.  , 0.  , 0.  ])
    """

    _objective = "ELBO"
    _keeps_float32 = False  # scikit-learn's BayesianGaussianMixture returns float64 for float32 data

    def __init__(
        self,
        n_components: int = 1,
        *,
        covariance_type: str = "full",
        tol: float = 1e-3,
        reg_covar: float = 1e-6,
        max_iter: int = 100,
        n_init: int = 1,
        init_params: str = "kmeans",
        weight_concentration_prior_type: str = "dirichlet_process",
        weight_concentration_prior: float | None = None,
        mean_precision_prior: float | None = None,
        mean_prior=None,
        degrees_of_freedom_prior: float | None = None,
        covariance_prior=None,
        random_state=None,
        warm_start: bool = False,
        verbose: int = 0,
        verbose_interval: int = 10,
    ):
        super().__init__(
            n_components,
            covariance_type=covariance_type,
            tol=tol,
            reg_covar=reg_covar,
            max_iter=max_iter,
            n_init=n_init,
            init_params=init_params,
            random_state=random_state,
            warm_start=warm_start,
            verbose=verbose,
            verbose_interval=verbose_interval,
        )
        self.weight_concentration_prior_type = weight_concentration_prior_type
        self.weight_concentration_prior = weight_concentration_prior
        self.mean_precision_prior = mean_precision_prior
        self.mean_prior = mean_prior
        self.degrees_of_freedom_prior = degrees_of_freedom_prior
        self.covariance_prior = covariance_prior

    # ----------------------------------------------------------------- validation
    def _check_parameters(self):
        super()._check_parameters()
        check.check_choice(self.weight_concentration_prior_type, "weight_concentration_prior_type", PRIOR_TYPES)
        for name in ("weight_concentration_prior", "mean_precision_prior"):
            if getattr(self, name) is not None:
                _check_positive(getattr(self, name), name)

    def _check_initial_values(self, n_features):
        """Check the priors that depend on the number of features (called before any work starts)."""
        if self.degrees_of_freedom_prior is not None:
            _check_positive(
                self.degrees_of_freedom_prior - (n_features - 1),
                "degrees_of_freedom_prior",
                self.degrees_of_freedom_prior,
                f"greater than n_features - 1 = {n_features - 1}",
            )
        if self.mean_prior is not None:
            _check_shape(self.mean_prior, "mean_prior", (n_features,))
        if self.covariance_prior is not None:
            _check_covariance_prior(self.covariance_prior, self.covariance_type, n_features)

    def _validate_fit_data(self, X):
        X = super()._validate_fit_data(X)
        if X.shape[0] < 2 and self.covariance_prior is None:
            raise ValueError(
                "X must have at least 2 samples when covariance_prior is None (its default is the "
                f"sample covariance of X); got {X.shape[0]} sample. Pass covariance_prior, or more "
                "data."
            )
        return X

    def _priors(self, X, sample_weight):
        """The priors resolved from the data (and weights): what :attr:`priors_` holds after a fit."""
        return MixturePriors.from_data(
            X,
            self.n_components,
            self.covariance_type,
            self.weight_concentration_prior_type,
            self.weight_concentration_prior,
            self.mean_precision_prior,
            self.mean_prior,
            self.degrees_of_freedom_prior,
            self.covariance_prior,
            sample_weight,
        )

    # ----------------------------------------------------------------- fitting
    def iter_fit(self, X, y=None, *, initial_responsibilities=None, sample_weight=None) -> Iterator[VariationalStep]:
        """Run one initialisation of variational EM and yield its :class:`VariationalStep` records.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or a Dask array
        y : ignored
        initial_responsibilities : array-like of shape (n_samples, n_components), optional
            Start from these instead of ``init_params`` (each row non-negative, summing to one). This is the
            hook the parity tests use to give scikit-learn and this class the same start. With a Dask ``X``, an
            in-memory array, cut into the blocks of ``X``.
        sample_weight : array-like of shape (n_samples,), optional
            See :meth:`fit`; with a Dask ``X``, a NumPy or a Dask array.

        Examples
        --------
        >>> from gmm_teach import BayesianGaussianMixture, datasets
        >>> bgm = BayesianGaussianMixture(n_components=4, random_state=0)
        >>> elbos = [step.evidence_lower_bound for step in bgm.iter_fit(datasets.load_old_faithful())]
        >>> all(a <= b for a, b in zip(elbos, elbos[1:]))
        True
        """
        return super().iter_fit(X, initial_responsibilities=initial_responsibilities, sample_weight=sample_weight)

    def _initial_steps(self, X, rng, responsibilities=None, sample_weight=None):
        self.priors_ = self._priors(X, sample_weight)
        if _distributed.is_dask_array(X):
            return self._steps_on_blocks(X, rng, responsibilities, sample_weight)
        initial_posterior, previous_elbo = None, -np.inf
        if responsibilities is None and self._continues_previous_fit:  # step 0 is the fitted posterior
            responsibilities = variational_e_step(X, self.params_)[0]
            initial_posterior, previous_elbo = self.params_, self.lower_bound_
        elif responsibilities is None:
            responsibilities = initial_responsibilities(X, self.n_components, self.init_params, rng, sample_weight)
            if self.covariance_type == "tied" and self.init_params in SEED_METHODS:
                initial_posterior = seed_posterior(X, responsibilities, self.priors_, self.reg_covar)
        return variational_em_steps(
            X, responsibilities, self.priors_, **self._loop_settings(sample_weight, initial_posterior, previous_elbo)
        )

    def _loop_settings(self, sample_weight, initial_posterior, previous_elbo):
        """The keyword arguments both variational loops (in memory and on Dask blocks) take from this estimator."""
        return dict(
            covariance_type=self.covariance_type,
            tol=self.tol,
            max_iter=self.max_iter,
            reg_covar=self.reg_covar,
            sample_weight=sample_weight,
            initial_posterior=initial_posterior,
            previous_elbo=previous_elbo,
        )

    def _steps_on_blocks(self, X, rng, responsibilities=None, sample_weight=None):
        """The variational steps on a Dask array, one map-reduce per iteration.

        Step 0's responsibilities are the given ones (cut into the blocks of ``X``), or the variational E-step of
        the fitted posterior (warm start), or the E-step on every block of the parameters that ``init_params``
        gives on a random sample of the rows (:func:`gmm_teach._distributed.start_sample`), as
        ``GaussianMixture`` starts on a Dask array.
        """
        initial_posterior, previous_elbo = None, -np.inf
        if responsibilities is not None:
            start = _distributed.split_like(X, responsibilities)
        elif self._continues_previous_fit:
            start = initial_posterior = self.params_
            previous_elbo = self.lower_bound_
        else:
            sample = _distributed.start_sample(X, rng)[0]
            start = initial_params(
                sample, self.n_components, self.covariance_type, self.init_params, rng, self.reg_covar
            )[0]
        return _variational_em_steps_on_blocks(
            X, start, self.priors_, **self._loop_settings(sample_weight, initial_posterior, previous_elbo)
        )

    @staticmethod
    def _objective_of(step: VariationalStep) -> float:
        return step.evidence_lower_bound

    def _start_score(self, elbos):
        """How good a start ended: its last ELBO (that of the fitted posterior), as scikit-learn chooses."""
        return elbos[-1]

    def _set_fitted(self, step, elbos, n_features):
        super()._set_fitted(step, elbos, n_features)
        posterior, priors = step.params, self.priors_
        self.weight_concentration_ = posterior.weight_concentration
        self.mean_precision_ = posterior.mean_precision
        self.degrees_of_freedom_ = posterior.degrees_of_freedom
        self.weight_concentration_prior_ = priors.weight_concentration
        self.mean_precision_prior_ = priors.mean_precision
        self.mean_prior_ = priors.mean
        self.degrees_of_freedom_prior_ = priors.degrees_of_freedom
        self.covariance_prior_ = priors.covariance

    # ----------------------------------------------------------------- using a fitted mixture
    def _weighted_log_density(self, X):
        return variational_weighted_log_density(X, self.params_)

    def score_samples(self, X) -> np.ndarray:
        r""":math:`\log\sum_k\exp(\mathbb{E}_q[\log\pi_k\mathcal{N}(x_i\mid\mu_k,\Lambda_k^{-1})])` per point, as
        scikit-learn.

        Not the log-density of the point estimate (that is
        ``gmm_teach.em.log_density(X, model.params_)``), but close to it once the posterior is sharp.
        ``predict`` and ``predict_proba`` use the same expectations (:func:`variational_weighted_log_density`).
        """
        return super().score_samples(X)


def _check_positive(value, name, shown=None, expected="greater than 0"):
    """Raise unless ``value`` is a real number > 0; ``shown`` is what the message reports as given."""
    check.check_number(value, name)
    if value <= 0:
        raise ValueError(f"{name} must be {expected}, got {value if shown is None else shown}.")


def _check_shape(value, name, shape):
    array = np.asarray(value, dtype=float) if not isinstance(value, str) else None
    if array is None or array.shape != shape:
        given = "a string" if array is None else f"shape {array.shape}"
        raise ValueError(f"{name} must be an array of shape {shape}, got {given}.")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must not contain NaN or infinity.")
    return array


def _check_covariance_prior(value, covariance_type, n_features):
    """Full and tied: a symmetric positive-definite (d, d) matrix; diag: (d,) positive; spherical: a number > 0."""
    if covariance_type == "spherical":
        return _check_positive(value, "covariance_prior")
    shape = (n_features,) if covariance_type == "diag" else (n_features, n_features)
    array = _check_shape(value, "covariance_prior", shape)
    if covariance_type == "diag" and np.any(array <= 0):
        raise ValueError(f"covariance_prior for covariance_type='diag' must be positive, got {array}.")
    if covariance_type != "diag":
        check.check_precisions(array, "tied", 1, n_features, name="covariance_prior")
