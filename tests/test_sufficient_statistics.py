"""Sufficient statistics: EM's sums per component, computed block by block and merged, give the one-block M-step."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gmm_teach.em import SufficientStatistics, e_step, m_step, m_step_from
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
    with pytest.raises(ValueError, match="covariance_type"):
        full.merge(diag)
