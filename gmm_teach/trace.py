r"""EMTrace: the history of one EM run, for replay, with bounded memory.

Keeping every :class:`~gmm_teach.em.EMStep` of a run would keep one :math:`n \times k` responsibility matrix per
iteration: 100 iterations of 100,000 points and 3 components is 240 MB. A trace keeps only what is small, the
parameters and the log-likelihood of every step (:math:`O(T k d^2)` for :math:`T` iterations), and recomputes
the responsibilities of a step when asked for them. That is exact, not an approximation: the
responsibilities of iteration :math:`t \ge 1` are by definition the E-step of the parameters of iteration
:math:`t - 1`,

.. math:: r^{(t)}_{ik} = \frac{\pi^{(t-1)}_k \mathcal{N}(x_i \mid \mu^{(t-1)}_k, \Sigma^{(t-1)}_k)}
                             {\sum_j \pi^{(t-1)}_j \mathcal{N}(x_i \mid \mu^{(t-1)}_j, \Sigma^{(t-1)}_j)}.

Only the responsibilities of step 0 (what produced the initial parameters, for example k-means labels) cannot
be recomputed; they are kept, :math:`O(n k)`. A small cache of recent responsibilities makes scrubbing back and
forth over nearby steps cheap, and the data are prepared once for every recomputation (their centre and, when
they take at most 8 MiB, their per-point feature columns, counted in :attr:`EMTrace.nbytes`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator

import numpy as np

from . import _engine
from . import _validation as check
from .em import EMStep, MixtureParams, em_steps
from .initialization import initial_params

DEFAULT_CACHE_SIZE = 4


class EMTrace:
    """The steps of one EM run, replayable: ``len(trace)``, ``trace[i]`` (an EMStep), ``trace.log_likelihoods``.

    Build one with :meth:`record` (from any stream of EMStep records) or :meth:`run` (fit a mixture).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The data the steps were computed on (kept by reference, not copied).
    params : list of MixtureParams
        The parameters after each iteration.
    log_likelihoods : sequence of float
        What the run climbed after each iteration: EM's mean log-likelihood, or for a variational run (steps of
        type :class:`gmm_teach.bayesian.VariationalStep`) the evidence lower bound.
    converged : sequence of bool
    initial_responsibilities : ndarray of shape (n_samples, n_components)
        The responsibilities reported in step 0.
    cache_size : int, default=4
        How many recomputed responsibility matrices to keep (least recently used are dropped).
    step_type : type, default=EMStep
        The class of the recorded steps; ``trace[i]`` is rebuilt as one.

    Examples
    --------
    >>> from gmm_teach import datasets
    >>> trace = EMTrace.run(datasets.load_old_faithful(), n_components=2, random_state=0)
    >>> len(trace), trace[-1].converged
    (5, True)
    >>> trace[2].responsibilities.shape
    (272, 2)
    """

    def __init__(
        self,
        X: np.ndarray,
        params: Iterable[MixtureParams],
        log_likelihoods,
        converged,
        initial_responsibilities: np.ndarray | None,
        cache_size: int = DEFAULT_CACHE_SIZE,
        step_type: type = EMStep,
    ):
        self.X = X
        self.step_type = step_type
        self.params = list(params)
        self.log_likelihoods = np.asarray(log_likelihoods, dtype=float)
        self.converged = np.asarray(converged, dtype=bool)
        self.initial_responsibilities = initial_responsibilities
        self.cache_size = check.check_integer(cache_size, "cache_size", 0)
        self._cache = OrderedDict()
        self._data = None  # X prepared once for the E-steps of every replayed frame (centre, kept features)
        if not self.params or not (len(self.params) == len(self.log_likelihoods) == len(self.converged)):
            raise ValueError(
                "an EMTrace needs at least one step, and as many params, log-likelihoods and "
                f"converged flags; got {len(self.params)}, {len(self.log_likelihoods)} and "
                f"{len(self.converged)}."
            )

    @classmethod
    def record(cls, X: np.ndarray, steps: Iterable, cache_size: int = DEFAULT_CACHE_SIZE) -> EMTrace:
        """Consume a stream of :class:`~gmm_teach.em.EMStep` (from ``em_steps`` or ``iter_fit``) into a trace.

        A stream of :class:`~gmm_teach.bayesian.VariationalStep` is recorded alike, with its evidence lower
        bound in place of the log-likelihood. Only step 0's responsibilities are kept; later ones are dropped
        as they arrive, so memory stays bounded even while recording.
        """
        params, log_likelihoods, converged, initial_responsibilities = [], [], [], None
        step_type = EMStep
        for step in steps:
            if step.iteration != len(params):
                raise ValueError(
                    f"steps must be numbered 0, 1, 2, ... without gaps; step {len(params)} "
                    f"has iteration {step.iteration}."
                )
            if step.iteration == 0:
                initial_responsibilities, step_type = step.responsibilities, type(step)
            params.append(step.params)
            log_likelihoods.append(_objective(step))
            converged.append(step.converged)
        return cls(X, params, log_likelihoods, converged, initial_responsibilities, cache_size, step_type)

    @classmethod
    def run(
        cls,
        X,
        n_components: int = 3,
        covariance_type: str = "full",
        init_params: str = "kmeans",
        random_state=0,
        max_iter: int = 100,
        tol: float = 1e-3,
        reg_covar: float = 1e-6,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> EMTrace:
        """Run one initialisation of EM and record it: the steps ``GaussianMixture(...).iter_fit(X)`` yields.

        The start is :func:`~gmm_teach.initialization.initial_params`, the loop :func:`~gmm_teach.em.em_steps`.
        The arguments are those of :class:`~gmm_teach.GaussianMixture`; bad ones raise before any work starts.
        """
        X = check.check_array(X).astype(np.float64, copy=False)
        check.check_em_settings(n_components, covariance_type, tol, reg_covar, max_iter, init_params)
        check.check_n_components_fit_data(n_components, X.shape[0])
        rng = check.check_random_state(random_state)
        params, responsibilities = initial_params(X, n_components, covariance_type, init_params, rng, reg_covar)
        steps = em_steps(X, params, responsibilities, tol=tol, max_iter=max_iter, reg_covar=reg_covar)
        return cls.record(X, steps, cache_size)

    def __len__(self) -> int:
        return len(self.params)

    def __iter__(self) -> Iterator:
        return (self[i] for i in range(len(self)))

    def __getitem__(self, iteration: int):
        """The step of ``iteration`` (negative counts from the end), of the type recorded (an EMStep for EM)."""
        iteration = self._index(iteration)
        return self.step_type(
            iteration,
            self.params[iteration],
            self.responsibilities(iteration),
            float(self.log_likelihoods[iteration]),
            bool(self.converged[iteration]),
        )

    def _index(self, iteration):
        if isinstance(iteration, bool) or not isinstance(iteration, (int, np.integer)):
            raise TypeError(f"an EMTrace is indexed by an integer iteration, got {iteration!r}.")
        if not -len(self) <= iteration < len(self):
            raise IndexError(
                f"iteration {iteration} is out of range for a trace of {len(self)} steps (0 to {len(self) - 1})."
            )
        return int(iteration) % len(self)

    def responsibilities(self, iteration: int) -> np.ndarray:
        """The responsibilities reported in step ``iteration``: the E-step of the parameters before it."""
        iteration = self._index(iteration)
        if iteration == 0 and self.initial_responsibilities is not None:
            return self.initial_responsibilities
        if iteration in self._cache:
            self._cache.move_to_end(iteration)
            return self._cache[iteration]
        params = self.params[max(iteration - 1, 0)]
        if self._data is None:
            self._data = _engine.prepare(self.X, params.covariance_type, many_passes=True)
        # the engine's E-step, as em_steps ran it (variational for a posterior: its expected terms)
        responsibilities = _engine.expectation(
            self._data, params, expected_log_terms=params.expected_log_terms(), with_sums=False
        ).responsibilities.T
        if self.cache_size:
            self._cache[iteration] = responsibilities
            if len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return responsibilities

    @property
    def n_iter(self) -> int:
        """Number of EM iterations after the initial parameters."""
        return len(self) - 1

    @property
    def nbytes(self) -> int:
        """Bytes held in arrays by the trace itself (parameters, curves, step-0 and cached responsibilities)."""
        return sum(array.nbytes for array in self.arrays())

    def arrays(self) -> list[np.ndarray]:
        """Every NumPy array the trace holds, except the data ``X`` (which it only references)."""
        held = [self.log_likelihoods, self.converged, *self._cache.values()]
        if self._data is not None:
            held.extend(self._data.kept_arrays())
        if self.initial_responsibilities is not None:
            held.append(self.initial_responsibilities)
        for params in self.params:
            held.extend([params.weights, params.means, params.covariances, params.precisions_cholesky])
        return held


def _objective(step) -> float:
    """What a run climbs, read from one of its steps: the ELBO of a variational step, else the log-likelihood.

    A :class:`~gmm_teach.bayesian.VariationalStep` has no log-likelihood field (its bound is not one), and this
    module does not import the Bayesian estimator's module, so the field is looked up by name.
    """
    return step.evidence_lower_bound if hasattr(step, "evidence_lower_bound") else step.log_likelihood
