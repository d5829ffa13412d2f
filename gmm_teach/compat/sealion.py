"""The sealion tutorial's ``GaussianMixture``, as a thin facade over :class:`gmm_teach.GaussianMixture`.

sealion (``sealion.mixtures.GaussianMixture``) is a small teaching library whose Gaussian-mixture tutorial
many learners meet first. Its calls run here unchanged::

    from gmm_teach.compat.sealion import GaussianMixture

    gmm = GaussianMixture(n_clusters=3, retries=3, max_iters=200, kmeans_init=True)
    gmm.fit(X_train)
    gmm.visualize_clustering({0: "green", 1: "red", 2: "blue"})
    gmm.predict(X_test); gmm.soft_predict(X_test); gmm.confidence_samples(X_train)
    print("AIC : ", gmm.aic()); print("BIC : ", gmm.bic())
    gmm.visualize_elbow_curve(min_n_clusters=2, max_n_clusters=5)
    gmm.anomaly_detect(X_train, threshold=10)

Every number comes from :class:`gmm_teach.GaussianMixture` (available as ``gmm.model_``), so where sealion
computes something wrongly, the facade gives the right answer; each method's docstring says what differs.
"""

from .. import _validation as check
from ..anomaly import METHODS
from ..mixture import GaussianMixture as _GaussianMixture


class GaussianMixture:
    """A Gaussian mixture with sealion's names: ``n_clusters``, ``retries``, ``max_iters``, ``kmeans_init``.

    Parameters
    ----------
    n_clusters : int, default=5
        Number of Gaussian components (the ``n_components`` of :class:`gmm_teach.GaussianMixture`).
    retries : int, default=3
        Number of EM runs from different starts; the one with the highest log-likelihood is kept
        (``n_init``).
    max_iters : int, default=200
        Number of EM iterations at most, per run (``max_iter``).
    kmeans_init : bool, default=True
        Start each run from k-means labels (``init_params="kmeans"``); with False, from ``n_clusters``
        random data points (``init_params="random_from_data"``).
    random_state : None, int, numpy.random.RandomState or numpy.random.Generator, default=None
        Not in sealion: seed every random choice, so the same seed gives the same fit.

    Attributes
    ----------
    model_ : gmm_teach.GaussianMixture
        The fitted estimator behind the facade: ``gmm.model_.means_``, ``gmm.model_.iter_fit(X)``, ...
    X_ : ndarray of shape (n_samples, n_features)
        The training data; :meth:`aic`, :meth:`bic` and the plots use it, as sealion's do. (The estimator
        behind the facade keeps only its parameters; the facade keeps the data because sealion's API asks
        for no data in these calls.)

    Notes
    -----
    Where sealion is wrong and this facade is right:

    * **Retries.** sealion's retries continue EM from the state the previous retry ended in (and its
      "best" retry shares its arrays with the last one), so extra retries explore nothing new. Here every
      retry is an independent EM run from a fresh k-means (or random) start, and the best one is kept.
    * **AIC and BIC** count 3 parameters per cluster in sealion, whatever the dimension. Here they count
      every free parameter: :math:`k\\,d(d+1)/2` covariance entries, :math:`k d` means and :math:`k-1`
      weights (17 for 3 clusters in 2-D, not 9).
    * **The elbow curve** refits sealion's model (from a new random start) as a side effect. Here it fits
      separate models and leaves the fitted one untouched.
    * **Anomalies.** sealion flags the points of lowest *confidence* (highest responsibility): points
      between clusters, not points far from all of them. Here the default is the lowest *density*; pass
      ``method="confidence"`` for sealion's rule.
    * 1-D data works everywhere, including k-means starts and the plots; sealion turns those off.
    * Computations are in log space, so points far from every cluster do not produce NaN.
    """

    def __init__(self, n_clusters=5, retries=3, max_iters=200, kmeans_init=True, *, random_state=None):
        self.n_clusters = check.check_integer(n_clusters, "n_clusters", 1)
        self.retries = check.check_integer(retries, "retries", 1)
        self.max_iters = check.check_integer(max_iters, "max_iters", 1)
        if not isinstance(kmeans_init, bool):
            raise TypeError(f"kmeans_init must be True or False, got {check._describe(kmeans_init)}.")
        self.kmeans_init = kmeans_init
        self.random_state = random_state
        check.check_random_state(random_state)

    def __repr__(self):
        return (
            f"GaussianMixture(n_clusters={self.n_clusters}, retries={self.retries}, "
            f"max_iters={self.max_iters}, kmeans_init={self.kmeans_init})"
        )

    def _estimator(self):
        """The :class:`gmm_teach.GaussianMixture` with this facade's settings, not yet fitted."""
        return _GaussianMixture(
            self.n_clusters,
            n_init=self.retries,
            max_iter=self.max_iters,
            init_params="kmeans" if self.kmeans_init else "random_from_data",
            random_state=self.random_state,
        )

    def _fitted(self):
        if not hasattr(self, "model_"):
            raise check.NotFittedError("This GaussianMixture is not fitted yet: call gmm.fit(X) first.")
        return self.model_

    def fit(self, X):
        """Fit the mixture to ``X`` by EM, ``retries`` times from independent starts, and keep the best.

        Returns the facade itself (sealion returns None), so ``gmm.fit(X).predict(X)`` works.
        """
        model = self._estimator()
        model.fit(X)
        self.model_ = model
        self.X_ = check.check_array(X).astype(float, copy=False)
        return self

    def predict(self, X):
        """The most probable cluster of each point of ``X``, shape (n_samples,)."""
        return self._fitted().predict(X)

    def soft_predict(self, X):
        """The probability of each cluster for each point (the responsibilities), shape (n_samples, n_clusters)."""
        return self._fitted().predict_proba(X)

    def confidence_samples(self, X):
        """The probability of each point's most probable cluster (its highest responsibility), shape (n_samples,)."""
        return self._fitted().confidence_samples(X)

    def aic(self):
        r"""Akaike information criterion on the training data, :math:`-2\log L + 2p`; lower is better.

        :math:`p` counts every free parameter (sealion counts 3 per cluster whatever the dimension).
        """
        return float(self._fitted().aic(self.X_))

    def bic(self):
        r"""Bayesian information criterion on the training data, :math:`-2\log L + p\log n`; lower is better.

        :math:`p` counts every free parameter (sealion counts 3 per cluster whatever the dimension).
        """
        return float(self._fitted().bic(self.X_))

    def anomaly_detect(self, X, threshold, method="density"):
        """Flag the ``threshold`` percent of the points of ``X`` that the mixture finds least typical.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        threshold : float
            Percent of points to flag, between 0 and 100 (sealion's meaning).
        method : {"density", "confidence"}, default="density"
            ``"density"`` flags the points of lowest log-density: far from every cluster, the outliers.
            ``"confidence"`` is sealion's rule, the points of lowest highest-responsibility: points between
            two clusters. A point far from every cluster is usually still confidently assigned to the
            nearest one, so sealion's rule misses the outliers its tutorial describes.

        Returns
        -------
        ndarray of bool, shape (n_samples,)
        """
        check.check_choice(method, "method", METHODS)
        return self._fitted().anomaly_detect(X, threshold=threshold, method=method)

    def visualize_clustering(self, color_dict=None, ax=None):
        """Draw the training data coloured by cluster, with each cluster's ellipses and mean.

        ``color_dict`` maps a cluster to a matplotlib colour, e.g. ``{0: "green", 1: "red", 2: "blue"}``;
        a point shared between clusters mixes their colours in proportion to its responsibilities. Unlike
        sealion's, it also draws 1-D data (a histogram with the component densities). See
        :meth:`gmm_teach.GaussianMixture.visualize_clustering`.
        """
        return self._fitted().visualize_clustering(self.X_, color_dict=color_dict, ax=ax)

    def visualize_elbow_curve(self, min_n_clusters=2, max_n_clusters=5, ax=None):
        """Plot BIC and AIC on the training data for ``min_n_clusters`` to ``max_n_clusters`` clusters.

        Each number of clusters is fitted on a new model; this one stays as it is (sealion's refits it from a
        new random start). See :meth:`gmm_teach.GaussianMixture.visualize_elbow_curve`.
        """
        return self._fitted().visualize_elbow_curve(self.X_, min_n_clusters, max_n_clusters, ax=ax)
