"""EM on Dask arrays: seconds per EM iteration on a dask.distributed LocalCluster of 1 and 2 worker processes,
against the in-memory fit, and how the time per point scales from 1 to 8 million points.

Run it with ``make bench`` or ``python benchmarks/bench_dask.py``. Wall-clock seconds (the work happens in the
worker processes); each worker has one thread and BLAS is limited to one thread everywhere, so 2 workers use the
machine's 2 cores. One iteration of the Dask fit is one compute: every block's sufficient statistics under the
current parameters (the engine's E-step), merged in a tree, then the M-step on the client. The in-memory column is
one iteration of ``em_steps`` on the same data, in this process.
"""

import argparse
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import dask.array as da  # noqa: E402
import numpy as np  # noqa: E402
from dask.distributed import Client, LocalCluster  # noqa: E402

from gmm_teach import _distributed, _engine  # noqa: E402
from gmm_teach.em import m_step_from  # noqa: E402
from gmm_teach.initialization import initial_params  # noqa: E402

N_FEATURES, N_COMPONENTS, COVARIANCE_TYPE = 2, 5, "full"
CHUNK_ROWS = 250_000


def make_data(n_samples, seed=0):
    """A Dask array made on the workers (no data sent from the client): well separated blobs."""
    state = da.random.RandomState(seed)
    centres = np.random.default_rng(seed).normal(scale=4.0, size=(N_COMPONENTS, N_FEATURES))
    labels = state.randint(0, N_COMPONENTS, size=n_samples, chunks=CHUNK_ROWS)
    noise = state.normal(size=(n_samples, N_FEATURES), chunks=(CHUNK_ROWS, N_FEATURES))
    return noise + da.from_array(centres)[labels]


def median_wall_seconds(function, repeats):
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return float(np.median(times))


def in_memory_iteration(X, params, repeats):
    """One EM iteration as em_steps runs it (the engine's E-step with the sums, then the M-step), data prepared."""
    data = _engine.prepare(X, COVARIANCE_TYPE, many_passes=True)

    def one_iteration():
        expectation = _engine.expectation(data, params)
        _engine.maximisation(data, expectation.responsibilities, expectation.sums, 1e-6)

    return median_wall_seconds(one_iteration, repeats)


def dask_iteration(X, params, repeats):
    lazy, _ = _distributed.prepare(X)

    def one_iteration():
        m_step_from(_distributed.statistics(lazy, params), 1e-6)

    return median_wall_seconds(one_iteration, repeats)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and sizes (noisy numbers)")
    args = parser.parse_args()
    repeats = 2 if args.quick else 5
    sizes = (1_000_000, 2_000_000) if args.quick else (1_000_000, 2_000_000, 4_000_000, 8_000_000)
    start = make_data(20_000).compute()
    params = initial_params(start, N_COMPONENTS, COVARIANCE_TYPE, "kmeans", np.random.default_rng(0))[0]
    rows = {
        n_samples: {"memory": in_memory_iteration(make_data(n_samples).compute(), params, repeats)}
        for n_samples in sizes
    }
    for n_workers in (1, 2):
        with (
            LocalCluster(
                n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None, memory_limit="2GiB"
            ) as cluster,
            Client(cluster),
        ):
            for n_samples in sizes:
                rows[n_samples][n_workers] = dask_iteration(make_data(n_samples), params, repeats)
    print(
        f"EM on Dask arrays: seconds per iteration (median of {repeats}, wall clock), d={N_FEATURES}, "
        f"k={N_COMPONENTS}, {COVARIANCE_TYPE}, chunks of {CHUNK_ROWS:,} rows"
    )
    header = (
        f"{'n':>11} | {'in memory':>10} {'1 worker':>10} {'2 workers':>10} | {'2 vs 1':>7} | "
        f"{'ns/point (2 workers)':>21}"
    )
    print(header)
    print("-" * len(header))
    for n_samples, row in rows.items():
        print(
            f"{n_samples:>11,} | {row['memory']:10.3f} {row[1]:10.3f} {row[2]:10.3f} | {row[1] / row[2]:7.2f} | "
            f"{1e9 * row[2] / n_samples:21.1f}"
        )


if __name__ == "__main__":
    main()
