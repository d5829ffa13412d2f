"""Sufficient statistics: EM's sums per component, computed block by block and merged, give the one-block M-step."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gmm_teach.covariance import CollapsedComponentError
from gmm_teach.em import MixtureParams, SufficientStatistics, e_step, m_step, m_step_from
from gmm_teach.initialization import initial_params

COVARIANCE_TYPES = ["full", "tied", "diag", "spherical"]


def blobs(offset=0.0, n_samples=600, seed=0):
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0, 0.0], [4.0, 1.0, -2.0], [-3.0, 5.0, 1.0]])
    return centres[rng.integers(3, size=n_samples)] + rng.normal(size=(n_samples, 3)) + offset


def start(X, covariance_type):
    return initial_params(X, 3, covariance_type, "kmeans", np.random.default_rng(1))[0]


def merged_blocks(X, params, cuts, sample_weight=None):
    bounds = [0, *sorted(cuts), len(X)]
    total = None
    for begin, end in zip(bounds, bounds[1:]):
        weights = None if sample_weight is None else sample_weight[begin:end]
        block = SufficientStatistics.from_block(X[begin:end], params, weights)
        total = block if total is None else total.merge(block)
    return total


def assert_same_statistics(merged, whole, rtol=1e-12):
    np.testing.assert_allclose(merged.nk, whole.nk, rtol=rtol)
    np.testing.assert_allclose(merged.means, whole.means, rtol=rtol, atol=rtol * np.abs(whole.means).max())
    scale = np.abs(whole.scatters).max()
    np.testing.assert_allclose(merged.scatters, whole.scatters, rtol=0, atol=rtol * scale)
    assert merged.log_likelihood_sum == pytest.approx(whole.log_likelihood_sum, rel=rtol)
    assert merged.weight_total == whole.weight_total


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("offset", [0.0, 1e6])
@settings(max_examples=25, deadline=None, derandomize=True)
@given(cuts=st.lists(st.integers(0, 600), max_size=6))
def test_merging_any_split_equals_one_block(covariance_type, offset, cuts):
    """Uneven blocks, single points and empty blocks (repeated cuts), also a million from the origin."""
    X = blobs(offset)
    params = start(X, covariance_type)
    whole = SufficientStatistics.from_block(X, params)
    assert_same_statistics(merged_blocks(X, params, cuts), whole)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_single_point_blocks_merge_to_one_block(covariance_type):
    X = blobs(1e6, n_samples=40)
    params = start(X, covariance_type)
    assert_same_statistics(merged_blocks(X, params, range(1, 40)), SufficientStatistics.from_block(X, params))


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_m_step_from_statistics_is_the_m_step(covariance_type):
    X = blobs()
    responsibilities = e_step(X, start(X, covariance_type))[0]
    stats = SufficientStatistics.from_responsibilities(X, responsibilities, covariance_type)
    ours, reference = m_step_from(stats), m_step(X, responsibilities, covariance_type)
    for name in ("weights", "means", "covariances", "precisions_cholesky"):
        expected = getattr(reference, name)
        np.testing.assert_allclose(
            getattr(ours, name), expected, rtol=1e-12, atol=1e-12 * np.abs(expected).max(), err_msg=name
        )


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_integer_sample_weights_are_repeated_rows(covariance_type):
    X = blobs(n_samples=200)
    params = start(X, covariance_type)
    counts = np.random.default_rng(3).integers(0, 4, size=len(X))
    weighted = SufficientStatistics.from_block(X, params, counts.astype(float))
    repeated = SufficientStatistics.from_block(np.repeat(X, counts, axis=0), params)
    assert_same_statistics(weighted, repeated, rtol=1e-11)


def test_block_log_likelihood_is_the_e_steps():
    X = blobs()
    params = start(X, "full")
    stats = SufficientStatistics.from_block(X, params)
    assert stats.mean_log_likelihood == pytest.approx(e_step(X, params)[1], rel=1e-13)


def test_merging_two_covariance_types_is_an_error():
    X = blobs()
    full = SufficientStatistics.from_block(X, start(X, "full"))
    diag = SufficientStatistics.from_block(X, start(X, "diag"))
    with pytest.raises(ValueError, match="merge needs statistics of one covariance_type; got 'full' and 'diag'"):
        full.merge(diag)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_from_block_is_the_e_step_summed(covariance_type):
    X = blobs(n_samples=200)
    params = start(X, covariance_type)
    responsibilities, mean_log_likelihood = e_step(X, params)
    expected = SufficientStatistics.from_responsibilities(
        X, responsibilities, covariance_type, log_likelihood_sum=len(X) * mean_log_likelihood
    )
    assert_same_statistics(SufficientStatistics.from_block(X, params), expected)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_the_engines_block_statistics_are_the_reference_ones(covariance_type):
    """from_block_fast (a Dask fit's map step) gives from_block's numbers, for a block and for an empty one."""
    X = blobs(n_samples=200)
    params = start(X, covariance_type)
    fast = SufficientStatistics.from_block_fast(X, params)
    assert fast.covariance_type == covariance_type
    assert_same_statistics(fast, SufficientStatistics.from_block(X, params), rtol=1e-10)
    empty = SufficientStatistics.from_block_fast(X[:0], params)
    assert_same_statistics(empty, SufficientStatistics.from_block(X[:0], params))
    assert empty.weight_total == 0.0 and fast.merge(empty) is fast


def test_statistics_given_no_log_likelihood_add_none():
    X = blobs(n_samples=50)
    stats = SufficientStatistics.from_responsibilities(X, e_step(X, start(X, "diag"))[0], "diag")
    assert stats.log_likelihood_sum == 0.0


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_float32_inputs_are_summed_in_float64(covariance_type):
    """A float32 array holds float64 numbers exactly: summing them in float32 would lose half the digits."""
    X = blobs(n_samples=200).astype(np.float32)
    responsibilities = e_step(X, start(X, covariance_type))[0].astype(np.float32)
    sample_weight = np.linspace(0.5, 2.0, len(X), dtype=np.float32)
    exact = SufficientStatistics.from_responsibilities(
        X.astype(np.float64), responsibilities.astype(np.float64), covariance_type, sample_weight.astype(np.float64)
    )
    assert_same_statistics(
        SufficientStatistics.from_responsibilities(X, responsibilities, covariance_type, sample_weight), exact
    )
    unweighted = SufficientStatistics.from_responsibilities(
        X.astype(np.float64), responsibilities.astype(np.float64), covariance_type
    )
    assert_same_statistics(SufficientStatistics.from_responsibilities(X, responsibilities, covariance_type), unweighted)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_merging_keeps_a_component_that_owns_no_point_empty(covariance_type):
    """N_k = 0 in both blocks: the merged component has N_k = 0, centred mean 0 and scatter 0, with no 0 / 0."""
    X = blobs(n_samples=100)
    responsibilities = np.column_stack([e_step(X, start(X, covariance_type))[0], np.zeros(len(X))])
    first, second = (
        SufficientStatistics.from_responsibilities(X[rows], responsibilities[rows], covariance_type)
        for rows in (slice(0, 60), slice(60, 100))
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        merged = first.merge(second)
    assert merged.nk[3] == 0.0
    np.testing.assert_array_equal(merged.centred_means[3], 0.0)
    np.testing.assert_array_equal(merged.scatters[3], 0.0)
    assert_same_statistics(merged, SufficientStatistics.from_responsibilities(X, responsibilities, covariance_type))


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_m_step_from_statistics_gives_an_empty_component_the_m_steps_ten_machine_epsilons(covariance_type):
    X = blobs(n_samples=100)
    responsibilities = np.column_stack([e_step(X, start(X, covariance_type))[0], np.zeros(len(X))])
    stats = SufficientStatistics.from_responsibilities(X, responsibilities, covariance_type)
    np.testing.assert_allclose(
        m_step_from(stats).weights, m_step(X, responsibilities, covariance_type).weights, rtol=1e-12
    )


def test_a_collapsed_m_step_from_statistics_names_the_reg_covar_in_use():
    """As m_step: two points on the diagonal give a singular covariance that 1e-10 cannot lift."""
    points = np.array([[-1e4, -1e4], [1e4, 1e4]])
    stats = SufficientStatistics.from_responsibilities(points, np.ones((2, 1)), "full")
    with pytest.raises(CollapsedComponentError, match=r"Increase reg_covar \(now 1e-10\)"):
        m_step_from(stats, reg_covar=1e-10)


@pytest.mark.parametrize("n_points", [0, 5])
def test_block_weights_of_the_wrong_length_are_refused_by_name(n_points):
    X = np.arange(2.0 * n_points).reshape(n_points, 2)
    params = MixtureParams.from_covariances(np.array([1.0]), np.zeros((1, 2)), np.eye(2)[np.newaxis], "full")
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(%d,\)" % n_points):
        SufficientStatistics.from_block(X, params, np.ones(n_points + 1))


def test_a_block_that_weighs_nothing_merges_to_nothing():
    X = np.random.default_rng(0).normal(size=(30, 2))
    params = MixtureParams.from_covariances(
        np.array([0.5, 0.5]), np.array([[-1.0, 0], [1, 0]]), np.stack([np.eye(2), np.eye(2)]), "full"
    )
    whole = SufficientStatistics.from_block(X[:20], params)
    merged = SufficientStatistics.merge(whole, SufficientStatistics.from_block(X[20:], params, np.zeros(10)))
    np.testing.assert_allclose(merged.nk, whole.nk, rtol=1e-12)
    np.testing.assert_allclose(merged.scatters, whole.scatters, rtol=1e-12)
    assert merged.weight_total == whole.weight_total


def test_a_component_empty_in_both_blocks_stays_where_the_first_block_put_it():
    """Its share N_b / N is 0 / 0: taken as 0, so the merged mean is the first block's (finite, not garbage)."""
    params = MixtureParams.from_covariances(
        np.array([0.5, 0.5]), np.array([[0.0, 0.0], [1e9, 1e9]]), np.stack([np.eye(2), np.eye(2)]), "full"
    )
    X = np.random.default_rng(1).normal(size=(40, 2))
    first, second = SufficientStatistics.from_block(X[:25], params), SufficientStatistics.from_block(X[25:], params)
    for _ in range(20):  # fresh arrays each time: an uninitialised share would show sooner or later
        merged = first.merge(second)
        assert merged.nk[1] == 0.0
        np.testing.assert_array_equal(merged.means[1], first.means[1])


def test_the_default_reg_covar_of_the_estimates_is_m_step_froms():
    X = np.random.default_rng(2).normal(size=(50, 2))
    params = MixtureParams.from_covariances(np.array([1.0]), np.zeros((1, 2)), np.eye(2)[np.newaxis], "full")
    stats = SufficientStatistics.from_block(X, params)
    np.testing.assert_array_equal(stats.estimates()[2], stats.estimates(1e-6)[2])
    np.testing.assert_array_equal(stats.estimates()[2], m_step_from(stats).covariances)
