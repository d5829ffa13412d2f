r"""The EM algorithm for Gaussian mixtures, one public step at a time: the reference a learner reads.

A Gaussian mixture with :math:`K` components models a point :math:`x \in \mathbb{R}^d` as

.. math:: p(x) = \sum_{k=1}^{K} \pi_k \, \mathcal{N}(x \mid \mu_k, \Sigma_k),

with weights :math:`\pi_k \ge 0` summing to one. EM (expectation-maximisation) fits
:math:`\theta = (\pi, \mu, \Sigma)` by alternating two steps that never decrease the log-likelihood
:math:`\frac1n \sum_i \log p(x_i)`:

* the **E-step** (:func:`e_step`) asks each component how much it is responsible for each point;
* the **M-step** (:func:`m_step`) refits each component to the points, weighted by those responsibilities.

Each formula is one short function here, as the book writes it, and :func:`e_step` and :func:`m_step` run
exactly this code. :func:`em_steps` is the loop around them, written as a generator: it yields one
:class:`EMStep` per iteration, so a learner (or a widget) can watch every iteration. ``GaussianMixture.fit``
consumes the same generator. For speed the loop runs the same two steps through the private engine
(``gmm_teach._engine``: chunks of points, one matrix product per step, the M-step's sums taken in the
E-step's pass); ``tests/test_engine_contract.py`` proves that it computes what the functions here compute.
Nothing here imports matplotlib.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import logsumexp

from . import _engine
from . import _validation as check
from .covariance import COVARIANCE_MODELS, LOG_2PI, CovarianceModel

EPS = np.finfo(np.float64).eps


@dataclass(frozen=True, eq=False)
class MixtureParams:
    """The parameters of a Gaussian mixture at one moment of a fit.

    Attributes
    ----------
    weights : ndarray of shape (n_components,)
        Mixing proportions :math:`\\pi_k`; they sum to one.
    means : ndarray of shape (n_components, n_features)
        Component centres :math:`\\mu_k`.
    covariances : ndarray
        Component covariances :math:`\\Sigma_k`, in scikit-learn's shape for ``covariance_type``:
        full (k, d, d), tied (d, d), diag (k, d), spherical (k,).
    precisions_cholesky : ndarray
        Cholesky factors of the precisions :math:`\\Sigma_k^{-1}`, same shape as ``covariances``.
    covariance_type : {"full", "tied", "diag", "spherical"}
    """

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    precisions_cholesky: np.ndarray
    covariance_type: str

    @property
    def n_components(self) -> int:
        return self.means.shape[0]

    @property
    def n_features(self) -> int:
        return self.means.shape[1]

    @property
    def model(self) -> CovarianceModel:
        """The covariance model object (see :mod:`gmm_teach.covariance`)."""
        return COVARIANCE_MODELS[self.covariance_type]

    @property
    def n_parameters(self) -> int:
        """Number of free parameters (what AIC and BIC count); see :func:`n_parameters`."""
        return n_parameters(self.n_components, self.n_features, self.covariance_type)

    @property
    def precisions(self) -> np.ndarray:
        """The precision matrices :math:`\\Sigma_k^{-1}`, in the shape of ``covariances``."""
        return self.model.precisions(self.precisions_cholesky)

    def e_step(self, X: ArrayLike) -> tuple[np.ndarray, float]:
        """The E-step under these parameters, :func:`e_step` (a Bayesian posterior uses its variational one)."""
        return e_step(X, self)

    def expected_log_terms(self) -> np.ndarray | None:
        r"""What the E-step adds to each component's log-density in place of :math:`\log\pi_k`: nothing here
        (None); a variational posterior gives its expected terms."""
        return None

    def as_full(self) -> np.ndarray:
        """The covariances as full matrices, shape (n_components, n_features, n_features), for plotting."""
        return self.model.as_full(self.covariances, self.n_components, self.n_features)

    @classmethod
    def from_covariances(
        cls, weights: ArrayLike, means: ArrayLike, covariances: ArrayLike, covariance_type: str, reg_covar: float = 0.0
    ) -> MixtureParams:
        """Build parameters from weights, means and covariances (the precision Cholesky is computed)."""
        model = COVARIANCE_MODELS[covariance_type]
        precisions_cholesky = model.precisions_cholesky(np.asarray(covariances, dtype=float), reg_covar)
        return cls(
            np.asarray(weights, float),
            np.asarray(means, float),
            np.asarray(covariances, float),
            precisions_cholesky,
            covariance_type,
        )

    @classmethod
    def from_precisions(
        cls, weights: ArrayLike, means: ArrayLike, precisions: ArrayLike, covariance_type: str
    ) -> MixtureParams:
        """Build parameters from weights, means and precisions (inverse covariances)."""
        model = COVARIANCE_MODELS[covariance_type]
        precisions_cholesky = model.precisions_cholesky_from_precisions(np.asarray(precisions, dtype=float))
        covariances = model.covariances_from_precisions_cholesky(precisions_cholesky)
        return cls(
            np.asarray(weights, float), np.asarray(means, float), covariances, precisions_cholesky, covariance_type
        )


def n_parameters(n_components: int, n_features: int, covariance_type: str) -> int:
    r"""Free parameters of a mixture: the covariances, :math:`K d` means and :math:`K - 1` weights.

    The weights sum to one, so only :math:`K - 1` of them are free. The covariance count depends on the
    model: full :math:`K d(d+1)/2`, tied :math:`d(d+1)/2`, diag :math:`K d`, spherical :math:`K`.

    Examples
    --------
    >>> n_parameters(3, 2, "full")   # 3 * 3 covariance entries + 3 * 2 means + 2 weights
    17
    """
    covariance_parameters = COVARIANCE_MODELS[covariance_type].n_parameters(n_components, n_features)
    return int(covariance_parameters + n_components * n_features + n_components - 1)


@dataclass(frozen=True, eq=False)
class EMStep:
    """One iteration of EM, as :func:`em_steps` yields it.

    Attributes
    ----------
    iteration : int
        0 for the initial parameters, then 1, 2, ...
    params : MixtureParams
        The parameters after this iteration's M-step.
    responsibilities : ndarray of shape (n_samples, n_components)
        The E-step output that produced ``params`` (for iteration 0, whatever produced the initial
        parameters, for example the one-hot k-means labels).
    log_likelihood : float
        Mean log-likelihood :math:`\\frac1n\\sum_i \\log p(x_i)` under ``params``. It never decreases
        (up to the tiny allowance ``reg_covar`` makes: see :func:`m_step`).
    converged : bool
        True when the log-likelihood changed by less than ``tol`` between the two steps before this one
        (scikit-learn's rule: it notices the change one M-step later); it is the last step.
    """

    iteration: int
    params: MixtureParams
    responsibilities: np.ndarray
    log_likelihood: float
    converged: bool


def log_gaussian_density(X: np.ndarray, params: MixtureParams) -> np.ndarray:
    r"""Log-density of every point under every component, shape (n_samples, n_components).

    .. math:: \log \mathcal{N}(x_i \mid \mu_k, \Sigma_k)
              = -\tfrac12\left(d \log 2\pi + \lVert (x_i-\mu_k) U_k \rVert^2\right) + \sum_j \log (U_k)_{jj}

    where :math:`U_k` is the Cholesky factor of the precision :math:`\Sigma_k^{-1} = U_k U_k^\top`: the squared
    norm is the Mahalanobis distance and the sum is :math:`-\tfrac12\log\det\Sigma_k`
    (:mod:`gmm_teach.covariance` computes both for each covariance model).
    """
    model = params.model
    squared_distances = model.squared_mahalanobis(X, params.means, params.precisions_cholesky)
    log_det = model.log_det_cholesky(params.precisions_cholesky, params.n_features)
    return -0.5 * (params.n_features * LOG_2PI + squared_distances) + log_det


def weighted_log_density(X: np.ndarray, params: MixtureParams) -> np.ndarray:
    r""":math:`\log \pi_k + \log \mathcal{N}(x_i \mid \mu_k, \Sigma_k)`, shape (n_samples, n_components)."""
    with np.errstate(divide="ignore"):  # a weight of exactly 0 gives log 0 = -inf, which is right
        return log_gaussian_density(X, params) + np.log(params.weights)


def log_density(X: np.ndarray, params: MixtureParams) -> np.ndarray:
    r"""Log of the mixture density :math:`\log p(x_i) = \log\sum_k \pi_k\mathcal{N}(x_i\mid\mu_k,\Sigma_k)`, shape (n,).

    Computed with ``logsumexp`` so that no density is ever multiplied in linear space (they underflow).
    """
    return logsumexp(weighted_log_density(X, params), axis=1)


def log_likelihood(X: np.ndarray, params: MixtureParams) -> float:
    r"""The mean log-likelihood :math:`\frac1n\sum_i \log p(x_i)` of the points under ``params``.

    Examples
    --------
    >>> import numpy as np
    >>> params = MixtureParams.from_covariances([1.0], [[0.0]], [1.0], "spherical")
    >>> round(log_likelihood(np.array([[0.0]]), params), 4)    # log N(0 | 0, 1) = -log(2 pi) / 2
    -0.9189
    """
    return float(np.mean(log_density(X, params)))


def e_step(X: ArrayLike, params: MixtureParams) -> tuple[np.ndarray, float]:
    r"""The E-step: how responsible each component is for each point.

    By Bayes' rule, the responsibility of component :math:`k` for point :math:`x_i` is the posterior
    probability that :math:`x_i` came from :math:`k`:

    .. math:: r_{ik} = \frac{\pi_k \mathcal{N}(x_i \mid \mu_k, \Sigma_k)}
                            {\sum_{j} \pi_j \mathcal{N}(x_i \mid \mu_j, \Sigma_j)}
                     = \exp\Big(\log\pi_k\mathcal{N}(x_i \mid \mu_k, \Sigma_k) - \log p(x_i)\Big)

    Each row of :math:`r` sums to one: a point is shared out among the components. The denominator is
    :math:`p(x_i)`, so the same pass gives the mean log-likelihood :math:`\frac1n\sum_i \log p(x_i)`.
    Everything is computed in log space (:func:`weighted_log_density`, then ``logsumexp``).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    params : MixtureParams

    Returns
    -------
    responsibilities : ndarray of shape (n_samples, n_components)
    log_likelihood : float
        Mean log-likelihood of ``X`` under ``params``.

    Examples
    --------
    >>> import numpy as np
    >>> from gmm_teach.em import MixtureParams, e_step
    >>> params = MixtureParams.from_covariances([0.5, 0.5], [[0.0], [4.0]], [1.0, 1.0], "spherical")
    >>> responsibilities, log_likelihood = e_step(np.array([[0.0], [2.0]]), params)
    >>> responsibilities.round(3)
    array([[1. , 0. ],
           [0.5, 0.5]])
    """
    X = check.check_array(X, n_features=params.n_features)
    weighted = weighted_log_density(X, params)
    log_p = logsumexp(weighted, axis=1)
    responsibilities = np.exp(weighted - log_p[:, np.newaxis])
    return responsibilities, float(np.mean(log_p))


def m_step(
    X: ArrayLike,
    responsibilities: ArrayLike,
    covariance_type: str = "full",
    reg_covar: float = 1e-6,
    sample_weight: ArrayLike | None = None,
) -> MixtureParams:
    r"""The M-step: refit every component to the points it is responsible for.

    With :math:`N_k = \sum_i r_{ik}` the effective number of points of component :math:`k`:

    .. math::
        \pi_k = \frac{N_k}{n}, \qquad
        \mu_k = \frac{1}{N_k}\sum_i r_{ik}\, x_i, \qquad
        \Sigma_k = \frac{1}{N_k}\sum_i r_{ik}\,(x_i-\mu_k)(x_i-\mu_k)^\top + \epsilon I

    These are weighted versions of the usual mean and covariance; they maximise the expected complete-data
    log-likelihood for fixed responsibilities. ``reg_covar`` (:math:`\epsilon`) keeps each covariance
    positive definite when a component owns very few points. The price: with :math:`\epsilon > 0` the step
    is no longer the exact maximiser, so the log-likelihood may fall, by at most
    :math:`\sum_k \pi_k \tfrac12 \sum_j [\log(1+t_{kj}) - t_{kj}/(1+t_{kj})]` with
    :math:`t_{kj} = \epsilon/\lambda_{kj}` over the eigenvalues :math:`\lambda_{kj}` of the unregularised
    covariance: about :math:`10^{-8}` for a component as tight as :math:`\lambda = 10^{-3}`, nothing visible
    otherwise (``tests/test_properties.py`` checks this bound). The covariance model (full, tied, diag,
    spherical) decides which form :math:`\Sigma_k` takes (:meth:`~gmm_teach.covariance.FullCovariance.estimate`).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    responsibilities : ndarray of shape (n_samples, n_components)
    covariance_type : {"full", "tied", "diag", "spherical"}
    reg_covar : float
    sample_weight : ndarray of shape (n_samples,), optional
        Weights of the points: a point of weight 2 counts as two copies of it (every :math:`r_{ik}` is
        multiplied by :math:`w_i`).

    Returns
    -------
    MixtureParams
    """
    X = check.check_array(X)
    check.check_choice(covariance_type, "covariance_type", check.COVARIANCE_TYPES)
    if np.ndim(responsibilities) != 2:
        raise ValueError(
            "responsibilities must be a 2-D array (n_samples, n_components), got "
            f"{np.ndim(responsibilities)} dimensions."
        )
    responsibilities = check.check_responsibilities(
        responsibilities, X.shape[0], np.shape(responsibilities)[1], "responsibilities"
    )
    sample_weight = check.check_sample_weight(sample_weight, X.shape[0])
    if sample_weight is not None:
        responsibilities = responsibilities * sample_weight[:, np.newaxis]
    nk = responsibilities.sum(axis=0) + 10 * EPS  # 10 eps: a component that owns no point gets no 0 / 0
    means = responsibilities.T @ X / nk[:, np.newaxis]
    covariances = COVARIANCE_MODELS[covariance_type].estimate(X, responsibilities, nk, means, reg_covar)
    return MixtureParams.from_covariances(nk / nk.sum(), means, covariances, covariance_type, reg_covar)


@dataclass(frozen=True, eq=False)
class SufficientStatistics:
    r"""Everything the M-step needs from a set of points: EM's sums over the data, per component.

    With responsibilities :math:`r_{ik}` and sample weights :math:`w_i` (1 unless given):

    .. math::
        N_k = \sum_i w_i r_{ik}, \qquad
        \bar x_k = \frac{1}{N_k}\sum_i w_i r_{ik}\, x_i, \qquad
        S_k = \sum_i w_i r_{ik}\,(x_i-\bar x_k)(x_i-\bar x_k)^\top

    (:math:`S_k` is kept in the covariance model's shape: full matrices for full and tied, their diagonals for
    diag and spherical). The M-step is a function of these alone (:func:`m_step_from`), so the statistics of
    two parts of the data can be computed apart, on two machines or one batch after another, and merged
    (:meth:`merge`): EM is a map (each block gives its statistics) and a reduce (merge them).

    The means are kept as offsets from a point of the data, ``centre`` (the first point of the first block), so
    that data far from the origin keep their digits when blocks are merged.

    Attributes
    ----------
    nk : ndarray of shape (n_components,)
    centre : ndarray of shape (n_features,)
    centred_means : ndarray of shape (n_components, n_features)
        :math:`\bar x_k` minus ``centre`` (0 for a component with :math:`N_k = 0`); ``means`` adds it back.
    scatters : ndarray
        :math:`S_k`: shape (n_components, n_features, n_features) for full and tied, (n_components,
        n_features) for diag and spherical.
    log_likelihood_sum : float
        :math:`\sum_i w_i \log p(x_i)` under the parameters whose E-step gave the responsibilities.
    weight_total : float
        :math:`\sum_i w_i` (the number of points when unweighted).
    covariance_type : str
    """

    nk: np.ndarray
    centre: np.ndarray
    centred_means: np.ndarray
    scatters: np.ndarray
    log_likelihood_sum: float
    weight_total: float
    covariance_type: str

    @classmethod
    def from_responsibilities(
        cls,
        X: ArrayLike,
        responsibilities: ArrayLike,
        covariance_type: str,
        sample_weight: ArrayLike | None = None,
        log_likelihood_sum: float = 0.0,
    ) -> SufficientStatistics:
        """The statistics of the points ``X`` with the given responsibilities (and sample weights)."""
        X = np.asarray(X, dtype=np.float64)
        weights = np.asarray(responsibilities, dtype=np.float64)
        # float64: float32 weights would sum to 7 digits
        sample_weight = check.check_sample_weight(sample_weight, X.shape[0], allow_zero_total=True)
        if sample_weight is not None:
            weights = weights * sample_weight[:, np.newaxis]
        centre = X[0] if X.shape[0] else np.zeros(X.shape[1])
        centred = X - centre
        nk = weights.sum(axis=0)
        centred_means = (weights.T @ centred) / np.where(nk > 0, nk, 1.0)[:, np.newaxis]
        scatters = COVARIANCE_MODELS[covariance_type].scatter(centred, weights, centred_means)
        weight_total = float(X.shape[0] if sample_weight is None else np.sum(sample_weight))
        return cls(nk, centre, centred_means, scatters, float(log_likelihood_sum), weight_total, covariance_type)

    @classmethod
    def from_block(
        cls, X: ArrayLike, params: MixtureParams, sample_weight: ArrayLike | None = None
    ) -> SufficientStatistics:
        """The E-step of ``params`` on the block ``X``, summed: its statistics and its log-likelihood sum.

        An empty block gives statistics that change nothing when merged.
        """
        X = np.asarray(X, dtype=np.float64)
        sample_weight = check.check_sample_weight(sample_weight, X.shape[0], allow_zero_total=True)
        if X.shape[0] == 0:
            empty = np.zeros((0, params.n_components))
            return cls.from_responsibilities(X, empty, params.covariance_type, sample_weight)
        weighted = weighted_log_density(X, params)
        point_log_likelihoods = logsumexp(weighted, axis=1)
        responsibilities = np.exp(weighted - point_log_likelihoods[:, np.newaxis])
        if sample_weight is not None:
            point_log_likelihoods = point_log_likelihoods * sample_weight
        return cls.from_responsibilities(
            X, responsibilities, params.covariance_type, sample_weight, float(np.sum(point_log_likelihoods))
        )

    @classmethod
    def from_block_fast(cls, X: ArrayLike, params: MixtureParams) -> SufficientStatistics:
        """:meth:`from_block` (unweighted) by the engine's one-pass E-step: the same numbers to rounding, several
        times faster (a Dask fit's map step)."""
        X = np.asarray(X, dtype=np.float64)
        if X.shape[0] == 0:
            return cls.from_block(X, params)
        nk, centre, centred_means, scatters, log_likelihood_sum, _ = _engine.block_statistics(X, params)
        return cls(
            nk, centre, centred_means, scatters, float(log_likelihood_sum), float(X.shape[0]), params.covariance_type
        )

    @property
    def means(self) -> np.ndarray:
        r"""The weighted means :math:`\bar x_k`."""
        return self.centre + self.centred_means

    @property
    def mean_log_likelihood(self) -> float:
        r""":math:`\frac{1}{\sum_i w_i}\sum_i w_i\log p(x_i)`."""
        return self.log_likelihood_sum / self.weight_total

    def estimates(self, reg_covar: float = 1e-6) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        r"""What the M-step reads from the statistics: :math:`N_k` (plus :math:`10\epsilon`, so that a component that
        owns no point gives no 0 / 0), the means :math:`\bar x_k`, and the covariances :math:`S_k / N_k` (plus
        ``reg_covar``) in the covariance model's shape. :func:`m_step_from` and variational EM's M-step take them."""
        nk = self.nk + 10 * EPS
        return nk, self.means, COVARIANCE_MODELS[self.covariance_type].from_scatter(self.scatters, nk, reg_covar)

    def merge(self, other: SufficientStatistics) -> SufficientStatistics:
        r"""The statistics of both sets of points together, by the centred (Chan et al.) formula

        .. math:: N = N_a + N_b, \quad \bar x = \bar x_a + \frac{N_b}{N}\delta, \quad
                  S = S_a + S_b + \frac{N_a N_b}{N}\,\delta\delta^\top, \qquad \delta = \bar x_b - \bar x_a,

        not :math:`\mathbb{E}[xx^\top] - \bar x\bar x^\top`, which loses the digits of data far from the origin.
        """
        if self.covariance_type != other.covariance_type:
            raise ValueError(
                "merge needs statistics of one covariance_type; got "
                f"{self.covariance_type!r} and {other.covariance_type!r}."
            )
        if not other.weight_total:
            return self
        if not self.weight_total:
            return other
        nk = self.nk + other.nk
        share = np.divide(other.nk, nk, out=np.zeros_like(nk), where=nk > 0)
        delta = (other.centre - self.centre) + other.centred_means - self.centred_means
        spread = self.nk * share  # N_a N_b / N
        if self.scatters.ndim == 3:
            correction = spread[:, np.newaxis, np.newaxis] * delta[:, :, np.newaxis] * delta[:, np.newaxis, :]
        else:
            correction = spread[:, np.newaxis] * delta**2
        return SufficientStatistics(
            nk,
            self.centre,
            self.centred_means + share[:, np.newaxis] * delta,
            self.scatters + other.scatters + correction,
            self.log_likelihood_sum + other.log_likelihood_sum,
            self.weight_total + other.weight_total,
            self.covariance_type,
        )


def m_step_from(stats: SufficientStatistics, reg_covar: float = 1e-6) -> MixtureParams:
    r"""The M-step from sufficient statistics: :math:`\pi_k = N_k / \sum_j N_j`, :math:`\mu_k = \bar x_k`,
    :math:`\Sigma_k` from :math:`S_k / N_k` as the covariance model says (plus ``reg_covar``).

    ``m_step_from(SufficientStatistics.from_responsibilities(X, r, t))`` equals ``m_step(X, r, t)``.
    """
    nk, means, covariances = stats.estimates(reg_covar)
    return MixtureParams.from_covariances(nk / nk.sum(), means, covariances, stats.covariance_type, reg_covar)


def em_steps(
    X: ArrayLike,
    initial_params: MixtureParams,
    initial_responsibilities: np.ndarray | None = None,
    *,
    tol: float = 1e-3,
    max_iter: int = 100,
    reg_covar: float = 1e-6,
    sample_weight: ArrayLike | None = None,
    previous_log_likelihood: float = -np.inf,
) -> Iterator[EMStep]:
    """Run EM from ``initial_params`` and yield one :class:`EMStep` per iteration.

    Step 0 holds the initial parameters. Each later iteration is :func:`m_step` on the responsibilities of
    the previous parameters, then :func:`e_step` on the new parameters, which gives both their log-likelihood
    and the responsibilities for the next iteration. The run stops, as scikit-learn's does, after the first
    iteration :math:`t \\ge 2` whose M-step followed a change of less than ``tol`` in the log-likelihood,
    :math:`|\\ell_{t-1} - \\ell_{t-2}| <` ``tol`` (that step has ``converged=True``), or after ``max_iter``
    iterations.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    initial_params : MixtureParams
    initial_responsibilities : ndarray of shape (n_samples, n_components), optional
        What produced ``initial_params`` (reported in step 0); defaults to their own E-step.
    tol : float
        Convergence threshold on the change of the mean log-likelihood.
    max_iter : int
        Number of EM iterations at most.
    reg_covar : float
        Added to the diagonal of every covariance in the M-step.
    sample_weight : ndarray of shape (n_samples,), optional
        Non-negative weights of the points (see :func:`m_step`); the log-likelihood is then the weighted mean.
    previous_log_likelihood : float, default=-inf
        When this run continues another (a warm start), the mean log-likelihood of the parameters one
        M-step before ``initial_params``: step 1 converges when the change from it is below ``tol``. A
        fresh start has none, so its step 1 never converges.

    Yields
    ------
    EMStep

    Notes
    -----
    The two steps run in the private engine, which takes the E-step of iteration :math:`t` and the sums of the
    M-step of iteration :math:`t+1` in one pass over the data; the numbers are those of :func:`e_step` and
    :func:`m_step` (to rounding, tested). Every array in every step is new, never reused: a consumer may keep
    any of them. Each step's ``responsibilities`` is an (n, k) view of a (k, n) array.
    """
    X = check.check_array(X, n_features=initial_params.n_features).astype(np.float64, copy=False)
    sample_weight = check.check_sample_weight(sample_weight, X.shape[0])
    covariance_type = initial_params.covariance_type
    data = _engine.prepare(X, covariance_type, many_passes=True, sample_weight=sample_weight)
    params = initial_params
    current = _engine.expectation(data, params)
    if initial_responsibilities is None:
        initial_responsibilities = current.responsibilities.T
    yield EMStep(0, params, initial_responsibilities, current.log_likelihood, False)
    for iteration in range(1, max_iter + 1):
        estimate = _engine.maximisation(data, current.responsibilities, current.sums, reg_covar)
        params = MixtureParams(
            estimate.weights, estimate.means, estimate.covariances, estimate.precisions_cholesky, covariance_type
        )
        # scikit-learn's rule: the change of the two log-likelihoods known before this step's E-step
        converged = bool(abs(current.log_likelihood - previous_log_likelihood) < tol)
        previous_log_likelihood = current.log_likelihood
        following = _engine.expectation(data, params, far=estimate.far)
        yield EMStep(iteration, params, current.responsibilities.T, following.log_likelihood, converged)
        if converged:
            return
        current = following
