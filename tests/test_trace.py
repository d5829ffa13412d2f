"""EMTrace: replay of one EM run with bounded memory."""

import numpy as np
import pytest

from gmm_teach import GaussianMixture, datasets
from gmm_teach.trace import EMTrace


@pytest.fixture(scope="module")
def faithful():
    return datasets.load_old_faithful()


def test_replayed_steps_equal_the_streamed_steps_exactly(faithful):
    streamed = list(GaussianMixture(3, random_state=1, tol=1e-6, max_iter=25).iter_fit(faithful))
    trace = EMTrace.run(faithful, n_components=3, random_state=1, tol=1e-6, max_iter=25)
    assert len(trace) == len(streamed) > 5
    for original, replayed in zip(streamed, trace):
        assert replayed.iteration == original.iteration
        np.testing.assert_array_equal(replayed.responsibilities, original.responsibilities)
        np.testing.assert_array_equal(replayed.params.means, original.params.means)
        assert replayed.log_likelihood == original.log_likelihood
        assert replayed.converged == original.converged


def test_a_bayesian_run_replays_its_variational_responsibilities(faithful):
    from gmm_teach import BayesianGaussianMixture

    model = BayesianGaussianMixture(n_components=4, random_state=0, max_iter=15)
    streamed = list(model.iter_fit(faithful))
    trace = EMTrace.record(faithful, iter(streamed))
    np.testing.assert_array_equal(trace.log_likelihoods, [step.evidence_lower_bound for step in streamed])
    for original, replayed in zip(streamed[1:], list(trace)[1:]):
        assert type(replayed) is type(original) and replayed.evidence_lower_bound == original.evidence_lower_bound
        np.testing.assert_allclose(replayed.responsibilities, original.responsibilities, rtol=1e-12, atol=1e-300)


def test_log_likelihoods_never_decrease(faithful):
    trace = EMTrace.run(faithful, n_components=4, covariance_type="diag", random_state=0)
    assert np.all(np.diff(trace.log_likelihoods) >= -1e-12)
    assert trace.n_iter == len(trace) - 1


def test_memory_holds_parameters_and_one_responsibility_matrix_per_cached_step():
    X = datasets.make_blobs(2000, random_state=0)[0]
    trace = EMTrace.run(X, n_components=3, random_state=0, tol=0.0, max_iter=40, cache_size=2)
    assert len(trace) == 41

    def responsibility_matrices():
        return [array for array in trace.arrays() if array.shape == (X.shape[0], 3)]

    assert len(responsibility_matrices()) == 1  # only step 0's while recording
    recording = trace.nbytes
    for iteration in (5, 6, 7, 8, 9):
        trace[iteration]
    assert len(responsibility_matrices()) == 1 + 2  # step 0 and the two cached steps
    # whatever the trace prepares once for replay is at most a few columns per point, not one per step
    assert trace.nbytes - recording <= 2 * X.nbytes * 3 + 8 * (X.shape[0] * 3) * 2
    assert trace.nbytes < 41 * X.shape[0] * 3 * 8 / 6  # far below keeping every responsibility matrix


def test_cache_returns_the_same_array_and_evicts_the_least_recent(faithful):
    trace = EMTrace.run(faithful, n_components=2, random_state=0, cache_size=2)
    first = trace.responsibilities(1)
    assert trace.responsibilities(1) is first
    trace.responsibilities(2)
    trace.responsibilities(3)
    assert trace.responsibilities(1) is not first
    np.testing.assert_array_equal(trace.responsibilities(1), first)


def test_negative_index_and_errors(faithful):
    trace = EMTrace.run(faithful, n_components=2, random_state=0)
    assert trace[-1].iteration == len(trace) - 1
    with pytest.raises(IndexError, match="out of range"):
        trace[len(trace)]
    with pytest.raises(TypeError, match="integer iteration"):
        trace[1.5]


def test_record_rejects_a_stream_with_gaps(faithful):
    steps = list(GaussianMixture(2, random_state=0).iter_fit(faithful))
    with pytest.raises(ValueError, match="without gaps"):
        EMTrace.record(faithful, steps[::2])


def test_run_checks_its_arguments_first():
    with pytest.raises(ValueError, match="covariance_type"):
        EMTrace.run(np.zeros((10, 2)), covariance_type="round")
    with pytest.raises(TypeError, match="X must"):
        EMTrace.run("data")


@pytest.mark.parametrize("X", [np.repeat(np.arange(5.0), 8)[:, None], np.ones((20, 5)) + np.arange(20)[:, None] % 3])
def test_one_feature_and_duplicate_points(X):
    trace = EMTrace.run(X, n_components=2, random_state=0)
    assert trace[-1].responsibilities.shape == (len(X), 2)
