"""EM on Dask arrays, on a real dask.distributed LocalCluster with 2 worker processes started by the tests."""

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("dask.distributed")

from gmm_teach import BayesianGaussianMixture, GaussianMixture  # noqa: E402
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


def same_start(X, covariance_type):
    params = initial_params(X, 3, covariance_type, "kmeans", np.random.default_rng(0))[0]
    return dict(
        n_components=3,
        covariance_type=covariance_type,
        weights_init=params.weights,
        means_init=params.means,
        precisions_init=params.precisions,
        tol=1e-6,
    )


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_dask_fit_equals_the_numpy_fit_from_the_same_start(client, covariance_type):
    X = blobs()
    settings = same_start(X, covariance_type)
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
    with pytest.raises(TypeError, match="Dask"):
        BayesianGaussianMixture(3).fit(da.from_array(blobs(100), chunks=50))
