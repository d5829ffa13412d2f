"""Data to learn on: generators with known answers, and small real data sets shipped with the package.

Generators return ``(X, y)`` with the true component of every point, so a learner can compare what EM finds
with the truth. The real data sets live in ``gmm_teach/data`` as CSV files; their sources are in
``gmm_teach/data/README.md``. Nothing is downloaded.
"""

import csv
from importlib import resources

import numpy as np

from . import _validation as check


def _counts(n_samples, weights):
    """Split ``n_samples`` into whole counts as close as possible to ``n_samples * weights``."""
    exact = n_samples * np.asarray(weights, dtype=float)
    counts = np.floor(exact).astype(int)
    remainder = n_samples - counts.sum()
    counts[np.argsort(counts - exact)[:remainder]] += 1
    return counts


def make_blobs(n_samples=300, means=None, covariances=None, weights=None, random_state=None):
    """Points from a Gaussian mixture whose means, covariances and weights you choose.

    Parameters
    ----------
    n_samples : int, default=300
        Total number of points; component ``k`` gets ``round(n_samples * weights[k])`` of them.
    means : array-like of shape (n_components, n_features), optional
        Default: three 2-D centres, ``[[0, 0], [5, 5], [0, 8]]``.
    covariances : array-like of shape (n_components, n_features, n_features), optional
        Full covariance matrices; a (n_components,) array gives round clusters of those variances.
        Default: the identity for every component.
    weights : array-like of shape (n_components,), optional
        Mixing proportions summing to one. Default: equal.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        The component each point was drawn from (points are ordered by component).

    Examples
    --------
    >>> X, y = make_blobs(100, means=[[0, 0], [4, 0]], weights=[0.3, 0.7], random_state=0)
    >>> X.shape, int((y == 0).sum())
    ((100, 2), 30)
    """
    n_samples = check.check_integer(n_samples, "n_samples", 1)
    means = np.array([[0.0, 0.0], [5.0, 5.0], [0.0, 8.0]]) if means is None else np.asarray(means, dtype=float)
    if means.ndim != 2:
        raise ValueError(f"means must have shape (n_components, n_features), got {means.shape}.")
    n_components, n_features = means.shape
    if covariances is None:
        covariances = np.ones(n_components)
    covariances = np.asarray(covariances, dtype=float)
    if covariances.shape == (n_components,):
        covariances = covariances[:, np.newaxis, np.newaxis] * np.eye(n_features)
    check.check_precisions(covariances, "full", n_components, n_features, name="covariances")
    weights = np.full(n_components, 1.0 / n_components) if weights is None else weights
    weights = check.check_weights(weights, n_components, name="weights")
    rng = check.check_random_state(random_state)
    counts = _counts(n_samples, weights)
    X = np.vstack([rng.multivariate_normal(mean, covariance, size=count)
                   for mean, covariance, count in zip(means, covariances, counts)])
    return X, np.repeat(np.arange(n_components), counts)


def make_moons(n_samples=100, noise=None, random_state=None):
    """Two interleaving half circles: a shape no single Gaussian fits, as in scikit-learn.

    Parameters
    ----------
    n_samples : int, default=100
    noise : float, optional
        Standard deviation of Gaussian noise added to each coordinate.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,)
        0 for the upper moon, 1 for the lower one.
    """
    n_samples = check.check_integer(n_samples, "n_samples", 2)
    if noise is not None:
        check.check_number(noise, "noise", minimum=0.0)
    rng = check.check_random_state(random_state)
    n_outer = n_samples // 2
    n_inner = n_samples - n_outer
    outer = np.linspace(0, np.pi, n_outer)
    inner = np.linspace(0, np.pi, n_inner)
    X = np.vstack([
        np.column_stack([np.cos(outer), np.sin(outer)]),
        np.column_stack([1 - np.cos(inner), 1 - np.sin(inner) - 0.5]),
    ])
    if noise:
        X = X + rng.normal(scale=noise, size=X.shape)
    return X, np.repeat([0, 1], [n_outer, n_inner])


def _read_csv(name):
    with resources.files("gmm_teach.data").joinpath(name).open(newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def _as_frame(values, columns):
    import pandas as pd  # optional: only needed for as_frame=True

    return pd.DataFrame(values, columns=columns)


#: Old Faithful's columns with their units (the CSV file keeps R's short names, eruptions and waiting).
OLD_FAITHFUL_COLUMNS = ("eruption duration (min)", "waiting time to next eruption (min)")


def load_old_faithful(as_frame=False):
    """The Old Faithful geyser data: 272 eruptions in Yellowstone, two clear groups.

    Columns: the eruption duration and the waiting time to the next eruption, both in minutes (the DataFrame's
    column names, :data:`OLD_FAITHFUL_COLUMNS`, say so, and the explorers put them on their axes).
    Source: R's ``datasets::faithful`` (Härdle 1991; Azzalini and Bowman 1990), see ``gmm_teach/data/README.md``.

    Parameters
    ----------
    as_frame : bool, default=False
        Return a pandas DataFrame instead of an array.

    Returns
    -------
    ndarray of shape (272, 2) or DataFrame
    """
    _, rows = _read_csv("old_faithful.csv")
    values = np.array(rows, dtype=float)
    return _as_frame(values, OLD_FAITHFUL_COLUMNS) if as_frame else values


def load_iris(as_frame=False):
    """Fisher's iris flowers: 150 flowers, 4 measurements (cm), 3 species of 50.

    Source: R's ``datasets::iris`` (Anderson 1935; Fisher 1936), see ``gmm_teach/data/README.md``.

    Returns
    -------
    X : ndarray of shape (150, 4) or DataFrame
        sepal_length, sepal_width, petal_length, petal_width.
    species : ndarray of str, shape (150,)
        "setosa", "versicolor" or "virginica".
    """
    header, rows = _read_csv("iris.csv")
    values = np.array([row[:4] for row in rows], dtype=float)
    species = np.array([row[4] for row in rows])
    return (_as_frame(values, header[:4]) if as_frame else values), species
