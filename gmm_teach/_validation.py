"""Input checks with clear messages.

This is the only module that raises for bad input. Every message names the argument, says what was
expected and shows what was given, so a learner can fix the call without reading a traceback from deep
inside NumPy.
"""

import numbers
import warnings
from collections.abc import Iterable, Iterator

import numpy as np

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")
INT64_MAX = int(np.iinfo(np.int64).max)
INIT_METHODS = ("kmeans", "k-means++", "random", "random_from_data")


class NotFittedError(ValueError, AttributeError):
    """Raised when a method needs a fitted model but ``fit`` has not been called yet.

    It is both a ``ValueError`` and an ``AttributeError``, like scikit-learn's, so code written for
    scikit-learn catches it.
    """


class ConvergenceWarning(UserWarning):
    """Warned when the best initialisation stopped at ``max_iter`` before the log-likelihood settled."""


def _describe(value):
    """A short description of a value for an error message."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _refuse_non_arrays(value, name):
    """Refuse, by name, the values NumPy would turn into an array of one odd object."""
    if value is None:
        raise TypeError(f"{name} must be an array-like of numbers, got None.")
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be an array-like of numbers, got the string {_describe(value)}.")
    if isinstance(value, (dict, set, frozenset)):
        raise TypeError(
            f"{name} must be an array-like of numbers (a list, an array or a DataFrame), got a "
            f"{type(value).__name__}: {_describe(value)}."
        )
    if isinstance(value, Iterator):
        raise TypeError(
            f"{name} must be an array-like of numbers, got {_describe(value)} (an iterator or "
            f"generator, which can be read only once): pass list({name}) or an array instead."
        )


def _kind_of_item(item):
    if isinstance(item, (str, bytes)):
        return "U"
    return "c" if isinstance(item, numbers.Complex) and not isinstance(item, numbers.Real) else "O"


def _refuse_non_real(array, name):
    """Refuse complex numbers, text and dates: converting them to floats would silently change them."""
    kind = array.dtype.kind
    if kind == "O":  # the kind of the items decides
        kinds = {_kind_of_item(item) for item in array.flat}
        kind = next((odd for odd in "cU" if odd in kinds), kind)
    if kind == "c":
        raise ValueError(
            f"{name} must contain real numbers, got complex numbers ({_describe(array)}). Complex data "
            f"not supported: pass {name}.real or abs({name}) if one of those is what you mean."
        )
    if kind in "USa":
        raise TypeError(
            f"{name} must hold numbers, got text ({_describe(array)}, for example "
            f"{_describe(array.ravel()[:3].tolist())}); convert it first, e.g. {name}.astype(float)."
        )
    if kind in "Mm":
        raise TypeError(
            f"{name} must hold numbers, got dates or times ({_describe(array)}); convert them to "
            "numbers first, e.g. seconds since the first one."
        )


def as_real_array(value, name):
    """``value`` as a float ndarray (float32 stays float32, anything else becomes float64), of any shape.

    Raises
    ------
    TypeError
        If ``value`` is not an array-like of real numbers: None, a string, a dict, a set, an iterator, a ragged
        list, or values that are text, dates or other objects.
    ValueError
        If the values are complex numbers (scikit-learn's "Complex data not supported").
    """
    _refuse_non_arrays(value, name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # NumPy's ragged-array warning (old versions) becomes the error below
            # a pandas DataFrame's missing values (pd.NA) become NaN, reported as missing values by check_array
            array = value.to_numpy(na_value=np.nan) if hasattr(value, "to_numpy") else np.asarray(value)
    except (ValueError, TypeError, Warning) as error:
        raise TypeError(f"{name} must be a rectangular array-like of numbers ({error}).") from None
    _refuse_non_real(array, name)
    dtype = np.float32 if array.dtype == np.float32 else np.float64
    try:
        return np.asarray(array, dtype=dtype, order="C")  # not ascontiguousarray: it makes a scalar 1-D
    except (ValueError, TypeError) as error:
        raise TypeError(
            f"{name} must contain only numbers, got values of dtype {array.dtype} "
            f"(for example {_describe(array.ravel()[:3].tolist())}): {error}."
        ) from None


def _check_finite(array, name):
    """Refuse NaN, infinity, and values so large that their squares (in every variance) overflow."""
    finite = np.isfinite(array)
    if not finite.all():
        position = tuple(int(index) for index in np.argwhere(~finite)[0])
        where = f"at row {position[0]}, column {position[1]}" if len(position) == 2 else f"at index {position}"
        raise ValueError(
            f"{name} must not contain NaN or infinity; found {array[position]} {where} "
            f"({(~finite).sum()} such values). Remove or impute them first."
        )
    # Sums of n squares must stay finite: |x| <= sqrt(largest float / n).
    largest = float(np.sqrt(np.finfo(array.dtype).max / max(array.size, 1)))
    if array.size and np.abs(array).max() > largest:
        raise ValueError(
            f"{name} holds values as large as {np.abs(array).max():.3g}, too large to square and sum "
            f"in {array.dtype} (at most {largest:.3g} for {array.size} values); rescale {name}, for "
            f"example divide it by its largest absolute value."
        )


def check_array(X, name="X", allow_1d=True, n_features=None, estimator_name="the model"):
    """Return ``X`` as a C-contiguous float array of shape (n_samples, n_features).

    A 1-D input is read as one feature, ``(n_samples, 1)``, because learners meet 1-D mixtures first.
    float32 input stays float32; everything else becomes float64. With ``n_features`` (a fitted model's),
    ``X`` must have that many features, and a 1-D ``X`` of that length is explained as one sample.

    Raises
    ------
    TypeError
        If ``X`` is not an array-like of real numbers (see :func:`as_real_array`).
    ValueError
        If ``X`` is empty, has more than two dimensions, or contains NaN, infinity or values too large to square.
    """
    array = as_real_array(X, name)
    if array.ndim == 0:
        raise ValueError(f"{name} must be a 2-D array (n_samples, n_features), got a scalar {_describe(X)}.")
    if array.ndim == 1:
        if not allow_1d:
            raise ValueError(f"{name} must be a 2-D array (n_samples, n_features), got a 1-D array.")
        if n_features is not None and n_features > 1 and len(array) == n_features:
            raise ValueError(
                f"{name} is one sample of {len(array)} features given as a 1-D array. Reshape your "
                f"data: pass a 2-D array, for example {name}.reshape(1, -1)."
            )
        array = array[:, np.newaxis]
    if array.ndim > 2:
        raise ValueError(
            f"{name} must be a 2-D array (n_samples, n_features), got {array.ndim} dimensions "
            f"with shape {array.shape}. Reshape it, for example with {name}.reshape(len({name}), -1)."
        )
    for axis, what in enumerate(("sample", "feature")):
        if array.shape[axis] == 0:
            raise ValueError(
                f"{name} must contain at least one sample and one feature: found 0 {what}(s) "
                f"(shape={array.shape}) while a minimum of 1 is required."
            )
    if n_features is not None:
        check_n_features(array, n_features, name, estimator_name)
    _check_finite(array, name)
    return array


def check_vector(values, name):
    """Return ``values`` (scores, a curve) as a non-empty 1-D float64 array of finite numbers."""
    array = as_real_array(values, name).astype(np.float64, copy=False)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of numbers, got shape {array.shape}.")
    _check_finite(array, name)
    return array


def check_choices(values, name, choices):
    """Check a choice or a sequence of choices (e.g. covariance types); return them as a tuple."""
    if isinstance(values, str):
        values = (values,)
    if not isinstance(values, Iterable):
        raise TypeError(
            f"{name} must be one of {', '.join(map(repr, choices))} or a sequence of them, got {_describe(values)}."
        )
    return tuple(check_choice(value, name, choices) for value in values)


def check_items(values, name, kind):
    """Check that ``values`` is a sequence of ``kind`` objects (e.g. CriterionRecord); return it as a list."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise TypeError(f"{name} must be a sequence of {kind.__name__}, got {_describe(values)}.")
    values = list(values)
    odd = [value for value in values if not isinstance(value, kind)]
    if odd:
        raise TypeError(f"{name} must hold only {kind.__name__} objects, got {_describe(odd[0])}.")
    return values


def check_integer(value, name, minimum, maximum=None):
    """Check that ``value`` is a whole number in ``[minimum, maximum]`` and return it as ``int``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {_describe(value)}.")
    maximum = INT64_MAX if maximum is None else min(maximum, INT64_MAX)  # NumPy counts in int64
    if value < minimum or value > maximum:
        upper = f" and at most {maximum}" if maximum != INT64_MAX or value > maximum else ""
        raise ValueError(f"{name} must be at least {minimum}{upper}, got {value}.")
    return int(value)


def check_number(value, name, minimum=None, maximum=None):
    """Check that ``value`` is a real number in ``[minimum, maximum]`` and return it as ``float``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise TypeError(f"{name} must be a finite real number, got {_describe(value)}.")
    value = float(value)  # a NumPy float32 compared with a bound beyond its range would overflow
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}.")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum}, got {value}.")
    return float(value)


def check_choice(value, name, choices):
    """Check that ``value`` is one of ``choices``."""
    # compared only with values of the choice's type: an array compared with a string would be ambiguous
    if not any(isinstance(value, type(choice)) and value == choice for choice in choices):
        options = ", ".join(repr(choice) for choice in choices)
        raise ValueError(f"{name} must be one of {options}; got {_describe(value)}.")
    return value


def check_random_state(random_state, name="random_state"):
    """Turn ``random_state`` into the random number generator to draw from, as scikit-learn does.

    ============================  =======================================================================
    ``random_state``              generator
    ============================  =======================================================================
    ``None``                      NumPy's global ``RandomState`` (so ``np.random.seed(s)`` first makes the
                                  draws repeatable, and reproduces scikit-learn's)
    an int in [0, 2**32 - 1]      a new ``numpy.random.RandomState(random_state)``: the same int gives the
                                  same numbers, and scikit-learn's numbers
    a ``numpy.random.RandomState`` itself: each use continues its stream, as in scikit-learn
    a ``numpy.random.Generator``  itself (our extension: repeatable, but not scikit-learn's numbers, which
                                  come from the legacy ``RandomState`` stream)
    ============================  =======================================================================

    Raises
    ------
    TypeError
        For anything else (a float, a string, a bool...).
    ValueError
        For a negative int or one of 2**32 or more (``RandomState`` takes 32-bit seeds).
    """
    if random_state is None:
        return np.random.mtrand._rand  # the generator behind np.random.seed, as scikit-learn uses it
    if isinstance(random_state, (np.random.RandomState, np.random.Generator)):
        return random_state
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if not 0 <= random_state < 2**32:
            raise ValueError(f"{name} must be a non-negative integer below 2**32, got {random_state}.")
        return np.random.RandomState(int(random_state))
    raise TypeError(
        f"{name} must be None, a non-negative integer, a numpy.random.RandomState or a "
        f"numpy.random.Generator, got {_describe(random_state)}."
    )


def check_weights(weights, n_components, name="weights_init"):
    """Check mixture weights: shape (n_components,), each in [0, 1], summing to 1."""
    weights = as_real_array(weights, name).astype(np.float64, copy=False)
    if weights.shape != (n_components,):
        raise ValueError(f"{name} must have shape ({n_components},) (one weight per component), got {weights.shape}.")
    if not np.all(np.isfinite(weights)) or weights.min() < 0 or weights.max() > 1:
        raise ValueError(f"{name} must hold weights between 0 and 1, got {_describe(weights)} = {weights}.")
    if not np.isclose(weights.sum(), 1.0, rtol=0, atol=1e-6):
        raise ValueError(f"{name} must sum to 1 (they are mixing proportions), got a sum of {weights.sum():.6g}.")
    return weights


def check_means(means, n_components, n_features, name="means_init"):
    """Check component means: shape (n_components, n_features), finite."""
    means = as_real_array(means, name).astype(np.float64, copy=False)
    if means.ndim == 1 and n_features == 1:
        means = means[:, np.newaxis]
    if means.shape != (n_components, n_features):
        raise ValueError(
            f"{name} must have shape ({n_components}, {n_features}) (n_components, n_features), got {means.shape}."
        )
    if not np.all(np.isfinite(means)):
        raise ValueError(f"{name} must not contain NaN or infinity.")
    return means


def check_responsibilities(responsibilities, n_samples, n_components, name="initial_responsibilities"):
    """Check responsibilities: shape (n_samples, n_components), non-negative, every row summing to one."""
    responsibilities = as_real_array(responsibilities, name).astype(np.float64, copy=False)
    if responsibilities.shape != (n_samples, n_components):
        raise ValueError(
            f"{name} must have shape ({n_samples}, {n_components}) (n_samples, n_components), "
            f"got {responsibilities.shape}."
        )
    if not np.all(np.isfinite(responsibilities)):
        raise ValueError(f"{name} must be finite: it contains NaN or infinity.")
    row_sums = responsibilities.sum(axis=1)
    if responsibilities.min() < 0 or not np.allclose(row_sums, 1.0, rtol=0, atol=1e-6):
        raise ValueError(
            f"{name} must be non-negative with every row summing to 1, got rows summing to between "
            f"{row_sums.min():.6g} and {row_sums.max():.6g} (minimum entry {responsibilities.min():.6g})."
        )
    return responsibilities


def precision_shape(covariance_type, n_components, n_features):
    """The shape scikit-learn uses for covariances and precisions of each covariance type."""
    return {
        "full": (n_components, n_features, n_features),
        "tied": (n_features, n_features),
        "diag": (n_components, n_features),
        "spherical": (n_components,),
    }[covariance_type]


def check_precisions(precisions, covariance_type, n_components, n_features, name="precisions_init"):
    """Check precisions (inverse covariances) for a covariance type: shape, symmetry, positive definiteness."""
    precisions = as_real_array(precisions, name).astype(np.float64, copy=False)
    shape = precision_shape(covariance_type, n_components, n_features)
    if precisions.shape != shape:
        raise ValueError(
            f"{name} for covariance_type={covariance_type!r} must have shape {shape}, got {precisions.shape}."
        )
    if not np.all(np.isfinite(precisions)):
        raise ValueError(f"{name} must not contain NaN or infinity.")
    if covariance_type in ("diag", "spherical"):
        if np.any(precisions <= 0):
            raise ValueError(
                f"{name} must be positive for covariance_type={covariance_type!r}, got {precisions.min():.6g}."
            )
        return precisions
    matrices = precisions if covariance_type == "full" else precisions[np.newaxis]
    for index, matrix in enumerate(matrices):
        which = f"{name}[{index}]" if covariance_type == "full" else name
        if not np.allclose(matrix, matrix.T, rtol=1e-8, atol=1e-10):
            raise ValueError(f"{which} must be symmetric.")
        if np.linalg.eigvalsh(matrix).min() <= 0:
            raise ValueError(f"{which} must be positive definite (all eigenvalues > 0).")
    return precisions


def check_n_components_fit_data(n_components, n_samples):
    """A mixture cannot have more components than there are samples."""
    if n_components > n_samples:
        raise ValueError(
            f"n_components must be at most the number of samples: got n_components={n_components} "
            f"for {n_samples} samples. Use fewer components or more data."
        )


def check_n_features(X, n_features_expected, name="X", estimator_name="the model"):
    """At predict time the data must have as many features as at fit time."""
    if X.shape[1] != n_features_expected:
        raise ValueError(
            f"{name} has {X.shape[1]} features, but {estimator_name} is expecting {n_features_expected} features "
            f"as input (the number it was fitted with)."
        )


def check_em_settings(n_components, covariance_type, tol, reg_covar, max_iter, init_params):
    """Check the settings every EM run takes (an estimator's constructor arguments, ``EMTrace.run``'s)."""
    check_integer(n_components, "n_components", 1)
    check_choice(covariance_type, "covariance_type", COVARIANCE_TYPES)
    check_number(tol, "tol", minimum=0.0)
    check_number(reg_covar, "reg_covar", minimum=0.0)
    check_integer(max_iter, "max_iter", 0)
    check_choice(init_params, "init_params", INIT_METHODS)


def check_sample_weight(sample_weight, n_samples, name="sample_weight", allow_zero_total=False):
    """Return ``sample_weight`` as a float64 array of shape (n_samples,), or None when it is None.

    Weights must be finite and non-negative, and not all zero: a point of weight 2 counts as two copies of it,
    a point of weight 0 as absent. ``allow_zero_total``: one block of a split data set may weigh nothing (its
    statistics then change nothing when merged).
    """
    if sample_weight is None:
        return None
    try:
        weights = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of numbers, one per point; got {_describe(sample_weight)}.") from None
    if weights.shape != (n_samples,):
        raise ValueError(
            f"{name} must have shape ({n_samples},), one weight per point of X; got shape {weights.shape}."
        )
    if not np.all(np.isfinite(weights)):
        raise ValueError(f"{name} must be finite; it contains NaN or infinity.")
    if np.any(weights < 0):
        raise ValueError(f"{name} must be non-negative; got {weights.min():g}.")
    if not allow_zero_total and not np.any(weights > 0):
        raise ValueError(f"{name} must not be all zero: no point would count.")
    return weights


def check_one_feature(X, name="X", min_samples=2):
    """Return ``X`` as a float64 array of shape (n_samples, 1): a 1-D array, or a 2-D array with one column.

    The theory explorers draw a 1-D mixture; data with more features are refused with a hint to pick one.
    """
    array = check_array(X, name)
    if array.shape[1] != 1:
        raise ValueError(
            f"{name} must be 1-D data (an array of shape (n_samples,) or (n_samples, 1)), got shape "
            f"{array.shape}. Pick one feature, for example {name}[:, 0]."
        )
    if array.shape[0] < min_samples:
        raise ValueError(f"{name} must hold at least {min_samples} points, got {array.shape[0]}.")
    return array.astype(np.float64, copy=False)
