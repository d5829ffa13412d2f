"""From the same start, our EM follows scikit-learn's to rounding error."""

import warnings

import numpy as np
import pytest
from helpers import three_blobs
from sklearn.mixture import GaussianMixture as SklearnGaussianMixture

from gmm_teach import GaussianMixture, datasets

COVARIANCE_TYPES = ["full", "tied", "diag", "spherical"]


def _data_sets():
    rng = np.random.default_rng(1)
    one_d = np.concatenate([rng.normal(0, 1, 150), rng.normal(5, 0.5, 100), rng.normal(9, 2, 50)])
    return {
        "old_faithful": datasets.load_old_faithful(),
        "one_d": one_d[:, np.newaxis],
        "blobs_2d": three_blobs(300, 2, seed=2)[0],
        "blobs_10d": three_blobs(450, 10, seed=3)[0],
    }


DATA_SETS = _data_sets()


def _initial_values(X, covariance_type, n_components=3, seed=0):
    rng = np.random.default_rng(seed)
    variances = X.var(axis=0)
    precisions = {
        "full": np.array([np.diag(1.0 / variances)] * n_components),
        "tied": np.diag(1.0 / variances),
        "diag": np.tile(1.0 / variances, (n_components, 1)),
        "spherical": np.full(n_components, 1.0 / variances.mean()),
    }[covariance_type]
    weights = rng.dirichlet(np.full(n_components, 5.0))
    means = X[rng.choice(X.shape[0], n_components, replace=False)]
    return dict(weights_init=weights, means_init=means, precisions_init=precisions)


def _fit_both(X, covariance_type):
    settings = dict(
        n_components=3, covariance_type=covariance_type, tol=0.0, max_iter=30, **_initial_values(X, covariance_type)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tol=0 never converges: both warn
        ours = GaussianMixture(**settings).fit(X)
        theirs = SklearnGaussianMixture(**settings).fit(X)
    return ours, theirs


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("data_name", list(DATA_SETS))
def test_log_likelihood_trajectory_matches_scikit_learn(data_name, covariance_type):
    ours, theirs = _fit_both(DATA_SETS[data_name], covariance_type)
    # scikit-learn's lower_bounds_[i] is ours after i iterations; ours has one more entry (the fitted params).
    assert len(ours.lower_bounds_) == len(theirs.lower_bounds_) + 1 == 31
    np.testing.assert_allclose(ours.lower_bounds_[:-1], theirs.lower_bounds_, rtol=1e-8, atol=0)
    assert ours.score(DATA_SETS[data_name]) == pytest.approx(theirs.score(DATA_SETS[data_name]), rel=1e-8)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("data_name", list(DATA_SETS))
def test_fitted_parameters_match_scikit_learn(data_name, covariance_type):
    ours, theirs = _fit_both(DATA_SETS[data_name], covariance_type)
    for name in ("weights_", "means_", "covariances_", "precisions_", "precisions_cholesky_"):
        np.testing.assert_allclose(getattr(ours, name), getattr(theirs, name), rtol=1e-6, atol=1e-9, err_msg=name)
    assert ours.n_iter_ == theirs.n_iter_ == 30


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_predictions_and_criteria_match_scikit_learn(covariance_type):
    X = DATA_SETS["blobs_2d"]
    ours, theirs = _fit_both(X, covariance_type)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(ours.score_samples(X), theirs.score_samples(X), rtol=1e-8)
    assert ours.bic(X) == pytest.approx(theirs.bic(X), rel=1e-8)
    assert ours.aic(X) == pytest.approx(theirs.aic(X), rel=1e-8)
    assert ours._n_parameters() == theirs._n_parameters()


def test_default_fit_is_scikit_learn_s_on_old_faithful():
    """The same k-means start and stopping rule: the same fit, component order included
    (tests/test_seeded_parity.py checks every init method and covariance type)."""
    X = DATA_SETS["old_faithful"]
    ours = GaussianMixture(n_components=2, random_state=0).fit(X)
    theirs = SklearnGaussianMixture(n_components=2, random_state=0).fit(X)
    np.testing.assert_allclose(ours.means_, theirs.means_, rtol=1e-6)
    assert ours.n_iter_ == theirs.n_iter_ and ours.score(X) == pytest.approx(theirs.score(X), rel=1e-10)


def test_scikit_learn_clone_and_get_params_round_trip():
    from sklearn.base import clone

    model = GaussianMixture(n_components=4, covariance_type="diag", random_state=3, reg_covar=1e-4)
    copy = clone(model)
    assert copy is not model and copy.get_params() == model.get_params()
