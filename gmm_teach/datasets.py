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
    random_state : None, int, numpy.random.RandomState or numpy.random.Generator
        See :func:`gmm_teach._validation.check_random_state`.

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
    means = np.array([[0.0, 0.0], [5.0, 5.0], [0.0, 8.0]]) if means is None else check.as_real_array(means, "means")
    if means.ndim != 2:
        raise ValueError(f"means must have shape (n_components, n_features), got {means.shape}.")
    n_components, n_features = means.shape
    if covariances is None:
        covariances = np.ones(n_components)
    covariances = check.as_real_array(covariances, "covariances")
    if covariances.shape == (n_components,):
        covariances = covariances[:, np.newaxis, np.newaxis] * np.eye(n_features)
    check.check_precisions(covariances, "full", n_components, n_features, name="covariances")
    weights = np.full(n_components, 1.0 / n_components) if weights is None else weights
    weights = check.check_weights(weights, n_components, name="weights")
    rng = check.check_random_state(random_state)
    counts = _counts(n_samples, weights)
    X = np.vstack(
        [
            rng.multivariate_normal(mean, covariance, size=count)
            for mean, covariance, count in zip(means, covariances, counts)
        ]
    )
    return X, np.repeat(np.arange(n_components), counts)


def make_moons(n_samples=100, noise=None, random_state=None):
    """Two interleaving half circles: a shape no single Gaussian fits, as in scikit-learn.

    Parameters
    ----------
    n_samples : int, default=100
    noise : float, optional
        Standard deviation of Gaussian noise added to each coordinate.
    random_state : None, int, numpy.random.RandomState or numpy.random.Generator
        See :func:`gmm_teach._validation.check_random_state`.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,)
        0 for the upper moon, 1 for the lower one.
    """
    n_samples = check.check_integer(n_samples, "n_samples", 2)
    if noise is not None:  # at most 1e150: larger noise overflows to infinity in the points
        check.check_number(noise, "noise", minimum=0.0, maximum=1e150)
    rng = check.check_random_state(random_state)
    n_outer = n_samples // 2
    n_inner = n_samples - n_outer
    outer = np.linspace(0, np.pi, n_outer)
    inner = np.linspace(0, np.pi, n_inner)
    X = np.vstack(
        [
            np.column_stack([np.cos(outer), np.sin(outer)]),
            np.column_stack([1 - np.cos(inner), 1 - np.sin(inner) - 0.5]),
        ]
    )
    if noise:
        X = X + rng.normal(scale=noise, size=X.shape)
    return X, np.repeat([0, 1], [n_outer, n_inner])


# --------------------------------------------------------------------------------------------- CSV files
SHIPPED = {"old_faithful": "old_faithful.csv", "iris": "iris.csv"}
"""The data sets shipped with gmm-teach, by name, and their files in ``gmm_teach/data``."""


def _csv_rows(handle):
    """The non-blank rows of an open CSV file, each with its line number in the file (blank lines count)."""
    reader = csv.reader(handle)
    return [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]


def _read_file_rows(path):
    """:func:`_csv_rows` of the file at ``path``; a byte-order mark (Excel's UTF-8 CSV) is dropped."""
    try:
        # newline="" lets the csv module see line ends inside quoted cells, as its documentation asks
        with open(path, newline="", encoding="utf-8-sig") as handle:
            return _csv_rows(handle)
    except FileNotFoundError:
        raise ValueError(f"path {str(path)!r}: no such file.") from None
    except IsADirectoryError:
        raise ValueError(f"path {str(path)!r} is a folder, not a CSV file.") from None
    except UnicodeDecodeError as error:
        raise ValueError(
            f"path {str(path)!r} is not a UTF-8 text file ({error.reason} at byte {error.start}); "
            "save it as CSV (UTF-8)."
        ) from None
    except (OSError, csv.Error) as error:
        raise ValueError(f"path {str(path)!r} cannot be read as CSV ({error}).") from None


def _shipped_rows(name):
    with resources.files("gmm_teach.data").joinpath(SHIPPED[name]).open(newline="", encoding="utf-8") as handle:
        return _csv_rows(handle)


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _split_header(rows, source):
    """The column names (from a header row, or x1, x2, ...) and the data rows, checked to be rectangular.

    The first row is a header when any of its cells is not a number.
    """
    if not rows:
        raise ValueError(f"{source} holds no rows.")
    first_row = rows[0][1]
    has_header = not all(_is_number(cell) for cell in first_row)
    header = [cell.strip() for cell in first_row] if has_header else [f"x{i + 1}" for i in range(len(first_row))]
    data = rows[1:] if has_header else rows
    if not data:
        raise ValueError(f"{source} has a header but no data rows.")
    for line, row in data:
        if len(row) != len(header):
            raise ValueError(
                f"{source} line {line} has {len(row)} values, expected {len(header)} "
                f"(one per column: {', '.join(header)})."
            )
    return header, data


def _is_positions(item, n_columns):
    first, _, last = item.partition("-")
    bounds = [first] + ([last] if last else [])
    return all(text.isdigit() and 1 <= int(text) <= n_columns for text in bounds) and int(first) <= int(bounds[-1])


def _column_indices(header, columns):
    """Indices of the chosen columns: names or 1-based positions (ranges such as ``"1-4"`` allowed)."""
    if columns is None:
        return list(range(len(header)))
    items = columns.split(",") if isinstance(columns, str) else columns
    try:
        items = [item.strip() for item in items]
    except (TypeError, AttributeError):
        raise TypeError(
            f"columns must be a comma-separated string or a list of column names, got {columns!r}."
        ) from None
    indices = []
    for item in items:
        if item in header:
            indices.append(header.index(item))
        elif _is_positions(item, len(header)):
            first, _, last = item.partition("-")
            indices.extend(range(int(first) - 1, int(last or first)))
        else:
            raise ValueError(
                f"columns: no column {item!r}; the columns are {', '.join(header)} (or positions 1 to {len(header)})."
            )
    if not indices:
        raise ValueError(f"columns must name at least one column, got {columns!r}.")
    return indices


def _cell_value(cell, line, column, source, numeric_columns):
    """The number in one cell; a cell that holds none is named by its file line and column name."""
    where = f"{source} line {line}, column {column!r}"
    text = cell.strip()
    if not text:
        raise ValueError(f"{where}: no value; remove or fill in that row (mixtures need every value).")
    try:
        value = float(text)
    except ValueError:
        hint = f"; the numeric columns are {','.join(numeric_columns)}" if numeric_columns else ""
        raise ValueError(f"{where}: not a number ({text!r}){hint}.") from None
    if not np.isfinite(value):
        raise ValueError(
            f"{where}: not a finite number ({text!r}); remove or fill in that row (mixtures need every value)."
        )
    return value


def _numeric_table(rows, columns, source):
    """The chosen columns of CSV rows as a float array, and their names."""
    header, data = _split_header(rows, source)
    indices = _column_indices(header, columns)
    numeric_columns = [name for name, cell in zip(header, data[0][1]) if _is_number(cell)]
    X = np.array(
        [
            [_cell_value(row[index], line, header[index], source, numeric_columns) for index in indices]
            for line, row in data
        ]
    )
    return X, [header[index] for index in indices]


def load_csv(path, columns=None):
    """Read a CSV file of numbers, as saved by a spreadsheet, into ``X`` and its column names.

    A header row is optional (without one the columns are called ``x1, x2, ...``), blank lines are skipped,
    and the invisible byte-order mark that Excel writes at the start of a "CSV UTF-8" file is dropped.

    Parameters
    ----------
    path : str or path-like
    columns : str or list of str, optional
        The columns to read: names or 1-based positions, as a list or comma-separated, and ranges of positions
        such as ``"1-4"``. Default: every column.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    names : list of str
        The name of each column of ``X``.

    Raises
    ------
    ValueError
        If the file cannot be read, a row has the wrong number of values, a column is unknown, or a chosen
        cell is empty, not a number, NaN or infinite: the message gives the file line and the column name.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "heights.csv"
    >>> _ = path.write_text("name,height,weight\\nAda,1.65,60\\nBob,1.80,82\\n")
    >>> X, names = load_csv(path, columns="height,weight")
    >>> X.tolist(), names
    ([[1.65, 60.0], [1.8, 82.0]], ['height', 'weight'])
    >>> load_csv(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: ...heights.csv line 2, column 'name': not a number ('Ada'); the numeric columns are height,weight.
    """
    return _numeric_table(_read_file_rows(path), columns, str(path))


def load_shipped(name, columns=None):
    """A data set shipped with gmm-teach, by name (see ``SHIPPED``), as ``X`` and its column names.

    ``columns`` chooses columns as in :func:`load_csv`; by default every numeric column (iris: the four
    measurements, not the species).

    Examples
    --------
    >>> X, names = load_shipped("old_faithful", columns="waiting")
    >>> X.shape, names
    ((272, 1), ['waiting'])
    """
    check.check_choice(name, "name", tuple(SHIPPED))
    rows = _shipped_rows(name)
    if columns is None:
        header, data = _split_header(rows, SHIPPED[name])
        columns = [column for column, cell in zip(header, data[0][1]) if _is_number(cell)]
    return _numeric_table(rows, columns, SHIPPED[name])


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
    values, _ = load_shipped("old_faithful")
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
    values, names = load_shipped("iris")
    species = np.array([row[4].strip() for _, row in _shipped_rows("iris")[1:]])
    return (_as_frame(values, names) if as_frame else values), species
