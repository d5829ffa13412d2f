"""GaussianMixture: a scikit-learn-compatible estimator built on the public EM step iterator."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from functools import reduce

import numpy as np

from . import _distributed
from . import _validation as check
from ._base import BaseMixture
from .em import EMStep, SufficientStatistics, e_step, em_steps, m_step, m_step_from, weighted_log_density
from .initialization import initial_params


class GaussianMixture(BaseMixture):
    r"""A Gaussian mixture fitted by EM, with scikit-learn's interface and a window onto every step.

    The constructor, attributes and methods are scikit-learn's ``GaussianMixture``, so code written for it
    runs unchanged. What is added is for learning: :meth:`iter_fit` yields every EM iteration as an
    :class:`~gmm_teach.em.EMStep`, ``params_`` holds the fitted :class:`~gmm_teach.em.MixtureParams`, and the
    conveniences of the sealion tutorial (:meth:`soft_predict`, :meth:`confidence_samples`,
    :meth:`anomaly_detect`, :meth:`visualize_clustering`, :meth:`visualize_elbow_curve`) are methods.
    A fitted model keeps its parameters, not its training data, so it pickles to a few kilobytes whatever
    the number of points; the pictures take the data: ``gm.visualize_clustering(X)``.

    Parameters
    ----------
    n_components : int, default=1
        Number of Gaussian components :math:`K`.
    covariance_type : {"full", "tied", "diag", "spherical"}, default="full"
        The shape each component may take (see :mod:`gmm_teach.covariance`).
    tol : float, default=1e-3
        EM stops when the mean log-likelihood changes by less than this.
    reg_covar : float, default=1e-6
        Added to the diagonal of every covariance, so none collapses to a point. It is in the squared units
        of the data: scale the features (or lower it) when their variances are themselves tiny.
    max_iter : int, default=100
        Number of EM iterations at most, per initialisation.
    n_init : int, default=1
        Number of initialisations; the one with the highest final log-likelihood is kept.
    init_params : {"kmeans", "k-means++", "random", "random_from_data"}, default="kmeans"
        How the initial responsibilities are made (see :mod:`gmm_teach.initialization`).
    weights_init, means_init, precisions_init : array-like, optional
        User-given initial weights (k,), means (k, d) and precisions (inverse covariances, in the shape of
        ``covariance_type``).
    random_state : None, int, numpy.random.RandomState or numpy.random.Generator, default=None
        Where every random choice (the starts, :meth:`sample`) comes from, as in scikit-learn: an int gives
        the same numbers as scikit-learn's ``GaussianMixture`` with that int; a ``RandomState`` is drawn
        from in scikit-learn's order; None draws from NumPy's global ``RandomState`` (so after
        ``np.random.seed(s)`` it reproduces scikit-learn too). A ``Generator`` is our extension: repeatable,
        but not scikit-learn's numbers. See :func:`gmm_teach._validation.check_random_state`.
    warm_start : bool, default=False
        If True, a second ``fit`` starts from the fitted parameters (with a single initialisation).
    verbose : int, default=0
        1 prints each initialisation, 2 also prints the log-likelihood every ``verbose_interval`` iterations.
    verbose_interval : int, default=10

    Attributes
    ----------
    weights_, means_, covariances_, precisions_, precisions_cholesky_ : ndarray
        The fitted parameters (scikit-learn's shapes).
    params_ : MixtureParams
        The same parameters as one object, ready for :mod:`gmm_teach.plotting`.
    converged_ : bool
    n_iter_ : int
        Number of EM iterations of the best initialisation.
    lower_bound_ : float
        scikit-learn's ``lower_bound_``: the mean log-likelihood of the parameters one M-step before the
        fitted ones (the last one its loop computes), which chose the best start; the fitted parameters' own
        is ``lower_bounds_[-1]`` (or ``score(X)``).
    lower_bounds_ : list of float
        ``lower_bounds_[i]`` is the mean log-likelihood after ``i`` iterations of the best initialisation
        (``i = 0``: the initial parameters), so the last entry belongs to the fitted parameters.
        scikit-learn's ``lower_bounds_[i]`` is computed before the M-step of iteration ``i + 1``, so it lags
        one step: its list equals ours without our last entry.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` was a DataFrame with string column names.

    Notes
    -----
    Convergence, as in scikit-learn: iteration :math:`t \ge 2` is converged when
    :math:`|\ell_{t-1} - \ell_{t-2}| < \text{tol}` for the mean log-likelihoods :math:`\ell_j` of the
    parameters after :math:`j` iterations; the fit keeps the parameters of iteration :math:`t` (one more,
    tiny, M-step) and ``n_iter_`` is :math:`t`. Of ``n_init`` starts, the best is the one whose
    :math:`\ell_{t-1}` (the last log-likelihood scikit-learn computes) is highest, so the same start wins.

    float32 data: the fit runs in float64, and the fitted attributes and the outputs of ``predict_proba``
    and ``score_samples`` on float32 data are float32, as scikit-learn returns them.

    Examples
    --------
    >>> from gmm_teach import GaussianMixture, datasets
    >>> X = datasets.load_old_faithful()
    >>> gm = GaussianMixture(n_components=2, random_state=0).fit(X)
    >>> gm.means_.round(1).tolist()
    [[2.0, 54.5], [4.3, 80.0]]
    """

    _objective = "mean log-likelihood"
    _keeps_float32 = True  # float32 data give float32 attributes and outputs, as in scikit-learn

    def __init__(
        self,
        n_components: int = 1,
        *,
        covariance_type: str = "full",
        tol: float = 1e-3,
        reg_covar: float = 1e-6,
        max_iter: int = 100,
        n_init: int = 1,
        init_params: str = "kmeans",
        weights_init=None,
        means_init=None,
        precisions_init=None,
        random_state=None,
        warm_start: bool = False,
        verbose: int = 0,
        verbose_interval: int = 10,
    ):
        super().__init__(
            n_components,
            covariance_type=covariance_type,
            tol=tol,
            reg_covar=reg_covar,
            max_iter=max_iter,
            n_init=n_init,
            init_params=init_params,
            random_state=random_state,
            warm_start=warm_start,
            verbose=verbose,
            verbose_interval=verbose_interval,
        )
        self.weights_init = weights_init
        self.means_init = means_init
        self.precisions_init = precisions_init

    def _check_initial_values(self, n_features):
        if self.weights_init is not None:
            check.check_weights(self.weights_init, self.n_components)
        if self.means_init is not None:
            check.check_means(self.means_init, self.n_components, n_features)
        if self.precisions_init is not None:
            check.check_precisions(self.precisions_init, self.covariance_type, self.n_components, n_features)

    def iter_fit(self, X, y=None, *, initial_responsibilities=None, sample_weight=None) -> Iterator[EMStep]:
        """Run one initialisation of EM and yield its :class:`~gmm_teach.em.EMStep` records.

        The estimator is fitted with each step as it is yielded, so after the loop (or a ``break``) it holds
        the last step seen. Bad input raises here, before the first step.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored
        initial_responsibilities : array-like of shape (n_samples, n_components), optional
            Start from these instead of ``init_params`` (each row non-negative, summing to one): step 0 is
            their M-step. This is how two implementations are given the same start.

        Examples
        --------
        >>> from gmm_teach import GaussianMixture, datasets
        >>> gm = GaussianMixture(n_components=2, random_state=0)
        >>> log_likelihoods = [step.log_likelihood for step in gm.iter_fit(datasets.load_old_faithful())]
        >>> all(a <= b for a, b in zip(log_likelihoods, log_likelihoods[1:]))
        True
        """
        return super().iter_fit(X, initial_responsibilities=initial_responsibilities, sample_weight=sample_weight)

    def _initial_steps(self, X, rng, initial_responsibilities=None, sample_weight=None):
        """The EM steps of one start: from given responsibilities, the fitted model (warm start) or init_params."""
        self.__dict__.pop("_batch_statistics", None)  # a whole fit forgets the batches of partial_fit
        previous_log_likelihood, responsibilities = -np.inf, None
        if initial_responsibilities is not None:
            params = m_step(X, initial_responsibilities, self.covariance_type, self.reg_covar, sample_weight)
            responsibilities = initial_responsibilities
        elif self._continues_previous_fit:  # scikit-learn's convergence test continues from the last fit
            params, previous_log_likelihood = self.params_, self.lower_bound_
        else:
            # a Dask array: the start from a random sample of its rows (see _distributed.START_SAMPLE)
            start = _distributed.start_sample(X, rng)[0] if _distributed.is_dask_array(X) else X
            start_weight = None if _distributed.is_dask_array(X) else sample_weight
            params, responsibilities = self._initial_params(start, rng, start_weight)
        settings = dict(
            tol=self.tol,
            max_iter=self.max_iter,
            reg_covar=self.reg_covar,
            previous_log_likelihood=previous_log_likelihood,
        )
        if _distributed.is_dask_array(X):  # one map-reduce over the blocks per iteration
            return _distributed.em_steps(X, params, sample_weight, **settings)
        return em_steps(X, params, responsibilities, sample_weight=sample_weight, **settings)

    def _initial_params(self, X, rng, sample_weight=None):
        """Where EM starts on ``X``: ``init_params`` with the user's ``*_init`` values (see
        :func:`~gmm_teach.initialization.initial_params`); the parameters and the responsibilities behind them."""
        return initial_params(
            X,
            self.n_components,
            self.covariance_type,
            self.init_params,
            rng,
            self.reg_covar,
            self.weights_init,
            self.means_init,
            self.precisions_init,
            sample_weight,
        )

    def partial_fit(self, X, y=None) -> GaussianMixture:
        r"""Incremental EM (Neal & Hinton, 1998): one E-step on a batch, then the M-step from every batch's statistics.

        The model keeps the :class:`~gmm_teach.em.SufficientStatistics` of each batch it has seen (a few numbers per
        component, never the points). A call runs the E-step of the current parameters on ``X``, replaces that
        batch's statistics (a batch is recognised by its contents, so a stream of batches can be passed over
        several times), merges all of them, and takes the M-step (:func:`~gmm_teach.em.m_step_from`). Each call
        cannot lower the log-likelihood of the data seen so far, as EM, and passes over a fixed set of batches
        climb to the fit of all of them together.

        The first call starts from ``init_params`` on that batch (or ``*_init``, or the fitted parameters of a
        previous ``fit``). ``lower_bound_`` is the mean log-likelihood of all batches, each under the
        parameters of its last E-step.
        """
        if hasattr(self, "params_"):
            X = self._validate_predict_data(X)[0]
            params = self.params_
        else:
            X = self._validate_fit_data(X)
            params = self._initial_params(X, check.check_random_state(self.random_state))[0]
            self.lower_bounds_ = []
        responsibilities, log_likelihood = e_step(X, params)
        batches = self.__dict__.setdefault("_batch_statistics", {})
        batches[_batch_key(X)] = SufficientStatistics.from_responsibilities(
            X, responsibilities, self.covariance_type, log_likelihood_sum=log_likelihood * X.shape[0]
        )
        total = reduce(SufficientStatistics.merge, batches.values())
        step = EMStep(
            getattr(self, "n_iter_", 0) + 1,
            m_step_from(total, self.reg_covar),
            responsibilities,
            total.mean_log_likelihood,
            False,
        )
        self._set_fitted(step, [*self.lower_bounds_, total.mean_log_likelihood], X.shape[1])
        self.lower_bound_ = total.mean_log_likelihood
        return self

    @staticmethod
    def _objective_of(step: EMStep) -> float:
        return step.log_likelihood

    @staticmethod
    def _start_score(log_likelihoods):
        """How good a start ended, for choosing the best of ``n_init``: scikit-learn's ``lower_bound``, the
        last log-likelihood its loop computes, that of the parameters one M-step before the fitted ones (the
        starts are then chosen as scikit-learn chooses them, also between near-ties)."""
        return log_likelihoods[-2] if len(log_likelihoods) > 1 else log_likelihoods[-1]

    def _weighted_log_density(self, X):
        return weighted_log_density(X, self.params_)


def _batch_key(X):
    """What recognises a batch passed to ``partial_fit`` again: its shape and a digest of its values."""
    return X.shape, hashlib.blake2b(np.ascontiguousarray(X).tobytes(), digest_size=16).hexdigest()
