r"""EM on a Dask array: each iteration is one map-reduce over the blocks of the data.

EM needs from the data only the sufficient statistics of each component (:class:`gmm_teach.em.SufficientStatistics`),
and the statistics of two blocks merge exactly. So each iteration sends the small parameters to every block
(map: the block's E-step, summed into its statistics), merges the blocks' statistics in a tree (reduce), and
runs the M-step on the client (:func:`gmm_teach.em.m_step_from`): one ``compute`` per iteration, and the
:math:`n \times k` responsibilities are never gathered. The data are persisted once, before the first pass.
Variational EM (:mod:`gmm_teach.bayesian`) runs the same map-reduce through :func:`reduce_blocks`, its blocks also
returning the entropy of their responsibilities.

Dask is imported only here, and only when a Dask array arrives (it is the optional extra ``gmm-teach[dask]``).
"""

import numpy as np

from . import _validation as check
from .em import EMStep, SufficientStatistics, m_step_from

START_SAMPLE = 20_000
"""The start (k-means, k-means++, random...) is computed on a uniform random sample of at most this many rows of
the Dask array, gathered once; EM itself then runs on every row."""


def is_dask_array(X):
    """Whether ``X`` is a Dask array (checked without importing Dask)."""
    return type(X).__module__.split(".")[0] == "dask" and hasattr(X, "to_delayed")


def prepare(X, sample_weight=None):
    """``X`` as a persisted float64 Dask array, chunked along the rows only, and its weights chunked alike.

    Raises a clear error when ``X`` is not 2-D (1-D: one feature), when the weights do not match, or when
    the Dask array holds NaN or infinity (found by one pass, before any EM work).
    """
    import dask
    import dask.array as da

    if X.ndim == 1:
        X = X[:, np.newaxis]
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D Dask array (n_samples, n_features); got {X.ndim} dimensions.")
    X = X.astype(np.float64).rechunk({1: -1}).persist()
    weights = None
    if sample_weight is not None:
        weights = da.asarray(sample_weight).astype(np.float64)
        if weights.shape != (X.shape[0],):
            raise ValueError(f"sample_weight must have shape ({X.shape[0]},) to match X; got {weights.shape}.")
        weights = weights.rechunk((X.chunks[0],)).persist()
    finite, negative = dask.compute(da.isfinite(X).all(), (weights < 0).any() if weights is not None else False)
    if not finite:
        raise ValueError("X contains NaN or infinity; remove or impute those values before fitting.")
    if negative:
        raise ValueError("sample_weight must be non-negative; got a negative weight.")
    return X, weights


def statistics(X, params, sample_weight=None):
    """The :class:`~gmm_teach.em.SufficientStatistics` of the whole Dask array under ``params``, in one compute.

    Each block's statistics come from its own E-step (the engine's one pass; with sample weights, the reference
    ``e_step``), merged by :func:`reduce_blocks`.
    """
    if sample_weight is None:
        return reduce_blocks(
            lambda block: SufficientStatistics.from_block_fast(block, params), SufficientStatistics.merge, X
        )
    return reduce_blocks(
        lambda block, weight: SufficientStatistics.from_block(block, params, weight),
        SufficientStatistics.merge,
        X,
        sample_weight,
    )


def reduce_blocks(summarise, merge, X, *aligned):
    """``summarise(X_block, *aligned_blocks)`` on every block of rows, merged pairwise in a tree, in one compute.

    ``aligned`` are Dask arrays chunked along the rows as ``X`` (sample weights, responsibilities), or None (then
    ``summarise`` gets None for them). The tree means that no worker holds more than two blocks' summaries at once
    and that the client receives one.
    """
    import dask

    columns = [[None] * X.numblocks[0] if array is None else array.to_delayed().ravel() for array in aligned]
    parts = [
        dask.delayed(summarise)(block, *(column[index] for column in columns))
        for index, block in enumerate(X.to_delayed().ravel())
    ]
    while len(parts) > 1:
        parts = [dask.delayed(merge)(a, b) for a, b in zip(parts[::2], parts[1::2])] + parts[
            len(parts) - len(parts) % 2 :
        ]
    return dask.compute(parts[0])[0]


def split_like(X, array):
    """The in-memory ``array`` (one row per row of ``X``) as a Dask array cut into the blocks of rows of ``X``."""
    import dask.array as da

    return da.from_array(array, chunks=(X.chunks[0],) + tuple((size,) for size in array.shape[1:]))


def start_sample(X, random_state, sample_weight=None):
    """A uniform random sample of at most :data:`START_SAMPLE` rows (and their weights), as NumPy arrays."""
    n_samples = X.shape[0]
    if n_samples <= START_SAMPLE:
        rows = np.arange(n_samples)
    else:
        rows = np.sort(check.check_random_state(random_state).choice(n_samples, START_SAMPLE, replace=False))
    sample = X[rows].compute()
    return sample, (None if sample_weight is None else sample_weight[rows].compute())


def em_steps(
    X, initial_params, sample_weight=None, *, tol=1e-3, max_iter=100, reg_covar=1e-6, previous_log_likelihood=-np.inf
):
    """:func:`gmm_teach.em.em_steps` on a prepared Dask array: one :class:`~gmm_teach.em.EMStep` per iteration,
    with the same stopping rule (scikit-learn's).

    Each step's ``responsibilities`` is a lazy Dask array (the E-step that produced its parameters): it is
    computed only if someone asks for it.
    """
    params = initial_params
    stats = statistics(X, params, sample_weight)
    yield EMStep(0, params, lazy_responsibilities(X, params), stats.mean_log_likelihood, False)
    for iteration in range(1, max_iter + 1):
        previous_params = params
        params = m_step_from(stats, reg_covar)
        # scikit-learn's rule: the change of the two log-likelihoods known before this step's E-step
        converged = bool(abs(stats.mean_log_likelihood - previous_log_likelihood) < tol)
        previous_log_likelihood = stats.mean_log_likelihood
        stats = statistics(X, params, sample_weight)
        yield EMStep(iteration, params, lazy_responsibilities(X, previous_params), stats.mean_log_likelihood, converged)
        if converged:
            return


def lazy_responsibilities(X, params):
    """The E-step of ``params`` on every block, as a lazy (n_samples, n_components) Dask array (a variational
    posterior gives its variational E-step)."""
    return X.map_blocks(
        lambda block: params.e_step(block)[0], chunks=(X.chunks[0], (params.n_components,)), dtype=np.float64
    )


def map_rows(X, function, n_columns=None, dtype=np.float64):
    """``function`` applied to each block of rows of a Dask array: a Dask array of one row of output per row
    (a vector when ``n_columns`` is None)."""
    if n_columns is None:
        return X.map_blocks(function, drop_axis=1, dtype=dtype)
    return X.map_blocks(function, chunks=(X.chunks[0], (n_columns,)), dtype=dtype)


__all__ = [
    "em_steps",
    "is_dask_array",
    "lazy_responsibilities",
    "map_rows",
    "prepare",
    "reduce_blocks",
    "split_like",
    "start_sample",
    "statistics",
]
