"""sample_weight and partial_fit, both built on EM's sufficient statistics."""

import warnings

import numpy as np
import pytest
from helpers import same_start

from gmm_teach import BayesianGaussianMixture, GaussianMixture, datasets
from gmm_teach.initialization import initial_params

COVARIANCE_TYPES = ["full", "tied", "diag", "spherical"]


def two_blobs(seed=0):
    rng = np.random.default_rng(seed)
    return np.vstack([rng.normal(size=(300, 2)), rng.normal(size=(300, 2)) @ [[1.0, 0.3], [0.0, 0.7]] + 4])


def fitted(settings, X, **fit_arguments):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tol=0 never converges
        return GaussianMixture(**settings).fit(X, **fit_arguments)


def assert_same_fit(a, b, rtol=1e-10):
    for name in ("weights_", "means_", "covariances_"):
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=rtol, atol=1e-12, err_msg=name)
    np.testing.assert_allclose(a.lower_bounds_, b.lower_bounds_, rtol=rtol)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_integer_weights_fit_as_repeated_rows(covariance_type):
    X = two_blobs()
    counts = np.random.default_rng(1).integers(0, 4, size=len(X))
    settings = same_start(X, 2, covariance_type, tol=0.0, max_iter=25)
    weighted = fitted(settings, X, sample_weight=counts)
    repeated = fitted(settings, np.repeat(X, counts, axis=0))
    assert_same_fit(weighted, repeated)
    assert weighted.bic(X, sample_weight=counts) == pytest.approx(repeated.bic(np.repeat(X, counts, axis=0)), rel=1e-12)
    assert weighted.score(X, sample_weight=counts) == pytest.approx(
        repeated.score(np.repeat(X, counts, axis=0)), rel=1e-12
    )


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_zero_weights_are_dropped_rows(covariance_type):
    X = two_blobs()
    weights = np.where(np.arange(len(X)) % 3 == 0, 0.0, 1.5)
    settings = same_start(X, 2, covariance_type, tol=0.0, max_iter=25)
    assert_same_fit(
        fitted(settings, X, sample_weight=weights), fitted(settings, X[weights > 0], sample_weight=weights[weights > 0])
    )


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_bayesian_integer_weights_fit_as_repeated_rows(covariance_type):
    X = two_blobs()
    counts = np.random.default_rng(2).integers(0, 4, size=len(X))
    start = initial_params(X, 2, covariance_type, "kmeans", np.random.default_rng(0))[1]
    settings = dict(n_components=2, covariance_type=covariance_type, max_iter=20, tol=0.0)
    weighted = BayesianGaussianMixture(**settings)
    repeated = BayesianGaussianMixture(**settings)
    a = list(weighted.iter_fit(X, initial_responsibilities=start, sample_weight=counts))
    b = list(repeated.iter_fit(np.repeat(X, counts, axis=0), initial_responsibilities=np.repeat(start, counts, 0)))
    np.testing.assert_allclose([s.evidence_lower_bound for s in a], [s.evidence_lower_bound for s in b], rtol=1e-10)
    np.testing.assert_allclose(weighted.covariances_, repeated.covariances_, rtol=1e-10)


def test_weighted_log_likelihood_never_decreases():
    X = two_blobs()
    weights = np.random.default_rng(3).uniform(0.1, 3.0, size=len(X))
    model = GaussianMixture(2, random_state=0, init_params="random_from_data", tol=1e-10, max_iter=50)
    steps = list(model.iter_fit(X, sample_weight=weights))
    log_likelihoods = [step.log_likelihood for step in steps]
    assert len(steps) > 3
    assert all(later >= earlier - 1e-12 for earlier, later in zip(log_likelihoods, log_likelihoods[1:]))


@pytest.mark.parametrize(
    "bad, message",
    [
        (-np.ones(600), "non-negative"),
        (np.full(600, np.nan), "finite"),
        (np.ones(5), r"shape \(600,\)"),
        (np.zeros(600), "all zero"),
        ("heavy", "numbers"),
    ],
)
def test_bad_sample_weight_is_refused_by_name(bad, message):
    with pytest.raises((ValueError, TypeError), match=f"sample_weight.*{message}|{message}"):
        GaussianMixture(2).fit(two_blobs(), sample_weight=bad)


def test_partial_fit_over_a_stream_of_batches_approaches_the_batch_fit():
    """Incremental EM over 8 batches of Old Faithful, passed over 5 times, reaches the batch fit's mean
    log-likelihood to 1e-3 (and each pass does not lower it)."""
    X = np.asarray(datasets.load_old_faithful(), dtype=float)
    batch_fit = GaussianMixture(2, random_state=0, tol=1e-8, max_iter=500).fit(X)
    batches = np.array_split(X[np.random.default_rng(0).permutation(len(X))], 8)
    model = GaussianMixture(2, random_state=0)
    scores = []
    for _ in range(5):
        for batch in batches:
            model.partial_fit(batch)
        scores.append(model.score(X))
    assert all(later >= earlier - 1e-9 for earlier, later in zip(scores, scores[1:]))
    assert model.score(X) == pytest.approx(batch_fit.score(X), abs=1e-3)
    assert model.n_iter_ == 40 and len(model.lower_bounds_) == 40


def test_partial_fit_replaces_a_batch_seen_again():
    X = two_blobs()
    model = GaussianMixture(2, random_state=0).partial_fit(X)
    first = model.lower_bound_
    model.partial_fit(X)  # the same batch: its statistics are replaced, not counted twice
    assert model.lower_bound_ > first
    assert model._batch_statistics and len(model._batch_statistics) == 1


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_the_k_means_start_weights_points_as_repeated_rows(covariance_type):
    """The default start (k-means, k-means++ seeds) counts a point of weight 2 twice: weighted data and repeated
    rows draw the same seeds, reach the same k-means labels and so the same whole fit."""
    X = two_blobs()
    counts = np.random.default_rng(4).integers(1, 4, size=len(X))
    settings = dict(n_components=3, covariance_type=covariance_type, random_state=0, tol=1e-8, max_iter=300)
    weighted = GaussianMixture(**settings).fit(X, sample_weight=counts)
    repeated = GaussianMixture(**settings).fit(np.repeat(X, counts, axis=0))
    order = np.argsort(weighted.means_[:, 0]), np.argsort(repeated.means_[:, 0])
    np.testing.assert_allclose(weighted.means_[order[0]], repeated.means_[order[1]], rtol=1e-6, atol=1e-8)
    assert weighted.lower_bounds_[-1] == pytest.approx(repeated.lower_bounds_[-1], rel=1e-9)
