"""Where EM starts: initial responsibilities, and the parameters they give.

EM climbs to the nearest peak of the likelihood, so where it starts matters. Every method here first
produces *responsibilities* (a hard or soft assignment of points to components); one M-step turns them into
initial parameters. User-given ``weights_init``, ``means_init`` and ``precisions_init`` then replace the
estimated values.

======================  =====================================================================================
``init_params``         initial responsibilities
======================  =====================================================================================
``"kmeans"``            one-hot labels of k-means (Lloyd's algorithm from greedy k-means++ seeds)
``"k-means++"``         each greedy k-means++ seed point wholly to its own component, every other point to none
``"random"``            uniform random numbers, each row normalised to sum to one
``"random_from_data"``  each of ``n_components`` distinct random data points wholly to its own component,
                        every other point to none
======================  =====================================================================================

Everything is drawn from ``random_state`` exactly as scikit-learn draws it (the same calls on the same
``numpy.random.RandomState``, in the same order), so the same ``random_state`` gives scikit-learn's start,
and from there scikit-learn's fit. With ``"k-means++"`` and ``"random_from_data"`` each component starts
from a single point: its mean is that point, its covariance only ``reg_covar`` (a tiny ellipse), and its
weight ``1 / n_samples``; the first E-step then gives every point to the nearest seed. The ``"tied"``
model is the exception: scikit-learn's tied formula assumes every point's responsibilities sum to one, so
from seeds it starts from a broad shared ellipse (see :func:`seed_tied_covariance`); it is kept, for the
same numbers.
"""

import numpy as np

from . import _engine
from .em import MixtureParams

KMEANS_MAX_ITER = 300
KMEANS_TOL = 1e-4
"""k-means stops when the centres moved (summed squared shift in one Lloyd iteration) by at most this
fraction of the data's mean feature variance, as scikit-learn's ``KMeans(tol=1e-4)`` does."""


def squared_norms(X):
    r""":math:`\lVert x_i\rVert^2` for every row of ``X``, shape (n_samples,)."""
    return np.einsum("ij,ij->i", X, X)


def squared_distances(points, X, X_squared_norms):
    r"""Squared distances from each of ``points`` to every row of ``X``, shape (len(points), n_samples).

    :math:`\lVert x - c\rVert^2 = \lVert c\rVert^2 - 2\,c\cdot x + \lVert x\rVert^2`: one matrix product
    for all pairs. Rounding can make a distance slightly negative; it is clipped at zero.
    """
    distances = -2 * (points @ X.T)
    distances += squared_norms(points)[:, np.newaxis]
    distances += X_squared_norms
    return np.maximum(distances, 0, out=distances)


def kmeans_plusplus(X, n_components, random_state, sample_weight=None):
    r"""Choose ``n_components`` seed points by greedy k-means++; returns the seeds and their row indices.

    The first seed is a uniformly random point. Each next seed is chosen among
    :math:`2 + \lfloor\ln K\rfloor` candidates, each drawn with probability proportional to
    :math:`D(x)^2`, its squared distance to the nearest seed so far: the candidate that leaves the smallest
    total :math:`\sum_i D(x_i)^2` wins. So seeds spread out over the data. This is scikit-learn's
    ``kmeans_plusplus``, with the same draws from ``random_state``. With ``sample_weight``, a point of weight
    :math:`w` counts :math:`w` times in every probability and total, as in scikit-learn's.
    """
    n_samples = X.shape[0]
    weights = np.ones(n_samples) if sample_weight is None else sample_weight
    n_trials = 2 + int(np.log(n_components))
    X_squared_norms = squared_norms(X)
    indices = np.empty(n_components, dtype=int)
    indices[0] = random_state.choice(n_samples, p=weights / weights.sum())
    closest = squared_distances(X[indices[:1]], X, X_squared_norms)[0]
    total = closest @ weights  # summed as scikit-learn sums it, so the same draws pick the same points
    for k in range(1, n_components):
        # a uniform draw in [0, total) lands in point i's stretch of the cumulated D(x)^2 with
        # probability D(x_i)^2 / total
        targets = random_state.uniform(size=n_trials) * total
        candidates = np.minimum(np.searchsorted(np.cumsum(weights * closest), targets), n_samples - 1)
        closest_if_chosen = np.minimum(closest, squared_distances(X[candidates], X, X_squared_norms))
        totals = closest_if_chosen @ weights
        best = np.argmin(totals)
        indices[k], closest, total = candidates[best], closest_if_chosen[best], totals[best]
    return X[indices], indices


def nearest_centre(X, centres):
    r"""The index of the nearest centre for every point (the first one on a tie).

    :math:`\lVert x - c_k\rVert^2 = \lVert x\rVert^2 - 2\,x\cdot c_k + \lVert c_k\rVert^2`, and the first term
    is the same for every :math:`k`, so the nearest centre minimises :math:`\lVert c_k\rVert^2 - 2\,x\cdot c_k`.
    """
    distances_less_norms = X @ centres.T
    distances_less_norms *= -2  # in place: one (n_samples, n_centres) array, not three
    distances_less_norms += squared_norms(centres)
    return np.argmin(distances_less_norms, axis=1)


def cluster_means(X, labels, previous_centres, weights):
    """The (weighted) mean of each cluster's points: one Lloyd update, with scikit-learn's rule for empty
    clusters (see :func:`give_farthest_points_to`), so that no component of EM starts empty."""
    n_clusters = len(previous_centres)
    counts = np.bincount(labels, weights=weights, minlength=n_clusters)
    sums = one_hot(labels, n_clusters).T @ (X * weights[:, np.newaxis])
    empty = np.flatnonzero(counts == 0)
    if empty.size:
        give_farthest_points_to(empty, X, labels, previous_centres, sums, counts, weights)
    # times the reciprocal rather than divided, as scikit-learn rounds it
    means = sums * (1.0 / np.maximum(counts, 1))[:, np.newaxis]
    means[counts == 0] = means[np.argmax(counts)]  # still empty (every point on its centre): join the largest
    return means


def give_farthest_points_to(empty, X, labels, centres, sums, counts, weights):
    """Move the points farthest from their own centres, one to each ``empty`` cluster (scikit-learn's rule),
    updating the clusters' ``sums`` and ``counts`` in place. Nothing moves when every point is on its centre."""
    distances = ((X - centres[labels]) ** 2).sum(axis=1)
    if distances.max() == 0:
        return
    farthest = np.argpartition(distances, -empty.size)[: -empty.size - 1 : -1]  # the farthest first
    for cluster, point in zip(empty, farthest):
        sums[labels[point]] -= X[point] * weights[point]
        counts[labels[point]] -= weights[point]
        sums[cluster], counts[cluster] = X[point] * weights[point], weights[point]


def kmeans_labels(X, n_components, random_state, sample_weight=None):
    """Labels of k-means: Lloyd's algorithm from greedy k-means++ seeds, as scikit-learn's
    ``KMeans(n_components, n_init=1, random_state=random_state)`` computes them.

    Each Lloyd iteration labels every point by its nearest centre, then moves each centre to the mean of its
    points. It stops when no label changed, or when the centres moved in total (summed squared shift) by at
    most :data:`KMEANS_TOL` times the data's mean feature variance, or after :data:`KMEANS_MAX_ITER`
    iterations; then the labels are those of the final centres. With ``sample_weight`` every mean, variance and
    k-means++ draw is weighted (a point of weight 2 counts as two copies of it).
    """
    if sample_weight is None:
        weights, tolerance, centre = np.ones(X.shape[0]), KMEANS_TOL * np.var(X, axis=0).mean(), X.mean(axis=0)
    else:
        weights, centre = sample_weight, np.average(X, axis=0, weights=sample_weight)
        tolerance = KMEANS_TOL * np.average((X - centre) ** 2, axis=0, weights=sample_weight).mean()
    centred = X - centre  # distances from centred data keep their digits far from the origin
    centres = kmeans_plusplus(centred, n_components, random_state, sample_weight)[0]
    labels = None
    for _ in range(KMEANS_MAX_ITER):
        new_labels = nearest_centre(centred, centres)
        new_centres = cluster_means(centred, new_labels, centres, weights)
        shift = np.sum((new_centres - centres) ** 2)
        if np.array_equal(new_labels, labels):
            return labels  # nothing changed: these are already the labels of the final centres
        centres, labels = new_centres, new_labels
        if shift <= tolerance:
            break
    return nearest_centre(centred, centres)


def one_hot(labels, n_components):
    """Responsibilities that give each point wholly to its label."""
    responsibilities = np.zeros((labels.shape[0], n_components))
    responsibilities[np.arange(labels.shape[0]), labels] = 1.0
    return responsibilities


def seed_responsibilities(n_samples, seed_indices):
    """Responsibilities that give seed point ``seed_indices[k]`` wholly to component ``k``, and no other point
    to any component."""
    responsibilities = np.zeros((n_samples, len(seed_indices)))
    responsibilities[seed_indices, np.arange(len(seed_indices))] = 1.0
    return responsibilities


def initial_responsibilities(X, n_components, init_params, random_state, sample_weight=None):
    """Initial responsibilities, shape (n_samples, n_components), by one of the methods in the module table.

    ``random_state`` is a ``numpy.random.RandomState`` (or a ``Generator``), as
    :func:`gmm_teach._validation.check_random_state` returns it; each call continues its stream.
    ``sample_weight`` weights k-means and k-means++ (``"random"`` and ``"random_from_data"`` ignore it).
    """
    n_samples = X.shape[0]
    if init_params == "kmeans":
        return one_hot(kmeans_labels(X, n_components, random_state, sample_weight), n_components)
    if init_params == "k-means++":
        return seed_responsibilities(n_samples, kmeans_plusplus(X, n_components, random_state, sample_weight)[1])
    if init_params == "random_from_data":
        return seed_responsibilities(n_samples, random_state.choice(n_samples, size=n_components, replace=False))
    responsibilities = random_state.uniform(size=(n_samples, n_components))  # "random"
    return responsibilities / responsibilities.sum(axis=1, keepdims=True)


SEED_METHODS = ("k-means++", "random_from_data")
"""The methods that start each component from one seed point (the other points belong to no component)."""


def seed_tied_covariance(X, nk, means, reg_covar):
    r"""The tied covariance scikit-learn starts from after a seed method:
    :math:`\big(\sum_i x_i x_i^\top - \sum_k N_k \mu_k\mu_k^\top\big) / \sum_k N_k + \epsilon I`.

    That is the tied M-step's formula when every point's responsibilities sum to one. With seed
    responsibilities (only the :math:`K` seeds count, :math:`N_k = 1`, :math:`\mu_k` the seeds) it is the
    second moment of the other points about the origin divided by :math:`K`: a broad ellipse, where the
    responsibilities themselves would give just :math:`\epsilon I`. Kept so that the same ``random_state``
    gives scikit-learn's fit.
    """
    covariance = (X.T @ X - nk * means.T @ means) / nk.sum()
    covariance.flat[:: X.shape[1] + 1] += reg_covar
    return covariance


def initial_params(
    X,
    n_components,
    covariance_type,
    init_params,
    random_state,
    reg_covar=1e-6,
    weights_init=None,
    means_init=None,
    precisions_init=None,
    sample_weight=None,
):
    """Initial ``MixtureParams`` and the responsibilities that produced them.

    When ``weights_init``, ``means_init`` and ``precisions_init`` are all given, nothing is drawn from
    ``random_state`` and ``None`` is returned in place of the responsibilities, as scikit-learn (since 1.3)
    skips its start then, so that the stream continues as scikit-learn's (``sample`` after ``fit`` gives its
    numbers). Otherwise the responsibilities are drawn, even when one or two given values replace what they
    estimate. With ``sample_weight``, the M-step of the initial responsibilities weights the points (the
    responsibilities themselves do not depend on the weights). Inputs are assumed valid (see
    :mod:`gmm_teach._validation`).
    """
    if weights_init is not None and means_init is not None and precisions_init is not None:
        return MixtureParams.from_precisions(weights_init, means_init, precisions_init, covariance_type), None
    responsibilities = initial_responsibilities(X, n_components, init_params, random_state, sample_weight)
    estimated = _start_m_step(X, responsibilities, covariance_type, reg_covar, sample_weight)
    # scikit-learn divides the initial N_k by n (not by their sum): with seed responsibilities the weights
    # start at 1 / n each and do not sum to one until the first M-step
    counts = responsibilities.sum(axis=0) if sample_weight is None else sample_weight @ responsibilities
    weights = (counts + 10 * np.finfo(float).eps) / (X.shape[0] if sample_weight is None else sample_weight.sum())
    if weights_init is not None:
        weights = np.asarray(weights_init, dtype=float)
    means = estimated.means if means_init is None else np.asarray(means_init, dtype=float)
    if precisions_init is None and covariance_type == "tied" and init_params in SEED_METHODS:
        covariance = seed_tied_covariance(
            X, responsibilities.sum(axis=0) + 10 * np.finfo(float).eps, estimated.means, reg_covar
        )
        return MixtureParams.from_covariances(weights, means, covariance, "tied"), responsibilities
    if precisions_init is None:
        return MixtureParams(
            weights, means, estimated.covariances, estimated.precisions_cholesky, covariance_type
        ), responsibilities
    return MixtureParams.from_precisions(weights, means, precisions_init, covariance_type), responsibilities


def _start_m_step(X, responsibilities, covariance_type, reg_covar, sample_weight):
    """:func:`gmm_teach.em.m_step` of the initial responsibilities, by the engine (the same numbers to 1e-10,
    tested; several times faster on large data, where the start is a visible part of a fit). Its means,
    covariances and precisions are used; its weights are not (scikit-learn divides the start's N_k by n)."""
    data = _engine.prepare(np.asarray(X, dtype=np.float64), covariance_type, sample_weight=sample_weight)
    return _engine.m_step(data, responsibilities.T, reg_covar)
