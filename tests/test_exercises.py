"""The graded exercises: right answers pass, each classic slip gets the hint that names it."""

import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import multivariate_normal, norm

from gmm_teach.em import MixtureParams, e_step, log_density, m_step
from gmm_teach.exercises import CheckResult, check_bic, check_e_step, check_log_likelihood, check_m_step

ALL_TYPES = ("full", "tied", "diag", "spherical")


# ------------------------------------------------------------------ learners' own functions, right and wrong
def scratch_log_weighted_densities(X, params):
    """A learner's log-space E-step core, written from scratch with scipy."""
    return np.column_stack(
        [
            np.log(weight) + multivariate_normal(mean, covariance).logpdf(X).reshape(len(X))
            for weight, mean, covariance in zip(params.weights, params.means, params.as_full())
        ]
    )


def scratch_e_step(X, params):
    weighted = scratch_log_weighted_densities(X, params)
    log_norm = logsumexp(weighted, axis=1, keepdims=True)
    return np.exp(weighted - log_norm), float(log_norm.mean())


def naive_e_step(X, params):
    """Multiplies raw densities: right until a density underflows (and NumPy warns of 0/0 and log 0)."""
    densities = np.column_stack(
        [
            weight * multivariate_normal(mean, covariance).pdf(X).reshape(len(X))
            for weight, mean, covariance in zip(params.weights, params.means, params.as_full())
        ]
    )
    totals = densities.sum(axis=1, keepdims=True)
    return densities / totals, float(np.mean(np.log(totals)))


def with_responsibilities(change):
    def learner_e_step(X, params):
        responsibilities, log_likelihood = e_step(X, params)
        return change(responsibilities, X, params), log_likelihood

    return learner_e_step


def with_log_likelihood(change):
    def learner_e_step(X, params):
        responsibilities, log_likelihood = e_step(X, params)
        return responsibilities, change(log_likelihood, X, params)

    return learner_e_step


def e_step_of(mixture):
    """An E-step computed right, but on the wrong mixture ``mixture(params)``."""
    return lambda X, params: e_step(X, mixture(params))


def with_covariances(params, covariances):
    return MixtureParams.from_covariances(params.weights, params.means, covariances, "full")


def univariate_e_step_with_scale_variance(X, params):
    """scipy.stats.norm's scale is the standard deviation; this learner passes the variance."""
    log_densities = np.column_stack(
        [
            np.log(weight) + norm(mean[0], scale=variance[0, 0]).logpdf(X[:, 0])
            for weight, mean, variance in zip(params.weights, params.means, params.as_full())
        ]
    )
    log_norm = logsumexp(log_densities, axis=1, keepdims=True)
    return np.exp(log_densities - log_norm), float(log_norm.mean())


# ------------------------------------------------------------------ the result object
def test_the_library_e_step_passes_for_every_covariance_type(capsys):
    result = check_e_step(e_step, covariance_types=ALL_TYPES)
    assert isinstance(result, CheckResult) and result.passed and bool(result)
    assert capsys.readouterr().out.startswith("Passed: your E-step matches gmm_teach.em.e_step")


def test_a_from_scratch_log_space_e_step_passes():
    assert check_e_step(scratch_e_step, covariance_types=ALL_TYPES, verbose=False).passed


def test_a_failed_check_prints_its_hint_and_is_falsy(capsys):
    result = check_e_step(with_responsibilities(lambda r, X, params: r.T))
    printed = capsys.readouterr().out
    assert not result and not result.passed
    assert printed.strip() == result.message == str(result)
    assert result.message.startswith("Not yet: on 1-D data")


def test_verbose_false_prints_nothing(capsys):
    check_m_step(m_step, verbose=False)
    assert capsys.readouterr().out == ""


# ------------------------------------------------------------------ E-step hints
@pytest.mark.parametrize(
    "learner, hint",
    [
        (with_responsibilities(lambda r, X, params: r.T), "looks transposed"),
        (with_responsibilities(lambda r, X, params: r / r.sum(axis=0)), "normalised over the points (axis=0)"),
        (with_responsibilities(lambda r, X, params: r * params.weights), "do not sum to one"),
        (with_responsibilities(lambda r, X, params: np.log(r + 1e-300)), "log responsibilities"),
        (
            e_step_of(
                lambda p: MixtureParams.from_covariances(
                    np.full(p.n_components, 1 / p.n_components), p.means, p.as_full(), "full"
                )
            ),
            "without the weights",
        ),
        (e_step_of(lambda p: with_covariances(p, np.sqrt(p.as_full()))), "covariances are the standard deviations"),
        (univariate_e_step_with_scale_variance, "squared variances"),
        (e_step_of(lambda p: with_covariances(p, np.linalg.inv(p.as_full()))), "the precisions"),
        (naive_e_step, "underflow to 0"),
        (with_log_likelihood(lambda ll, X, params: ll * len(X)), "divide by n = 5"),
        (with_log_likelihood(lambda ll, X, params: ll / np.log(10)), "natural log"),
        (lambda X, params: e_step(X, params)[0], "must return a pair (responsibilities, log_likelihood)"),
        (lambda X: e_step(X, None), "same arguments as the library's: fn(X, params)"),
        (lambda X, params: 1 / 0, "raised ZeroDivisionError: division by zero"),
        (lambda X, params: None, "returned None: is its return statement missing?"),
        (lambda X, params: e_step(X, params)[::-1], "return them the other way round"),
    ],
)
def test_e_step_slips_get_the_hint_that_names_them(learner, hint):
    result = check_e_step(learner, verbose=False)
    assert not result.passed
    assert hint in result.message


def test_a_missing_determinant_is_called_wrong_normalisation():
    def learner(X, params):
        weighted = scratch_log_weighted_densities(X, params) + 0.5 * np.linalg.slogdet(params.as_full())[1]
        return np.exp(weighted - logsumexp(weighted, axis=1, keepdims=True)), e_step(X, params)[1]

    message = check_e_step(learner, verbose=False).message
    assert "wrong normalisation of the Gaussian: the factor |Sigma_k|^(-1/2)" in message


def test_the_naive_e_step_is_right_until_densities_underflow():
    message = check_e_step(naive_e_step, verbose=False).message  # no RuntimeWarning escapes (they are errors here)
    assert message.startswith("Not yet: on 2-D data with points so far from every component")
    assert "logsumexp" in message


def test_an_e_step_that_only_handles_full_covariances_fails_on_diag():
    def full_only(X, params):
        return scratch_e_step(X, with_covariances(params, params.covariances))

    assert check_e_step(full_only, verbose=False).passed
    assert "raised" in check_e_step(full_only, covariance_types=("diag",), verbose=False).message


# ------------------------------------------------------------------ log-likelihood
def scratch_log_likelihood(X, params):
    return float(np.mean(logsumexp(scratch_log_weighted_densities(X, params), axis=1)))


def test_a_from_scratch_log_likelihood_passes_for_every_covariance_type():
    assert check_log_likelihood(scratch_log_likelihood, covariance_types=ALL_TYPES, verbose=False).passed


@pytest.mark.parametrize(
    "learner, hint",
    [
        (lambda X, params: log_density(X, params), "you returned log p(x_i) for every point"),
        (lambda X, params: log_density(X, params).sum(), "is the mean: divide by n"),
        (lambda X, params: np.mean(log_density(X, params)) / np.log(10), "natural log (np.log)"),
        (lambda X, params: np.mean(scratch_log_weighted_densities(X, params).max(axis=1)), "not take the largest"),
        (
            lambda X, params: scratch_log_likelihood(X, params) + np.log(2 * np.pi) * params.n_features / 2,
            "(2 pi)^(-d/2) is missing",
        ),
        (
            lambda X, params: np.mean(np.log(np.exp(scratch_log_weighted_densities(X, params)).sum(axis=1))),
            "underflow to 0",
        ),
        (lambda X, params: "minus four", "should be an array of numbers"),
    ],
)
def test_log_likelihood_slips_get_their_hint(learner, hint):
    result = check_log_likelihood(learner, verbose=False)
    assert not result.passed
    assert hint in result.message


# ------------------------------------------------------------------ M-step
def scratch_m_step(X, responsibilities, covariance_type, reg_covar):
    """A loop-by-loop full-covariance M-step, as a learner writes it first."""
    nk = responsibilities.sum(axis=0)
    weights = nk / len(X)
    means = np.array([responsibilities[:, k] @ X / nk[k] for k in range(len(nk))])
    covariances = []
    for k, mean in enumerate(means):
        covariance = sum(r * np.outer(x - mean, x - mean) for r, x in zip(responsibilities[:, k], X)) / nk[k]
        covariances.append(covariance + reg_covar * np.eye(X.shape[1]))
    return weights, means, np.array(covariances)


def test_the_library_m_step_passes_for_every_covariance_type():
    assert check_m_step(m_step, covariance_types=ALL_TYPES, verbose=False).passed


def test_a_from_scratch_m_step_returning_a_triple_passes():
    assert check_m_step(scratch_m_step, verbose=False).passed


def changed_m_step(change):
    def learner(X, responsibilities, covariance_type, reg_covar):
        weights, means, covariances = scratch_m_step(X, responsibilities, covariance_type, reg_covar)
        return change(weights, means, covariances, X, responsibilities, reg_covar)

    return learner


def diag_m_step_with_standard_deviations(X, responsibilities, covariance_type, reg_covar):
    params = m_step(X, responsibilities, covariance_type, reg_covar)
    return params.weights, params.means, np.sqrt(params.covariances)


@pytest.mark.parametrize(
    "learner, hint",
    [
        (changed_m_step(lambda w, m, c, X, r, reg: (w * len(X), m, c)), "you returned N_k"),
        (changed_m_step(lambda w, m, c, X, r, reg: (np.full_like(w, 1 / len(w)), m, c)), "your weights are all 1/k"),
        (changed_m_step(lambda w, m, c, X, r, reg: (w, m.T, c)), "your means: shape (2, 3), expected (3, 2)"),
        (changed_m_step(lambda w, m, c, X, r, reg: (w, r.T @ X, c)), "forgot to divide by N_k"),
        (changed_m_step(lambda w, m, c, X, r, reg: (w, r.T @ X / len(X), c)), "you divided by n"),
        (
            changed_m_step(lambda w, m, c, X, r, reg: (w, m, c - reg * np.eye(X.shape[1]))),
            "reg_covar = 0.01 is missing",
        ),
        (changed_m_step(lambda w, m, c, X, r, reg: (w, m, c[0])), "scikit-learn's shape for 'full'"),
        (lambda X, responsibilities, covariance_type, reg_covar: "done", "return a MixtureParams"),
    ],
)
def test_m_step_slips_get_their_hint(learner, hint):
    result = check_m_step(learner, verbose=False)
    assert not result.passed
    assert hint in result.message


def test_an_m_step_with_standard_deviations_for_diag_is_told_so():
    result = check_m_step(diag_m_step_with_standard_deviations, covariance_types=("diag",), verbose=False)
    assert "these are standard deviations" in result.message


def test_an_m_step_dividing_covariances_by_n_is_told_so():
    def learner(X, responsibilities, covariance_type, reg_covar):
        weights, means, covariances = scratch_m_step(X, responsibilities, covariance_type, reg_covar)
        nk = responsibilities.sum(axis=0)
        unregularised = covariances - reg_covar * np.eye(X.shape[1])
        return weights, means, unregularised * (nk / len(X))[:, None, None] + reg_covar * np.eye(X.shape[1])

    assert "you divided by n; divide by N_k" in check_m_step(learner, verbose=False).message


# ------------------------------------------------------------------ BIC
COVARIANCE_PARAMETERS = {
    "full": lambda k, d: k * d * (d + 1) // 2,
    "tied": lambda k, d: d * (d + 1) // 2,
    "diag": lambda k, d: k * d,
    "spherical": lambda k, d: k,
}


def bic_counting(count):
    def learner_bic(X, params):
        k, d = params.n_components, params.n_features
        log_likelihood = logsumexp(scratch_log_weighted_densities(X, params), axis=1).sum()
        return -2 * log_likelihood + count(k, d, params.covariance_type) * np.log(len(X))

    return learner_bic


def right_count(k, d, covariance_type):
    return COVARIANCE_PARAMETERS[covariance_type](k, d) + k * d + k - 1


def test_a_from_scratch_bic_passes_for_every_covariance_type():
    assert check_bic(bic_counting(right_count), covariance_types=ALL_TYPES, verbose=False).passed


@pytest.mark.parametrize(
    "count, hint",
    [
        (lambda k, d, t: 3 * k, "sealion's count, 3 per cluster whatever the dimension"),
        (lambda k, d, t: right_count(k, d, t) + 1, "only k - 1 of them are free"),
        (lambda k, d, t: k * d * d + k * d + k - 1, "d(d+1)/2 free entries, not d^2"),
        (lambda k, d, t: right_count(k, d, t) - k * d, "you left out the k d means"),
    ],
)
def test_a_wrong_parameter_count_is_explained(count, hint):
    message = check_bic(bic_counting(count), verbose=False).message
    assert hint in message
    assert "has 6 covariance + 4 mean + 1 weight parameters = 11" in message


@pytest.mark.parametrize(
    "learner, hint",
    [
        (
            lambda X, params: (
                -2 * log_density(X, params).sum() + 2 * right_count(params.n_components, params.n_features, "full")
            ),
            "that is the AIC",
        ),
        (lambda X, params: -2 * log_density(X, params).mean() + 11 * np.log(len(X)), "the total log L"),
        (lambda X, params: 2 * log_density(X, params).sum() + 11 * np.log(len(X)), "sign"),
        (lambda X, params: np.array([1.0, 2.0]), "should be one number"),
    ],
)
def test_bic_slips_get_their_hint(learner, hint):
    assert hint in check_bic(learner, verbose=False).message


# ------------------------------------------------------------------ bad arguments
def test_a_check_needs_a_function():
    with pytest.raises(TypeError, match="fn must be your function"):
        check_e_step("e_step")


def test_a_check_names_a_bad_covariance_type():
    with pytest.raises(ValueError, match="covariance_types must be one of"):
        check_m_step(m_step, covariance_types=("round",))
