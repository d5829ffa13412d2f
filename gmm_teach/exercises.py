r"""Graded exercises: check your own E-step, M-step, log-likelihood and BIC against the library.

Write a function that takes the same arguments as the library's own, then hand it to the matching check:

============================  ============================================  ==================================
check                         your function                                 compared with
============================  ============================================  ==================================
:func:`check_e_step`          ``e_step(X, params)`` returning               :func:`gmm_teach.em.e_step`
                              ``(responsibilities, log_likelihood)``
:func:`check_m_step`          ``m_step(X, responsibilities,                 :func:`gmm_teach.em.m_step`
                              covariance_type, reg_covar)`` returning
                              a ``MixtureParams``
:func:`check_log_likelihood`  ``log_likelihood(X, params)`` returning       the mean of
                              one number, the mean over the points          :func:`gmm_teach.em.log_density`
:func:`check_bic`             ``bic(X, params)`` returning one number       ``GaussianMixture.bic``
============================  ============================================  ==================================

Each check runs your function on a few small cases, prints either a pass or a hint that names what is wrong
(rows not summing to one, a transposed array, a variance used where a standard deviation belongs, ``log10``
for the natural log, the sum for the mean, a wrong parameter count, ...) and returns a :class:`CheckResult`
that a notebook can assert on. Your function gets copies of the data, so it cannot spoil the next case.

Examples
--------
The library's own E-step passes, of course:

>>> from gmm_teach.em import e_step
>>> result = check_e_step(e_step)
Passed: your E-step matches gmm_teach.em.e_step on 3 cases (covariance types: full).
>>> result.passed
True

A classic slip: normalising over the points instead of over the components.

>>> def my_e_step(X, params):
...     responsibilities, log_likelihood = e_step(X, params)
...     return responsibilities / responsibilities.sum(axis=0), log_likelihood
>>> check_e_step(my_e_step).passed  # doctest: +ELLIPSIS
Not yet: on 1-D data, two components of different widths ..., each column of your responsibilities sums to one...
False
"""

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from . import _validation as check
from .datasets import make_blobs
from .em import LOG_2PI, MixtureParams, e_step, log_density, log_gaussian_density, m_step, n_parameters
from .mixture import GaussianMixture

RTOL = 1e-6
ATOL = 1e-8


@dataclass(frozen=True)
class CheckResult:
    """What a check found: ``passed`` and the ``message`` it printed.

    ``bool(result)`` is ``result.passed``, so a notebook cell can simply ``assert check_e_step(my_e_step)``.
    """

    check: str
    passed: bool
    message: str

    def __bool__(self):
        return self.passed

    def __str__(self):
        return self.message


class _Hint(Exception):
    """Raised inside a check at the first problem found; its text is the hint shown to the learner."""


@dataclass(frozen=True)
class _Case:
    """A small mixture problem with a known answer. Covariances are stored full, shape (k, d, d)."""

    name: str
    X: np.ndarray
    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    far_points: bool = False

    def params(self, covariance_type):
        """The case's parameters in the shape of ``covariance_type`` (a fresh copy for every call)."""
        covariances = {
            "full": self.covariances,
            "tied": self.covariances[0],
            "diag": np.diagonal(self.covariances, axis1=1, axis2=2),
            "spherical": np.diagonal(self.covariances, axis1=1, axis2=2).mean(axis=1),
        }[covariance_type]
        return MixtureParams.from_covariances(self.weights, self.means, covariances.copy(), covariance_type)

    def label(self, covariance_type):
        return f"{self.name} (covariance_type={covariance_type!r})"


def _cases():
    """The E-step and log-likelihood cases: unequal weights and widths, so that every slip shows."""
    return [
        _Case(
            "1-D data, two components of different widths",
            X=np.array([[-2.0], [0.0], [0.5], [3.0], [6.0]]),
            weights=np.array([0.3, 0.7]),
            means=np.array([[0.0], [4.0]]),
            covariances=np.array([[[0.5]], [[4.0]]]),
        ),
        _Case(
            "2-D data, three tilted components",
            X=np.array([[0.0, 0.0], [1.0, 0.5], [3.0, 3.0], [4.0, 2.5], [-1.0, 4.0], [0.5, 5.0], [2.0, 2.0]]),
            weights=np.array([0.5, 0.3, 0.2]),
            means=np.array([[0.0, 0.0], [3.5, 3.0], [0.0, 4.5]]),
            covariances=np.array([[[1.0, 0.6], [0.6, 2.0]], [[0.5, -0.2], [-0.2, 0.3]], [[2.0, 0.0], [0.0, 0.5]]]),
        ),
        _Case(
            "2-D data with points so far from every component that their densities underflow to 0",
            X=np.array([[0.0, 0.0], [1.0, 1.0], [60.0, -40.0], [-50.0, 70.0]]),
            weights=np.array([0.4, 0.6]),
            means=np.array([[0.0, 0.0], [2.0, 2.0]]),
            covariances=np.array([np.eye(2), 1.5 * np.eye(2)]),
            far_points=True,
        ),
    ]


# --------------------------------------------------------------------------------------------- running
def _run(check_name, run_cases, verbose):
    """Run a check, turn its first hint (or its success) into a :class:`CheckResult`, print it."""
    try:
        summary = run_cases()
    except _Hint as hint:
        result = CheckResult(check_name, False, f"Not yet: {hint}")
    else:
        result = CheckResult(check_name, True, f"Passed: {summary}")
    if verbose:
        print(result.message)
    return result


def _check_arguments(fn, covariance_types):
    if not callable(fn):
        raise TypeError(f"fn must be your function (a callable), got {check._describe(fn)}.")
    if isinstance(covariance_types, str):
        covariance_types = (covariance_types,)
    covariance_types = tuple(covariance_types)
    if not covariance_types:
        raise ValueError("covariance_types must name at least one covariance type, got an empty sequence.")
    for covariance_type in covariance_types:
        check.check_choice(covariance_type, "covariance_types", check.COVARIANCE_TYPES)
    return covariance_types


def _call(fn, arguments, label, signature):
    """Call the learner's function; whatever goes wrong becomes a hint saying where.

    NumPy's warnings (overflow, 0/0, log 0) are silenced during the call: the check looks at the result and
    explains what caused them.
    """
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            output = fn(*arguments)
    except Exception as error:  # noqa: BLE001 - whatever the learner's code raises is reported, not re-raised
        hint = f"on {label}, your function raised {type(error).__name__}: {error}"
        if isinstance(error, TypeError) and "argument" in str(error):
            hint += f". It must accept the same arguments as the library's: {signature}"
        raise _Hint(hint + ".") from None
    if output is None:
        raise _Hint(f"on {label}, your function returned None: is its return statement missing?")
    return output


def _as_float_array(value, what, label):
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise _Hint(f"on {label}, {what} should be an array of numbers, got {check._describe(value)}.") from None


def _check_shape(array, expected_shape, what, meaning, label):
    """Hint at a transposed or otherwise wrong shape."""
    if array.shape == expected_shape:
        return
    if array.ndim == 2 and array.shape == expected_shape[::-1]:
        raise _Hint(
            f"on {label}, {what}: shape {array.shape}, expected {expected_shape} ({meaning}); it looks transposed."
        )
    raise _Hint(f"on {label}, {what}: shape {array.shape}, expected {expected_shape} ({meaning}).")


def _matching_mistake(answer, mistakes):
    """The hint of the first known mistake whose result equals ``answer``, or None."""
    for hint, wrong_answer in mistakes:
        wrong_answer = np.asarray(wrong_answer, dtype=float)
        if wrong_answer.shape == np.shape(answer) and np.allclose(answer, wrong_answer, rtol=RTOL, atol=ATOL):
            return hint
    return None


def _compare(answer, expected, what, label, mistakes):
    """Pass when ``answer`` equals ``expected``; otherwise name the mistake it matches, or the largest gap."""
    if np.allclose(answer, expected, rtol=RTOL, atol=ATOL):
        return
    hint = _matching_mistake(answer, mistakes())
    if hint is not None:
        raise _Hint(f"on {label}, {what}: {hint}")
    gap = np.abs(np.asarray(answer) - expected)
    where = np.unravel_index(np.argmax(gap), gap.shape) if gap.ndim else ()
    position = f" at index {tuple(int(i) for i in where)}" if where else ""
    raise _Hint(
        f"on {label}, {what}: not the library's value; the largest difference{position} is "
        f"{gap.max():.3g} (yours {np.asarray(answer)[where]:.6g}, expected {np.asarray(expected)[where]:.6g})."
    )


# --------------------------------------------------------------------------------------------- known slips
def _softmax_rows(log_values):
    return np.exp(log_values - logsumexp(log_values, axis=1, keepdims=True))


def _full_params(params, covariances=None, weights=None):
    """``params`` as a full-covariance mixture, optionally with other covariances or weights."""
    covariances = params.as_full() if covariances is None else covariances
    weights = params.weights if weights is None else weights
    return MixtureParams.from_covariances(weights, params.means, covariances, "full")


def _matrix_power(covariances, power):
    """Each symmetric positive-definite matrix raised to ``power`` (0.5 is the matrix square root)."""
    eigenvalues, eigenvectors = np.linalg.eigh(covariances)
    return (eigenvectors * eigenvalues[:, np.newaxis, :] ** power) @ np.swapaxes(eigenvectors, 1, 2)


def _slipped_mixtures(params):
    """Mixtures a learner computes by mistake, each with the hint that explains it."""
    full = params.as_full()
    k = params.n_components
    return [
        (
            "it matches a mixture without the weights: multiply each component's density by its weight pi_k.",
            _full_params(params, weights=np.full(k, 1.0 / k)),
        ),
        (
            "it matches a mixture whose covariances are the standard deviations: the Gaussian takes the variance "
            "sigma^2 (or the covariance matrix), not sigma. (scipy.stats.norm takes scale = the standard deviation "
            "= sqrt(variance); multivariate_normal takes cov = the variance.)",
            _full_params(params, covariances=_matrix_power(full, 0.5)),
        ),
        (
            "it matches a mixture whose covariances are the squared variances: you passed a variance where a "
            "standard deviation belongs (scipy.stats.norm's scale is the standard deviation, sqrt(variance)).",
            _full_params(params, covariances=_matrix_power(full, 2.0)),
        ),
        (
            "it matches a mixture whose covariances are the precisions: you used the inverse Sigma^-1 where the "
            "covariance Sigma belongs (or inverted twice).",
            _full_params(params, covariances=_matrix_power(full, -1.0)),
        ),
    ]


def _log_densities_without_determinant(X, params):
    """:math:`\\log\\pi_k + \\log\\mathcal N` with the :math:`|\\Sigma_k|^{-1/2}` factor left out."""
    log_det = params.model.log_det_cholesky(params.precisions_cholesky, params.n_features)
    return log_gaussian_density(X, params) - log_det + np.log(params.weights)


def _weighted_log_densities(X, params):
    return log_gaussian_density(X, params) + np.log(params.weights)


NO_DETERMINANT = (
    "wrong normalisation of the Gaussian: the factor |Sigma_k|^(-1/2) (1/sigma_k in 1-D) is missing from the density."
)


def _responsibility_slips(X, params):
    slips = [(hint, e_step(X, slipped)[0]) for hint, slipped in _slipped_mixtures(params)]
    slips.append((NO_DETERMINANT, _softmax_rows(_log_densities_without_determinant(X, params))))
    return slips


def _log_likelihood_slips(X, params):
    """Mean log-likelihoods a learner computes by mistake, each with its hint."""
    n_samples = X.shape[0]
    mean = np.mean(log_density(X, params))
    weighted = _weighted_log_densities(X, params)
    slips = [
        (
            "you returned the sum over the points; gmm-teach's log_likelihood (like e_step's and "
            f"GaussianMixture.score) is the mean: divide by n = {n_samples}.",
            mean * n_samples,
        ),
        ("you used log10; the log-likelihood uses the natural log (np.log).", mean / np.log(10)),
        (
            "you returned the sum over the points and used log10: use the natural log (np.log) and the mean.",
            mean * n_samples / np.log(10),
        ),
        (
            "wrong normalisation of the Gaussian: the factor (2 pi)^(-d/2) is missing from the density.",
            mean + 0.5 * params.n_features * LOG_2PI,
        ),
        (NO_DETERMINANT, np.mean(logsumexp(_log_densities_without_determinant(X, params), axis=1))),
        (
            "it matches the best single component of each point: the mixture density sums over all components "
            "(logsumexp over k), it does not take the largest.",
            np.mean(weighted.max(axis=1)),
        ),
        (
            "it matches a sum of densities without the weights: p(x) = sum_k pi_k N(x | mu_k, Sigma_k).",
            np.mean(logsumexp(log_gaussian_density(X, params), axis=1)),
        ),
    ]
    slips += [(hint, np.mean(log_density(X, slipped))) for hint, slipped in _slipped_mixtures(params)]
    return slips


UNDERFLOW = (
    "some values are NaN or infinite. These points are far from every component, so their densities "
    "underflow to 0 and 0/0 = NaN. Work in log space: log pi_k + log N(x | mu_k, Sigma_k), then "
    "scipy.special.logsumexp over the components, and exponentiate only differences."
)


# --------------------------------------------------------------------------------------------- E-step
def _check_responsibilities(responsibilities, X, params, case, label):
    expected = e_step(X, params)[0]
    what = "your responsibilities"
    responsibilities = _as_float_array(responsibilities, what, label)
    _check_shape(responsibilities, expected.shape, what, "n_samples, n_components", label)
    if not np.all(np.isfinite(responsibilities)):
        raise _Hint(f"on {label}, {UNDERFLOW if case.far_points else 'some of ' + what + ' are NaN or infinite.'}")
    row_sums = responsibilities.sum(axis=1)
    if not np.allclose(row_sums, 1.0, rtol=RTOL, atol=ATOL):
        raise _Hint(f"on {label}, {_row_sum_hint(responsibilities)}")
    _compare(responsibilities, expected, what, label, lambda: _responsibility_slips(X, params))


def _row_sum_hint(responsibilities):
    if np.allclose(responsibilities.sum(axis=0), 1.0, rtol=RTOL, atol=ATOL):
        return (
            "each column of your responsibilities sums to one, but each row must: you normalised over the "
            "points (axis=0) instead of over the components (axis=1, keepdims=True)."
        )
    if np.all(responsibilities <= 0) and np.allclose(np.exp(responsibilities).sum(axis=1), 1.0, rtol=RTOL):
        return "you returned log responsibilities; take np.exp of them."
    return (
        "the rows of your responsibilities do not sum to one (first row sums to "
        f"{responsibilities[0].sum():.6g}): divide pi_k N(x_i | mu_k, Sigma_k) by its sum over the "
        "components k."
    )


def _check_log_likelihood_value(value, X, params, case, label):
    what = "your log-likelihood"
    point_log_densities = log_density(X, params)
    if np.ndim(value) > 0:
        array = _as_float_array(value, what, label)
        if array.shape == point_log_densities.shape and np.allclose(array, point_log_densities, rtol=RTOL):
            raise _Hint(
                f"on {label}, you returned log p(x_i) for every point; the log-likelihood is one number, their mean."
            )
        if array.size != 1:
            raise _Hint(
                f"on {label}, {what} should be one number (the mean log-likelihood), got an array of "
                f"shape {array.shape}."
            )
        value = array.ravel()[0]
    value = float(_as_float_array(value, what, label))
    if not np.isfinite(value):
        raise _Hint(f"on {label}, {UNDERFLOW if case.far_points else what + ' is ' + str(value) + '.'}")
    _compare(value, np.mean(point_log_densities), what, label, lambda: _log_likelihood_slips(X, params))


def _unpack_e_step(output, label):
    if isinstance(output, np.ndarray) or not isinstance(output, (tuple, list)) or len(output) != 2:
        raise _Hint(
            f"on {label}, your E-step returned {check._describe(output)}; it must return a pair "
            "(responsibilities, log_likelihood), like gmm_teach.em.e_step."
        )
    if np.ndim(output[0]) == 0 and np.ndim(output[1]) == 2:
        raise _Hint(
            f"on {label}, your E-step returned (log_likelihood, responsibilities); return them the other "
            "way round: (responsibilities, log_likelihood)."
        )
    return output


def _cases_and_types(covariance_types):
    return [(case, covariance_type) for case in _cases() for covariance_type in covariance_types]


def check_e_step(fn, covariance_types=("full",), verbose=True):
    r"""Check your E-step against :func:`gmm_teach.em.e_step`.

    Your function is called as ``fn(X, params)`` with ``X`` of shape (n_samples, n_features) and ``params`` a
    :class:`~gmm_teach.em.MixtureParams`, and must return ``(responsibilities, log_likelihood)``:

    .. math:: r_{ik} = \frac{\pi_k \mathcal{N}(x_i \mid \mu_k, \Sigma_k)}
                            {\sum_j \pi_j \mathcal{N}(x_i \mid \mu_j, \Sigma_j)}, \qquad
              \ell = \frac1n \sum_i \log \sum_k \pi_k \mathcal{N}(x_i \mid \mu_k, \Sigma_k).

    One case has points far from every component: there the densities underflow to 0, and only a log-space
    computation gets it right.

    Parameters
    ----------
    fn : callable
        Your E-step.
    covariance_types : sequence of str, default=("full",)
        The covariance types your function handles (``params.covariance_type``); add "tied", "diag",
        "spherical" once it handles them.
    verbose : bool, default=True
        Print the result.

    Returns
    -------
    CheckResult
    """
    covariance_types = _check_arguments(fn, covariance_types)

    def run_cases():
        cases = _cases_and_types(covariance_types)
        for case, covariance_type in cases:
            label = case.label(covariance_type)
            params = case.params(covariance_type)
            output = _call(fn, (case.X.copy(), case.params(covariance_type)), label, "fn(X, params)")
            responsibilities, log_likelihood = _unpack_e_step(output, label)
            _check_responsibilities(responsibilities, case.X, params, case, label)
            _check_log_likelihood_value(log_likelihood, case.X, params, case, label)
        return (
            f"your E-step matches gmm_teach.em.e_step on {len(_cases())} cases "
            f"(covariance types: {', '.join(covariance_types)})."
        )

    return _run("check_e_step", run_cases, verbose)


def check_log_likelihood(fn, covariance_types=("full",), verbose=True):
    r"""Check your mean log-likelihood function against the library.

    Your function is called as ``fn(X, params)`` and must return one number, the mean log-likelihood

    .. math:: \ell = \frac1n \sum_{i=1}^n \log \sum_{k=1}^K \pi_k \mathcal{N}(x_i \mid \mu_k, \Sigma_k),

    which is what :func:`gmm_teach.em.e_step` returns second and ``GaussianMixture.score`` returns. Use
    ``scipy.special.logsumexp``: one case has points whose densities underflow to 0.

    Parameters
    ----------
    fn : callable
    covariance_types : sequence of str, default=("full",)
    verbose : bool, default=True

    Returns
    -------
    CheckResult

    Examples
    --------
    >>> import numpy as np
    >>> from gmm_teach.em import log_density
    >>> check_log_likelihood(lambda X, params: log_density(X, params).sum()).passed  # doctest: +NORMALIZE_WHITESPACE
    Not yet: on 1-D data, two components of different widths (covariance_type='full'), your log-likelihood:
    you returned the sum over the points; gmm-teach's log_likelihood (like e_step's and
    GaussianMixture.score) is the mean: divide by n = 5.
    False
    """
    covariance_types = _check_arguments(fn, covariance_types)

    def run_cases():
        for case, covariance_type in _cases_and_types(covariance_types):
            label = case.label(covariance_type)
            value = _call(fn, (case.X.copy(), case.params(covariance_type)), label, "fn(X, params)")
            _check_log_likelihood_value(value, case.X, case.params(covariance_type), case, label)
        return f"your log-likelihood matches the library's on {len(_cases())} cases."

    return _run("check_log_likelihood", run_cases, verbose)


# --------------------------------------------------------------------------------------------- M-step
M_STEP_REG_COVAR = 0.01


def _m_step_cases():
    """(name, X, responsibilities): soft, unequal responsibilities, so weighting mistakes show."""
    rng = np.random.default_rng(7)
    cases = []
    for name, n_samples, n_features, n_components in [
        ("2-D data, three components", 9, 2, 3),
        ("1-D data, two components", 6, 1, 2),
    ]:
        X = rng.normal(scale=3.0, size=(n_samples, n_features))
        raw = rng.uniform(0.05, 1.0, size=(n_samples, n_components)) ** 2
        cases.append((name, X, raw / raw.sum(axis=1, keepdims=True)))
    return cases


def _unpack_m_step(output, label):
    if isinstance(output, MixtureParams):
        return output.weights, output.means, output.covariances
    if isinstance(output, (tuple, list)) and len(output) == 3:
        return output
    raise _Hint(
        f"on {label}, your M-step returned {check._describe(output)}; return a MixtureParams (as "
        "gmm_teach.em.m_step does) or a triple (weights, means, covariances)."
    )


def _weight_slips(responsibilities):
    nk = responsibilities.sum(axis=0)
    k = nk.shape[0]
    return [
        ("you returned N_k, the effective number of points; the weight is N_k / n.", nk),
        (
            "your weights are all 1/k: the weight of component k is N_k / n, the share of responsibility it holds.",
            np.full(k, 1.0 / k),
        ),
    ]


def _mean_slips(X, responsibilities):
    weighted_sums = responsibilities.T @ X
    return [
        ("you forgot to divide by N_k = sum_i r_ik.", weighted_sums),
        (
            "you divided by n; divide by N_k = sum_i r_ik, the effective number of points of component k.",
            weighted_sums / X.shape[0],
        ),
        (
            "every mean is the plain mean of X: weight each point by its responsibility r_ik.",
            np.broadcast_to(X.mean(axis=0), weighted_sums.shape),
        ),
    ]


def _covariance_slips(X, responsibilities, covariance_type, reg_covar):
    model = m_step(X, responsibilities, covariance_type, reg_covar).model
    nk = responsibilities.sum(axis=0)
    means = responsibilities.T @ X / nk[:, np.newaxis]
    n_samples, n_components = responsibilities.shape

    def estimate(weights=responsibilities, counts=nk, centres=means, reg=reg_covar):
        return model.estimate(X, weights, counts, centres, reg)

    slips = [
        (f"reg_covar = {reg_covar} is missing: add it to the diagonal of every covariance.", estimate(reg=0.0)),
        ("you divided by n; divide by N_k = sum_i r_ik.", estimate(counts=np.full(n_components, float(n_samples)))),
        (
            "you divided by N_k - 1; the M-step divides by N_k (it is a maximum-likelihood estimate).",
            estimate(counts=nk - 1.0),
        ),
        (
            "every point counts fully for every component: weight each (x_i - mu_k)(x_i - mu_k)^T by r_ik.",
            estimate(weights=np.ones_like(responsibilities), counts=np.full(n_components, float(n_samples))),
        ),
        (
            "you forgot to subtract the mean: use (x_i - mu_k), with the new mu_k.",
            estimate(centres=np.zeros_like(means)),
        ),
    ]
    if covariance_type in ("diag", "spherical"):
        slips.append(
            (
                "these are standard deviations; the covariances are variances (do not take the square root).",
                np.sqrt(estimate()),
            )
        )
    return slips


def _check_m_step_output(output, X, responsibilities, covariance_type, label):
    expected = m_step(X, responsibilities, covariance_type, M_STEP_REG_COVAR)
    weights, means, covariances = _unpack_m_step(output, label)
    k, d = expected.means.shape
    weights = _as_float_array(weights, "your weights", label)
    _check_shape(weights, (k,), "your weights", "n_components", label)
    _compare(weights, expected.weights, "your weights", label, lambda: _weight_slips(responsibilities))
    means = _as_float_array(means, "your means", label)
    _check_shape(means, (k, d), "your means", "n_components, n_features", label)
    _compare(means, expected.means, "your means", label, lambda: _mean_slips(X, responsibilities))
    covariances = _as_float_array(covariances, "your covariances", label)
    shape = check.precision_shape(covariance_type, k, d)
    _check_shape(covariances, shape, "your covariances", f"scikit-learn's shape for {covariance_type!r}", label)
    _compare(
        covariances,
        expected.covariances,
        "your covariances",
        label,
        lambda: _covariance_slips(X, responsibilities, covariance_type, M_STEP_REG_COVAR),
    )


def check_m_step(fn, covariance_types=("full",), verbose=True):
    r"""Check your M-step against :func:`gmm_teach.em.m_step`.

    Your function is called as ``fn(X, responsibilities, covariance_type, reg_covar)`` and must return a
    :class:`~gmm_teach.em.MixtureParams` or a triple ``(weights, means, covariances)`` with, for
    :math:`N_k = \sum_i r_{ik}`,

    .. math:: \pi_k = \frac{N_k}{n}, \qquad \mu_k = \frac{1}{N_k}\sum_i r_{ik} x_i, \qquad
              \Sigma_k = \frac{1}{N_k}\sum_i r_{ik}(x_i-\mu_k)(x_i-\mu_k)^\top + \epsilon I,

    covariances in scikit-learn's shape for the covariance type (full: (k, d, d)) and
    :math:`\epsilon` = ``reg_covar`` (the check passes 0.01, so forgetting it shows).

    Parameters
    ----------
    fn : callable
    covariance_types : sequence of str, default=("full",)
        The covariance types your function handles.
    verbose : bool, default=True

    Returns
    -------
    CheckResult

    Examples
    --------
    >>> from gmm_teach.em import m_step
    >>> check_m_step(m_step, covariance_types=("full", "tied", "diag", "spherical")).passed
    Passed: your M-step matches gmm_teach.em.m_step on 2 cases (covariance types: full, tied, diag, spherical).
    True
    """
    covariance_types = _check_arguments(fn, covariance_types)

    def run_cases():
        cases = _m_step_cases()
        for name, X, responsibilities in cases:
            for covariance_type in covariance_types:
                label = f"{name} (covariance_type={covariance_type!r})"
                output = _call(
                    fn,
                    (X.copy(), responsibilities.copy(), covariance_type, M_STEP_REG_COVAR),
                    label,
                    "fn(X, responsibilities, covariance_type, reg_covar)",
                )
                _check_m_step_output(output, X, responsibilities, covariance_type, label)
        return (
            f"your M-step matches gmm_teach.em.m_step on {len(cases)} cases "
            f"(covariance types: {', '.join(covariance_types)})."
        )

    return _run("check_m_step", run_cases, verbose)


# --------------------------------------------------------------------------------------------- BIC
def _bic_cases(covariance_types):
    """(label, X, fitted GaussianMixture) for a 2-D and a 3-D data set, each covariance type."""
    data = [
        ("2-D data, k=2", make_blobs(60, means=[[0, 0], [5, 1]], random_state=0)[0], 2),
        ("3-D data, k=3", make_blobs(90, means=[[0, 0, 0], [6, 0, 1], [0, 6, -1]], random_state=1)[0], 3),
    ]
    return [
        (
            f"{name} (covariance_type={covariance_type!r})",
            X,
            GaussianMixture(k, covariance_type=covariance_type, random_state=0).fit(X),
        )
        for name, X, k in data
        for covariance_type in covariance_types
    ]


def _parameter_count(params):
    """How many free parameters the mixture has, and where they come from, in words."""
    k, d, covariance_type = params.n_components, params.n_features, params.covariance_type
    total = n_parameters(k, d, covariance_type)
    covariance = total - k * d - (k - 1)
    words = (
        f"a {covariance_type!r} mixture of k={k} components in d={d} dimensions has {covariance} covariance "
        f"+ {k * d} mean + {k - 1} weight parameters = {total}"
    )
    return total, words


def _count_hint(counted, params):
    """Explain a BIC that is right except for the number of parameters ``counted``."""
    total, words = _parameter_count(params)
    k, d = params.n_components, params.n_features
    if counted == 3 * k:
        reason = "that is sealion's count, 3 per cluster whatever the dimension"
    elif counted == total + 1:
        reason = "the k weights sum to one, so only k - 1 of them are free"
    elif counted == total - (k - 1):
        reason = "you left out the k - 1 free weights"
    elif counted == total - k * d:
        reason = "you left out the k d means"
    elif params.covariance_type == "full" and counted == total + k * d * (d - 1) // 2:
        reason = "a symmetric d x d covariance has d(d+1)/2 free entries, not d^2"
    else:
        reason = "count the covariance, mean and weight parameters again"
    return f"it is right except that it counts p = {counted} free parameters: {reason}; {words}."


def _bic_slips(total_log_likelihood, n_samples, p):
    log_n = np.log(n_samples)
    return [
        (
            "the sign of the log-likelihood term is flipped: BIC = -2 log L + p log n (lower is better).",
            2 * total_log_likelihood + p * log_n,
        ),
        ("that is the AIC, whose penalty is 2p; BIC's is p log n.", -2 * total_log_likelihood + 2 * p),
        (
            "you used the mean log-likelihood; BIC uses the total log L = sum_i log p(x_i).",
            -2 * total_log_likelihood / n_samples + p * log_n,
        ),
        ("you used log10(n); BIC uses the natural log, p ln n.", -2 * total_log_likelihood + p * np.log10(n_samples)),
        ("the factor 2 is missing: BIC = -2 log L + p log n.", -total_log_likelihood + p * log_n),
        ("this is half the BIC: BIC = -2 log L + p log n.", -total_log_likelihood + 0.5 * p * log_n),
    ]


def _check_bic_value(value, X, params, expected, label):
    what = "your BIC"
    if np.size(value) != 1:
        raise _Hint(f"on {label}, {what} should be one number, got {check._describe(value)}.")
    value = float(_as_float_array(value, what, label).ravel()[0])
    total_log_likelihood = float(log_density(X, params).sum())
    p, _ = _parameter_count(params)
    counted = (value + 2 * total_log_likelihood) / np.log(X.shape[0])
    if not np.isclose(value, expected, rtol=RTOL) and np.isclose(counted, round(counted), atol=1e-6):
        raise _Hint(f"on {label}, {what}: {_count_hint(int(round(counted)), params)}")
    _compare(value, expected, what, label, lambda: _bic_slips(total_log_likelihood, X.shape[0], p))


def check_bic(fn, covariance_types=("full",), verbose=True):
    r"""Check your Bayesian information criterion against ``GaussianMixture.bic``.

    Your function is called as ``fn(X, params)`` with ``params`` a fitted
    :class:`~gmm_teach.em.MixtureParams` and must return

    .. math:: \mathrm{BIC} = -2 \log L + p \log n, \qquad \log L = \sum_{i=1}^n \log p(x_i),

    where :math:`p` is the number of free parameters: the covariance parameters of ``params.covariance_type``,
    :math:`k d` means and :math:`k - 1` weights (they sum to one). One case is 3-D, so a count that ignores
    the dimension (sealion counts 3 per cluster) shows.

    Parameters
    ----------
    fn : callable
    covariance_types : sequence of str, default=("full",)
        The covariance types your parameter count handles.
    verbose : bool, default=True

    Returns
    -------
    CheckResult

    Examples
    --------
    >>> import numpy as np
    >>> from gmm_teach.em import log_density
    >>> def sealion_bic(X, params):
    ...     return -2 * log_density(X, params).sum() + 3 * params.n_components * np.log(len(X))
    >>> check_bic(sealion_bic).passed  # doctest: +NORMALIZE_WHITESPACE
    Not yet: on 2-D data, k=2 (covariance_type='full'), your BIC: it is right except that it counts p = 6 free
    parameters: that is sealion's count, 3 per cluster whatever the dimension; a 'full' mixture of k=2
    components in d=2 dimensions has 6 covariance + 4 mean + 1 weight parameters = 11.
    False
    """
    covariance_types = _check_arguments(fn, covariance_types)

    def run_cases():
        cases = _bic_cases(covariance_types)
        for label, X, model in cases:
            params = model.params_
            fresh_params = MixtureParams(
                *(
                    np.copy(values)
                    for values in (params.weights, params.means, params.covariances, params.precisions_cholesky)
                ),
                params.covariance_type,
            )
            value = _call(fn, (X.copy(), fresh_params), label, "fn(X, params)")
            _check_bic_value(value, X, params, model.bic(X), label)
        return f"your BIC matches GaussianMixture.bic on {len(cases)} fitted mixtures."

    return _run("check_bic", run_cases, verbose)
