"""Properties that hold for any data: checked with hypothesis on random mixtures."""

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gmm_teach import GaussianMixture

COVARIANCE_TYPES = ["full", "tied", "diag", "spherical"]


@st.composite
def mixture_data(draw):
    """Data from a random mixture: 1-4 features, 1-4 components, 20-120 points, with duplicates at times."""
    n_features = draw(st.integers(1, 4))
    n_components = draw(st.integers(1, 4))
    n_samples = draw(st.integers(max(20, n_components), 120))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=draw(st.floats(0.5, 10.0)), size=(n_components, n_features))
    scales = rng.uniform(0.1, 2.0, size=(n_components, 1))
    labels = rng.integers(n_components, size=n_samples)
    X = centres[labels] + scales[labels] * rng.normal(size=(n_samples, n_features))
    if draw(st.booleans()):
        X[: n_samples // 4] = X[0]  # a block of duplicate points
    offset = draw(st.sampled_from([0.0, 100.0, -1e4]))
    return X + offset, n_components, seed


def regularisation_allowance(params, reg_covar):
    r"""How far one EM step may lower the mean log-likelihood because ``reg_covar`` (:math:`\epsilon`) is added.

    EM's guarantee, :math:`\ell(\theta_{t+1}) - \ell(\theta_t) \ge Q(\theta_{t+1}) - Q(\theta_t) \ge 0`, needs
    the M-step to maximise :math:`Q`. With :math:`\Sigma_k = S_k + \epsilon I` instead of the maximiser
    :math:`S_k`, :math:`Q` falls short of its maximum by
    :math:`\sum_k \pi_k \tfrac12 \sum_j [\log(1 + t_{kj}) - t_{kj} / (1 + t_{kj})]`,
    :math:`t_{kj} = \epsilon / \lambda_{kj}` over the eigenvalues of :math:`S_k` (for a shared covariance the
    weights sum to one). A collapsed :math:`S_k` (:math:`\lambda = 0`) allows anything.
    """
    eigenvalues = np.linalg.eigvalsh(params.as_full()) - reg_covar
    if np.any(eigenvalues <= 0):
        return np.inf
    t = reg_covar / eigenvalues
    return float(params.weights @ (0.5 * (np.log1p(t) - t / (1 + t))).sum(axis=1))


PROPERTY_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(
    data=mixture_data(),
    covariance_type=st.sampled_from(COVARIANCE_TYPES),
    init_params=st.sampled_from(["kmeans", "k-means++", "random", "random_from_data"]),
)
@example(  # five equal points hold a tight component: reg_covar lowers the log-likelihood by 7.4e-9 at step 5
    data=(
        np.array(
            [7.1124238] * 5
            + [-14.8140448, 6.58524653, -2.23788524, -15.5951451, -4.05714924, -1.64092643, 3.4639717e-04]
            + [7.19285431, 6.3042116, -14.2625996, 6.7181551, -15.0232145, 6.79314577, 6.18365694, 6.38052463]
        )[:, np.newaxis],
        4,
        86,
    ),
    covariance_type="full",
    init_params="random_from_data",
)
def test_every_step_is_a_valid_mixture_and_the_log_likelihood_never_decreases(data, covariance_type, init_params):
    """Never, up to rounding and the allowance ``reg_covar`` makes (see :func:`regularisation_allowance`)."""
    X, n_components, seed = data
    model = GaussianMixture(
        n_components=n_components,
        covariance_type=covariance_type,
        init_params=init_params,
        tol=1e-6,
        max_iter=40,
        random_state=seed,
    )
    log_likelihoods, allowances = [], []
    for step in model.iter_fit(X):
        params = step.params
        log_likelihoods.append(step.log_likelihood)
        allowances.append(regularisation_allowance(params, model.reg_covar))
        assert np.all(step.responsibilities >= 0)
        if step.iteration == 0 and init_params in ("k-means++", "random_from_data"):
            # scikit-learn's seed start: each seed point wholly to its component, no other point, weights 1/n
            assert set(np.unique(step.responsibilities)) <= {0.0, 1.0}
            assert step.responsibilities.sum() == n_components
            np.testing.assert_allclose(params.weights, 1.0 / X.shape[0], rtol=1e-10)
        else:
            np.testing.assert_allclose(step.responsibilities.sum(axis=1), 1.0, rtol=1e-10)
            assert abs(params.weights.sum() - 1.0) < 1e-10
        full = params.as_full()
        np.testing.assert_allclose(full, np.swapaxes(full, 1, 2), rtol=1e-12, atol=1e-12)
        assert np.all(np.linalg.eigvalsh(full) > 0)
        assert np.isfinite(step.log_likelihood)
    rounding = 1e-12 * max(1.0, abs(log_likelihoods[-1]))
    changes = np.diff(log_likelihoods)
    assert np.all(changes >= -(rounding + np.array(allowances[1:]))), (changes, allowances)


@settings(max_examples=15, deadline=None)
@given(data=mixture_data(), covariance_type=st.sampled_from(COVARIANCE_TYPES))
def test_same_random_state_gives_the_same_numbers(data, covariance_type):
    X, n_components, seed = data
    fits = [
        GaussianMixture(n_components=n_components, covariance_type=covariance_type, n_init=2, random_state=seed).fit(X)
        for _ in range(2)
    ]
    np.testing.assert_array_equal(fits[0].means_, fits[1].means_)
    np.testing.assert_array_equal(fits[0].covariances_, fits[1].covariances_)
    assert fits[0].lower_bounds_ == fits[1].lower_bounds_
    np.testing.assert_array_equal(fits[0].sample(5)[0], fits[1].sample(5)[0])
