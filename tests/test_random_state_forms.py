"""Everything that takes a random_state takes scikit-learn's forms (None, an int, a RandomState) and a Generator."""

import argparse

import matplotlib.pyplot as plt
import numpy as np
import pytest

from gmm_teach import EMTrace, GaussianMixture, datasets
from gmm_teach._validation import check_random_state
from gmm_teach.animation import animate_em
from gmm_teach.cli import _seed
from gmm_teach.widgets import BayesianExplorer, ElbowExplorer, EMPlayer

FAITHFUL = datasets.load_old_faithful()


def test_check_random_state_follows_scikit_learn():
    assert check_random_state(None) is np.random.mtrand._rand
    state = np.random.RandomState(3)
    assert check_random_state(state) is state
    generator = np.random.default_rng(3)
    assert check_random_state(generator) is generator
    np.testing.assert_array_equal(
        check_random_state(np.int64(3)).uniform(size=4), np.random.RandomState(3).uniform(size=4)
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda rs: datasets.make_blobs(50, random_state=rs),
        lambda rs: datasets.make_moons(50, noise=0.1, random_state=rs),
    ],
)
def test_datasets_take_every_form_and_an_int_is_its_random_state(make):
    by_int = make(4)[0]
    np.testing.assert_array_equal(by_int, make(np.random.RandomState(4))[0])
    state = np.random.get_state()
    try:
        np.random.seed(4)
        np.testing.assert_array_equal(by_int, make(None)[0])
    finally:
        np.random.set_state(state)
    np.testing.assert_array_equal(make(np.random.default_rng(4))[0], make(np.random.default_rng(4))[0])


def test_em_trace_and_animate_em_take_a_random_state(tmp_path):
    by_int = EMTrace.run(FAITHFUL, n_components=2, init_params="random", random_state=5, max_iter=3)
    by_state = EMTrace.run(
        FAITHFUL, n_components=2, init_params="random", random_state=np.random.RandomState(5), max_iter=3
    )
    np.testing.assert_array_equal(by_int.params[-1].means, by_state.params[-1].means)
    path = animate_em(
        FAITHFUL, n_components=2, random_state=np.random.RandomState(5), max_iter=1, path=tmp_path / "em.html", dpi=30
    )
    assert path.stat().st_size > 0
    with pytest.raises(TypeError, match="random_state must be None, a non-negative integer, a numpy.random.Random"):
        EMTrace.run(FAITHFUL, n_components=2, random_state="seed")


def test_em_player_continues_a_random_state_at_every_new_start():
    player = EMPlayer(
        FAITHFUL, n_components=2, init_params="random", random_state=np.random.RandomState(8), max_iter=3, tol=1e-3
    )
    reference = np.random.RandomState(8)  # the same stream, drawn by two consecutive fits
    first, second = (
        GaussianMixture(2, init_params="random", max_iter=3, random_state=reference).fit(FAITHFUL) for _ in range(2)
    )
    assert player.seed == 0
    np.testing.assert_array_equal(player.trace.params[-1].means, first.means_)
    player.new_start.click()
    assert player.seed == 1
    np.testing.assert_array_equal(player.trace.params[-1].means, second.means_)
    player.iteration, player.phase = len(player.trace) - 1, "M"
    np.testing.assert_array_equal(player.view.clustering.means.get_offsets(), second.means_)  # what is drawn
    plt.close(player.figure)


def test_em_player_with_an_int_starts_from_that_seed():
    player = EMPlayer(FAITHFUL, n_components=2, init_params="random", random_state=11, max_iter=2, tol=1e-3)
    assert player.seed == 11
    fitted = GaussianMixture(2, init_params="random", max_iter=2, random_state=11).fit(FAITHFUL)
    np.testing.assert_array_equal(player.trace.params[-1].means, fitted.means_)
    plt.close(player.figure)


def test_explorers_take_a_random_state_and_refuse_a_bad_one():
    explorer = ElbowExplorer(
        FAITHFUL, k_range=range(1, 3), covariance_types=("spherical",), n_init=1, random_state=np.random.RandomState(0)
    )
    assert explorer.random_state is not None
    plt.close(explorer.figure)
    with pytest.raises(TypeError, match="random_state must be None"):
        ElbowExplorer(FAITHFUL, random_state=1.5)
    with pytest.raises(TypeError, match="random_state must be None"):
        BayesianExplorer(FAITHFUL, n_components=2, random_state="seed")


def test_cli_seed_is_checked_as_random_state():
    assert _seed("42") == 42
    with pytest.raises(argparse.ArgumentTypeError, match="expected a whole number, at least 0 and at most 4294967295"):
        _seed(str(2**32))
