"""Bad input gets a clear error, before any work starts, naming the argument."""

import numpy as np
import pytest

from gmm_teach import GaussianMixture, NotFittedError, datasets

X = datasets.load_old_faithful()


def _fit_error(exception, match, data=X, **params):
    with pytest.raises(exception, match=match):
        GaussianMixture(**params).fit(data)


@pytest.mark.parametrize(
    "data, exception, match",
    [
        (np.array([[1.0, np.nan], [2.0, 3.0]]), ValueError, r"X must not contain NaN or infinity.*row 0, column 1"),
        (np.array([[1.0, np.inf], [2.0, 3.0]]), ValueError, "X must not contain NaN or infinity"),
        (np.empty((0, 2)), ValueError, r"X must contain at least one sample.*\(0, 2\)"),
        (np.empty((3, 0)), ValueError, r"X must contain at least one sample.*\(3, 0\)"),
        ([["a", "b"], ["c", "d"]], TypeError, "X must hold numbers, got text"),
        (np.zeros((4, 2, 2)), ValueError, r"X must be a 2-D array.*3 dimensions"),
        (None, TypeError, "X must be an array-like of numbers, got None"),
        ("abc", TypeError, "X must be an array-like of numbers"),
        ([[1.0, 2.0], [3.0]], TypeError, "X must be a rectangular array-like"),
    ],
)
def test_bad_data_is_refused_with_a_message_naming_X(data, exception, match):
    _fit_error(exception, match, data=data, n_components=1)


@pytest.mark.parametrize(
    "params, exception, match",
    [
        (dict(n_components=0), ValueError, r"n_components must be at least 1, got 0"),
        (dict(n_components=2.5), TypeError, r"n_components must be an integer, got 2.5"),
        (dict(n_components=300), ValueError, r"n_components must be at most the number of samples.*300.*272"),
        (
            dict(covariance_type="ful"),
            ValueError,
            r"covariance_type must be one of 'full', 'tied', 'diag', 'spherical'; got 'ful'",
        ),
        (dict(init_params="kmean"), ValueError, r"init_params must be one of .*'kmeans'.*got 'kmean'"),
        (dict(tol=-1.0), ValueError, r"tol must be at least 0.0, got -1.0"),
        (dict(tol="small"), TypeError, r"tol must be a finite real number, got 'small'"),
        (dict(reg_covar=-1e-6), ValueError, r"reg_covar must be at least 0.0"),
        (dict(max_iter=-1), ValueError, r"max_iter must be at least 0, got -1"),
        (dict(n_init=0), ValueError, r"n_init must be at least 1, got 0"),
        (dict(random_state="seed"), TypeError, r"random_state must be None, a non-negative integer"),
        (dict(random_state=-3), ValueError, r"random_state must be a non-negative integer below 2\*\*32, got -3"),
        (dict(random_state=2**32), ValueError, r"random_state must be a non-negative integer below 2\*\*32"),
        (
            dict(random_state=0.5),
            TypeError,
            r"random_state must be None, a non-negative integer, a "
            r"numpy.random.RandomState or a numpy.random.Generator, got 0.5",
        ),
    ],
)
def test_bad_parameters_are_refused_with_a_message_naming_them(params, exception, match):
    _fit_error(exception, match, **params)


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(weights_init=[0.5, 0.6]), r"weights_init must sum to 1.*1\.1"),
        (dict(weights_init=[1.0]), r"weights_init must have shape \(2,\).*\(1,\)"),
        (dict(weights_init=[-0.5, 1.5]), r"weights_init must hold weights between 0 and 1"),
        (dict(means_init=[[1.0, 2.0]]), r"means_init must have shape \(2, 2\).*\(1, 2\)"),
        (dict(means_init=[[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]), r"means_init must have shape \(2, 2\).*\(2, 3\)"),
        (
            dict(precisions_init=np.ones((2, 2))),
            r"precisions_init for covariance_type='full' must have shape \(2, 2, 2\)",
        ),
        (
            dict(precisions_init=np.array([[[1.0, 2.0], [2.0, 1.0]]] * 2)),
            r"precisions_init\[0\] must be positive definite",
        ),
        (dict(precisions_init=np.array([[[1.0, 0.5], [0.0, 1.0]]] * 2)), r"precisions_init\[0\] must be symmetric"),
        (dict(covariance_type="diag", precisions_init=[[1.0, -1.0], [1.0, 1.0]]), r"precisions_init must be positive"),
        (
            dict(covariance_type="spherical", precisions_init=[1.0, 1.0, 1.0]),
            r"precisions_init .*must have shape \(2,\)",
        ),
    ],
)
def test_bad_initial_values_are_refused(params, match):
    _fit_error(ValueError, match, n_components=2, **params)


def test_errors_come_before_any_work(monkeypatch):
    """A bad argument must fail in validation, not after an expensive initialisation."""
    import gmm_teach.mixture

    def no_work(*args, **kwargs):
        raise AssertionError("initialisation started before validation finished")

    monkeypatch.setattr(gmm_teach.mixture, "initial_params", no_work)
    with pytest.raises(ValueError, match="means_init"):
        GaussianMixture(n_components=2, means_init=[[0.0]]).fit(X)
    with pytest.raises(ValueError, match="covariance_type"):
        GaussianMixture(covariance_type="round").iter_fit(X)  # a generator, yet it raises at once


@pytest.mark.parametrize(
    "method, args",
    [
        ("predict", (X,)),
        ("predict_proba", (X,)),
        ("score_samples", (X,)),
        ("score", (X,)),
        ("sample", ()),
        ("bic", (X,)),
        ("aic", (X,)),
        ("anomaly_detect", (X,)),
    ],
)
def test_using_an_unfitted_model_raises_not_fitted_error(method, args):
    with pytest.raises(NotFittedError, match="not fitted yet.*Call 'fit'"):
        getattr(GaussianMixture(), method)(*args)


def test_not_fitted_error_is_both_value_error_and_attribute_error():
    assert issubclass(NotFittedError, ValueError) and issubclass(NotFittedError, AttributeError)


def test_wrong_number_of_features_at_predict():
    model = GaussianMixture(n_components=2, random_state=0).fit(X)
    with pytest.raises(ValueError, match="X has 3 features, but GaussianMixture is expecting 2 features as input"):
        model.predict(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"one sample of 2 features given as a 1-D array.*reshape\(1, -1\)"):
        model.predict(np.array([3.0, 70.0]))


def test_other_method_arguments_are_checked():
    model = GaussianMixture(n_components=2, random_state=0).fit(X)
    with pytest.raises(ValueError, match="n_samples must be at least 1, got 0"):
        model.sample(0)
    with pytest.raises(ValueError, match="threshold must be at most 100.0, got 150"):
        model.anomaly_detect(X, threshold=150)
    with pytest.raises(ValueError, match="method must be one of 'density', 'confidence'; got 'distance'"):
        model.anomaly_detect(X, method="distance")
    with pytest.raises(ValueError, match="'n_component' is not a parameter of GaussianMixture"):
        model.set_params(n_component=3)


def test_feature_names_must_match_those_seen_in_fit():
    pandas = pytest.importorskip("pandas")
    frame = datasets.load_old_faithful(as_frame=True)
    model = GaussianMixture(n_components=2, random_state=0).fit(frame)
    assert list(model.feature_names_in_) == list(datasets.OLD_FAITHFUL_COLUMNS)
    swapped = frame[list(datasets.OLD_FAITHFUL_COLUMNS)[::-1]]
    with pytest.raises(ValueError, match="feature names should match those that were passed during fit: X has"):
        model.predict(swapped)
    assert isinstance(pandas.DataFrame, type)


def test_feature_names_warn_as_scikit_learn_when_only_one_side_has_them():
    pandas = pytest.importorskip("pandas")
    frame = datasets.load_old_faithful(as_frame=True)
    on_frame = GaussianMixture(n_components=2, random_state=0).fit(frame)
    with pytest.warns(UserWarning, match="X does not have valid feature names, but GaussianMixture was fitted with"):
        on_frame.predict(frame.to_numpy())
    on_array = GaussianMixture(n_components=2, random_state=0).fit(frame.to_numpy())
    with pytest.warns(UserWarning, match="X has feature names, but GaussianMixture was fitted without feature names"):
        on_array.predict(frame)
    assert not hasattr(on_array, "feature_names_in_")
    mixed = pandas.DataFrame(frame.to_numpy(), columns=["eruptions", 1])
    with pytest.raises(
        TypeError, match=r"column names must be all strings or all non-strings, got a mix of \['int', 'str'\]"
    ):
        GaussianMixture(n_components=2).fit(mixed)


def test_complex_input_and_pandas_missing_values_are_value_errors():
    pandas = pytest.importorskip("pandas")
    with pytest.raises(ValueError, match="X must contain real numbers, got complex numbers"):
        GaussianMixture(n_components=2).fit(np.array([[1 + 1j, 2], [3, 4], [5, 6j]]))
    frame = pandas.DataFrame({"a": pandas.array([1, None, 3, 4], dtype="Int64"), "b": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(ValueError, match="X must not contain NaN or infinity; found nan at row 1, column 0"):
        GaussianMixture(n_components=2).fit(frame)


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
def test_collapsed_component_gives_advice_not_a_linalg_error(covariance_type):
    """Duplicate points with reg_covar=0 make a singular covariance: the message says what to change."""
    data = np.vstack([np.tile([1.0, 1.0], (10, 1)), np.tile([5.0, 5.0], (10, 1))])
    with pytest.raises(ValueError, match=r"component collapsed.*Increase reg_covar \(now 0\).*fewer components"):
        GaussianMixture(n_components=2, covariance_type=covariance_type, reg_covar=0.0, random_state=0).fit(data)


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
def test_duplicate_points_fit_thanks_to_reg_covar(covariance_type):
    data = np.vstack([np.tile([1.0, 1.0], (10, 1)), np.tile([5.0, 5.0], (10, 1))])
    model = GaussianMixture(n_components=2, covariance_type=covariance_type, random_state=0).fit(data)
    assert np.isfinite(model.score(data))
    assert sorted(model.predict(data).tolist()) == [0] * 10 + [1] * 10


def test_as_many_components_as_points_does_not_crash():
    data = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [3.0, 3.0]])
    model = GaussianMixture(n_components=4, random_state=0).fit(data)
    assert np.isfinite(model.score(data))
