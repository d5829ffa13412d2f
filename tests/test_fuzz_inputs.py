"""Input that cannot hurt: odd inputs thrown at every public entry point (issue 17).

Every call must end in one of two ways:

* a correct result: finite, of the right shape, and *equal to the result for the same numbers given as a
  plain C-contiguous float64 array* (so no input is silently misread: complex numbers are never truncated to
  their real part, booleans are 0 and 1, a read-only or strided array reads as its values);
* a ``ValueError`` or ``TypeError`` whose message names the argument at fault.

Never another exception type, and never a warning other than gmm-teach's own ``ConvergenceWarning`` and the
feature-name warning it gives as scikit-learn does.

The inputs: arrays of 0 to 3 dimensions with 0 to 5 rows, of dtype bool, int, uint, float16, float32, float64,
complex, object, str and datetime, holding NaN, +-inf, 1e308, denormals and ordinary numbers; non-contiguous
and read-only arrays; lists of lists; generators; DataFrames with odd columns; scalars, None and strings.
"""

import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest
from helpers import three_blobs
from hypothesis import HealthCheck, Phase, event, example, given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from gmm_teach import BayesianGaussianMixture, ConvergenceWarning, GaussianMixture, datasets, em, plotting, selection
from gmm_teach.anomaly import anomaly_scores, flag_lowest, score_cutoff

# derandomize: the same inputs on every run and machine. No shrinking: a failure shows the first odd input found
# (quick, and the xfail tests below fail on every run).
FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    report_multiple_bugs=False,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

SPECIAL_VALUES = [0.0, 1.0, -1.0, 3.5, -2.25, 7.0, np.nan, np.inf, -np.inf, 1e308, -1e308, 5e-324, 1e-310, 1e-300]
ORDINARY_VALUES = st.floats(-10, 10, allow_nan=False, allow_infinity=False)
DTYPES = [
    "bool",
    "int8",
    "int64",
    "uint8",
    "uint64",
    "float16",
    "float32",
    "float64",
    "complex128",
    "object",
    "str",
    "datetime64[s]",
]
WELL_FORMED_DTYPES = {"bool", "int8", "int64", "uint8", "uint64", "float16", "float32", "float64", "object"}
# Drawn more often, so that enough inputs are well-formed and the results, not only the refusals, are checked.
LIKELY_DTYPES = DTYPES + ["float64"] * 6 + ["float32", "int64"]


@dataclass
class OddInput:
    """One odd input: ``make()`` builds a fresh copy (a generator can be read only once).

    ``floats`` is the same numbers as a plain float64 array when the input is a well-formed array of real
    numbers, else None: a call that succeeds on the odd input must give what it gives on ``floats``.
    """

    description: str
    make: Callable[[], object]
    floats: object = None

    def __repr__(self):
        return self.description

    @property
    def plain(self):
        """``floats``, for an input that was accepted: only well-formed arrays of real numbers may be."""
        assert self.floats is not None, f"accepted an input it must refuse: {self.description}"
        return self.floats


@st.composite
def numeric_arrays(draw, min_rows=0, n_features=st.integers(1, 3)):  # noqa: B008 (a strategy, drawn from below)
    """Arrays of 0-3 dimensions, ordinary numbers mixed with special ones, in any dtype."""
    ndim = draw(st.sampled_from([0, 1, 2, 2, 2, 2, 3]))
    n_rows = draw(st.integers(min_rows, 8))
    shape = {0: (), 1: (n_rows,), 2: (n_rows, draw(n_features)), 3: (n_rows, 2, 2)}[ndim]
    size = int(np.prod(shape))
    special = draw(st.sampled_from([False, False, True]))
    values = draw(
        st.lists(st.sampled_from(SPECIAL_VALUES) if special else ORDINARY_VALUES, min_size=size, max_size=size)
    )
    dtype = draw(st.sampled_from(LIKELY_DTYPES))
    with warnings.catch_warnings(), np.errstate(all="ignore"):  # the casts are the test's, not the library's
        warnings.simplefilter("ignore")
        plain = np.array(values, dtype=float).reshape(shape)
        if dtype == "complex128":
            array = plain + 1j * draw(st.sampled_from([0.0, 1.0]))
        elif dtype == "str":
            array = plain.astype(str)
        elif dtype == "datetime64[s]":
            array = np.nan_to_num(plain, posinf=0, neginf=0).astype("int64").astype(dtype)
        else:
            array = plain.astype(dtype)
    layout = draw(st.sampled_from(["C", "Fortran", "strided", "read-only"])) if ndim >= 1 else "C"
    if layout == "Fortran":
        array = np.asfortranarray(array)
    elif layout == "strided":
        array = np.repeat(array, 2, axis=0)[::2]
    elif layout == "read-only":
        array = array.copy()
        array.flags.writeable = False
    floats = None
    if dtype in WELL_FORMED_DTYPES or (dtype == "complex128" and not array.imag.any()):
        floats = np.ascontiguousarray(array.real if dtype == "complex128" else array, dtype=np.float64)
    description = f"{layout} {dtype} array of shape {shape}: {array.tolist()!r}"
    # complex input must raise even when every imaginary part is 0: the dtype says it is not real data
    return OddInput(description, lambda: array, None if dtype == "complex128" else floats)


@st.composite
def containers(draw, min_rows=0):
    """The same numbers in other clothes: lists of lists, generators of rows, DataFrames with odd columns."""
    base = draw(numeric_arrays(min_rows=min_rows))
    array = base.make()
    if array.ndim != 2:
        return base
    kind = draw(st.sampled_from(["list of lists", "generator of rows", "DataFrame"]))
    if kind == "list of lists":
        rows = array.tolist()
        return OddInput(f"list of lists {rows!r}", lambda: [list(row) for row in rows], base.floats)
    if kind == "generator of rows":
        # NumPy reads a generator as one opaque object: it must be refused, never half-read
        return OddInput(f"generator of rows of {base}", lambda: (row for row in array), None)
    import pandas as pd

    names = draw(st.sampled_from(["strings", "integers", "mixed", "duplicates"]))
    columns = {
        "strings": [f"c{j}" for j in range(array.shape[1])],
        "integers": list(range(array.shape[1])),
        "mixed": [0, "b", 2.5][: array.shape[1]],
        "duplicates": ["a"] * array.shape[1],
    }[names]
    return OddInput(
        f"DataFrame with {names} columns of {base}", lambda: pd.DataFrame(array, columns=columns), base.floats
    )


def not_arrays():
    return st.sampled_from(
        [
            None,
            "abc",
            "",
            3,
            2.5,
            True,
            {"a": [1.0, 2.0]},
            {1.0, 2.0},
            [],
            [[]],
            [[1.0], [1.0, 2.0]],
            [[1.0, "x"]],
            [[1.0, None]],
            object(),
        ]
    ).map(lambda value: OddInput(f"{type(value).__name__} {value!r}", lambda: value))


def odd_data(min_rows=0):
    arrays = numeric_arrays(min_rows=min_rows)
    return st.one_of(arrays, arrays, containers(min_rows=min_rows), not_arrays())


ODD_INTEGERS = st.sampled_from(
    [1, 2, 3] * 4 + [0, -1, 10**6, 2**63, 10**30, 2.0, 2.5, True, None, "2", np.int64(2), np.uint8(3), np.float64(2.0)]
)
ODD_NUMBERS = st.sampled_from(
    [
        0.0,
        4.0,
        50.0,
        100.0,
        -1.0,
        101.0,
        np.nan,
        np.inf,
        1e308,
        5e-324,
        "4",
        None,
        True,
        1 + 2j,
        np.float32(4.0),
        np.int64(4),
    ]
)


# ------------------------------------------------------------------ the rule every call is judged by
def outcome(call, names):
    """Run ``call()``; return its result, or None when it refused with a message naming one of ``names``.

    Fails the test on any other exception type, on a message that names no argument, and on any warning
    other than gmm-teach's ConvergenceWarning.
    """
    with warnings.catch_warnings(record=True) as caught:  # NumPy's own error state: underflow is no error
        warnings.simplefilter("always")
        try:
            result = call()
        except (ValueError, TypeError) as error:
            message = str(error)
            assert any(name in message for name in names), f"the message names none of {names}: {message!r}"
            result = None
        event("refused" if result is None else "accepted")  # pytest --hypothesis-show-statistics shows the mix
        # any other exception escapes and fails the test, with its traceback
    foreign = [w for w in caught if not (issubclass(w.category, ConvergenceWarning) or is_feature_name_warning(w))]
    assert not foreign, [f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})" for w in foreign]
    return result


def is_feature_name_warning(caught):
    """scikit-learn's warning, which ours repeats, when only fit or only predict had a DataFrame's column names."""
    return issubclass(caught.category, UserWarning) and "feature names" in str(caught.message)


def without_convergence_warnings(call):
    """The reference result on plain floats; its ConvergenceWarning (max_iter is small here) is not the point."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return call()


def assert_finite(*arrays):
    for array in arrays:
        assert np.all(np.isfinite(np.asarray(array, dtype=float))), array


def assert_same(result, expected):
    """A result on the odd input equals the result on the same numbers as plain floats."""
    np.testing.assert_allclose(np.asarray(result, dtype=float), np.asarray(expected, dtype=float), rtol=1e-4, atol=1e-8)


# ------------------------------------------------------------------ a fitted model to predict with
X_TRAIN = three_blobs(60, n_features=2)[0]


@pytest.fixture(scope="module")
def fitted():
    return GaussianMixture(3, random_state=0).fit(X_TRAIN)


@pytest.fixture(scope="module")
def fitted_bayesian():
    return BayesianGaussianMixture(3, random_state=0, max_iter=200).fit(X_TRAIN)


# ------------------------------------------------------------------ estimators
@FUZZ
@given(
    X=odd_data(),
    n_components=ODD_INTEGERS,
    covariance_type=st.sampled_from(["full", "tied", "diag", "spherical", "round", None]),
)
def test_fit_takes_any_input_safely(X, n_components, covariance_type):
    def fit(data):
        return GaussianMixture(n_components, covariance_type=covariance_type, max_iter=5, random_state=0).fit(data)

    model = outcome(lambda: fit(X.make()), ["X", "n_components", "covariance_type"])
    if model is None:
        return
    n_features = X.plain.shape[1] if X.plain.ndim == 2 else 1
    assert model.means_.shape == (n_components, n_features)
    assert_finite(model.means_, model.covariances_, model.weights_, model.lower_bound_)
    assert_same(model.means_, without_convergence_warnings(lambda: fit(X.plain)).means_)


@FUZZ
@given(X=odd_data(), n_components=ODD_INTEGERS)
def test_bayesian_fit_and_predict_take_any_input_safely(X, n_components):
    def fit_predict(data):
        return BayesianGaussianMixture(n_components, max_iter=5, random_state=0).fit(data).predict(data)

    labels = outcome(lambda: fit_predict(X.make()), ["X", "n_components"])
    if labels is not None:
        assert labels.shape == (len(X.plain),)
        np.testing.assert_array_equal(labels, without_convergence_warnings(lambda: fit_predict(X.plain)))


METHODS = {
    "predict": lambda model, X: model.predict(X),
    "predict_proba": lambda model, X: model.predict_proba(X),
    "score_samples": lambda model, X: model.score_samples(X),
    "score": lambda model, X: model.score(X),
    "bic": lambda model, X: model.bic(X),
    "aic": lambda model, X: model.aic(X),
    "confidence_samples": lambda model, X: model.confidence_samples(X),
}


@FUZZ
@given(X=odd_data(), method=st.sampled_from(sorted(METHODS)))
def test_a_fitted_model_takes_any_input_safely(fitted, X, method):
    result = outcome(lambda: METHODS[method](fitted, X.make()), ["X"])
    if result is not None:
        assert_finite(result)
        if np.ndim(result):
            assert len(result) == len(X.plain)
        assert_same(result, METHODS[method](fitted, X.plain))


@FUZZ
@given(X=odd_data(), method=st.sampled_from(["predict", "predict_proba", "score_samples"]))
def test_a_fitted_bayesian_model_takes_any_input_safely(fitted_bayesian, X, method):
    result = outcome(lambda: METHODS[method](fitted_bayesian, X.make()), ["X"])
    if result is not None:
        assert_finite(result)
        assert_same(result, METHODS[method](fitted_bayesian, X.plain))


@FUZZ
@given(n_samples=ODD_INTEGERS.filter(lambda n: not (isinstance(n, int) and n > 10**5)))
def test_sample_takes_any_count_safely(fitted, n_samples):
    drawn = outcome(lambda: fitted.sample(n_samples), ["n_samples"])
    if drawn is not None:
        X, y = drawn
        assert X.shape == (n_samples, 2) and y.shape == (n_samples,)
        assert_finite(X)


def test_sample_refuses_a_count_numpy_cannot_count(fitted):
    with pytest.raises(ValueError, match=f"n_samples must be at least 1 and at most {2**63 - 1}, got {10**30}"):
        fitted.sample(10**30)


# ------------------------------------------------------------------ anomaly detection
@FUZZ
@given(X=odd_data(), threshold=ODD_NUMBERS, method=st.sampled_from(["density", "confidence", "distance", None]))
def test_anomaly_detection_takes_any_input_safely(fitted, X, threshold, method):
    flags = outcome(
        lambda: fitted.anomaly_detect(X.make(), threshold=threshold, method=method), ["X", "threshold", "method"]
    )
    if flags is not None:
        assert flags.dtype == bool and flags.shape == (len(X.plain),)
        np.testing.assert_array_equal(flags, fitted.anomaly_detect(X.plain, threshold=threshold, method=method))
    scores = outcome(lambda: anomaly_scores(fitted, X.make(), method), ["X", "method"])
    if scores is not None:
        assert_finite(scores)


@FUZZ
@given(scores=odd_data(), threshold=ODD_NUMBERS)
def test_score_cutoffs_take_any_scores_safely(scores, threshold):
    cutoff = outcome(lambda: score_cutoff(scores.make(), threshold), ["scores", "threshold"])
    if cutoff is not None:
        assert np.isfinite(cutoff)
        assert cutoff == score_cutoff(scores.plain, threshold)
    flagged = outcome(lambda: flag_lowest(scores.make(), threshold), ["scores", "threshold"])
    if flagged is not None:
        np.testing.assert_array_equal(flagged[0], flag_lowest(scores.plain, threshold)[0])


# ------------------------------------------------------------------ model selection
ODD_K_RANGES = st.sampled_from(
    [range(1, 3), [1, 2], (2,), [], [0], [10**9], "12", [1.5], None, 3, (k for k in (1, 2)), np.array([1, 2])]
)


@FUZZ
@given(
    X=odd_data(),
    k_range=ODD_K_RANGES,
    covariance_types=st.sampled_from([("full",), "diag", [], ["full", "round"], None, ("spherical", "tied")]),
)
def test_information_criteria_take_any_input_safely(X, k_range, covariance_types):
    records = outcome(
        lambda: selection.information_criteria(X.make(), k_range, covariance_types),
        ["X", "k_range", "covariance_types"],
    )
    if records is not None:
        assert records and all(np.isfinite([record.bic, record.aic]).all() for record in records)
        best = selection.best_model(records)
        assert best in records


@FUZZ
@given(records=st.sampled_from([[], None, [1, 2], "bic", [None]]), criterion=st.sampled_from(["bic", "aic", "r2", 3]))
def test_best_model_takes_any_input_safely(records, criterion):
    assert outcome(lambda: selection.best_model(records, criterion), ["records", "criterion"]) is None


# ------------------------------------------------------------------ data sets
@FUZZ
@given(
    n_samples=ODD_INTEGERS.filter(lambda n: not (isinstance(n, int) and n > 10**5)),
    means=st.one_of(st.just(None), odd_data(min_rows=1)),
    covariances=st.one_of(st.just(None), odd_data()),
    weights=st.one_of(st.just(None), odd_data()),
)
def test_make_blobs_takes_any_input_safely(n_samples, means, covariances, weights):
    def blobs():
        return datasets.make_blobs(
            n_samples,
            means=means.make() if means is not None else None,
            covariances=covariances.make() if covariances is not None else None,
            weights=weights.make() if weights is not None else None,
            random_state=0,
        )

    made = outcome(blobs, ["n_samples", "means", "covariances", "weights"])
    if made is not None:
        X, y = made
        assert len(X) == len(y) == n_samples
        assert_finite(X)


@FUZZ
@given(n_samples=ODD_INTEGERS.filter(lambda n: not (isinstance(n, int) and n > 10**5)), noise=ODD_NUMBERS)
def test_make_moons_takes_any_input_safely(n_samples, noise):
    made = outcome(lambda: datasets.make_moons(n_samples, noise=noise, random_state=0), ["n_samples", "noise"])
    if made is not None:
        assert made[0].shape == (n_samples, 2)
        assert_finite(made[0])


@FUZZ
@given(
    content=st.one_of(
        st.binary(max_size=60),
        st.lists(
            st.lists(
                st.sampled_from(["1", "2.5", "", " ", "x", "nan", "-inf", "1e400", "\ufeffa", '"3"', "b", "1,5"]),
                min_size=1,
                max_size=3,
            ),
            max_size=4,
        ).map(lambda rows: "\n".join(",".join(row) for row in rows).encode()),
    ),
    columns=st.sampled_from([None, "1", "2-3", "a", ["1"], [1], "", "9"]),
)
def test_load_csv_takes_any_file_safely(tmp_path_factory, content, columns):
    path = tmp_path_factory.mktemp("csv") / "data.csv"
    path.write_bytes(content)
    loaded = outcome(lambda: datasets.load_csv(path, columns), ["data.csv", "columns"])
    if loaded is not None:
        X, names = loaded
        assert X.ndim == 2 and X.shape[1] == len(names) and X.shape[0] >= 1
        assert_finite(X)


# ------------------------------------------------------------------ the EM steps (reference core)
PARAMS = GaussianMixture(2, random_state=0).fit(X_TRAIN).params_


@FUZZ
@given(X=odd_data())
def test_e_step_takes_any_data_safely(X):
    done = outcome(lambda: em.e_step(X.make(), PARAMS), ["X"])
    if done is not None:
        responsibilities, log_likelihood = done
        assert responsibilities.shape == (len(X.plain), 2)
        assert_finite(responsibilities, log_likelihood)
        assert_same(responsibilities, em.e_step(X.plain, PARAMS)[0])


@FUZZ
@given(
    X=odd_data(min_rows=1),
    responsibilities=odd_data(min_rows=1),
    covariance_type=st.sampled_from(["full", "diag", "round", None]),
)
def test_m_step_takes_any_input_safely(X, responsibilities, covariance_type):
    params = outcome(
        lambda: em.m_step(X.make(), responsibilities.make(), covariance_type),
        ["X", "responsibilities", "covariance_type"],
    )
    if params is not None:
        assert_finite(params.weights, params.means, params.covariances)


@FUZZ
@given(X=odd_data())
def test_em_steps_takes_any_data_safely(X):
    step = outcome(lambda: next(em.em_steps(X.make(), PARAMS, max_iter=3)), ["X"])
    if step is not None:
        assert_finite(step.log_likelihood, step.responsibilities)


# ------------------------------------------------------------------ plotting (Agg)
@pytest.fixture(scope="module")
def ax():
    return Figure().add_subplot()


@FUZZ
@given(X=odd_data())
def test_plot_clustering_takes_any_data_safely(ax, X):
    ax.clear()
    params = GaussianMixture(2, random_state=0).fit(X_TRAIN).params_
    drawn = outcome(lambda: plotting.plot_clustering(ax, X.make(), params), ["X", "params"])
    if drawn is not None:
        assert len(drawn.points.get_offsets()) == len(X.plain)


@FUZZ
@given(X=odd_data())
def test_projection_takes_any_data_safely(X):
    view = outcome(lambda: plotting.projection_for(X.make()), ["X"])
    if view is not None:
        assert_finite(view.points(X.plain.reshape(len(X.plain), -1)))


@FUZZ
@given(log_likelihoods=odd_data(), current=st.sampled_from([None, 0, 1, -1, 99, 1.5, "0"]))
def test_plot_log_likelihood_takes_any_curve_safely(ax, log_likelihoods, current):
    ax.clear()
    drawn = outcome(
        lambda: plotting.plot_log_likelihood(ax, log_likelihoods.make(), current), ["log_likelihoods", "current"]
    )
    if drawn is not None:
        line, _ = drawn
        assert_same(line.get_ydata(), np.ravel(log_likelihoods.plain))


WELL_FORMED_ELLIPSES = (
    OddInput("two 2-D means", lambda: [[0.0, 1.0], [3, 4]]),
    OddInput("two read-only covariances", lambda: np.broadcast_to(np.eye(2), (2, 2, 2))),
)


@FUZZ
@given(means=odd_data(), covariances=odd_data())
@example(*WELL_FORMED_ELLIPSES)
def test_plot_ellipses_takes_any_input_safely(ax, means, covariances):
    ax.clear()
    ellipses = outcome(lambda: plotting.plot_ellipses(ax, means.make(), covariances.make()), ["means", "covariances"])
    if ellipses is not None:
        assert len(ellipses) == len(means.make()) and len(ax.patches) == 2 * len(ellipses)
