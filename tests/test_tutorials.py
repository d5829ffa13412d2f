"""The examples learners meet first, run as tests."""

import numpy as np
import pytest

from gmm_teach import GaussianMixture, datasets


def test_two_groups_of_one_hundred_come_out_as_two_groups_of_one_hundred():
    np.random.seed(0)
    X = np.concatenate([np.random.normal(0, 1, size=(100, 2)), np.random.normal(5, 1, size=(100, 2))])
    labels = GaussianMixture(n_components=2, random_state=0).fit_predict(X)
    assert sorted(np.bincount(labels).tolist()) == [100, 100]
    assert len(set(labels[:100])) == 1 and len(set(labels[100:])) == 1


def test_three_blobs_recover_their_weights():
    X, _ = datasets.make_blobs(2000, means=[[0, 0], [6, 0], [0, 6]], weights=[0.2, 0.4, 0.4], random_state=0)
    model = GaussianMixture(n_components=3, random_state=0).fit(X)
    np.testing.assert_allclose(np.sort(model.weights_), [0.2, 0.4, 0.4], atol=0.01)


def test_moons_with_three_components_and_ten_starts_converges():
    X, _ = datasets.make_moons(500, noise=0.05, random_state=0)
    model = GaussianMixture(n_components=3, n_init=10, random_state=0).fit(X)
    assert model.converged_
    assert model.n_iter_ < 100


def test_one_dimensional_data_is_one_feature():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(-2, 0.5, 300), rng.normal(3, 1.0, 700)])
    model = GaussianMixture(n_components=2, random_state=0).fit(x)
    assert model.means_.shape == (2, 1) and model.n_features_in_ == 1
    np.testing.assert_allclose(np.sort(model.means_.ravel()), [-2, 3], atol=0.1)
    np.testing.assert_allclose(np.sort(model.weights_), [0.3, 0.7], atol=0.02)
    assert model.predict(x).shape == (1000,)


def test_old_faithful_has_short_and_long_eruptions():
    X = datasets.load_old_faithful()
    model = GaussianMixture(n_components=2, random_state=0).fit(X)
    short, long = np.argsort(model.means_[:, 0])
    assert model.means_[short] == pytest.approx([2.04, 54.5], abs=0.1)
    assert model.means_[long] == pytest.approx([4.29, 80.0], abs=0.1)
    assert model.bic(X) < GaussianMixture(n_components=1).fit(X).bic(X)
