"""Where GaussianMixture's fits start and how they continue: weighted iter_fit, given responsibilities,
partial_fit after fit, and the choice of the best of n_init starts (Dask arrays: test_dask_start.py)."""

import numpy as np
import pytest
from helpers import three_blobs

from gmm_teach import ConvergenceWarning, GaussianMixture
from gmm_teach.em import e_step, m_step
from gmm_teach.initialization import initial_params

sklearn_mixture = pytest.importorskip("sklearn.mixture")
sklearn_exceptions = pytest.importorskip("sklearn.exceptions")


def test_iter_fit_weights_the_points_as_fit_does():
    X = three_blobs(120)[0]
    sample_weight = np.random.default_rng(1).integers(1, 4, size=120).astype(float)
    fitted = GaussianMixture(3, random_state=0).fit(X, sample_weight=sample_weight)
    steps = list(GaussianMixture(3, random_state=0).iter_fit(X, sample_weight=sample_weight))
    np.testing.assert_allclose(steps[-1].params.means, fitted.means_)


def test_given_responsibilities_are_weighted_by_sample_weight():
    """Step 0 of ``initial_responsibilities`` is their M-step with each point counted ``sample_weight`` times:
    that of the rows repeated."""
    X = three_blobs(60)[0]
    counts = np.random.default_rng(2).integers(1, 4, size=60)
    responsibilities = np.random.default_rng(3).dirichlet(np.ones(3), size=60)
    weighted = next(
        GaussianMixture(3).iter_fit(X, initial_responsibilities=responsibilities, sample_weight=counts.astype(float))
    )
    repeated = next(
        GaussianMixture(3).iter_fit(
            np.repeat(X, counts, axis=0), initial_responsibilities=np.repeat(responsibilities, counts, axis=0)
        )
    )
    np.testing.assert_allclose(weighted.params.means, repeated.params.means, rtol=1e-10)
    np.testing.assert_allclose(weighted.params.covariances, repeated.params.covariances, rtol=1e-10)


def test_a_whole_fit_forgets_the_batches_of_partial_fit():
    """After ``fit``, ``partial_fit`` of a batch merges only that batch: the earlier batches are forgotten."""
    X = three_blobs(300)[0]
    model = GaussianMixture(3, random_state=0)
    model.partial_fit(X[:100]).partial_fit(X[100:200])
    model.fit(X)
    model.partial_fit(X[200:])
    assert len(model._batch_statistics) == 1
    fresh = GaussianMixture(3, random_state=0).fit(X)
    fresh.partial_fit(X[200:])
    np.testing.assert_allclose(model.means_, fresh.means_)


@pytest.mark.parametrize("seed", range(2))
def test_with_one_iteration_the_best_start_is_scikit_learns(seed):
    """With ``max_iter=1`` the starts are ranked by the log-likelihood of their initial parameters (the last one
    scikit-learn computes), not of the parameters after the step: the same start wins as in scikit-learn."""
    X = three_blobs(150, seed=seed)[0]
    settings = dict(n_components=4, n_init=6, max_iter=1, init_params="random_from_data", random_state=seed)
    with pytest.warns(ConvergenceWarning):
        ours = GaussianMixture(**settings).fit(X)
    with pytest.warns(sklearn_exceptions.ConvergenceWarning):
        theirs = sklearn_mixture.GaussianMixture(**settings).fit(X)
    np.testing.assert_allclose(ours.means_, theirs.means_, rtol=1e-8)
    assert ours.lower_bound_ == pytest.approx(theirs.lower_bound_, rel=1e-10)


def test_reg_covar_is_added_in_every_m_step_of_fit_and_partial_fit():
    """A large ``reg_covar`` shows: every fitted variance is at least ``reg_covar``."""
    X = three_blobs(90)[0]
    fitted = GaussianMixture(3, covariance_type="diag", reg_covar=25.0, random_state=0).fit(X)
    assert fitted.covariances_.min() >= 25.0
    incremental = GaussianMixture(3, covariance_type="diag", reg_covar=25.0, random_state=0).partial_fit(X)
    assert incremental.covariances_.min() >= 25.0


def test_a_warm_start_continues_scikit_learns_convergence_test():
    """The second fit of a warm start compares its first log-likelihood with the last of the previous fit, as
    scikit-learn does: a converged model converges again at once."""
    X = three_blobs(150)[0]
    ours = GaussianMixture(3, warm_start=True, random_state=0).fit(X)
    theirs = sklearn_mixture.GaussianMixture(3, warm_start=True, random_state=0).fit(X)
    ours.fit(X)
    theirs.fit(X)
    assert ours.n_iter_ == theirs.n_iter_ == 1
    np.testing.assert_allclose(ours.means_, theirs.means_, rtol=1e-8)


def test_the_first_partial_fit_starts_from_random_state_and_reports_the_starts_log_likelihood():
    """The first call: ``init_params`` from ``random_state`` (repeatable), an E-step under the start (its mean
    log-likelihood is ``lower_bound_``), then the M-step; the model is not said to have converged."""
    X = three_blobs(90)[0]
    start = initial_params(X, 3, "full", "random", np.random.RandomState(0))[0]
    model = GaussianMixture(3, init_params="random", random_state=0).partial_fit(X)
    assert model.lower_bound_ == pytest.approx(e_step(X, start)[1], rel=1e-12)
    np.testing.assert_allclose(model.means_, m_step(X, e_step(X, start)[0], "full").means, rtol=1e-10)
    assert model.converged_ is False and model.n_iter_ == 1 and model.n_features_in_ == 2
