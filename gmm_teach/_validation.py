"""Input checks with clear messages.

This is the only module that raises for bad input. Every message names the argument, says what was
expected and shows what was given, so a learner can fix the call without reading a traceback from deep
inside NumPy.
"""

import numbers

import numpy as np

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")
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


def check_array(X, name="X", allow_1d=True):
    """Return ``X`` as a C-contiguous float array of shape (n_samples, n_features).

    A 1-D input is read as one feature, ``(n_samples, 1)``, because learners meet 1-D mixtures first.
    float32 input stays float32; everything else becomes float64.

    Raises
    ------
    TypeError
        If ``X`` is not numeric.
    ValueError
        If ``X`` is complex, empty, has more than two dimensions, or contains NaN, infinity or ``pd.NA``.
    """
    if X is None:
        raise TypeError(f"{name} must be an array-like of numbers, got None.")
    if isinstance(X, str):
        raise TypeError(f"{name} must be an array-like of numbers, got the string {_describe(X)}.")
    try:
        # a pandas DataFrame's missing values (pd.NA) become NaN, reported below as missing values
        array = X.to_numpy(na_value=np.nan) if hasattr(X, "to_numpy") else np.asarray(X)
    except (ValueError, TypeError) as error:
        raise TypeError(f"{name} must be a rectangular array-like of numbers ({error}).") from None
    if array.dtype.kind == "c":
        raise ValueError(f"{name} must contain real numbers, got complex numbers (dtype {array.dtype}). Complex "
                         f"data not supported: pass {name}.real or np.abs({name}) if one of those is what you mean.")
    if array.dtype.kind not in "biuf":
        try:
            array = array.astype(np.float64)
        except (ValueError, TypeError) as error:
            raise TypeError(
                f"{name} must contain only numbers, got values of dtype {array.dtype} "
                f"(for example {_describe(array.ravel()[:3].tolist())}): {error}."
            ) from None
    if array.ndim == 0:
        raise ValueError(f"{name} must be a 2-D array (n_samples, n_features), got a scalar {_describe(X)}.")
    if array.ndim == 1:
        if not allow_1d:
            raise ValueError(f"{name} must be a 2-D array (n_samples, n_features), got a 1-D array.")
        array = array[:, np.newaxis]
    if array.ndim > 2:
        raise ValueError(
            f"{name} must be a 2-D array (n_samples, n_features), got {array.ndim} dimensions "
            f"with shape {array.shape}. Reshape it, for example with {name}.reshape(len({name}), -1)."
        )
    for axis, what in enumerate(("sample", "feature")):
        if array.shape[axis] == 0:
            raise ValueError(f"{name} must contain at least one sample and one feature: found 0 {what}(s) "
                             f"(shape={array.shape}) while a minimum of 1 is required.")
    dtype = np.float32 if array.dtype == np.float32 else np.float64
    array = np.ascontiguousarray(array, dtype=dtype)
    finite = np.isfinite(array)
    if not finite.all():
        row, column = np.argwhere(~finite)[0]
        raise ValueError(
            f"{name} must not contain NaN or infinity; found {array[row, column]} at row {row}, "
            f"column {column} ({(~finite).sum()} such values). Remove or impute them first."
        )
    return array


def check_integer(value, name, minimum, maximum=None):
    """Check that ``value`` is a whole number in ``[minimum, maximum]`` and return it as ``int``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {_describe(value)}.")
    if value < minimum or (maximum is not None and value > maximum):
        upper = "" if maximum is None else f" and at most {maximum}"
        raise ValueError(f"{name} must be at least {minimum}{upper}, got {value}.")
    return int(value)


def check_number(value, name, minimum=None, maximum=None):
    """Check that ``value`` is a real number in ``[minimum, maximum]`` and return it as ``float``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise TypeError(f"{name} must be a finite real number, got {_describe(value)}.")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}.")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum}, got {value}.")
    return float(value)


def check_choice(value, name, choices):
    """Check that ``value`` is one of ``choices``."""
    if value not in choices:
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
    weights = np.asarray(weights, dtype=float)
    if weights.shape != (n_components,):
        raise ValueError(f"{name} must have shape ({n_components},) (one weight per component), got {weights.shape}.")
    if not np.all(np.isfinite(weights)) or weights.min() < 0 or weights.max() > 1:
        raise ValueError(f"{name} must hold weights between 0 and 1, got {_describe(weights)} = {weights}.")
    if not np.isclose(weights.sum(), 1.0, rtol=0, atol=1e-6):
        raise ValueError(f"{name} must sum to 1 (they are mixing proportions), got a sum of {weights.sum():.6g}.")
    return weights


def check_means(means, n_components, n_features, name="means_init"):
    """Check component means: shape (n_components, n_features), finite."""
    means = np.asarray(means, dtype=float)
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
    responsibilities = np.asarray(responsibilities, dtype=float)
    if responsibilities.shape != (n_samples, n_components):
        raise ValueError(f"{name} must have shape ({n_samples}, {n_components}) (n_samples, n_components), "
                         f"got {responsibilities.shape}.")
    row_sums = responsibilities.sum(axis=1)
    if not np.all(np.isfinite(responsibilities)) or responsibilities.min() < 0 or \
            not np.allclose(row_sums, 1.0, rtol=0, atol=1e-6):
        raise ValueError(f"{name} must be non-negative with every row summing to 1, got rows summing to between "
                         f"{row_sums.min():.6g} and {row_sums.max():.6g} (minimum entry {responsibilities.min():.6g}).")
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
    precisions = np.asarray(precisions, dtype=float)
    shape = precision_shape(covariance_type, n_components, n_features)
    if precisions.shape != shape:
        raise ValueError(
            f"{name} for covariance_type={covariance_type!r} must have shape {shape}, got {precisions.shape}."
        )
    if not np.all(np.isfinite(precisions)):
        raise ValueError(f"{name} must not contain NaN or infinity.")
    if covariance_type in ("diag", "spherical"):
        if np.any(precisions <= 0):
            raise ValueError(f"{name} must be positive for covariance_type={covariance_type!r}, got {precisions.min():.6g}.")
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
