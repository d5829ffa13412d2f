"""Where GaussianMixture's fit starts on a Dask array, with Dask's synchronous scheduler (no cluster: fast).

A file of its own, so that without Dask (an optional extra) only these tests are skipped. No
dask.distributed cluster here (tests/test_dask.py starts one): that keeps it fast enough for `make mutate`.
"""

import numpy as np
import pytest
from helpers import three_blobs

from gmm_teach import GaussianMixture, _distributed
from gmm_teach.initialization import initial_params

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")


@pytest.fixture
def synchronous_dask():
    with dask.config.set(scheduler="synchronous"):
        yield


def test_a_dask_fit_starts_from_a_random_sample_of_rows_then_fits_all_of_them(synchronous_dask, monkeypatch):
    """Of 900 rows, START_SAMPLE (here 300) are drawn from ``random_state``: the (unweighted) start is the
    one NumPy data of those rows gives, and EM then runs on every row with its weight."""
    monkeypatch.setattr(_distributed, "START_SAMPLE", 300)
    X = three_blobs(900)[0]
    sample_weight = np.random.default_rng(0).uniform(0.5, 2.0, size=900)
    random_state = np.random.RandomState(0)
    rows = np.sort(random_state.choice(900, 300, replace=False))
    start = initial_params(X[rows], 3, "full", "kmeans", random_state)[0]
    given = dict(weights_init=start.weights, means_init=start.means, precisions_init=start.precisions)
    expected = GaussianMixture(3, tol=1e-8, **given).fit(X, sample_weight=sample_weight)

    steps = list(
        GaussianMixture(3, tol=1e-8, random_state=0).iter_fit(da.from_array(X, chunks=300), sample_weight=sample_weight)
    )
    assert all(isinstance(step.responsibilities, da.Array) for step in steps)  # lazy: the data stay in Dask
    np.testing.assert_allclose(steps[0].params.means, start.means, rtol=1e-10)
    np.testing.assert_allclose(steps[-1].params.means, expected.means_, rtol=1e-8)
    np.testing.assert_allclose(steps[-1].log_likelihood, expected.lower_bounds_[-1], rtol=1e-10)
    assert len(steps) == expected.n_iter_ + 1


@pytest.mark.filterwarnings("ignore::gmm_teach.ConvergenceWarning")  # max_iter=2: a warm start needs a fit
def test_a_dask_fit_continues_after_warm_start(synchronous_dask):
    """warm_start on a Dask array continues from the fitted parameters, as on NumPy data."""
    X = three_blobs(600)[0]
    ours = GaussianMixture(3, warm_start=True, max_iter=2, random_state=0).fit(da.from_array(X, chunks=200))
    numpy_model = GaussianMixture(3, warm_start=True, max_iter=2, random_state=0).fit(X)
    for model, data in ((ours, da.from_array(X, chunks=200)), (numpy_model, X)):
        model.fit(data)
    np.testing.assert_allclose(ours.means_, numpy_model.means_, rtol=1e-8)
    assert ours.lower_bounds_ == pytest.approx(numpy_model.lower_bounds_, rel=1e-10)
