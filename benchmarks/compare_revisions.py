"""Has EM become slower? The same EM iterations timed with an older revision of gmm_teach and with this one.

Run it with ``python benchmarks/compare_revisions.py --base REV`` (a git revision of this repository, e.g. the
commit of the last speed note). ``make bench``'s ratios against scikit-learn move with the machine (its cache,
its clock, its neighbours); this comparison does not: both revisions run in this one process, from the same
starting parameters, on the same data, alternating batches of iterations, and it prints the ratio of their
median CPU seconds per iteration (below 1: this revision is faster).

The older revision is taken with ``git archive`` into a temporary folder and imported under another name
(``gmm_base``), which works for any revision whose package imports itself relatively (all since the first
edition). The starts are the benchmark's own (:func:`bench_em.rough_start`), made by this revision.
"""

import argparse
import importlib
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import numpy as np
from bench_em import COVARIANCE_TYPES, SIZES, make_data, rough_start
from threadpoolctl import threadpool_limits

import gmm_teach.em as current_em

REPOSITORY = Path(__file__).resolve().parent.parent


def import_revision(revision, folder):
    """The ``gmm_teach.em`` module of ``revision``, imported from ``folder`` as ``gmm_base.em``."""
    archive = subprocess.run(
        ["git", "-C", str(REPOSITORY), "archive", revision, "gmm_teach"], check=True, capture_output=True
    ).stdout
    archive_path = Path(folder) / "revision.tar"
    archive_path.write_bytes(archive)
    with tarfile.open(archive_path) as tar:
        tar.extractall(folder, filter="data")
    (Path(folder) / "gmm_teach").rename(Path(folder) / "gmm_base")
    sys.path.insert(0, str(folder))
    return importlib.import_module("gmm_base.em")


def seconds_per_iteration(modules, X, params, rounds):
    """Median CPU seconds of one EM iteration for each module's ``em_steps``, from ``params``, alternating."""
    steps = []
    for module in modules:
        start = module.MixtureParams(
            params.weights, params.means, params.covariances, params.precisions_cholesky, params.covariance_type
        )
        iterator = module.em_steps(X, start, tol=0.0, max_iter=10**9)
        for _ in range(3):  # past the start, where the first iterations may differ in cost
            next(iterator)
        steps.append(iterator)
    batch = max(3, 100_000 // X.shape[0])
    seconds = [[] for _ in modules]
    for round_ in range(rounds):
        order = range(len(modules)) if round_ % 2 == 0 else reversed(range(len(modules)))
        for index in order:
            started = time.process_time()
            for _ in range(batch):
                next(steps[index])
            seconds[index].append((time.process_time() - started) / batch)
    return [float(np.median(times)) for times in seconds]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the git revision to compare with (a commit, tag or branch)")
    parser.add_argument("--rounds", type=int, default=9, help="alternating batches per library (default 9)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, threadpool_limits(1):
        base_em = import_revision(args.base, folder)
        print(f"CPU seconds per EM iteration, {args.base} (base) against this revision, same start, alternating")
        print(f"{'n, d, k':>16} {'type':>9} | {'base':>9} {'this':>9} {'this/base':>9}")
        print("-" * 60)
        for n_samples, n_features, n_components in SIZES:
            X = make_data(n_samples, n_features, n_components)
            for covariance_type in COVARIANCE_TYPES:
                params = rough_start(X, n_components, covariance_type)
                base, this = seconds_per_iteration((base_em, current_em), X, params, args.rounds)
                size = f"{n_samples:,}, {n_features}, {n_components}"
                print(f"{size:>16} {covariance_type:>9} | {base:9.2e} {this:9.2e} {this / base:9.2f}", flush=True)


if __name__ == "__main__":
    main()
