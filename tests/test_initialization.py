"""Where EM starts (gmm_teach.initialization): scikit-learn's starts from the same random_state, and the
k-means pieces checked by hand on tiny examples."""

import numpy as np
import pytest
from helpers import three_blobs

from gmm_teach.initialization import (
    KMEANS_MAX_ITER,
    KMEANS_TOL,
    cluster_means,
    give_farthest_points_to,
    initial_params,
    initial_responsibilities,
    kmeans_labels,
    kmeans_plusplus,
    nearest_centre,
    seed_tied_covariance,
    squared_distances,
    squared_norms,
)

sklearn_mixture = pytest.importorskip("sklearn.mixture")
sklearn_cluster = pytest.importorskip("sklearn.cluster")

COVARIANCE_TYPES = ["full", "tied", "diag", "spherical"]
INIT_METHODS = ["kmeans", "k-means++", "random", "random_from_data"]


def _scikit_learn_start(X, n_components, covariance_type, init_params, random_state, **initial_values):
    """scikit-learn's initial parameters, through its private ``_initialize_parameters`` (what ``fit`` calls)."""
    model = sklearn_mixture.GaussianMixture(
        n_components, covariance_type=covariance_type, init_params=init_params, **initial_values
    )
    model._initialize_parameters(X, random_state)
    return model


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("init_params", INIT_METHODS)
def test_the_start_is_scikit_learns_from_the_same_random_state(covariance_type, init_params):
    """Same draws, same responsibilities, same M-step: the weights to the last bit (scikit-learn adds
    ``10 * eps`` to every N_k and divides by n), the means and covariances to rounding, and the random
    stream left where scikit-learn leaves it."""
    X = three_blobs(90)[0]
    ours_random, their_random = np.random.RandomState(3), np.random.RandomState(3)
    params, responsibilities = initial_params(X, 3, covariance_type, init_params, ours_random)
    theirs = _scikit_learn_start(X, 3, covariance_type, init_params, their_random)
    np.testing.assert_array_equal(params.weights, theirs.weights_)
    np.testing.assert_allclose(params.means, theirs.means_, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(params.covariances, theirs.covariances_, rtol=1e-12, atol=1e-12)
    # a seed's own variance is 0 up to rounding, and 1 / sqrt(reg_covar + rounding) magnifies it
    np.testing.assert_allclose(params.precisions_cholesky, theirs.precisions_cholesky_, rtol=1e-6, atol=1e-10)
    assert responsibilities.shape == (90, 3)
    assert ours_random.uniform() == their_random.uniform()


def test_seed_starts_give_each_component_weight_one_over_n_and_a_point_for_a_mean():
    """k-means++ and random_from_data: each component starts from one data point, with weight 1/n (so the
    weights do not sum to one yet) and, except tied, a covariance of just ``reg_covar``."""
    X = three_blobs(60)[0]
    for init_params in ("k-means++", "random_from_data"):
        params, responsibilities = initial_params(X, 3, "diag", init_params, np.random.RandomState(0), reg_covar=1e-3)
        assert np.count_nonzero(responsibilities) == 3 and np.array_equal(responsibilities.sum(axis=0), np.ones(3))
        np.testing.assert_allclose(params.weights, np.full(3, 1 / 60))
        np.testing.assert_allclose(params.means, X[responsibilities.argmax(axis=0)])
        np.testing.assert_allclose(params.covariances, np.full((3, 2), 1e-3), rtol=1e-9)


def test_given_initial_values_replace_the_estimated_ones_as_in_scikit_learn():
    """``weights_init``, ``means_init`` and ``precisions_init`` replace what the responsibilities give; with
    all three given, nothing is drawn (scikit-learn >= 1.3 skips its start) and the responsibilities are None."""
    X = three_blobs(90)[0]
    given = dict(
        weights_init=[0.2, 0.3, 0.5],
        means_init=[[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]],
        precisions_init=[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]],
    )
    for names in (["weights_init"], ["means_init"], ["precisions_init"], ["weights_init", "means_init"], list(given)):
        chosen = {name: given[name] for name in names}
        ours_random, their_random = np.random.RandomState(1), np.random.RandomState(1)
        params, responsibilities = initial_params(X, 3, "diag", "kmeans", ours_random, **chosen)
        theirs = _scikit_learn_start(X, 3, "diag", "kmeans", their_random, **chosen)
        np.testing.assert_allclose(params.weights, theirs.weights_, rtol=1e-12)
        np.testing.assert_allclose(params.means, theirs.means_, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(params.precisions_cholesky, theirs.precisions_cholesky_, rtol=1e-10)
        assert (responsibilities is None) == (len(names) == 3)
        assert ours_random.uniform() == their_random.uniform()  # with all three: no draws, in both


def test_given_precisions_win_over_the_broad_tied_seed_start():
    """The broad tied ellipse of a seed start is scikit-learn's estimate; a given precision replaces it."""
    X = three_blobs(90)[0]
    precision = np.array([[2.0, 0.5], [0.5, 1.0]])
    params = initial_params(X, 3, "tied", "k-means++", np.random.RandomState(0), precisions_init=precision)[0]
    np.testing.assert_allclose(params.covariances, np.linalg.inv(precision))


def test_the_tied_seed_covariance_is_the_other_points_second_moment_over_k():
    r"""The docstring's formula by hand: seeds (1, 0) and (0, 2) with N_k = 1 leave the third point (3, 3), so
    the covariance is :math:`x x^\top / 2 + \epsilon I`."""
    X = np.array([[1.0, 0.0], [0.0, 2.0], [3.0, 3.0]])
    covariance = seed_tied_covariance(X, np.ones(2), X[:2], reg_covar=0.25)
    np.testing.assert_allclose(covariance, [[4.5 + 0.25, 4.5], [4.5, 4.5 + 0.25]])


def test_the_tied_seed_start_is_scikit_learns_formula_with_its_epsilon():
    """The counts passed to the tied formula are N_k + 10 eps, as scikit-learn's; its exact numbers."""
    from sklearn.mixture._gaussian_mixture import _estimate_gaussian_covariances_tied

    X = three_blobs(30)[0]
    for init_params in ("k-means++", "random_from_data"):
        params, responsibilities = initial_params(X, 2, "tied", init_params, np.random.RandomState(4), reg_covar=0.5)
        counts = responsibilities.sum(axis=0) + 10 * np.finfo(float).eps
        expected = _estimate_gaussian_covariances_tied(responsibilities, X, counts, params.means, 0.5)
        np.testing.assert_array_equal(params.covariances, expected)


def test_random_responsibilities_are_uniform_draws_normalised_per_row():
    rng = np.random.RandomState(0)
    responsibilities = initial_responsibilities(np.zeros((5, 2)), 3, "random", np.random.RandomState(0))
    draws = rng.uniform(size=(5, 3))
    np.testing.assert_allclose(responsibilities, draws / draws.sum(axis=1, keepdims=True))


@pytest.mark.parametrize("n_components", [1, 2, 3, 8])
def test_kmeans_plusplus_picks_scikit_learns_seeds_also_with_sample_weight(n_components):
    """``2 + floor(ln K)`` candidates per seed (2 for K = 2, 3 for K = 3, 4 for K = 8), weighted by
    ``sample_weight`` as in scikit-learn."""
    X = three_blobs(60)[0]
    weights = np.random.default_rng(0).uniform(0.1, 3.0, size=60)
    for sample_weight in (None, weights):
        centres, indices = kmeans_plusplus(X, n_components, np.random.RandomState(5), sample_weight)
        their_centres, their_indices = sklearn_cluster.kmeans_plusplus(
            X, n_components, random_state=5, sample_weight=sample_weight
        )
        np.testing.assert_array_equal(indices, their_indices)
        np.testing.assert_array_equal(centres, their_centres)


@pytest.mark.parametrize("n_clusters", [2, 3, 5])
def test_kmeans_labels_are_scikit_learns_also_with_sample_weight(n_clusters):
    X = three_blobs(120, seed=2)[0]
    weights = np.random.default_rng(1).uniform(0.1, 3.0, size=120)
    for sample_weight in (None, weights):
        theirs = sklearn_cluster.KMeans(n_clusters, n_init=1, random_state=0).fit(X, sample_weight=sample_weight)
        ours = kmeans_labels(X, n_clusters, np.random.RandomState(0), sample_weight)
        np.testing.assert_array_equal(ours, theirs.labels_)


def test_kmeans_stops_where_scikit_learn_stops():
    """Same iteration limit and tolerance as scikit-learn's ``KMeans()``."""
    defaults = sklearn_cluster.KMeans()
    assert (KMEANS_MAX_ITER, KMEANS_TOL) == (defaults.max_iter, defaults.tol)


def test_squared_distances_are_the_pairwise_squared_distances_never_negative():
    """Far from the origin the expansion ||c||^2 - 2 c.x + ||x||^2 cancels digits; a point's distance to
    itself is still 0, not a tiny negative number."""
    X = np.array([[0.0, 0.0], [3.0, 4.0], [1.0, 1.0]])
    np.testing.assert_allclose(squared_norms(X), [0.0, 25.0, 2.0])
    np.testing.assert_allclose(squared_distances(X[:2], X, squared_norms(X)), [[0, 25, 2], [25, 0, 13]])
    far = 1e8 + np.random.default_rng(0).normal(size=(50, 2))
    distances = squared_distances(far, far, squared_norms(far))
    assert distances.min() == 0.0


def test_the_nearest_centre_is_the_first_on_a_tie():
    X = np.array([[0.0], [0.9], [-2.0]])
    np.testing.assert_array_equal(nearest_centre(X, np.array([[-1.0], [1.0]])), [0, 1, 0])
    np.testing.assert_array_equal(nearest_centre(X, np.array([[1.0], [-1.0]])), [0, 0, 1])


def test_cluster_means_are_weighted_means():
    X = np.array([[0.0], [1.0], [10.0], [20.0]])
    means = cluster_means(X, np.array([0, 0, 1, 1]), np.zeros((2, 1)), np.array([1.0, 3.0, 1.0, 1.0]))
    np.testing.assert_allclose(means, [[0.75], [15.0]])


def test_an_empty_cluster_takes_the_point_farthest_from_its_centre_with_its_weight():
    """scikit-learn's rule: the farthest points (from their own centres) move, the farthest first, to the
    empty clusters in order, leaving the clusters they came from."""
    X = np.array([[100.0], [101.0], [96.0], [110.0]])  # about a centre at 100
    labels, weights = np.zeros(4, dtype=int), np.array([1.0, 3.0, 2.0, 5.0])
    means = cluster_means(X, labels, np.array([[100.0], [50.0], [60.0]]), weights)
    np.testing.assert_allclose(means, [[100.75], [110.0], [96.0]])
    one_empty = cluster_means(X[:3], labels[:3], np.array([[100.0], [50.0]]), weights[:3])
    np.testing.assert_allclose(one_empty, [[100.75], [96.0]])
    # as many empty clusters as points beyond the first: every other point moves
    two_of_three = cluster_means(X[[0, 2, 3]], labels[:3], np.array([[100.0], [50.0], [60.0]]), weights[[0, 2, 3]])
    np.testing.assert_allclose(two_of_three, [[100.0], [110.0], [96.0]])
    # among many points (a partial sort of a thousand distances), the farthest one moves
    many = np.random.default_rng(0).uniform(-1.0, 1.0, size=(1000, 1))
    many[500] = -30.0
    moved = cluster_means(many, np.zeros(1000, dtype=int), np.array([[0.0], [99.0]]), np.ones(1000))
    np.testing.assert_allclose(moved[1], [-30.0])
    np.testing.assert_allclose(moved[0], np.delete(many, 500).mean())


def test_when_every_point_is_on_its_centre_an_empty_cluster_joins_the_largest():
    X = np.array([[1.0], [5.0], [5.0]])
    labels, centres = np.array([0, 1, 1]), np.array([[1.0], [5.0], [9.0]])
    np.testing.assert_allclose(cluster_means(X, labels, centres, np.ones(3)), [[1.0], [5.0], [5.0]])
    sums, counts = np.array([[1.0], [10.0], [0.0]]), np.array([1.0, 2.0, 0.0])
    give_farthest_points_to(np.array([2]), X, labels, centres, sums, counts, np.ones(3))
    np.testing.assert_array_equal(counts, [1.0, 2.0, 0.0])  # nothing moved
    np.testing.assert_array_equal(sums, [[1.0], [10.0], [0.0]])


def test_with_every_initial_value_given_the_random_stream_continues_as_scikit_learns():
    """Nothing is drawn for the start, so ``sample`` after ``fit`` with a ``RandomState`` gives scikit-learn's
    points (it continues the same stream)."""
    from gmm_teach import GaussianMixture

    X = three_blobs(90)[0]
    given = dict(
        covariance_type="diag",
        weights_init=[0.2, 0.3, 0.5],
        means_init=[[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]],
        precisions_init=[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]],
    )
    ours = GaussianMixture(3, random_state=np.random.RandomState(7), **given).fit(X)
    theirs = sklearn_mixture.GaussianMixture(3, random_state=np.random.RandomState(7), **given).fit(X)
    np.testing.assert_allclose(ours.means_, theirs.means_, rtol=1e-9)
    np.testing.assert_allclose(ours.sample(5)[0], theirs.sample(5)[0], rtol=1e-9)


def test_kmeans_plusplus_can_pick_the_last_point():
    """An outlier in the last row carries almost all of D(x)^2, so it is the second seed (the clip of the
    search to ``n_samples - 1`` must keep the last row reachable)."""
    X = np.vstack([three_blobs(30)[0], [[1e3, 1e3]]])
    for seed in range(3):
        indices = kmeans_plusplus(X, 2, np.random.RandomState(seed))[1]
        their_indices = sklearn_cluster.kmeans_plusplus(X, 2, random_state=seed)[1]
        np.testing.assert_array_equal(indices, their_indices)
        assert 30 in indices


@pytest.mark.parametrize("seed, weighted", [(5, False), (2, True)])
def test_kmeans_stops_at_scikit_learns_tolerance_not_at_convergence(seed, weighted):
    """The tolerance is 1e-4 times the (weighted) mean feature variance: on wide data (standard deviations
    of 10^4) scikit-learn stops while labels still change, and these are the labels it returns."""
    # far apart offsets leave each feature's variance, which sets the tolerance, as it is
    X = np.random.default_rng(3).normal(size=(400, 2)) * [1e4, 1e4 / 3] + [3e5, -5e5]
    sample_weight = np.random.default_rng(4).uniform(0.5, 2.0, size=400) if weighted else None
    stopped = sklearn_cluster.KMeans(6, n_init=1, random_state=seed).fit(X, sample_weight=sample_weight).labels_
    converged = sklearn_cluster.KMeans(6, n_init=1, random_state=seed, tol=0).fit(X, sample_weight=sample_weight)
    assert np.any(stopped != converged.labels_)  # the tolerance matters on this data
    np.testing.assert_array_equal(kmeans_labels(X, 6, np.random.RandomState(seed), sample_weight), stopped)


def test_kmeans_centres_each_feature_so_data_far_from_the_origin_keep_their_digits():
    """Features near +1e9 and -1e9: the squared norms (1e18) would swamp distances of a few units; each
    feature is centred on its own mean first, as scikit-learn does."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2)) + np.repeat([[0.0, 0.0], [6.0, 6.0]], 100, axis=0) + [1e9, -1e9]
    for sample_weight in (None, rng.uniform(0.5, 2.0, size=200)):
        theirs = sklearn_cluster.KMeans(2, n_init=1, random_state=0).fit(X, sample_weight=sample_weight).labels_
        np.testing.assert_array_equal(kmeans_labels(X, 2, np.random.RandomState(0), sample_weight), theirs)


@pytest.mark.parametrize("precisions_init", [None, [2.0]])
def test_integer_initial_values_become_float_parameters(precisions_init):
    X = three_blobs(30)[0]
    given = dict(weights_init=[1], means_init=[[0, 1]], precisions_init=precisions_init)
    params = initial_params(X, 1, "spherical", "kmeans", np.random.RandomState(0), **given)[0]
    assert params.weights.dtype == np.float64 and params.means.dtype == np.float64
    np.testing.assert_array_equal(params.means, [[0.0, 1.0]])


def test_a_weighted_start_is_the_start_of_the_repeated_rows():
    """With ``sample_weight`` the initial weights are the weighted N_k over the total weight (they sum to
    one), and k-means++ draws its seeds with the weights, as scikit-learn's ``kmeans_plusplus`` does."""
    X = three_blobs(60)[0]
    counts = np.random.default_rng(5).integers(1, 4, size=60)
    weighted = initial_params(X, 3, "diag", "kmeans", np.random.RandomState(0), sample_weight=counts.astype(float))[0]
    repeated = initial_params(np.repeat(X, counts, axis=0), 3, "diag", "kmeans", np.random.RandomState(0))[0]
    np.testing.assert_allclose(weighted.weights, repeated.weights, rtol=1e-12)
    np.testing.assert_allclose(weighted.means, repeated.means, rtol=1e-10)
    sample_weight = np.random.default_rng(6).uniform(0.1, 5.0, size=60)
    seeds = initial_responsibilities(X, 4, "k-means++", np.random.RandomState(2), sample_weight).argmax(axis=0)
    their_seeds = sklearn_cluster.kmeans_plusplus(X, 4, random_state=2, sample_weight=sample_weight)[1]
    np.testing.assert_array_equal(seeds, their_seeds)


@pytest.mark.parametrize(
    "heavy, weights",
    [(lambda x: x > 0, (20.0, 1.0)), (lambda x: x < -12_000, (500.0, 0.2))],
    ids=["right-half-heavy", "left-tail-heavy"],
)
def test_weighted_kmeans_measures_its_tolerance_about_the_weighted_mean(heavy, weights):
    """Strongly uneven weights move the mean and change the variance: the tolerance is the weighted variance
    about the weighted mean (a point of weight w counts w times), as in scikit-learn's KMeans."""
    X = np.random.default_rng(3).normal(size=(400, 2)) * [1e4, 1e4 / 3]
    sample_weight = np.where(heavy(X[:, 0]), *weights)
    theirs = sklearn_cluster.KMeans(6, n_init=1, random_state=1).fit(X, sample_weight=sample_weight).labels_
    np.testing.assert_array_equal(kmeans_labels(X, 6, np.random.RandomState(1), sample_weight), theirs)


def test_kmeans_stops_when_the_shift_equals_the_tolerance(monkeypatch):
    """By hand, from seeds 0 and 1 of the points 0..8 and 20: the first Lloyd step moves the centres by
    ``shift``; with the tolerance set to exactly that shift, k-means stops there ("at most" the tolerance,
    scikit-learn's ``<=``) and returns the labels of those centres, although point 4 would change later."""
    import gmm_teach.initialization as initialization

    X = np.array([[0.0], [1.0], [2.0], [3.0], [4.0], [5.0], [6.0], [7.0], [8.0], [20.0]])
    centred = X - X.mean(axis=0)
    seeds = centred[[0, 1]]
    monkeypatch.setattr(initialization, "kmeans_plusplus", lambda data, k, random_state, weights: (seeds, [0, 1]))
    after_one_step = cluster_means(centred, nearest_centre(centred, seeds), seeds, np.ones(10))
    shift = np.sum((after_one_step - seeds) ** 2)
    variance = np.var(X, axis=0).mean()
    tol = shift / variance
    while tol * variance != shift:  # the nearest float whose product with the variance is the shift
        tol = np.nextafter(tol, np.inf if tol * variance < shift else -np.inf)
    monkeypatch.setattr(initialization, "KMEANS_TOL", tol)
    labels = kmeans_labels(X, 2, np.random.RandomState(0))
    np.testing.assert_array_equal(labels, nearest_centre(centred, after_one_step))
    assert labels[4] == 1  # the converged labels put point 4 with 0..3
    monkeypatch.setattr(initialization, "KMEANS_TOL", 0.0)
    assert kmeans_labels(X, 2, np.random.RandomState(0))[4] == 0


class _TopOfTheRange:
    """A random stream whose first seed is point 0 and whose uniform draws are the largest number below 1."""

    def choice(self, n_samples, p=None):
        return 0

    def uniform(self, size=None):
        return np.full(size, np.nextafter(1.0, 0.0))


def test_a_draw_at_the_top_of_the_range_picks_the_last_point_not_one_past_it():
    """k-means++ finds a draw's point in the cumulated D(x)^2; the total it draws against is a dot product, which
    rounds differently: here it lies 2 units in the last place above the cumulated sum's end, so the largest draw
    below 1 lands past the last point, and the index must be clipped to it (as scikit-learn clips it)."""
    X = np.random.default_rng(1).normal(size=(50, 2))
    closest = np.sum((X - X[0]) ** 2, axis=1)
    assert closest @ np.ones(50) > np.cumsum(closest)[-1]  # the rounding this test is about
    seeds, indices = kmeans_plusplus(X, 2, _TopOfTheRange())
    np.testing.assert_array_equal(indices, [0, 49])
