"""Where EM starts: initial responsibilities, and the parameters they give.

EM climbs to the nearest peak of the likelihood, so where it starts matters. Every method here first
produces *responsibilities* (a hard or soft assignment of points to components); one M-step turns them into
initial parameters, exactly as scikit-learn does. User-given ``weights_init``, ``means_init`` and
``precisions_init`` then replace the estimated values.

======================  =====================================================================================
``init_params``         initial responsibilities
======================  =====================================================================================
``"kmeans"``            one-hot labels of k-means (Lloyd's algorithm) from k-means++ seeds
``"k-means++"``         one-hot labels of the nearest k-means++ seed (no Lloyd iterations)
``"random"``            uniform random numbers, each row normalised to sum to one
``"random_from_data"``  one-hot labels of the nearest of ``n_components`` distinct random data points
======================  =====================================================================================

scikit-learn gives ``"k-means++"`` and ``"random_from_data"`` responsibility only to the chosen seed points,
so their initial covariances are just ``reg_covar``; here every point goes to its nearest seed, so the
first picture a learner sees already has ellipses of a sensible size.
"""

import numpy as np

from ._engine.models import row_dots as _row_dots
from .em import MixtureParams, m_step

KMEANS_MAX_ITER = 300
KMEANS_TOL = 1e-4
"""k-means stops when the centres moved (summed squared shift in one Lloyd iteration) by less than this
fraction of the data's mean feature variance, as scikit-learn's ``KMeans(tol=1e-4)`` does."""

KMEANS_SAMPLE = 20_000
"""k-means on more points than this runs on a random sample of this many (a start for EM as good as the
centres of all of them, at a fraction of the cost), then labels every point by its nearest centre."""


def kmeans_plusplus_centres(X, n_components, rng):
    r"""Choose ``n_components`` seed points by k-means++.

    The first seed is a uniformly random point; each next seed is a point drawn with probability
    proportional to :math:`D(x)^2`, its squared distance to the nearest seed chosen so far, so seeds spread out.
    The distances to a new seed :math:`c` come from those to the first one, :math:`c_0`, by
    :math:`\lVert x - c\rVert^2 = \lVert x - c_0\rVert^2 - 2 (x - c_0)\cdot(c - c_0) + \lVert c - c_0\rVert^2`:
    one matrix-vector product per seed instead of an n x d difference.
    """
    centres = np.empty((n_components, X.shape[1]))
    centres[0] = X[rng.integers(X.shape[0])]
    difference = X - centres[0]
    from_first = _row_dots(difference, difference)
    squared_distances = from_first.copy()
    for k in range(1, n_components):
        total = squared_distances.sum()
        probabilities = squared_distances / total if total > 0 else None  # all points identical: uniform
        centres[k] = X[rng.choice(X.shape[0], p=probabilities)]
        step = centres[k] - centres[0]
        to_new = from_first - 2.0 * (X @ step - centres[0] @ step) + step @ step
        np.minimum(squared_distances, np.maximum(to_new, 0.0, out=to_new), out=squared_distances)
    return centres


def nearest_centre(X, centres):
    r"""The index of the nearest centre for every point.

    :math:`\lVert x - c_k\rVert^2 = \lVert x - o\rVert^2 - 2 x \cdot s_k + \lVert s_k\rVert^2 + 2 o \cdot s_k`
    with :math:`s_k = c_k - o` for the centres' mean :math:`o`. The first term is the same for every
    :math:`k`, so the nearest centre minimises the rest: one matrix product for all points, and measured from
    the centres' own mean it keeps its digits for data far from the origin.
    """
    origin = centres.mean(axis=0)
    shifted = centres - origin
    offsets = _row_dots(shifted, shifted) + 2.0 * (shifted @ origin)
    return np.argmin(X @ (-2.0 * shifted.T) + offsets, axis=1)


def kmeans_labels(X, n_components, rng):
    """Labels of k-means (Lloyd's algorithm from k-means++ seeds), run until the labels stop changing or the
    centres barely move (:data:`KMEANS_TOL`).

    With more than :data:`KMEANS_SAMPLE` points, the seeds and Lloyd's iterations use a random sample of that
    many points, and every point then gets the label of its nearest centre.
    """
    sample = X if X.shape[0] <= KMEANS_SAMPLE else X[rng.choice(X.shape[0], KMEANS_SAMPLE, replace=False)]
    centres = kmeans_plusplus_centres(sample, n_components, rng)
    labels = None
    tolerance = KMEANS_TOL * sample.var(axis=0).mean()
    for _ in range(KMEANS_MAX_ITER):
        # one Lloyd iteration: the labels of ``centres``, then the means of those labels
        new_labels = nearest_centre(sample, centres)
        new_centres = _cluster_means(sample, new_labels, centres)
        settled = np.array_equal(new_labels, labels) or np.sum((new_centres - centres) ** 2) <= tolerance
        centres, labels = new_centres, new_labels
        if settled:
            break
    return labels if sample is X else nearest_centre(X, centres)


def _cluster_means(X, labels, centres):
    """The mean of each cluster's points; a cluster that lost all its points keeps its centre."""
    counts = np.bincount(labels, minlength=len(centres))
    sums = one_hot(labels, len(centres)).T @ X
    return np.where(counts[:, np.newaxis] > 0, sums / np.maximum(counts, 1)[:, np.newaxis], centres)


def one_hot(labels, n_components):
    """Responsibilities that give each point wholly to its label."""
    responsibilities = np.zeros((labels.shape[0], n_components))
    responsibilities[np.arange(labels.shape[0]), labels] = 1.0
    return responsibilities


def initial_responsibilities(X, n_components, init_params, rng):
    """Initial responsibilities, shape (n_samples, n_components), by one of the methods in the module table."""
    if init_params == "kmeans":
        return one_hot(kmeans_labels(X, n_components, rng), n_components)
    if init_params == "k-means++":
        seeds = kmeans_plusplus_centres(X, n_components, rng)
    elif init_params == "random_from_data":
        seeds = X[rng.choice(X.shape[0], size=n_components, replace=False)]
    else:  # "random"
        responsibilities = rng.uniform(size=(X.shape[0], n_components))
        return responsibilities / responsibilities.sum(axis=1, keepdims=True)
    return one_hot(nearest_centre(X, seeds), n_components)


def initial_params(X, n_components, covariance_type, init_params, rng, reg_covar=1e-6,
                   weights_init=None, means_init=None, precisions_init=None, sample_weight=None):
    """Initial ``MixtureParams`` and the responsibilities that produced them.

    When all of ``weights_init``, ``means_init`` and ``precisions_init`` are given, nothing is estimated and
    the responsibilities are ``None``. With ``sample_weight``, the M-step of the initial responsibilities
    weights the points (the responsibilities themselves do not depend on the weights). Inputs are assumed
    valid (see :mod:`gmm_teach._validation`).
    """
    given = (weights_init, means_init, precisions_init)
    responsibilities = None
    if any(value is None for value in given):
        responsibilities = initial_responsibilities(X, n_components, init_params, rng)
        estimated = m_step(X, responsibilities, covariance_type, reg_covar, sample_weight)
        # scikit-learn divides the initial N_k by n (not by their sum); parity tests rely on it
        if sample_weight is None:
            weights = (responsibilities.sum(axis=0) + 10 * np.finfo(float).eps) / X.shape[0]
        else:
            weights = (sample_weight @ responsibilities + 10 * np.finfo(float).eps) / sample_weight.sum()
    if weights_init is not None:
        weights = np.asarray(weights_init, dtype=float)
    means = estimated.means if means_init is None else np.asarray(means_init, dtype=float)
    if precisions_init is None:
        return MixtureParams(weights, means, estimated.covariances, estimated.precisions_cholesky,
                             covariance_type), responsibilities
    return MixtureParams.from_precisions(weights, means, precisions_init, covariance_type), responsibilities
