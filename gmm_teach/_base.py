"""The estimator skeleton that GaussianMixture and BayesianGaussianMixture share, as scikit-learn's BaseMixture.

Both mixtures are fitted the same way: check the arguments and the data, run ``n_init`` initialisations of an
iterative algorithm that yields one step record per iteration, keep the initialisation whose objective ended
highest, and set the fitted attributes from its last step. They differ in three places only, which each
subclass fills in:

* :meth:`BaseMixture._initial_steps`: the steps of one initialisation (EM's :class:`~gmm_teach.em.EMStep`
  or variational EM's :class:`~gmm_teach.bayesian.VariationalStep`);
* :meth:`BaseMixture._objective_of`: the number a step reports that the algorithm maximises (the mean
  log-likelihood, or the evidence lower bound);
* :meth:`BaseMixture._weighted_log_density`: :math:`\\log \\pi_k p(x_i \\mid k)` per point and component,
  from which ``predict`` and ``score_samples`` follow.

A fitted estimator keeps its parameters, never its training data, so it pickles to a few kilobytes whatever
the number of points.
"""

from __future__ import annotations

import inspect
import time
import warnings
from collections.abc import Iterator

import numpy as np
from scipy.special import logsumexp

from . import _distributed, criteria
from . import _validation as check
from ._validation import ConvergenceWarning, NotFittedError
from .anomaly import anomaly_scores, flag_lowest
from .em import log_density

INITIAL_VALUE_NAMES = ("weights_init", "means_init", "precisions_init")


class BaseMixture:
    """What every mixture estimator shares: parameters, validation, the ``n_init`` loop, predict and score.

    Not used on its own: :class:`~gmm_teach.GaussianMixture` and :class:`~gmm_teach.BayesianGaussianMixture`
    are its subclasses. The parameters below are theirs; see those classes for what each means.
    """

    _objective = "objective"  # what the algorithm maximises, in messages; each subclass names its own
    _keeps_float32 = False  # whether float32 data give float32 attributes and outputs (scikit-learn's EM does)

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
        random_state=None,
        warm_start: bool = False,
        verbose: int = 0,
        verbose_interval: int = 10,
    ):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.verbose_interval = verbose_interval

    # ----------------------------------------------------------------- what each subclass fills in
    def _initial_steps(self, X, rng, initial_responsibilities=None, sample_weight=None):
        """The step records of one initialisation (a generator); ``X`` and the arguments are checked."""
        raise NotImplementedError

    @staticmethod
    def _objective_of(step) -> float:
        """The number in ``step`` that the fit maximises."""
        raise NotImplementedError

    @staticmethod
    def _start_score(objectives) -> float:
        """How good a start ended, for choosing the best of ``n_init`` (and ``lower_bound_``), as scikit-learn."""
        raise NotImplementedError

    def _weighted_log_density(self, X):
        """:math:`\\log\\pi_k p(x_i\\mid k)` of the checked data ``X`` under the fit, shape (n_samples, n_components).

        The per-component terms: :meth:`predict` takes the largest, :meth:`score_samples` their logsumexp.
        """
        raise NotImplementedError

    def _check_initial_values(self, n_features: int) -> None:
        """Check the arguments that depend on the number of features (before any work starts)."""

    # ----------------------------------------------------------------- scikit-learn estimator protocol
    @classmethod
    def _parameter_names(cls):
        signature = inspect.signature(cls.__init__)
        return [name for name in signature.parameters if name != "self"]

    def get_params(self, deep: bool = True) -> dict:
        """The constructor arguments as a dict (scikit-learn's ``clone`` relies on it)."""
        return {name: getattr(self, name) for name in self._parameter_names()}

    def set_params(self, **params) -> BaseMixture:
        """Set constructor arguments by name; returns the estimator."""
        valid = self._parameter_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"{name!r} is not a parameter of {type(self).__name__}; valid ones: {valid}.")
            setattr(self, name, value)
        return self

    def __repr__(self):
        defaults = inspect.signature(type(self).__init__).parameters
        changed = []
        for name, value in self.get_params().items():
            default = defaults[name].default
            same = value is default or (not isinstance(value, np.ndarray) and value == default)
            if not same:
                changed.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(changed)})"

    def __sklearn_tags__(self):
        """Let scikit-learn's utilities (clone, pipelines) see a density estimator."""
        from sklearn.utils import Tags, TargetTags  # only ever called by scikit-learn itself

        return Tags(estimator_type="density_estimator", target_tags=TargetTags(required=False))

    # ----------------------------------------------------------------- validation
    def _check_parameters(self):
        """Check every constructor argument shared by the mixtures; raises before any work starts."""
        check.check_em_settings(
            self.n_components, self.covariance_type, self.tol, self.reg_covar, self.max_iter, self.init_params
        )
        check.check_integer(self.n_init, "n_init", 1)
        check.check_integer(self.verbose, "verbose", 0)
        check.check_integer(self.verbose_interval, "verbose_interval", 1)

    def _validate_fit_data(self, X):
        """Check the parameters and ``X``; remember its feature names; return it as a float64 array.

        A Dask array is returned persisted, as a float64 Dask array chunked along the rows (see
        :mod:`gmm_teach._distributed`).
        """
        self._check_parameters()
        feature_names = _feature_names(X)
        if _distributed.is_dask_array(X):
            X = _distributed.prepare(X)[0]
        else:
            X = check.check_array(X)
        check.check_n_components_fit_data(self.n_components, X.shape[0])
        self._check_initial_values(X.shape[1])
        if feature_names is None and hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        elif feature_names is not None:
            self.feature_names_in_ = feature_names
        self._fit_dtype = X.dtype if self._keeps_float32 and X.dtype == np.float32 else np.dtype(np.float64)
        return X if _distributed.is_dask_array(X) else X.astype(np.float64, copy=False)

    def _validate_predict_data(self, X):
        """Check ``X`` against the fit; return it in float64, and the dtype the outputs take (float32 for float32
        data when the fit kept float32, as scikit-learn)."""
        self._check_is_fitted()
        _check_feature_names(_feature_names(X), getattr(self, "feature_names_in_", None), type(self).__name__)
        X = check.check_array(X, n_features=self.n_features_in_, estimator_name=type(self).__name__)
        return X.astype(np.float64, copy=False), np.result_type(X.dtype, self._fit_dtype)

    def _check_is_fitted(self):
        if not hasattr(self, "params_"):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' with appropriate "
                "arguments before using this estimator."
            )

    # ----------------------------------------------------------------- fitting
    def iter_fit(self, X, y=None, *, initial_responsibilities=None, sample_weight=None) -> Iterator:
        """Run one initialisation and yield its step records, one per iteration.

        The estimator is fitted with each step as it is yielded, so after the loop (or a ``break``) it holds
        the last step seen. Bad input raises here, before the first step.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored
        initial_responsibilities : array-like of shape (n_samples, n_components), optional
            Start from these instead of ``init_params`` (each row non-negative, summing to one): step 0 is
            their M-step. This is how two implementations are given the same start.
        sample_weight : array-like of shape (n_samples,), optional
            See :meth:`fit`.
        """
        X = self._validate_fit_data(X)
        sample_weight = self._validate_sample_weight(X, sample_weight)
        if initial_responsibilities is not None:
            initial_responsibilities = check.check_responsibilities(
                initial_responsibilities, X.shape[0], self.n_components
            )
        return self._fitting_steps(
            X, check.check_random_state(self.random_state), initial_responsibilities, sample_weight
        )

    @staticmethod
    def _validate_sample_weight(X, sample_weight):
        """The checked weights: a NumPy array, or a Dask array (checked while the data are persisted)."""
        if _distributed.is_dask_array(X):
            return None if sample_weight is None else _distributed.prepare(X, sample_weight)[1]
        return check.check_sample_weight(sample_weight, X.shape[0])

    def _fitting_steps(self, X, rng, initial_responsibilities, sample_weight):
        objectives = []
        for step in self._initial_steps(X, rng, initial_responsibilities, sample_weight):
            objectives.append(self._objective_of(step))
            self._set_fitted(step, objectives, X.shape[1])
            yield step

    @property
    def _continues_previous_fit(self):
        """warm_start on a fitted model: the next fit starts from its parameters, with a single initialisation."""
        return self.warm_start and hasattr(self, "params_")

    def fit(self, X, y=None, sample_weight=None) -> BaseMixture:
        """Fit the mixture ``n_init`` times from different starts and keep the best.

        The best initialisation is the one whose objective (``lower_bound_``) ended highest. A
        :class:`~gmm_teach.ConvergenceWarning` says when it stopped at ``max_iter`` without converging.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or a Dask array
            A Dask array is fitted block by block, one map-reduce per EM iteration; the start (``init_params``) is
            computed on a uniform random sample of at most 20,000 of its rows.
        y : ignored
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights of the points: a point of weight 2 counts as two copies of it, a point of weight
            0 as absent (every sum of EM is weighted; the start's k-means labels are not). ``lower_bound_`` is then
            the weighted mean log-likelihood.
        """
        X = self._validate_fit_data(X)
        sample_weight = self._validate_sample_weight(X, sample_weight)
        rng = check.check_random_state(self.random_state)
        n_init = 1 if self._continues_previous_fit else self.n_init
        best_step, best_objectives = None, None
        for init in range(n_init):
            started = time.perf_counter()
            objectives = []
            for step in self._initial_steps(X, rng, sample_weight=sample_weight):
                objectives.append(self._objective_of(step))
                self._print_progress(init, step, objectives, started)
            if best_step is None or self._start_score(objectives) > self._start_score(best_objectives):
                best_step, best_objectives = step, objectives
        self._set_fitted(best_step, best_objectives, X.shape[1])
        if not self.converged_ and self.max_iter > 0:
            warnings.warn(
                f"The best of {n_init} initialisation(s) did not converge within max_iter={self.max_iter} "
                f"iterations (last change of the {self._objective}: "
                f"{_last_change(best_objectives):.3g}, tol={self.tol}). Increase max_iter or tol, "
                "try other init_params, or check for degenerate data.",
                ConvergenceWarning,
                stacklevel=2,
            )
        return self

    def fit_predict(self, X, y=None, sample_weight=None) -> np.ndarray:
        """Fit, then return the most probable component of each point of ``X``."""
        return self.fit(X, sample_weight=sample_weight).predict(X)

    def _set_fitted(self, step, objectives, n_features):
        params, dtype = step.params, self._fit_dtype
        self.params_ = params
        self.weights_ = params.weights.astype(dtype, copy=False)
        self.means_ = params.means.astype(dtype, copy=False)
        self.covariances_ = params.covariances.astype(dtype, copy=False)
        self.precisions_cholesky_ = params.precisions_cholesky.astype(dtype, copy=False)
        self.precisions_ = params.precisions.astype(dtype, copy=False)
        self.converged_ = bool(step.converged)
        self.n_iter_ = step.iteration
        self.lower_bound_ = self._start_score(objectives)
        self.lower_bounds_ = list(objectives)
        self.n_features_in_ = n_features

    def _print_progress(self, init, step, objectives, started):
        if self.verbose >= 1 and step.iteration == 0:
            print(f"Initialisation {init}: {self._objective} {objectives[-1]:.6f}")
        elif self.verbose >= 2 and step.iteration % self.verbose_interval == 0:
            print(
                f"  iteration {step.iteration}: change {_last_change(objectives):.3e}, "
                f"{time.perf_counter() - started:.3f} s"
            )
        if self.verbose >= 1 and step.converged:
            print(
                f"Initialisation {init} converged after {step.iteration} iterations: "
                f"{self._objective} {objectives[-1]:.6f}"
            )

    # ----------------------------------------------------------------- using a fitted mixture
    def _per_block(self, X, method, n_columns=None, dtype=np.float64):
        """``method`` on every block of rows of the Dask array ``X``, lazily: a Dask array."""
        self._check_is_fitted()
        return _distributed.map_rows(X.rechunk({1: -1}), method, n_columns, dtype)

    def predict(self, X) -> np.ndarray:
        """The most probable component of each point, shape (n_samples,). A Dask array gives a Dask array."""
        if _distributed.is_dask_array(X):
            return self._per_block(X, self.predict, dtype=np.intp)
        return self._weighted_log_density(self._validate_predict_data(X)[0]).argmax(axis=1)

    def predict_proba(self, X) -> np.ndarray:
        """Responsibilities: the probability of each component for each point, shape (n_samples, n_components).
        A Dask array gives a Dask array."""
        if _distributed.is_dask_array(X):
            return self._per_block(X, self.predict_proba, self.n_components)
        X, dtype = self._validate_predict_data(X)
        return self.params_.e_step(X)[0].astype(dtype, copy=False)

    def soft_predict(self, X) -> np.ndarray:
        """The sealion tutorial's name for :meth:`predict_proba`."""
        return self.predict_proba(X)

    def confidence_samples(self, X) -> np.ndarray:
        """How sure the model is of each point's cluster: its highest responsibility, shape (n_samples,)."""
        return self.predict_proba(X).max(axis=1)

    def score_samples(self, X) -> np.ndarray:
        r"""Log-density :math:`\log p(x_i) = \log\sum_k \pi_k p(x_i\mid k)` of each point, shape (n_samples,).

        A log *density*, not a log probability: ``np.exp`` of it can exceed one. A Dask array gives a Dask array.
        """
        if _distributed.is_dask_array(X):
            return self._per_block(X, self.score_samples)
        X, dtype = self._validate_predict_data(X)
        return logsumexp(self._weighted_log_density(X), axis=1).astype(dtype, copy=False)

    def score(self, X, y=None, sample_weight=None) -> float:
        """Mean of :meth:`score_samples` over ``X`` (weighted by ``sample_weight`` when given)."""
        point_scores = self.score_samples(X)
        sample_weight = check.check_sample_weight(sample_weight, point_scores.shape[0])
        return float(np.average(point_scores, weights=sample_weight))

    def sample(self, n_samples: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``n_samples`` points from the fitted mixture (its point estimate).

        First how many points each component gets (one multinomial draw with the weights), then each
        component's points from its Gaussian. The draws are scikit-learn's, from ``random_state`` (a new
        ``RandomState`` for an int), so the same ``random_state`` gives the same points.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
        y : ndarray of shape (n_samples,)
            The component of each point; the points are ordered by component.
        """
        self._check_is_fitted()
        n_samples = check.check_integer(n_samples, "n_samples", 1)
        rng = check.check_random_state(self.random_state)
        counts = rng.multinomial(n_samples, self.weights_)
        if self.covariance_type in ("full", "tied"):
            covariances = self.params_.as_full()
            X = np.vstack(
                [
                    rng.multivariate_normal(mean, covariance, int(count))
                    for mean, covariance, count in zip(self.means_, covariances, counts)
                ]
            )
        else:  # independent features: scale standard normal draws by the standard deviations
            X = np.vstack(
                [
                    mean + rng.standard_normal(size=(count, self.n_features_in_)) * np.sqrt(variance)
                    for mean, variance, count in zip(self.means_, self.covariances_, counts)
                ]
            )
        y = np.repeat(np.arange(self.n_components), counts)
        return X.astype(np.float64, copy=False), y

    def _n_parameters(self) -> int:
        """Free parameters (scikit-learn's name): covariances, means (k d) and weights (k - 1)."""
        return self.params_.n_parameters

    def _log_likelihood_sum(self, X, sample_weight):
        r""":math:`\sum_i w_i \log p(x_i)` of the point estimate, and :math:`n = \sum_i w_i` (the number of points)."""
        X = self._validate_predict_data(X)[0]
        point_log_likelihoods = log_density(X, self.params_)
        sample_weight = check.check_sample_weight(sample_weight, X.shape[0])
        if sample_weight is None:
            return point_log_likelihoods.sum(), X.shape[0]
        return point_log_likelihoods @ sample_weight, sample_weight.sum()

    def aic(self, X, sample_weight=None) -> float:
        r"""Akaike information criterion of the point estimate on ``X``: :math:`-2\log L + 2p`.

        Lower is better; see :mod:`gmm_teach.criteria`. With ``sample_weight``, :math:`\log L` is the weighted sum.
        """
        log_likelihood_sum, _ = self._log_likelihood_sum(X, sample_weight)
        return criteria.aic(log_likelihood_sum, self._n_parameters())

    def bic(self, X, sample_weight=None) -> float:
        r"""Bayesian information criterion of the point estimate on ``X``: :math:`-2\log L + p\log n`.

        Lower is better; see :mod:`gmm_teach.criteria`. With ``sample_weight``, :math:`\log L` is the weighted sum
        and :math:`n` the sum of the weights (the number of points they stand for).
        """
        log_likelihood_sum, n_samples = self._log_likelihood_sum(X, sample_weight)
        return criteria.bic(log_likelihood_sum, self._n_parameters(), n_samples)

    def anomaly_detect(self, X, threshold: float = 4.0, method: str = "density") -> np.ndarray:
        """Flag the points of ``X`` that the mixture finds least typical.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        threshold : float, default=4.0
            Percent of points to flag, between 0 and 100.
        method : {"density", "confidence"}, default="density"
            See :mod:`gmm_teach.anomaly`. ``"density"`` flags points whose log-density (``score_samples``) is
            below its ``threshold``-th percentile over ``X``: points far from every cluster. ``"confidence"``
            flags points whose highest responsibility is below its percentile: points between clusters. A
            point far from every cluster can still be confidently assigned, so the confidence rule misses
            such outliers.

        Returns
        -------
        ndarray of bool, shape (n_samples,)
        """
        check.check_number(threshold, "threshold", minimum=0.0, maximum=100.0)
        return flag_lowest(anomaly_scores(self, X, method), threshold)[0]

    # ----------------------------------------------------------------- pictures (the sealion tutorial's)
    def _training_data(self, X, method):
        """``X`` checked for a picture of the fit; a fitted model does not keep its training data itself."""
        self._check_is_fitted()
        if X is None:
            raise TypeError(
                f"{type(self).__name__}.{method} needs the data X: a fitted model keeps its "
                f"parameters, not its training data. Pass it: model.{method}(X, ...)."
            )
        return self._validate_predict_data(X)[0]

    def visualize_clustering(self, X=None, color_dict: dict | None = None, ax=None):
        """Draw ``X`` coloured by responsibilities, with each component's ellipses and mean.

        With one feature: a histogram with each weighted component density and the mixture density; with
        more than two: the first two principal components (see :func:`gmm_teach.plotting.plot_clustering`).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The data to draw, usually the training data (the model does not keep it).
        color_dict : dict, optional
            ``{component index: matplotlib colour}``; unnamed components keep the colour-blind-safe palette.
        ax : matplotlib.axes.Axes, optional
            Where to draw; default a new figure.

        Returns
        -------
        gmm_teach.plotting.ClusteringArtists
        """
        from . import plotting

        X = self._training_data(X, "visualize_clustering")
        return plotting.visualize_clustering(X, self.params_, self.predict_proba(X), color_dict, ax)

    def visualize_elbow_curve(self, X=None, min_n_clusters: int = 2, max_n_clusters: int = 5, ax=None) -> dict:
        """Fit copies of this model for each number of components and plot their BIC and AIC on ``X``.

        The fitted model itself is not changed: each ``k`` is fitted on a new estimator with the same
        parameters (``type(self)(**self.get_params())``) on ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The data to fit, usually the training data (the model does not keep it).
        min_n_clusters, max_n_clusters : int, default=2 and 5
            The range of ``k`` to fit, inclusive.
        ax : matplotlib.axes.Axes, optional

        Returns
        -------
        dict of artists
        """
        from . import plotting

        X = self._training_data(X, "visualize_elbow_curve")
        check.check_integer(min_n_clusters, "min_n_clusters", 1, X.shape[0])
        check.check_integer(max_n_clusters, "max_n_clusters", min_n_clusters, X.shape[0])
        records = []
        for k in range(min_n_clusters, max_n_clusters + 1):
            params = dict(self.get_params(), n_components=k, warm_start=False)
            if k != self.n_components:  # initial values given for the fitted k do not fit another k
                params.update({name: None for name in INITIAL_VALUE_NAMES if name in params})
            model = type(self)(**params)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)  # shown in the record instead
                model.fit(X)
            records.append(criteria.criterion_record(model.params_, X, model.converged_))
        return plotting.visualize_elbow_curve(records, current_k=self.n_components, ax=ax)


def _feature_names(X):
    """The column names of a DataFrame when they are all strings, else None; mixed types are an error."""
    columns = getattr(X, "columns", None)
    if columns is None:
        return None
    is_string = [isinstance(name, str) for name in columns]
    if any(is_string) and not all(is_string):
        types = sorted({type(name).__name__ for name in columns})
        raise TypeError(
            f"X's column names must be all strings or all non-strings, got a mix of {types}: "
            f"{list(columns)[:6]}. Convert them, for example with X.columns = X.columns.astype(str)."
        )
    return np.asarray(list(columns), dtype=object) if all(is_string) and is_string else None


def _check_feature_names(names, fitted_names, estimator_name):
    """Warn or raise as scikit-learn does when the feature names at predict time differ from those in fit."""
    if names is not None and fitted_names is None:
        warnings.warn(
            f"X has feature names, but {estimator_name} was fitted without feature names", UserWarning, stacklevel=4
        )
    elif names is None and fitted_names is not None:
        warnings.warn(
            f"X does not have valid feature names, but {estimator_name} was fitted with feature names",
            UserWarning,
            stacklevel=4,
        )
    elif names is not None and list(names) != list(fitted_names):
        raise ValueError(
            f"The feature names should match those that were passed during fit: X has {list(names)}, "
            f"the fit had {list(fitted_names)}."
        )


def _last_change(objectives):
    return objectives[-1] - objectives[-2] if len(objectives) > 1 else float("nan")
