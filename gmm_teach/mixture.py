"""GaussianMixture: a scikit-learn-compatible estimator built on the public EM step iterator."""

import inspect
import time
import warnings

import numpy as np

from . import _validation as check
from ._validation import ConvergenceWarning, NotFittedError
from .em import e_step, em_steps, log_density, m_step, weighted_log_density
from .anomaly import anomaly_scores, flag_lowest
from .initialization import initial_params


class GaussianMixture:
    r"""A Gaussian mixture fitted by EM, with scikit-learn's interface and a window onto every step.

    The constructor, attributes and methods are scikit-learn's ``GaussianMixture``, so code written for it
    runs unchanged. What is added is for learning: :meth:`iter_fit` yields every EM iteration as an
    :class:`~gmm_teach.em.EMStep`, ``params_`` holds the fitted :class:`~gmm_teach.em.MixtureParams`, and the
    conveniences of the sealion tutorial (:meth:`soft_predict`, :meth:`confidence_samples`,
    :meth:`anomaly_detect`) are methods.

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

    _objective = "mean log-likelihood"  # what EM maximises, in messages (the Bayesian mixture: the ELBO)
    _keeps_float32 = True  # float32 data give float32 attributes and outputs, as in scikit-learn

    def __init__(self, n_components=1, *, covariance_type="full", tol=1e-3, reg_covar=1e-6, max_iter=100,
                 n_init=1, init_params="kmeans", weights_init=None, means_init=None, precisions_init=None,
                 random_state=None, warm_start=False, verbose=0, verbose_interval=10):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weights_init = weights_init
        self.means_init = means_init
        self.precisions_init = precisions_init
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.verbose_interval = verbose_interval

    # ----------------------------------------------------------------- scikit-learn estimator protocol
    @classmethod
    def _parameter_names(cls):
        signature = inspect.signature(cls.__init__)
        return [name for name in signature.parameters if name != "self"]

    def get_params(self, deep=True):
        """The constructor arguments as a dict (scikit-learn's ``clone`` relies on it)."""
        return {name: getattr(self, name) for name in self._parameter_names()}

    def set_params(self, **params):
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
        """Check every constructor argument; raises before any work starts."""
        check.check_integer(self.n_components, "n_components", 1)
        check.check_choice(self.covariance_type, "covariance_type", check.COVARIANCE_TYPES)
        check.check_number(self.tol, "tol", minimum=0.0)
        check.check_number(self.reg_covar, "reg_covar", minimum=0.0)
        check.check_integer(self.max_iter, "max_iter", 0)
        check.check_integer(self.n_init, "n_init", 1)
        check.check_choice(self.init_params, "init_params", check.INIT_METHODS)
        check.check_integer(self.verbose, "verbose", 0)
        check.check_integer(self.verbose_interval, "verbose_interval", 1)

    def _check_initial_values(self, n_features):
        if self.weights_init is not None:
            check.check_weights(self.weights_init, self.n_components)
        if self.means_init is not None:
            check.check_means(self.means_init, self.n_components, n_features)
        if self.precisions_init is not None:
            check.check_precisions(self.precisions_init, self.covariance_type, self.n_components, n_features)

    def _validate_fit_data(self, X):
        self._check_parameters()
        feature_names = _feature_names(X)
        X = check.check_array(X)
        check.check_n_components_fit_data(self.n_components, X.shape[0])
        self._check_initial_values(X.shape[1])
        if feature_names is None and hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        elif feature_names is not None:
            self.feature_names_in_ = feature_names
        self._fit_dtype = X.dtype if self._keeps_float32 else np.float64
        self._fit_data = X.astype(np.float64, copy=False)  # the training data, for visualize_* (not a copy)
        return self._fit_data

    def _validate_predict_data(self, X):
        """Check ``X`` against the fit; returns it in float64 and the dtype the outputs take."""
        self._check_is_fitted()
        _check_feature_names(_feature_names(X), getattr(self, "feature_names_in_", None), type(self).__name__)
        if np.ndim(X) == 1 and self.n_features_in_ > 1 and len(X) == self.n_features_in_:
            raise ValueError(
                f"X is one sample of {len(X)} features given as a 1-D array. Reshape your data: pass a 2-D "
                "array, for example X.reshape(1, -1)."
            )
        X = check.check_array(X)
        check.check_n_features(X, self.n_features_in_, estimator_name=type(self).__name__)
        return X.astype(np.float64, copy=False), np.result_type(X.dtype, self._fit_dtype)

    def _check_is_fitted(self):
        if not hasattr(self, "params_"):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' with appropriate "
                "arguments before using this estimator."
            )

    # ----------------------------------------------------------------- fitting
    def iter_fit(self, X, y=None, *, initial_responsibilities=None):
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
        X = self._validate_fit_data(X)
        if initial_responsibilities is not None:
            initial_responsibilities = check.check_responsibilities(initial_responsibilities, X.shape[0],
                                                                    self.n_components)
        return self._iter_fit_validated(X, check.check_random_state(self.random_state), initial_responsibilities)

    def _iter_fit_validated(self, X, rng, initial_responsibilities=None):
        log_likelihoods = []
        for step in self._one_initialisation(X, rng, initial_responsibilities):
            log_likelihoods.append(step.log_likelihood)
            self._set_fitted(step, log_likelihoods, X.shape[1])
            yield step

    @property
    def _continues_previous_fit(self):
        """warm_start on a fitted model: the next fit starts from its parameters, with a single initialisation."""
        return self.warm_start and hasattr(self, "params_")

    def _one_initialisation(self, X, rng, initial_responsibilities=None):
        """The EM steps of one start: from given responsibilities, the fitted model (warm start) or init_params."""
        if initial_responsibilities is not None:
            params, responsibilities = m_step(X, initial_responsibilities, self.covariance_type,
                                              self.reg_covar), initial_responsibilities
        elif self._continues_previous_fit:
            return em_steps(X, self.params_, tol=self.tol, max_iter=self.max_iter, reg_covar=self.reg_covar,
                            previous_log_likelihood=self.lower_bound_)
        else:
            params, responsibilities = initial_params(
                X, self.n_components, self.covariance_type, self.init_params, rng, self.reg_covar,
                self.weights_init, self.means_init, self.precisions_init)
        return em_steps(X, params, responsibilities, tol=self.tol, max_iter=self.max_iter, reg_covar=self.reg_covar)

    def fit(self, X, y=None):
        """Fit the mixture by EM, ``n_init`` times from different starts, and keep the best.

        The best initialisation is the one with the highest final mean log-likelihood. A
        :class:`~gmm_teach.ConvergenceWarning` says when it stopped at ``max_iter`` without converging.
        """
        X = self._validate_fit_data(X)
        rng = check.check_random_state(self.random_state)
        n_init = 1 if self._continues_previous_fit else self.n_init
        best_step, best_log_likelihoods = None, None
        for init in range(n_init):
            started = time.perf_counter()
            log_likelihoods = []
            for step in self._one_initialisation(X, rng):
                log_likelihoods.append(step.log_likelihood)
                self._print_progress(init, step, log_likelihoods, started)
            if best_step is None or self._start_score(log_likelihoods) > self._start_score(best_log_likelihoods):
                best_step, best_log_likelihoods = step, log_likelihoods
        self._set_fitted(best_step, best_log_likelihoods, X.shape[1])
        if not self.converged_ and self.max_iter > 0:
            warnings.warn(
                f"The best of {n_init} initialisation(s) did not converge within max_iter={self.max_iter} "
                f"iterations (last change of the {self._objective}: "
                f"{_last_change(best_log_likelihoods):.3g}, tol={self.tol}). Increase max_iter or tol, "
                "try other init_params, or check for degenerate data.",
                ConvergenceWarning, stacklevel=2)
        return self

    def _start_score(self, log_likelihoods):
        """How good a start ended, for choosing the best of ``n_init``: scikit-learn's ``lower_bound``, the
        last log-likelihood its loop computes, that of the parameters one M-step before the fitted ones (the
        starts are then chosen as scikit-learn chooses them, also between near-ties)."""
        return log_likelihoods[-2] if len(log_likelihoods) > 1 else log_likelihoods[-1]

    def fit_predict(self, X, y=None):
        """Fit, then return the most probable component of each point of ``X``."""
        return self.fit(X).predict(X)

    def _set_fitted(self, step, log_likelihoods, n_features):
        params = step.params
        self.params_ = params
        dtype = self._fit_dtype
        self.weights_ = params.weights.astype(dtype, copy=False)
        self.means_ = params.means.astype(dtype, copy=False)
        self.covariances_ = params.covariances.astype(dtype, copy=False)
        self.precisions_cholesky_ = params.precisions_cholesky.astype(dtype, copy=False)
        self.precisions_ = params.precisions.astype(dtype, copy=False)
        self.converged_ = bool(step.converged)
        self.n_iter_ = step.iteration
        self.lower_bound_ = self._start_score(log_likelihoods)
        self.lower_bounds_ = list(log_likelihoods)
        self.n_features_in_ = n_features

    def _print_progress(self, init, step, log_likelihoods, started):
        if self.verbose >= 1 and step.iteration == 0:
            print(f"Initialisation {init}: {self._objective} {step.log_likelihood:.6f}")
        elif self.verbose >= 2 and step.iteration % self.verbose_interval == 0:
            print(f"  iteration {step.iteration}: change {_last_change(log_likelihoods):.3e}, "
                  f"{time.perf_counter() - started:.3f} s")
        if self.verbose >= 1 and step.converged:
            print(f"Initialisation {init} converged after {step.iteration} iterations: "
                  f"{self._objective} {step.log_likelihood:.6f}")

    # ----------------------------------------------------------------- using a fitted mixture
    def predict(self, X):
        """The most probable component of each point, shape (n_samples,)."""
        X, _ = self._validate_predict_data(X)
        return weighted_log_density(X, self.params_).argmax(axis=1)

    def predict_proba(self, X):
        """Responsibilities: the probability of each component for each point, shape (n_samples, n_components)."""
        X, dtype = self._validate_predict_data(X)
        return e_step(X, self.params_)[0].astype(dtype, copy=False)

    def soft_predict(self, X):
        """The sealion tutorial's name for :meth:`predict_proba`."""
        return self.predict_proba(X)

    def confidence_samples(self, X):
        """How sure the model is of each point's cluster: its highest responsibility, shape (n_samples,)."""
        return self.predict_proba(X).max(axis=1)

    def score_samples(self, X):
        r"""Log-density :math:`\log p(x_i)` of each point, shape (n_samples,).

        A log *density*, not a log probability: ``np.exp`` of it can exceed one.
        """
        X, dtype = self._validate_predict_data(X)
        return log_density(X, self.params_).astype(dtype, copy=False)

    def score(self, X, y=None):
        """Mean log-density of ``X`` (the mean log-likelihood)."""
        return float(np.mean(self.score_samples(X)))

    def sample(self, n_samples=1):
        """Draw ``n_samples`` points from the fitted mixture.

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
            covariances = self.covariances_ if self.covariance_type == "full" else [self.covariances_] * len(counts)
            X = np.vstack([rng.multivariate_normal(mean, covariance, int(count))
                           for mean, covariance, count in zip(self.means_, covariances, counts)])
        else:  # independent features: scale standard normal draws by the standard deviations
            X = np.vstack([mean + rng.standard_normal(size=(count, self.n_features_in_)) * np.sqrt(variance)
                           for mean, variance, count in zip(self.means_, self.covariances_, counts)])
        y = np.repeat(np.arange(self.n_components), counts)
        return X.astype(np.float64, copy=False), y

    def _n_parameters(self):
        """Free parameters (scikit-learn's name): covariances, means (k d) and weights (k - 1)."""
        return self.params_.n_parameters

    def aic(self, X):
        r"""Akaike information criterion: :math:`-2\log L + 2p`; lower is better."""
        X, _ = self._validate_predict_data(X)
        return -2 * log_density(X, self.params_).sum() + 2 * self._n_parameters()

    def bic(self, X):
        r"""Bayesian information criterion: :math:`-2\log L + p\log n`; lower is better."""
        X, _ = self._validate_predict_data(X)
        return -2 * log_density(X, self.params_).sum() + self._n_parameters() * np.log(X.shape[0])

    def anomaly_detect(self, X, threshold=4.0, method="density"):
        """Flag the points of ``X`` that the mixture finds least typical.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        threshold : float, default=4.0
            Percent of points to flag, between 0 and 100.
        method : {"density", "confidence"}, default="density"
            See :mod:`gmm_teach.anomaly`. ``"density"`` flags points whose log-density (``score_samples``) is below its ``threshold``-th
            percentile over ``X``: points far from every cluster. ``"confidence"`` flags points whose
            highest responsibility is below its percentile: points between clusters. A point far from every
            cluster can still be confidently assigned, so the confidence rule misses such outliers.

        Returns
        -------
        ndarray of bool, shape (n_samples,)
        """
        check.check_number(threshold, "threshold", minimum=0.0, maximum=100.0)
        return flag_lowest(anomaly_scores(self, X, method), threshold)[0]

    # ----------------------------------------------------------------- pictures (the sealion tutorial's)
    def visualize_clustering(self, color_dict=None, ax=None):
        """Draw the training data coloured by responsibilities, with each component's ellipses and mean.

        With one feature: a histogram with each weighted component density and the mixture density; with
        more than two: the first two principal components (see :func:`gmm_teach.plotting.plot_clustering`).

        Parameters
        ----------
        color_dict : dict, optional
            ``{component index: matplotlib colour}``; unnamed components keep the colour-blind-safe palette.
        ax : matplotlib.axes.Axes, optional
            Where to draw; default a new figure.

        Returns
        -------
        gmm_teach.plotting.ClusteringArtists
        """
        from . import plotting

        self._check_is_fitted()
        return plotting.visualize_clustering(self, self._fit_data, color_dict, ax)

    def visualize_elbow_curve(self, min_n_clusters=2, max_n_clusters=5, ax=None):
        """Fit copies of this model for each number of components and plot their BIC and AIC against it.

        The fitted model itself is not changed: each ``k`` is fitted on a new estimator with the same
        parameters (``type(self)(**self.get_params())``) on the training data.

        Parameters
        ----------
        min_n_clusters, max_n_clusters : int, default=2 and 5
            The range of ``k`` to fit, inclusive.
        ax : matplotlib.axes.Axes, optional

        Returns
        -------
        dict of artists
        """
        from . import plotting
        from .selection import CriterionRecord

        self._check_is_fitted()
        X = self._fit_data
        check.check_integer(min_n_clusters, "min_n_clusters", 1, X.shape[0])
        check.check_integer(max_n_clusters, "max_n_clusters", min_n_clusters, X.shape[0])
        records = []
        for k in range(min_n_clusters, max_n_clusters + 1):
            params = dict(self.get_params(), n_components=k, warm_start=False)
            if k != self.n_components:  # initial values given for the fitted k do not fit another k
                params.update({name: None for name in ("weights_init", "means_init", "precisions_init")
                               if name in params})
            model = type(self)(**params)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)  # shown in the record instead
                model.fit(X)
            records.append(CriterionRecord(k, model.covariance_type, aic=float(model.aic(X)),
                                           bic=float(model.bic(X)), converged=model.converged_,
                                           log_likelihood=model.score(X), n_parameters=model._n_parameters()))
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
        warnings.warn(f"X has feature names, but {estimator_name} was fitted without feature names",
                      UserWarning, stacklevel=4)
    elif names is None and fitted_names is not None:
        warnings.warn(f"X does not have valid feature names, but {estimator_name} was fitted with feature names",
                      UserWarning, stacklevel=4)
    elif names is not None and list(names) != list(fitted_names):
        raise ValueError(
            f"The feature names should match those that were passed during fit: X has {list(names)}, "
            f"the fit had {list(fitted_names)}."
        )


def _last_change(log_likelihoods):
    return log_likelihoods[-1] - log_likelihoods[-2] if len(log_likelihoods) > 1 else float("nan")
