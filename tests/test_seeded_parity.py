"""Same random_state, same numbers as scikit-learn: a tutorial written for scikit-learn prints the same fit.

Every combination of estimator, covariance type and init method is fitted here once with ``n_init=1``, on
one of four data sets and with one of the seeds {0, 42, RandomState(7)}, rotated so that every data set
meets every covariance type and init method and every seed form meets every init method; a second set
runs ``n_init=10``. Each fit is compared with scikit-learn's: the parameters to 1e-6 relative, ``n_iter_``,
``converged_``, the predictions, and ``sample()``, which continues the same random stream.
"""

import itertools
import warnings

import numpy as np
import pytest

sklearn_mixture = pytest.importorskip("sklearn.mixture")
sklearn_datasets = pytest.importorskip("sklearn.datasets")

from gmm_teach import BayesianGaussianMixture, GaussianMixture, datasets  # noqa: E402
from gmm_teach.initialization import kmeans_labels, kmeans_plusplus  # noqa: E402

COVARIANCE_TYPES = ["full", "tied", "diag", "spherical"]
INIT_METHODS = ["kmeans", "k-means++", "random", "random_from_data"]
SEEDS = [0, 42, "RandomState(7)"]  # a fresh RandomState(7) for each estimator, made by _random_state
ESTIMATORS = {
    "GaussianMixture": (GaussianMixture, sklearn_mixture.GaussianMixture),
    "BayesianGaussianMixture": (BayesianGaussianMixture, sklearn_mixture.BayesianGaussianMixture),
}
FITTED = ["weights_", "means_", "covariances_", "precisions_cholesky_"]


def geron_three_blobs():
    """The three blobs of Géron's chapter 9 (Gaussian mixtures section), with his recipe and seeds."""
    X1, _ = sklearn_datasets.make_blobs(n_samples=1000, centers=((4, -4), (0, 0)), random_state=42)
    X1 = X1.dot(np.array([[0.374, 0.95], [0.732, 0.598]]))
    X2, _ = sklearn_datasets.make_blobs(n_samples=250, centers=1, random_state=42)
    return np.r_[X1, X2 + [6, -8]]


DATA_SETS = {
    "geron_blobs": geron_three_blobs(),
    "moons": sklearn_datasets.make_moons(n_samples=1000, noise=0.05, random_state=42)[0],
    "iris": datasets.load_iris()[0],
    "old_faithful": datasets.load_old_faithful(),
}


def _random_state(seed):
    return np.random.RandomState(7) if seed == "RandomState(7)" else seed


def _rotation(n_init):
    """(estimator, data, covariance_type, init_params, seed) cases: every covariance type and init method for
    both estimators, data sets and seeds rotated through them (n_init=10: one covariance type per pair)."""
    data_names = list(DATA_SETS)
    cases = []
    for (e, estimator), (c, covariance_type), (i, init_params) in itertools.product(
        enumerate(ESTIMATORS), enumerate(COVARIANCE_TYPES), enumerate(INIT_METHODS)
    ):
        if n_init > 1 and c != (i + e) % len(COVARIANCE_TYPES):
            continue
        data_name = data_names[(c + i + 2 * e) % len(data_names)]
        seed = SEEDS[(c + 2 * i + e + (n_init > 1)) % len(SEEDS)]
        case = (estimator, data_name, covariance_type, init_params, seed)
        cases.append(pytest.param(*case, id="-".join(map(str, case))))
    return cases


def _fit_both(estimator, X, **settings):
    ours_class, theirs_class = ESTIMATORS[estimator]
    seed = settings.pop("random_state")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the same ConvergenceWarning from both, where it happens
        ours = ours_class(random_state=_random_state(seed), **settings).fit(X)
        theirs = theirs_class(random_state=_random_state(seed), **settings).fit(X)
    return ours, theirs


def assert_same_fit(ours, theirs, X, n_samples=50):
    """Our fit is scikit-learn's: parameters, iterations, predictions, and then ``sample()``.

    One exception, which scikit-learn has with itself: when two of the ``n_init`` starts end at the same
    optimum with the components in another order (k-means found the same clusters), their log-likelihoods
    are equal but for the last bit, and rounding decides which start is kept. Then the fit must be
    scikit-learn's up to the order of the components, with the same final log-likelihood to 1e-12.
    """
    order = np.arange(ours.n_components)
    if not np.allclose(ours.means_, theirs.means_, rtol=1e-6, atol=1e-10):
        order = np.argmin(((ours.means_[:, np.newaxis] - theirs.means_) ** 2).sum(axis=2), axis=0)
        assert sorted(order) == list(range(ours.n_components)), "not the same components in another order"
        their_lower_bound = float(np.ravel(theirs.lower_bound_)[0])
        assert ours._start_score(ours.lower_bounds_) == pytest.approx(their_lower_bound, rel=1e-12)
    for name in FITTED:
        ours_value = getattr(ours, name)
        if ours.covariance_type != "tied" or name in ("weights_", "means_"):
            ours_value = ours_value[order]
        np.testing.assert_allclose(ours_value, getattr(theirs, name), rtol=1e-6, atol=1e-10, err_msg=name)
    assert (ours.n_iter_, ours.converged_) == (theirs.n_iter_, theirs.converged_)
    np.testing.assert_array_equal(np.argsort(order)[ours.predict(X)], theirs.predict(X))
    np.testing.assert_allclose(ours.predict_proba(X)[:, order], theirs.predict_proba(X), rtol=1e-6, atol=1e-9)
    if np.array_equal(order, np.arange(ours.n_components)):
        # sample() draws from random_state after fit: a RandomState instance continues where fit left it,
        # so this also checks that fit consumed exactly scikit-learn's draws
        for ours_array, theirs_array in zip(ours.sample(n_samples), theirs.sample(n_samples)):
            np.testing.assert_allclose(ours_array, theirs_array, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("estimator, data_name, covariance_type, init_params, seed", _rotation(n_init=1))
def test_same_random_state_same_fit_as_scikit_learn(estimator, data_name, covariance_type, init_params, seed):
    X = DATA_SETS[data_name]
    ours, theirs = _fit_both(
        estimator, X, n_components=3, covariance_type=covariance_type, init_params=init_params, random_state=seed
    )
    assert_same_fit(ours, theirs, X)
    theirs_bounds = np.ravel(theirs.lower_bounds_)  # scikit-learn's tied ELBOs are 1-element arrays
    if estimator == "GaussianMixture":  # scikit-learn's list lags one M-step: ours has the fitted params' too
        # after a seed start the first log-likelihood is about -1e7 (covariances of 1e-6): rounding shows
        assert ours.lower_bounds_[0] == pytest.approx(theirs_bounds[0], rel=1e-4)
        np.testing.assert_allclose(ours.lower_bounds_[1:-1], theirs_bounds[1:], rtol=1e-8)
    else:  # scikit-learn's starts after the first iteration
        np.testing.assert_allclose(ours.lower_bounds_[1:], theirs_bounds, rtol=1e-8)


@pytest.mark.xdist_group("seeded_parity_n_init")
@pytest.mark.parametrize("estimator, data_name, covariance_type, init_params, seed", _rotation(n_init=10))
def test_n_init_keeps_the_same_start_as_scikit_learn(estimator, data_name, covariance_type, init_params, seed):
    X = DATA_SETS[data_name]
    ours, theirs = _fit_both(
        estimator,
        X,
        n_components=3,
        covariance_type=covariance_type,
        init_params=init_params,
        random_state=seed,
        n_init=10,
    )
    assert_same_fit(ours, theirs, X)


@pytest.mark.parametrize("estimator", list(ESTIMATORS))
def test_random_state_none_after_np_random_seed_reproduces_scikit_learn(estimator):
    X = DATA_SETS["old_faithful"]
    ours_class, theirs_class = ESTIMATORS[estimator]
    state = np.random.get_state()
    try:
        np.random.seed(3)
        ours = ours_class(n_components=2, n_init=2).fit(X)
        ours_sample = ours.sample(20)
        np.random.seed(3)
        theirs = theirs_class(n_components=2, n_init=2).fit(X)
        theirs_sample = theirs.sample(20)
    finally:
        np.random.set_state(state)
    for name in FITTED:
        np.testing.assert_allclose(getattr(ours, name), getattr(theirs, name), rtol=1e-6, err_msg=name)
    np.testing.assert_allclose(ours_sample[0], theirs_sample[0], rtol=1e-10)


def test_geron_chapter_9_prints_what_scikit_learn_prints():
    """Géron's code: GaussianMixture(n_components=3, n_init=10, random_state=42) on his three blobs, and
    BayesianGaussianMixture(n_components=10, n_init=10, random_state=42) on his moons."""
    X = DATA_SETS["geron_blobs"]
    ours, theirs = _fit_both("GaussianMixture", X, n_components=3, n_init=10, random_state=42)
    assert_same_fit(ours, theirs, X)
    np.testing.assert_array_equal(ours.weights_.round(2), theirs.weights_.round(2))
    moons = DATA_SETS["moons"]
    ours, theirs = _fit_both("BayesianGaussianMixture", moons, n_components=10, n_init=10, random_state=42)
    assert_same_fit(ours, theirs, moons)


@pytest.mark.parametrize("data_name", list(DATA_SETS))
@pytest.mark.parametrize("n_clusters", [2, 3, 8])
def test_kmeans_labels_are_scikit_learn_kmeans_with_one_start(data_name, n_clusters):
    from sklearn.cluster import KMeans

    X = DATA_SETS[data_name]
    theirs = KMeans(n_clusters=n_clusters, n_init=1, random_state=0).fit(X).labels_
    np.testing.assert_array_equal(kmeans_labels(X, n_clusters, np.random.RandomState(0)), theirs)


@pytest.mark.parametrize("n_clusters", [1, 3, 10])
def test_kmeans_plusplus_picks_scikit_learn_seeds(n_clusters):
    from sklearn.cluster import kmeans_plusplus as sklearn_kmeans_plusplus

    X = DATA_SETS["geron_blobs"]
    centres, indices = kmeans_plusplus(X, n_clusters, np.random.RandomState(5))
    their_centres, their_indices = sklearn_kmeans_plusplus(X, n_clusters, random_state=5)
    np.testing.assert_array_equal(indices, their_indices)
    np.testing.assert_array_equal(centres, their_centres)


@pytest.mark.parametrize("estimator", list(ESTIMATORS))
def test_float32_data_give_float32_attributes_equal_to_scikit_learn_to_float32_rounding(estimator):
    X = DATA_SETS["old_faithful"].astype(np.float32)
    ours, theirs = _fit_both(estimator, X, n_components=2, random_state=0)
    dtype = np.float32 if estimator == "GaussianMixture" else np.float64  # scikit-learn's Bayesian: float64
    for name in FITTED:
        assert getattr(ours, name).dtype == getattr(theirs, name).dtype == dtype, name
        np.testing.assert_allclose(getattr(ours, name), getattr(theirs, name), rtol=2e-4, err_msg=name)
    assert ours.predict_proba(X).dtype == theirs.predict_proba(X).dtype == dtype
    assert ours.score_samples(X).dtype == theirs.score_samples(X).dtype == dtype
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


def test_a_generator_is_repeatable_but_not_scikit_learn():
    X = DATA_SETS["old_faithful"]
    fits = [GaussianMixture(2, init_params="random", random_state=np.random.default_rng(0)).fit(X) for _ in range(2)]
    np.testing.assert_array_equal(fits[0].means_, fits[1].means_)
    start = GaussianMixture(2, init_params="random", max_iter=0, random_state=np.random.default_rng(0)).fit(X)
    legacy = GaussianMixture(2, init_params="random", max_iter=0, random_state=0).fit(X)
    assert not np.allclose(start.means_, legacy.means_)


@pytest.mark.parametrize("estimator", list(ESTIMATORS))
@pytest.mark.parametrize("max_iter", [1, 3])
def test_warm_start_continues_and_converges_as_scikit_learn(estimator, max_iter):
    X = DATA_SETS["old_faithful"]
    settings = dict(n_components=2, warm_start=True, max_iter=max_iter, random_state=0)
    ours, theirs = (classes(**settings) for classes in ESTIMATORS[estimator])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # every fit but the last stops at max_iter
        for _ in range(100):
            ours.fit(X)
            theirs.fit(X)
            np.testing.assert_allclose(ours.means_, theirs.means_, rtol=1e-6)
            assert (ours.n_iter_, ours.converged_) == (theirs.n_iter_, theirs.converged_)
            assert ours.lower_bound_ == pytest.approx(float(np.ravel(theirs.lower_bound_)[0]), rel=1e-10)
            if theirs.converged_:
                break
    assert ours.converged_


def test_an_empty_k_means_cluster_takes_the_farthest_point_as_in_scikit_learn():
    relocate = pytest.importorskip("sklearn.cluster._k_means_common")._relocate_empty_clusters_dense
    from gmm_teach.initialization import cluster_means

    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 2))
    centres = np.array([[0.0, 0.0], [0.5, 0.5], [50.0, 50.0], [-50.0, 50.0]])  # the last two win no point
    labels = np.argmin(((X[:, np.newaxis] - centres) ** 2).sum(axis=2), axis=1).astype(np.int32)
    sums = np.array([X[labels == k].sum(axis=0) for k in range(4)])
    counts = np.bincount(labels, minlength=4).astype(float)
    relocate(X, np.ones(len(X)), centres, sums, counts, labels)  # scikit-learn's, in place
    np.testing.assert_allclose(
        cluster_means(X, labels, centres, np.ones(len(X))), sums / counts[:, np.newaxis], rtol=1e-12
    )
    assert np.all(counts > 0)
