r"""Why EM never goes down: the lower bound :math:`\mathcal L(q, \theta)` and the KL gap, as numbers.

For any distribution :math:`q` over the hidden labels (one row :math:`q_{i\cdot}` per point, each summing to
one) the log-likelihood of the data splits into two parts (Bishop, *Pattern Recognition and Machine Learning*,
eq. 9.70):

.. math::
    \ln p(X \mid \theta) = \mathcal L(q, \theta) + \mathrm{KL}\bigl(q \,\|\, p(Z \mid X, \theta)\bigr),

.. math::
    \mathcal L(q, \theta) = \sum_{i=1}^{n}\sum_{k=1}^{K} q_{ik}
        \left[\ln \pi_k + \ln \mathcal N(x_i \mid \mu_k, \Sigma_k) - \ln q_{ik}\right], \qquad
    \mathrm{KL} = \sum_{i=1}^{n}\sum_{k=1}^{K} q_{ik} \ln \frac{q_{ik}}{r_{ik}},

where :math:`r_{ik} = p(z_i = k \mid x_i, \theta)` are the responsibilities of :math:`\theta` (the posterior of
the labels). The KL divergence is never negative, so :math:`\mathcal L` is a *lower bound* on the
log-likelihood. EM climbs it in two moves:

* the **E-step** sets :math:`q = r`: the KL term becomes zero, and the bound touches the log-likelihood at the
  current :math:`\theta`;
* the **M-step** maximises :math:`\mathcal L(q, \theta)` over :math:`\theta` with :math:`q` held fixed: the
  bound rises, and the log-likelihood rises at least as much, because a KL term (zero before) opens up again.

Everything here is built on :mod:`gmm_teach.em` (:func:`~gmm_teach.em.weighted_log_density`,
:func:`~gmm_teach.em.log_density`); nothing imports matplotlib. The explorers
:class:`~gmm_teach.widgets.LowerBoundExplorer` and friends draw these numbers.
"""

import numpy as np
from scipy.special import logsumexp, xlogy

from . import _validation as check
from .em import MixtureParams, log_density, log_gaussian_density, weighted_log_density

PARAMETER_NAMES = ("mean", "weight", "variance")
"""The parameters of a 1-D mixture that :func:`with_parameter` can change one at a time."""


def _checked(X, params, responsibilities):
    X = check.check_array(X)
    if X.shape[1] != params.n_features:
        raise ValueError(f"X must have {params.n_features} feature(s), as params does, got {X.shape[1]}.")
    responsibilities = check.check_responsibilities(
        responsibilities, X.shape[0], params.n_components, name="responsibilities"
    )
    return X, responsibilities


def lower_bound(X, params, responsibilities):
    r"""The lower bound :math:`\mathcal L(q, \theta)` of the log-likelihood (a sum over the points, not a mean).

    .. math:: \mathcal L(q, \theta) = \sum_i\sum_k q_{ik}
              \left[\ln \pi_k + \ln \mathcal N(x_i \mid \mu_k, \Sigma_k) - \ln q_{ik}\right]

    A term with :math:`q_{ik} = 0` counts as zero (:math:`0 \ln 0 = 0`), whatever the density.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    params : MixtureParams
        :math:`\theta`.
    responsibilities : array-like of shape (n_samples, n_components)
        :math:`q`: any non-negative rows summing to one (not necessarily the responsibilities of ``params``).

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from gmm_teach.em import MixtureParams, e_step
    >>> params = MixtureParams.from_covariances([0.5, 0.5], [[0.0], [4.0]], [1.0, 1.0], "spherical")
    >>> X = np.array([[0.0], [2.0]])
    >>> uniform = np.full((2, 2), 0.5)
    >>> bool(lower_bound(X, params, uniform) < log_density(X, params).sum())
    True
    """
    X, responsibilities = _checked(X, params, responsibilities)
    entropy = -xlogy(responsibilities, responsibilities).sum()
    return float(_expected_complete_log_likelihood(X, params, responsibilities) + entropy)


def _expected_complete_log_likelihood(X, params, responsibilities):
    r""":math:`\sum_i\sum_k q_{ik}[\ln\pi_k + \ln\mathcal N(x_i\mid\mu_k,\Sigma_k)]`, counting
    :math:`0\cdot(-\infty)` as 0."""
    weighted = weighted_log_density(X, params)
    return np.where(responsibilities > 0, responsibilities * weighted, 0.0).sum()


def posterior_log_responsibilities(X, params):
    r""":math:`\ln r_{ik} = \ln \pi_k\mathcal N(x_i\mid\mu_k,\Sigma_k) - \ln p(x_i)`, the exact log-posterior of
    the labels, shape (n_samples, n_components).

    Unlike :func:`~gmm_teach.em.e_step` (which raises responsibilities below about 1e-250 to keep the M-step
    fast), nothing is rounded: the KL divergence needs the logarithms themselves.
    """
    X = check.check_array(X)
    return weighted_log_density(X, params) - log_density(X, params)[:, np.newaxis]


def evidence_decomposition(X, params, responsibilities):
    r"""Split the log-likelihood into the bound and the KL gap, :math:`\ln p(X\mid\theta) = \mathcal L + \mathrm{KL}`.

    .. math::
        \ln p(X \mid \theta) = \sum_i \ln \sum_k \pi_k \mathcal N(x_i \mid \mu_k, \Sigma_k), \qquad
        \mathrm{KL}\bigl(q \,\|\, p(Z\mid X, \theta)\bigr) = \sum_i\sum_k q_{ik} \ln\frac{q_{ik}}{r_{ik}}

    with :math:`\mathcal L` as in :func:`lower_bound` and :math:`r` the posterior of the labels under
    :math:`\theta` (:func:`posterior_log_responsibilities`). Each of the three numbers is computed on its own,
    so that ``log_likelihood - (lower_bound + kl)`` is a real check of the identity, not zero by construction.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    params : MixtureParams
        :math:`\theta`.
    responsibilities : array-like of shape (n_samples, n_components)
        :math:`q`.

    Returns
    -------
    log_likelihood : float
        :math:`\ln p(X \mid \theta)`, the *sum* over the points (EM's ``EMStep.log_likelihood`` is the mean).
    lower_bound : float
        :math:`\mathcal L(q, \theta)`.
    kl : float
        :math:`\mathrm{KL}(q \,\|\, p(Z\mid X,\theta)) \ge 0`; zero exactly when :math:`q` is the posterior.

    Examples
    --------
    >>> import numpy as np
    >>> from gmm_teach.em import MixtureParams, e_step
    >>> params = MixtureParams.from_covariances([0.5, 0.5], [[0.0], [4.0]], [1.0, 1.0], "spherical")
    >>> X = np.array([[0.0], [2.0], [5.0]])
    >>> log_likelihood, bound, kl = evidence_decomposition(X, params, np.full((3, 2), 0.5))
    >>> bool(abs(log_likelihood - (bound + kl)) < 1e-12 and kl > 0)
    True
    >>> responsibilities, _ = e_step(X, params)          # the E-step closes the gap
    >>> bool(abs(evidence_decomposition(X, params, responsibilities)[2]) < 1e-12)
    True
    """
    X, responsibilities = _checked(X, params, responsibilities)
    log_likelihood = float(log_density(X, params).sum())
    bound = lower_bound(X, params, responsibilities)
    # from the log-posterior, not its exponential: a posterior that underflows to 0 under a q_ik > 0 is a
    # large finite term, not an infinite one
    log_posterior = posterior_log_responsibilities(X, params)
    kl = float(
        (
            xlogy(responsibilities, responsibilities)
            - np.where(responsibilities > 0, responsibilities * log_posterior, 0.0)
        ).sum()
    )
    return log_likelihood, bound, kl


def with_parameter(params, name, component, value):
    r"""The same 1-D mixture with one parameter of one component changed: a point on a slice through :math:`\theta`.

    Parameters
    ----------
    params : MixtureParams
        A mixture of one feature.
    name : {"mean", "weight", "variance"}
    component : int
    value : float
        The new :math:`\mu_k`, :math:`\pi_k` (strictly between 0 and 1) or :math:`\sigma^2_k` (positive).

    Returns
    -------
    MixtureParams
        With spherical covariances. A new weight :math:`\pi_k` rescales the others by
        :math:`(1-\pi_k)/(1-\pi_k^{\text{old}})`, so they still sum to one and keep their ratios.

    Notes
    -----
    Along such a slice, with :math:`q` fixed, :math:`\mathcal L(q, \theta)` is largest exactly where the M-step
    puts the mean, :math:`\mu_k = \sum_i q_{ik} x_i / N_k`, and the weight, :math:`\pi_k = N_k / n` (the weight
    because the others keep their ratios). For the variance it is largest at
    :math:`\sum_i q_{ik}(x_i - \mu_k^{\text{old}})^2 / N_k`, the M-step's variance about the *old* mean.
    """
    check.check_choice(name, "name", PARAMETER_NAMES)
    if params.n_features != 1:
        raise ValueError(
            f"with_parameter changes a parameter of a 1-D mixture; params has {params.n_features} features."
        )
    component = check.check_integer(component, "component", 0, params.n_components - 1)
    weights, means = params.weights.copy(), params.means.copy()
    variances = params.as_full()[:, 0, 0].copy()
    if name == "mean":
        means[component, 0] = check.check_number(value, "value")
    elif name == "variance":
        variances[component] = check.check_number(value, "value", minimum=np.finfo(float).tiny)
    else:
        value = check.check_number(value, "value", minimum=0.0, maximum=1.0)
        if not 0.0 < value < 1.0 or params.n_components == 1:
            raise ValueError(
                f"value must be a weight strictly between 0 and 1 (with other components to share "
                f"the rest), got {value} for a mixture of {params.n_components} component(s)."
            )
        weights *= (1.0 - value) / (1.0 - weights[component])
        weights[component] = value
    return MixtureParams.from_covariances(weights, means, variances, "spherical")


def slice_maximum(X, params, responsibilities, name, component, reg_covar=0.0):
    r"""Where :math:`\mathcal L(q, \theta)` peaks along the slice of :func:`with_parameter` through ``params``.

    With :math:`N_k = \sum_i q_{ik}`: the mean :math:`\sum_i q_{ik} x_i / N_k` and the weight :math:`N_k / n`
    (both what :func:`~gmm_teach.em.m_step` gives, whatever the other parameters), and the variance
    :math:`\sum_i q_{ik}(x_i - \mu_k)^2 / N_k + \epsilon` about the mean :math:`\mu_k` of ``params``
    (the M-step's own variance is about the *new* mean, which is not on this slice). ``reg_covar``
    (:math:`\epsilon`) is added to the variance as the M-step adds it.
    """
    X, responsibilities = _checked(X, params, responsibilities)
    check.check_choice(name, "name", PARAMETER_NAMES)
    component = check.check_integer(component, "component", 0, params.n_components - 1)
    # the M-step's formulas for one component, so that a peak is found even where a whole M-step would fail
    # with CollapsedComponentError (another component shrinking onto a point)
    share = responsibilities[:, component]
    n_k = share.sum()
    if name == "weight":
        return float(n_k / len(X))
    if name == "mean":
        return float(share @ X[:, 0] / n_k)
    return float(share @ (X[:, 0] - params.means[component, 0]) ** 2 / n_k + reg_covar)


def slice_through(X, params, responsibilities, name, component, values):
    r""":math:`\ln p(X\mid\theta)` and :math:`\mathcal L(q, \theta)` along a slice through ``params`` (Bishop 9.14).

    Each :math:`\theta` is ``with_parameter(params, name, component, value)`` for one of ``values``; ``q``
    stays fixed. When ``q`` is the posterior under ``params`` (just after an E-step), the two curves touch at
    the parameter's own value and the bound lies below everywhere else.

    Only component :math:`k`'s term :math:`\ln\pi_k\mathcal N(x_i\mid\mu_k,\sigma^2_k)` changes along a slice of
    its mean or variance (a new weight also shifts every other term by :math:`\ln\frac{1-\pi_k}{1-\pi_k^{\text{old}}}`),
    so all the values are computed together: each value of the moving parameter is treated as a component
    of its own in one call of :func:`~gmm_teach.em.log_gaussian_density`.

    Returns
    -------
    log_likelihoods, lower_bounds : ndarray of shape (len(values),)
    """
    X, responsibilities = _checked(X, params, responsibilities)
    values = np.asarray(values, dtype=float).ravel()
    for value in values[[0, -1]] if len(values) else []:
        with_parameter(params, name, component, value)  # checks the name, the component and the range
    weighted = weighted_log_density(X, params)
    others = np.delete(weighted, component, axis=1)[:, :, np.newaxis]
    log_weight = np.log(params.weights[component])
    if name == "weight":
        own = weighted[:, component, np.newaxis] - log_weight + np.log(values)
        others = others + (np.log1p(-values) - np.log1p(-params.weights[component]))
    else:
        means = values if name == "mean" else np.full(len(values), params.means[component, 0])
        variances = values if name == "variance" else np.full(len(values), params.as_full()[component, 0, 0])
        moved = MixtureParams.from_covariances(
            np.full(len(values), 1.0 / len(values)), means[:, np.newaxis], variances, "spherical"
        )
        own = log_gaussian_density(X, moved) + log_weight
    terms = np.concatenate(
        [own[:, np.newaxis, :], np.broadcast_to(others, (len(X), others.shape[1], len(values)))], axis=1
    )  # (n, k, values): component k first
    shares = np.column_stack([responsibilities[:, component], np.delete(responsibilities, component, axis=1)])
    expected = np.where(shares[:, :, np.newaxis] > 0, shares[:, :, np.newaxis] * terms, 0.0).sum(axis=(0, 1))
    entropy = -xlogy(responsibilities, responsibilities).sum()
    return logsumexp(terms, axis=1).sum(axis=0), expected + entropy
