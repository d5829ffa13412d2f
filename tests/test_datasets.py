"""The data sets: generators with known answers and the real data shipped inside the package."""

from importlib import resources

import numpy as np
import pytest

from gmm_teach import datasets


def test_old_faithful_is_the_classic_272_eruptions():
    X = datasets.load_old_faithful()
    assert X.shape == (272, 2)
    assert X[0].tolist() == [3.6, 79.0]
    np.testing.assert_allclose(X.mean(axis=0), [3.487783, 70.897059], atol=1e-6)
    frame = datasets.load_old_faithful(as_frame=True)
    assert list(frame.columns) == ["eruption duration (min)", "waiting time to next eruption (min)"]


def test_iris_has_fifty_flowers_of_each_species():
    X, species = datasets.load_iris()
    assert X.shape == (150, 4)
    assert sorted(set(species)) == ["setosa", "versicolor", "virginica"]
    assert [int((species == name).sum()) for name in ("setosa", "versicolor", "virginica")] == [50, 50, 50]
    np.testing.assert_allclose(X.mean(axis=0), [5.843333, 3.057333, 3.758, 1.199333], atol=1e-6)


def test_shipped_data_has_its_provenance_written_down():
    readme = resources.files("gmm_teach.data").joinpath("README.md").read_text()
    for name in ("old_faithful.csv", "iris.csv", "Azzalini", "Fisher"):
        assert name in readme


def test_make_blobs_gives_exact_shares_and_chosen_shapes():
    covariances = [[[1.0, 0.8], [0.8, 1.0]], [[0.2, 0.0], [0.0, 3.0]]]
    X, y = datasets.make_blobs(1001, means=[[0, 0], [10, 10]], covariances=covariances, weights=[0.3, 0.7],
                               random_state=0)
    assert X.shape == (1001, 2) and np.bincount(y).tolist() == [300, 701]
    np.testing.assert_allclose(np.cov(X[y == 0].T), covariances[0], atol=0.2)
    np.testing.assert_allclose(X[y == 1].mean(axis=0), [10, 10], atol=0.2)
    again, _ = datasets.make_blobs(1001, means=[[0, 0], [10, 10]], covariances=covariances, weights=[0.3, 0.7],
                                   random_state=0)
    np.testing.assert_array_equal(X, again)


def test_make_blobs_checks_its_arguments():
    with pytest.raises(ValueError, match="weights must sum to 1"):
        datasets.make_blobs(10, means=[[0.0], [1.0]], weights=[0.5, 0.6])
    with pytest.raises(ValueError, match=r"covariances\[0\] must be positive definite"):
        datasets.make_blobs(10, means=[[0.0, 0.0]], covariances=[[[1.0, 2.0], [2.0, 1.0]]])


def test_make_moons_are_two_half_circles():
    X, y = datasets.make_moons(200, random_state=0)
    assert X.shape == (200, 2) and np.bincount(y).tolist() == [100, 100]
    np.testing.assert_allclose(np.hypot(*X[y == 0].T), 1.0)
    noisy, _ = datasets.make_moons(200, noise=0.1, random_state=0)
    assert 0.05 < np.std(noisy - X) < 0.15
