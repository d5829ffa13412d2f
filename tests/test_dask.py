"""EM on Dask arrays, on a real dask.distributed LocalCluster with 2 worker processes started by the tests."""

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("dask.distributed")

from helpers import same_start  # noqa: E402

from gmm_teach import BayesianGaussianMixture, GaussianMixture  # noqa: E402
from gmm_teach.em import e_step  # noqa: E402
from gmm_teach.initialization import initial_params  # noqa: E402

pytestmark = pytest.mark.xdist_group("dask")
COVARIANCE_TYPES = ["full", "tied", "diag", "spherical"]


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, memory_limit="400MiB", dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def blobs(n_samples=30_000, seed=0):
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0], [5.0, 1.0], [1.0, 6.0]])
    return centres[rng.integers(3, size=n_samples)] + rng.normal(size=(n_samples, 2))


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_dask_fit_equals_the_numpy_fit_from_the_same_start(client, covariance_type):
    X = blobs()
    settings = same_start(X, 3, covariance_type, tol=1e-6)
    in_memory = GaussianMixture(**settings).fit(X)
    on_dask = GaussianMixture(**settings).fit(da.from_array(X, chunks=7_000))
    assert on_dask.n_iter_ == in_memory.n_iter_ and on_dask.converged_
    for name in ("weights_", "means_", "covariances_"):
        np.testing.assert_allclose(getattr(on_dask, name), getattr(in_memory, name), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(on_dask.lower_bounds_, in_memory.lower_bounds_, rtol=1e-10)


def test_predictions_on_a_dask_array_are_dask_arrays(client):
    X = blobs()
    model = GaussianMixture(3, random_state=0).fit(X)
    lazy = da.from_array(X, chunks=5_000)
    for method in ("predict", "predict_proba", "score_samples"):
        result = getattr(model, method)(lazy)
        assert isinstance(result, da.Array), method
        np.testing.assert_allclose(result.compute(), getattr(model, method)(X), rtol=1e-12, err_msg=method)


def test_default_start_on_a_dask_array_finds_the_clusters(client):
    X = blobs(60_000)
    model = GaussianMixture(3, random_state=0).fit(da.from_array(X, chunks=10_000))
    np.testing.assert_allclose(np.sort(model.means_[:, 0]), [0.0, 1.0, 5.0], atol=0.05)
    assert model.converged_


def test_responsibilities_larger_than_a_worker_fit(client):
    """4 million points and 20 components: the responsibilities (640 MB) would not fit a worker's 400 MiB, and
    are never gathered; each block's statistics are merged instead."""
    n_samples, n_components = 4_000_000, 20
    rows = da.arange(n_samples, chunks=100_000)
    X = da.random.RandomState(0).normal(size=(n_samples, 2), chunks=(100_000, 2)) + 3.0 * (rows % n_components)[:, None]
    means = 3.0 * np.arange(n_components)[:, np.newaxis] + np.full((n_components, 2), 0.2)
    model = GaussianMixture(n_components, covariance_type="spherical", means_init=means, max_iter=1, tol=0.0)
    with pytest.warns(Warning, match="did not converge"):
        model.fit(X)
    assert n_samples * n_components * 8 > 400 * 2**20
    assert model.lower_bounds_[1] > model.lower_bounds_[0]  # one EM iteration over every block
    np.testing.assert_allclose(model.means_.sum(axis=1) / 2, 3.0 * np.arange(n_components), atol=0.6)


def test_bad_dask_input_is_refused_before_any_em(client):
    X = da.from_array(np.vstack([blobs(100), [[np.nan, 0.0]]]), chunks=50)
    with pytest.raises(ValueError, match="NaN"):
        GaussianMixture(3).fit(X)
    with pytest.raises(ValueError, match="NaN"):
        BayesianGaussianMixture(3).fit(X)


# --------------------------------------------------------------------------------------- variational EM
PRIOR_TYPES = ["dirichlet_process", "dirichlet_distribution"]


def start_responsibilities(X, covariance_type, n_components=4):
    """The E-step of a k-means start: responsibilities that both fits can be given (soft, so none is exactly 0)."""
    return e_step(X, initial_params(X, n_components, covariance_type, "kmeans", np.random.RandomState(0))[0])[0]


def assert_same_variational_fit(on_dask, in_memory):
    """Same posterior, same ELBO trajectory (the entropy term included), same stopping point."""
    assert on_dask.n_iter_ == in_memory.n_iter_ and on_dask.converged_ == in_memory.converged_
    for name in ("weights_", "means_", "covariances_", "mean_precision_", "degrees_of_freedom_"):
        np.testing.assert_allclose(getattr(on_dask, name), getattr(in_memory, name), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(on_dask.lower_bounds_, in_memory.lower_bounds_, rtol=1e-10)
    np.testing.assert_allclose(on_dask.lower_bound_, in_memory.lower_bound_, rtol=1e-10)


@pytest.mark.parametrize("prior_type", PRIOR_TYPES)
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_dask_variational_fit_equals_the_numpy_fit_from_the_same_start(client, covariance_type, prior_type):
    X = blobs(20_000)
    responsibilities = start_responsibilities(X, covariance_type)
    # 4 components for 3 clusters: two share one, and the ELBO climbs for a long while (max_iter stops both)
    settings = dict(
        n_components=4, covariance_type=covariance_type, weight_concentration_prior_type=prior_type, max_iter=15
    )
    in_memory = BayesianGaussianMixture(**settings)
    in_memory_steps = list(in_memory.iter_fit(X, initial_responsibilities=responsibilities))
    on_dask = BayesianGaussianMixture(**settings)
    steps = list(on_dask.iter_fit(da.from_array(X, chunks=6_000), initial_responsibilities=responsibilities))
    assert_same_variational_fit(on_dask, in_memory)
    assert np.all(np.diff(on_dask.lower_bounds_) >= 0)  # the ELBO never decreases
    assert on_dask.lower_bounds_[-1] - on_dask.lower_bounds_[1] > 1.0  # and it did climb
    assert all(isinstance(step.responsibilities, da.Array) for step in steps)  # never gathered
    np.testing.assert_allclose(steps[-1].responsibilities.compute(), in_memory_steps[-1].responsibilities, atol=1e-10)


@pytest.mark.parametrize(("covariance_type", "prior_type"), list(zip(COVARIANCE_TYPES, PRIOR_TYPES * 2)))
def test_weighted_dask_variational_fit_equals_the_numpy_fit(client, covariance_type, prior_type):
    X = blobs(12_000, seed=1)
    sample_weight = np.random.default_rng(2).integers(0, 4, size=X.shape[0]).astype(float)
    responsibilities = start_responsibilities(X, covariance_type)
    settings = dict(
        n_components=4, covariance_type=covariance_type, weight_concentration_prior_type=prior_type, max_iter=15
    )
    in_memory = BayesianGaussianMixture(**settings)
    for _ in in_memory.iter_fit(X, initial_responsibilities=responsibilities, sample_weight=sample_weight):
        pass
    on_dask = BayesianGaussianMixture(**settings)
    lazy_weight = da.from_array(sample_weight, chunks=5_000)  # cut unlike X: prepare aligns them
    for _ in on_dask.iter_fit(
        da.from_array(X, chunks=4_000), initial_responsibilities=responsibilities, sample_weight=lazy_weight
    ):
        pass
    assert_same_variational_fit(on_dask, in_memory)
    np.testing.assert_allclose(on_dask.mean_prior_, np.average(X, axis=0, weights=sample_weight), rtol=1e-12)


def test_dask_variational_fit_starts_from_a_sample_as_the_numpy_fit_would(client):
    """fit on a Dask array starts from init_params on a sample of the rows (all of them here, 20,000 at most),
    then the E-step of those parameters on every block: the same as the in-memory fit given those
    responsibilities."""
    X = blobs(15_000, seed=3)
    settings = dict(n_components=3, covariance_type="full", random_state=0)
    start = initial_params(X, 3, "full", "kmeans", np.random.RandomState(0))[0]
    in_memory = BayesianGaussianMixture(**settings)
    for _ in in_memory.iter_fit(X, initial_responsibilities=e_step(X, start)[0]):
        pass
    on_dask = BayesianGaussianMixture(**settings).fit(da.from_array(X, chunks=4_000))
    assert on_dask.converged_
    assert_same_variational_fit(on_dask, in_memory)
    np.testing.assert_allclose(on_dask.covariance_prior_, np.cov(X.T), rtol=1e-10)
    np.testing.assert_allclose(np.sort(on_dask.means_[:, 0]), [0.0, 1.0, 5.0], atol=0.05)


def test_dask_variational_warm_start_continues_as_the_numpy_one(client):
    X = blobs(10_000, seed=4)
    responsibilities = start_responsibilities(X, "diag", n_components=3)
    fits = []
    for data in (X, da.from_array(X, chunks=3_000)):
        model = BayesianGaussianMixture(3, covariance_type="diag", max_iter=1, warm_start=True)
        for _ in model.iter_fit(data, initial_responsibilities=responsibilities):
            pass
        fits.append(model.set_params(max_iter=100).fit(data))  # continues from the fitted posterior
    in_memory, on_dask = fits
    assert on_dask.converged_
    assert_same_variational_fit(on_dask, in_memory)


def test_bayesian_predictions_on_a_dask_array_are_dask_arrays(client):
    X = blobs()
    model = BayesianGaussianMixture(n_components=3, random_state=0).fit(X)
    lazy = da.from_array(X, chunks=5_000)
    for method in ("predict", "predict_proba", "score_samples"):
        result = getattr(model, method)(lazy)
        assert isinstance(result, da.Array), method
        np.testing.assert_allclose(result.compute(), getattr(model, method)(X), rtol=1e-12, err_msg=method)


def test_each_variational_iteration_is_one_dask_computation(client, monkeypatch):
    import dask

    computations = []
    compute = dask.compute
    monkeypatch.setattr(dask, "compute", lambda *args, **kwargs: computations.append(1) or compute(*args, **kwargs))
    steps = BayesianGaussianMixture(3, max_iter=4, tol=0.0, random_state=0).iter_fit(
        da.from_array(blobs(8_000), chunks=2_000)
    )
    seen = [len(computations) for _ in steps]
    assert np.diff(seen).tolist() == [1, 1, 1, 1]  # the blocks' statistics and entropies come back together
