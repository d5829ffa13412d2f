r"""Pictures of Gaussian mixtures, in plain matplotlib.

Every function takes the ``ax`` to draw on and returns the artists it made, so a caller can restyle them or
update them in place (the explorers in :mod:`gmm_teach.widgets` do). The functions draw
:class:`~gmm_teach.em.MixtureParams` and arrays, never an estimator.

How the pictures encode the maths:

* **Points coloured by responsibilities.** Component :math:`k` has colour :math:`c_k`; point :math:`i` is painted
  :math:`\sum_k r_{ik} c_k`, so a point that is 70/30 between two components looks 70/30.
* **Covariance ellipses.** The set :math:`\{x : (x-\mu_k)^\top \Sigma_k^{-1} (x-\mu_k) = s^2\}` at
  :math:`s` standard deviations: an ellipse whose axes are the eigenvectors of :math:`\Sigma_k`, with half-lengths
  :math:`s\sqrt{\lambda}`.
* **More than two features.** The data are viewed through a linear map :math:`W` (two chosen features, or the
  first two principal components). A Gaussian seen through :math:`W` is again Gaussian, with mean
  :math:`W\mu_k` and covariance :math:`W \Sigma_k W^\top`, so the ellipses and density contours drawn are
  exactly those of the projected mixture (see :func:`projection_for`).
* **One feature.** A histogram of the data, each weighted component density :math:`\pi_k\mathcal{N}(x\mid\mu_k,
  \sigma_k^2)` and their sum, the mixture density :math:`p(x)`; the points sit in a strip under the axis,
  coloured by responsibilities.

Every component has one style, a colour and a marker shape (:func:`component_style`), used by every picture:
the colours are the Okabe-Ito palette, chosen to stay distinguishable for colour-blind readers, and the shapes
tell the components apart where colours alone would not (a grey print, a tenth component). A point takes the
shape of the component most responsible for it; a mean is drawn large, in its component's shape.

Axes are labelled with the data's own names (:func:`feature_names_of`): a DataFrame's columns, ``feature_names=``
for an array, else :math:`x_1, x_2, \ldots`.
"""

from dataclasses import dataclass, field

import numpy as np
from matplotlib.colors import to_rgba_array
from matplotlib.markers import MarkerStyle
from matplotlib.patches import Ellipse

from . import _validation as check
from .criteria import CRITERIA, best_model
from .em import MixtureParams, e_step, log_density, weighted_log_density

#: Okabe-Ito colours, most distinct first (yellow is last but one: it is faint on white).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
#: A marker shape per component, all different, so that ten components have ten distinct (colour, shape) styles.
COMPONENT_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "h", "<", "p")
#: A marker per covariance type, so curves differ by shape as well as colour.
COVARIANCE_MARKERS = {"full": "o", "tied": "s", "diag": "^", "spherical": "D"}
DEFAULT_N_STD = (1.0, 2.0)
SUBSCRIPT_DIGITS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def component_style(component):
    """The (colour, marker) of one component, the one place every picture takes it from.

    Colours repeat after the 8 of the palette, shapes after 10; no two of the first 40 components share both.

    Examples
    --------
    >>> component_style(0), component_style(8)
    (('#0072B2', 'o'), ('#0072B2', '<'))
    """
    component = check.check_integer(component, "component", 0)
    return PALETTE[component % len(PALETTE)], COMPONENT_MARKERS[component % len(COMPONENT_MARKERS)]


def component_markers(n_components):
    """The marker of each of ``n_components`` components (see :func:`component_style`)."""
    return [component_style(k)[1] for k in range(check.check_integer(n_components, "n_components", 1))]


def marker_path(marker):
    """The :class:`~matplotlib.path.Path` of a marker at unit size, as ``scatter`` draws it (for ``set_paths``)."""
    style = MarkerStyle(marker)
    return style.get_path().transformed(style.get_transform())


def feature_names_of(X, feature_names=None):
    """Names for the columns of ``X``: ``feature_names`` if given, else a DataFrame's columns, else x₁, x₂, ...

    Parameters
    ----------
    X : array-like or pandas.DataFrame of shape (n_samples, n_features) or (n_samples,)
    feature_names : sequence of str, optional

    Returns
    -------
    tuple of str

    Examples
    --------
    >>> feature_names_of(np.zeros((5, 2)))
    ('x₁', 'x₂')
    >>> feature_names_of(np.zeros((5, 2)), feature_names=["height (cm)", "weight (kg)"])
    ('height (cm)', 'weight (kg)')
    """
    if getattr(X, "ndim", None) in (1, 2):  # an array or a DataFrame: counted without a copy
        n_features = 1 if X.ndim == 1 else X.shape[1]
    else:
        n_features = check.check_array(X).shape[1]  # a list, or bad input that check_array names clearly
    if feature_names is None:
        columns = getattr(X, "columns", None)
        if columns is None:
            return tuple(f"x{j + 1}".translate(SUBSCRIPT_DIGITS) for j in range(n_features))
        feature_names = columns
    if isinstance(feature_names, str):
        raise TypeError(
            f"feature_names must be a sequence of names, one per feature, got the string {feature_names!r}."
        )
    names = tuple(str(name) for name in feature_names)
    if len(names) != n_features:
        raise ValueError(f"feature_names must have one name per feature ({n_features}), got {len(names)}: {names!r}.")
    return names


def component_colors(n_components):
    """RGBA colours of ``n_components`` components, shape (n_components, 4); the palette repeats after 8.

    Examples
    --------
    >>> component_colors(2)[:, :3].round(2)
    array([[0.  , 0.45, 0.7 ],
           [0.9 , 0.62, 0.  ]])
    """
    n_components = check.check_integer(n_components, "n_components", 1)
    return to_rgba_array([PALETTE[k % len(PALETTE)] for k in range(n_components)])


def responsibility_colors(responsibilities, colors=None):
    r"""Colour of each point: the component colours mixed by its responsibilities, :math:`\sum_k r_{ik} c_k`.

    Parameters
    ----------
    responsibilities : ndarray of shape (n_samples, n_components)
        Each row sums to one.
    colors : array-like of shape (n_components, 4), optional
        Default: :func:`component_colors`.

    Returns
    -------
    ndarray of shape (n_samples, 4)

    Examples
    --------
    >>> responsibility_colors(np.array([[0.7, 0.3]]))[0, :3].round(3)
    array([0.271, 0.5  , 0.489])
    """
    responsibilities = np.asarray(responsibilities, dtype=float)
    if responsibilities.ndim != 2:
        raise ValueError(f"responsibilities must have shape (n_samples, n_components), got {responsibilities.shape}.")
    colors = component_colors(responsibilities.shape[1]) if colors is None else to_rgba_array(colors)
    mixed = responsibilities @ colors
    mixed[:, 3] = 1.0
    return np.clip(mixed, 0.0, 1.0)


def point_paths(responsibilities):
    """The marker path of each point: the shape of the component most responsible for it."""
    paths = [marker_path(marker) for marker in component_markers(responsibilities.shape[1])]
    return [paths[k] for k in np.argmax(responsibilities, axis=1)]


# ----------------------------------------------------------------------------------------------- projections
@dataclass(frozen=True, eq=False)
class Projection:
    r"""A linear view :math:`z = W (x - c)` of the data, with one or two output coordinates.

    Attributes
    ----------
    matrix : ndarray of shape (n_dims, n_features)
        :math:`W`. For principal components its rows are orthonormal.
    center : ndarray of shape (n_features,)
        :math:`c`, subtracted before projecting (the data mean for principal components, else zero).
    labels : tuple of str
        Axis labels, one per output coordinate.
    """

    matrix: np.ndarray
    center: np.ndarray
    labels: tuple

    @property
    def n_dims(self):
        """1 for a one-feature view, else 2."""
        return self.matrix.shape[0]

    def points(self, X):
        """Project points (or means), shape (n, n_features) -> (n, n_dims)."""
        return (np.asarray(X, dtype=float) - self.center) @ self.matrix.T

    def covariances(self, covariances):
        r"""Project full covariance matrices: :math:`W \Sigma_k W^\top`, shape (k, d, d) -> (k, n_dims, n_dims)."""
        return self.matrix @ np.asarray(covariances, dtype=float) @ self.matrix.T

    def params(self, params):
        """The mixture as seen through the projection: a full-covariance :class:`MixtureParams` in ``n_dims``."""
        if self.n_dims == params.n_features and np.array_equal(self.matrix, np.eye(self.n_dims)):
            return params
        return MixtureParams.from_covariances(
            params.weights, self.points(params.means), self.covariances(params.as_full()), "full"
        )


def projection_for(X, features=None, feature_names=None):
    r"""The 1-D or 2-D view used to draw data with ``n_features`` columns.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    features : pair of int, optional
        Two column indices to show. By default one or two features are shown as they are, and more than two
        through the first two principal components of ``X``.
    feature_names : sequence of str, optional
        Names for the axis labels (default: a DataFrame's columns, else x₁, x₂, ...; see :func:`feature_names_of`).

    Returns
    -------
    Projection

    Notes
    -----
    The principal components are the top two right singular vectors :math:`W` of the centred data; the
    axis label says how much of the variance each keeps. A mixture seen through :math:`W` has means
    :math:`W\mu_k` and covariances :math:`W\Sigma_k W^\top`.

    Examples
    --------
    >>> X = np.array([[0.0, 0.0, 1.0], [2.0, 0.0, 1.0], [0.0, 1.0, 3.0]])
    >>> view = projection_for(X, features=(0, 2))
    >>> view.points(X)
    array([[0., 1.],
           [2., 1.],
           [0., 3.]])
    >>> view.labels
    ('x₁', 'x₃')
    """
    names = feature_names_of(X, feature_names)
    X = check.check_array(X)
    n_features = X.shape[1]
    if features is None and n_features <= 2:
        features = tuple(range(n_features))
    elif features is None:
        return _principal_components(X)
    else:
        features = tuple(features)
        if len(features) != 2 or len(set(features)) != 2:
            raise ValueError(f"features must be two different column indices, got {features!r}.")
        for feature in features:
            check.check_integer(feature, "features", 0, n_features - 1)
    matrix = np.eye(n_features)[list(features)]
    return Projection(matrix, np.zeros(n_features), tuple(names[j] for j in features))


def _principal_components(X):
    """The projection on the first two principal components of ``X``."""
    center = X.mean(axis=0)
    _, singular_values, components = np.linalg.svd(X - center, full_matrices=False)
    components = components[:2]
    signs = np.sign(components[np.arange(2), np.abs(components).argmax(axis=1)])
    components = components * signs[:, np.newaxis]  # a fixed sign, so the picture does not flip between runs
    variance = singular_values**2
    kept = variance[:2] / variance.sum() if variance.sum() > 0 else np.zeros(2)
    labels = tuple(f"principal component {j + 1} ({100 * kept[j]:.0f}% of variance)" for j in range(2))
    return Projection(components, center, labels)


# ----------------------------------------------------------------------------------------------- ellipses
def ellipse_geometry(mean, covariance, n_std):
    r"""Centre, width, height and angle (degrees) of the ellipse at ``n_std`` standard deviations.

    The axes are the eigenvectors of the 2 x 2 ``covariance``; their full lengths are
    :math:`2 s \sqrt{\lambda}` for eigenvalues :math:`\lambda`.

    Examples
    --------
    >>> ellipse_geometry([1.0, 2.0], np.diag([1.0, 4.0]), n_std=2)
    ((1.0, 2.0), 8.0, 4.0, 90.0)
    """
    eigenvalues, eigenvectors = np.linalg.eigh(np.asarray(covariance, dtype=float))
    eigenvalues = np.clip(eigenvalues, 0.0, None)
    major = eigenvectors[:, 1]
    angle = float(np.degrees(np.arctan2(major[1], major[0])))
    width, height = 2 * n_std * np.sqrt(eigenvalues[::-1])
    return (float(mean[0]), float(mean[1])), float(width), float(height), angle


def update_ellipse(ellipse, mean, covariance, n_std):
    """Move and reshape an existing :class:`~matplotlib.patches.Ellipse` in place."""
    center, width, height, angle = ellipse_geometry(mean, covariance, n_std)
    ellipse.set_center(center)
    ellipse.set_width(width)
    ellipse.set_height(height)
    ellipse.set_angle(angle)


def plot_ellipses(ax, means, covariances, n_std=DEFAULT_N_STD, colors=None, linewidth=2.0):
    """Draw the covariance ellipse of each component at each of ``n_std`` standard deviations.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    means : array-like of shape (n_components, 2)
    covariances : array-like of shape (n_components, 2, 2)
        Full matrices (use ``MixtureParams.as_full()`` and, for more features, ``Projection.covariances``).
    n_std : sequence of float, default=(1, 2)
    colors : array-like of shape (n_components, 4), optional

    Returns
    -------
    list of list of matplotlib.patches.Ellipse
        ``ellipses[k][j]`` is component ``k`` at ``n_std[j]``; the outer ones are fainter.
    """
    means = check.as_real_array(means, "means")
    covariances = check.as_real_array(covariances, "covariances")
    if means.ndim != 2 or means.shape[1] != 2 or covariances.shape != (means.shape[0], 2, 2):
        raise ValueError(
            "plot_ellipses draws 2-D components: means must have shape (k, 2) and covariances "
            f"(k, 2, 2); got {means.shape} and {covariances.shape}."
        )
    means = check.check_means(means, len(means), 2, name="means")
    covariances = check.check_precisions(covariances, "full", len(means), 2, name="covariances")
    colors = component_colors(len(means)) if colors is None else to_rgba_array(colors)
    ellipses = []
    for mean, covariance, color in zip(means, covariances, colors):
        rings = []
        for j, scale in enumerate(n_std):
            center, width, height, angle = ellipse_geometry(mean, covariance, scale)
            ring = Ellipse(
                center,
                width,
                height,
                angle=angle,
                fill=False,
                edgecolor=color,
                linewidth=linewidth,
                alpha=1.0 if j == 0 else 0.55,
                zorder=3,
            )
            ax.add_patch(ring)
            rings.append(ring)
        ellipses.append(rings)
    return ellipses


def plot_means(ax, means, colors=None, size=170):
    """Mark the component means with large markers, each in its component's shape, outlined in black.

    Returns the PathCollection (1-D means sit on the horizontal axis).
    """
    means = np.asarray(means, dtype=float)
    colors = component_colors(len(means)) if colors is None else to_rgba_array(colors)
    offsets = means if means.shape[1] == 2 else np.column_stack([means[:, 0], np.zeros(len(means))])
    collection = ax.scatter(
        offsets[:, 0],
        offsets[:, 1],
        s=size,
        c=colors,
        edgecolors="black",
        linewidths=1.5,
        zorder=4,
        clip_on=means.shape[1] == 2,
    )
    collection.set_paths([marker_path(marker) for marker in component_markers(len(means))])
    return collection


# ----------------------------------------------------------------------------------------------- grids
def data_limits(points, margin=0.08):
    """Axis limits around ``points`` (n, 1 or 2) with a relative margin; one (low, high) pair per column."""
    points = np.asarray(points, dtype=float)
    low, high = points.min(axis=0), points.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    return [(float(a), float(b)) for a, b in zip(low - margin * span, high + margin * span)]


def _grid(ax, resolution):
    """A ``resolution`` x ``resolution`` grid over the current limits of ``ax``: (xx, yy, points)."""
    xx, yy = np.meshgrid(np.linspace(*ax.get_xlim(), resolution), np.linspace(*ax.get_ylim(), resolution))
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def plot_density_contours(ax, params, levels=8, resolution=120, **contour_kwargs):
    r"""Contours of the log mixture density :math:`\log p(x)` of a 2-D mixture over the current axis limits.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Set the limits first (for example by scattering the data).
    params : MixtureParams
        A 2-D mixture (project others with ``Projection.params``).
    levels : int or sequence of float, default=8
        Number of levels spread over the upper range of :math:`\log p`, or the log-density values to draw.
    resolution : int, default=120
        Grid points per axis.

    Returns
    -------
    matplotlib.contour.QuadContourSet
    """
    _check_2d(params, "plot_density_contours")
    xx, yy, grid = _grid(ax, resolution)
    log_p = log_density(grid, params).reshape(xx.shape)
    if np.ndim(levels) == 0:
        top = log_p.max()
        levels = np.linspace(top - 8.0, top, int(levels) + 1)[:-1]  # e^-8: the tail beyond that is empty
    options = {"colors": "0.35", "linestyles": "solid", "linewidths": 0.8, "alpha": 0.7, "zorder": 1}
    options.update(contour_kwargs)
    return ax.contour(xx, yy, log_p, levels=levels, **options)


def plot_decision_boundaries(ax, params, resolution=200, alpha=0.15, colors=None):
    r"""Shade each region by the component that wins there, :math:`\arg\max_k \pi_k\mathcal{N}(x\mid\mu_k,\Sigma_k)`.

    For a 2-D mixture the regions are drawn over the current axis limits with their boundaries as lines; for
    a 1-D mixture they are vertical bands.

    Returns
    -------
    list of artists
        The shaded image, then (2-D only) the boundary contour set.
    """
    colors = component_colors(params.n_components) if colors is None else to_rgba_array(colors)
    if params.n_features == 1:
        x = np.linspace(*ax.get_xlim(), resolution)
        labels = weighted_log_density(x[:, np.newaxis], params).argmax(axis=1)[np.newaxis, :]
        extent = (*ax.get_xlim(), *ax.get_ylim())
    else:
        _check_2d(params, "plot_decision_boundaries")
        xx, yy, grid = _grid(ax, resolution)
        labels = weighted_log_density(grid, params).argmax(axis=1).reshape(xx.shape)
        extent = (*ax.get_xlim(), *ax.get_ylim())
    shade = colors[labels].copy()
    shade[..., 3] = alpha
    artists = [ax.imshow(shade, origin="lower", extent=extent, aspect="auto", interpolation="nearest", zorder=0)]
    if params.n_features == 2 and params.n_components > 1:
        artists.append(
            ax.contour(
                xx, yy, labels, levels=np.arange(params.n_components) + 0.5, colors="0.3", linewidths=1.0, zorder=1
            )
        )
    return artists


def _check_2d(params, function):
    if params.n_features != 2:
        raise ValueError(
            f"{function} needs a 2-D mixture, got {params.n_features} features; project it first "
            "with projection_for(X).params(params)."
        )


# ----------------------------------------------------------------------------------------------- curves
def plot_log_likelihood(ax, log_likelihoods, current=None):
    """The mean log-likelihood after each EM iteration, with a marker at iteration ``current``.

    Returns
    -------
    line : matplotlib.lines.Line2D
    marker : matplotlib.lines.Line2D
        Move it with ``marker.set_data([t], [log_likelihoods[t]])``; empty when ``current`` is None.
    """
    log_likelihoods = check.check_vector(log_likelihoods, "log_likelihoods")
    if current is not None:
        current = check.check_integer(current, "current", 0, len(log_likelihoods) - 1)
    iterations = np.arange(len(log_likelihoods))
    (line,) = ax.plot(iterations, log_likelihoods, color="0.25", marker=".", markersize=4, linewidth=1.5)
    (marker,) = ax.plot([], [], "o", color=PALETTE[3], markersize=9, zorder=3)
    if current is not None:
        marker.set_data([current], [log_likelihoods[current]])
    ax.set_xlabel("EM iteration")
    ax.set_ylabel("mean log-likelihood")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.ticklabel_format(axis="y", useOffset=False)  # near convergence the changes are tiny; show real values
    ax.grid(alpha=0.3)
    _keep_the_climb_in_view(ax, log_likelihoods)
    return line, marker


def _keep_the_climb_in_view(ax, log_likelihoods):
    """A start far below the rest (a seed start: components of variance ``reg_covar`` on single points) would
    flatten the whole climb into a line at the top; then the axis shows iterations 1 on, and says where 0 is."""
    if len(log_likelihoods) < 3:
        return
    later = log_likelihoods[1:]
    low, high = later.min(), later.max()
    span = max(high - low, 1e-12 * max(1.0, abs(high)))
    if log_likelihoods[0] >= low - 3 * span:
        return
    ax.set_ylim(low - 0.25 * span, high + 0.1 * span)
    ax.annotate(
        f"iteration 0: {log_likelihoods[0]:.3g}\n(far below)",
        xy=(0, low - 0.25 * span),
        xytext=(0.08, 0.12),
        textcoords="axes fraction",
        fontsize=8,
        color="0.3",
        arrowprops=dict(arrowstyle="->", color="0.5"),
    )


RING_STYLE = dict(markersize=16, markerfacecolor="none", markeredgecolor="black", markeredgewidth=1.5, zorder=5)
"""An open black ring around one point of a curve: the model chosen or shown."""


def plot_information_criteria(ax, records, criterion="bic", other=False):
    """AIC or BIC against the number of components, one curve per covariance type, lowest value starred.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    records : sequence of CriterionRecord
        As returned by :func:`gmm_teach.selection.information_criteria`.
    criterion : {"bic", "aic"}
    other : bool, default=False
        Also draw the other criterion as thin dashed curves.

    Returns
    -------
    lines : dict
        ``covariance_type -> Line2D`` of the chosen criterion.
    best : matplotlib.lines.Line2D
        The star at the lowest value.
    """
    check.check_choice(criterion, "criterion", CRITERIA)
    lines = {}
    covariance_types = list(dict.fromkeys(record.covariance_type for record in records))
    for index, covariance_type in enumerate(covariance_types):
        rows = sorted((r for r in records if r.covariance_type == covariance_type), key=lambda r: r.k)
        ks = [r.k for r in rows]
        color = PALETTE[index % len(PALETTE)]
        (lines[covariance_type],) = ax.plot(
            ks,
            [r.criterion(criterion) for r in rows],
            color=color,
            marker=COVARIANCE_MARKERS.get(covariance_type, "o"),
            label=covariance_type,
            linewidth=1.8,
        )
        if other:
            other_name = CRITERIA[1 - CRITERIA.index(criterion)]
            ax.plot(ks, [r.criterion(other_name) for r in rows], color=color, linestyle="--", linewidth=0.9, alpha=0.7)
    winner = best_model(records, criterion)
    (best,) = ax.plot(
        [winner.k],
        [winner.criterion(criterion)],
        "*",
        color="black",
        markersize=18,
        zorder=4,
        label=f"lowest {criterion.upper()}",
    )
    ax.set_xlabel("number of components k")
    ax.set_ylabel(f"{criterion.upper()} (lower is better)")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(alpha=0.3)
    return lines, best


# ----------------------------------------------------------------------------------------------- clustering
@dataclass(eq=False)
class ClusteringArtists:
    """What :func:`plot_clustering` drew, with :meth:`update` to redraw a new step in place.

    Attributes
    ----------
    projection : Projection
    points : PathCollection
        The data points (2-D) or the strip of points under the axis (1-D), coloured by responsibilities.
    means : PathCollection
    ellipses : list of list of Ellipse
        Per component, per standard deviation (2-D views only).
    component_curves : list of Line2D
        Weighted component densities (1-D only).
    mixture_curve : Line2D or None
        The mixture density (1-D only).
    histogram : list of Rectangle
        (1-D only.)
    """

    ax: object
    projection: Projection
    n_std: tuple
    points: object
    means: object
    ellipses: list = field(default_factory=list)
    component_curves: list = field(default_factory=list)
    mixture_curve: object = None
    histogram: list = field(default_factory=list)
    grid: np.ndarray = None
    colors: np.ndarray = None

    def changing(self):
        """The artists that :meth:`update` changes (an explorer redraws only these)."""
        rings = [ring for component in self.ellipses for ring in component]
        curves = self.component_curves + ([self.mixture_curve] if self.mixture_curve is not None else [])
        return [self.points, self.means, *rings, *curves]

    def update(self, params, responsibilities):
        """Show ``params`` and ``responsibilities`` by moving the existing artists (no clearing)."""
        self.points.set_facecolor(responsibility_colors(responsibilities, self.colors))
        self.points.set_paths(point_paths(responsibilities))
        view = self.projection.params(params)
        if self.projection.n_dims == 2:
            self.means.set_offsets(view.means)
            for rings, mean, covariance in zip(self.ellipses, view.means, view.as_full()):
                for ring, scale in zip(rings, self.n_std):
                    update_ellipse(ring, mean, covariance, scale)
        else:
            self.means.set_offsets(np.column_stack([view.means[:, 0], np.zeros(view.n_components)]))
            self._update_curves(view)

    def _update_curves(self, params):
        components = np.exp(weighted_log_density(self.grid[:, np.newaxis], params))
        for k, (curve, density) in enumerate(zip(self.component_curves, components.T)):
            curve.set_ydata(density)
            # the component's marker every 50 grid points (staggered between components) where the curve is
            # high enough to be told apart, so that shapes as well as colours say which curve is which
            marked = np.arange(25 + 7 * k % 50, len(self.grid), 50)
            curve.set_markevery(marked[density[marked] > 0.05 * density.max()].tolist())
        mixture = np.exp(log_density(self.grid[:, np.newaxis], params))
        self.mixture_curve.set_ydata(mixture)
        bottom, top = self.ax.get_ylim()
        if mixture.max() > top:
            self.ax.set_ylim(bottom, 1.1 * mixture.max())


def plot_clustering(
    ax, X, params, responsibilities=None, projection=None, n_std=DEFAULT_N_STD, point_size=None, colors=None
):
    r"""Draw data and a mixture: points coloured by responsibilities, ellipses and means (1-D: densities).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    X : array-like of shape (n_samples, n_features)
    params : MixtureParams
    responsibilities : ndarray of shape (n_samples, n_components), optional
        Default: the E-step of ``params`` on ``X``.
    projection : Projection, optional
        Default: :func:`projection_for(X) <projection_for>`.
    n_std : sequence of float, default=(1, 2)
        Standard deviations at which ellipses are drawn.
    point_size : float, optional
        Marker area; default shrinks with the number of points.
    colors : array-like of shape (n_components, 4) or list of colour names, optional
        One colour per component; default :func:`component_colors`.

    Returns
    -------
    ClusteringArtists
        The artists, with an ``update(params, responsibilities)`` method.

    Examples
    --------
    >>> import matplotlib.figure
    >>> from gmm_teach import GaussianMixture, datasets
    >>> X = datasets.load_old_faithful()
    >>> gm = GaussianMixture(2, random_state=0).fit(X)
    >>> ax = matplotlib.figure.Figure().add_subplot()
    >>> artists = plot_clustering(ax, X, gm.params_)
    >>> len(artists.ellipses), len(artists.ellipses[0])
    (2, 2)
    """
    X = check.check_array(X)
    if params.n_features != X.shape[1]:
        raise ValueError(f"params has {params.n_features} features but X has {X.shape[1]}.")
    if responsibilities is None:
        responsibilities = e_step(X, params)[0]
    projection = projection_for(X) if projection is None else projection
    size = point_size if point_size is not None else float(np.clip(3000 / len(X), 6, 40))
    colors = component_colors(params.n_components) if colors is None else to_rgba_array(colors)
    if len(colors) != params.n_components:
        raise ValueError(f"colors must hold one colour per component ({params.n_components}), got {len(colors)}.")
    view = projection.params(params)
    points = projection.points(X)
    point_colors = responsibility_colors(responsibilities, colors)
    shapes = point_paths(responsibilities)
    if projection.n_dims == 2:
        return _plot_clustering_2d(ax, points, view, point_colors, shapes, colors, projection, tuple(n_std), size)
    return _plot_clustering_1d(ax, points[:, 0], view, point_colors, shapes, colors, projection, tuple(n_std), size)


def _plot_clustering_2d(ax, points, params, point_colors, point_shapes, colors, projection, n_std, size):
    scatter = ax.scatter(points[:, 0], points[:, 1], s=size, c=point_colors, edgecolors="none", alpha=0.85, zorder=2)
    scatter.set_paths(point_shapes)
    (x_limits, y_limits) = data_limits(points)
    ax.set_xlim(x_limits)
    ax.set_ylim(y_limits)
    ellipses = plot_ellipses(ax, params.means, params.as_full(), n_std, colors)
    means = plot_means(ax, params.means, colors)
    ax.set_xlabel(projection.labels[0])
    ax.set_ylabel(projection.labels[1])
    return ClusteringArtists(ax, projection, n_std, scatter, means, ellipses=ellipses, colors=colors)


def _plot_clustering_1d(ax, x, params, point_colors, point_shapes, colors, projection, n_std, size):
    (x_limits,) = data_limits(x[:, np.newaxis])
    grid = np.linspace(*x_limits, 400)
    _, _, histogram = ax.hist(x, bins="auto", density=True, color="0.85", edgecolor="white", zorder=1)
    component_curves = [
        ax.plot(
            grid,
            np.zeros_like(grid),
            color=color,
            linewidth=2,
            zorder=3,
            marker=marker,
            markersize=6,
            markeredgecolor="black",
            markeredgewidth=0.6,
        )[0]
        for color, marker in zip(colors, component_markers(len(colors)))
    ]
    (mixture_curve,) = ax.plot(
        grid, np.zeros_like(grid), color="black", linewidth=1.5, linestyle="--", zorder=3, label="mixture density p(x)"
    )
    top = max(bar.get_height() for bar in histogram)
    # the points in a strip under the axis, spread vertically (a fixed jitter) so that they do not hide each other
    jitter = np.random.default_rng(0).uniform(-0.04, -0.01, size=len(x)) * top
    scatter = ax.scatter(x, jitter, s=size / 2, c=point_colors, edgecolors="none", alpha=0.85, zorder=2)
    scatter.set_paths(point_shapes)
    means = plot_means(ax, params.means, colors)
    ax.set_xlim(x_limits)
    ax.set_ylim(-0.06 * top, 1.15 * top)
    ax.axhline(0, color="0.5", linewidth=0.8, zorder=1)
    ax.set_xlabel(projection.labels[0])
    ax.set_ylabel("density")
    artists = ClusteringArtists(
        ax,
        projection,
        n_std,
        scatter,
        means,
        component_curves=component_curves,
        mixture_curve=mixture_curve,
        histogram=list(histogram),
        grid=grid,
        colors=colors,
    )
    artists._update_curves(params)
    return artists


# ----------------------------------------------------------------------------------------------- estimator helpers
def visualize_clustering(X, params, responsibilities, color_dict=None, ax=None):
    """Draw a fitted mixture on data, titled with its shape (``GaussianMixture.visualize_clustering`` calls this).

    ``color_dict`` maps a component index to a matplotlib colour, as in the sealion tutorial; components
    it does not name keep their palette colour. Without ``ax`` a new pyplot figure is made.
    """
    colors = component_colors(params.n_components)
    for component, color in (color_dict or {}).items():
        check.check_integer(component, "color_dict key", 0, params.n_components - 1)
        colors[component] = to_rgba_array([color])[0]
    ax = _new_axes() if ax is None else ax
    artists = plot_clustering(ax, X, params, responsibilities, colors=colors)
    ax.set_title(f"{params.n_components} components, {params.covariance_type} covariances")
    return artists


def visualize_elbow_curve(records, current_k=None, ax=None):
    """Draw AIC and BIC of models fitted for several ``k`` (``GaussianMixture.visualize_elbow_curve`` calls this).

    ``current_k`` (the fitted model's number of components) is ringed.
    """
    ax = _new_axes() if ax is None else ax
    lines, best = plot_information_criteria(ax, records, "bic", other=True)
    artists = {"lines": lines, "best": best}
    current = [record for record in records if record.k == current_k]
    if current:
        (artists["current"],) = ax.plot(
            [current_k], [current[0].bic], "o", **RING_STYLE, label=f"this model (k = {current_k})"
        )
    ax.set_title("BIC (solid) and AIC (dashed) against k")
    ax.legend()
    return artists


def _new_axes():
    """A new pyplot figure's axes, for calls made without ``ax`` (shown by the notebook's backend)."""
    import matplotlib.pyplot as plt

    return plt.figure(figsize=(6.4, 4.8)).add_subplot()
