"""Where GaussianMixture's EM starts and how it reports: given responsibilities, given initial values, max_iter,
and the change in the messages. (Written to kill the mutants ``make mutate`` found surviving in mixture.py.)"""

import re
import warnings

import numpy as np
import pytest
from helpers import three_blobs

from gmm_teach import ConvergenceWarning, GaussianMixture
from gmm_teach.em import m_step

X = three_blobs(90)[0]


def one_hot(labels, n_components):
    return np.eye(n_components)[labels]


def test_given_responsibilities_are_step_zero_and_their_m_step_its_parameters():
    responsibilities = one_hot(np.arange(len(X)) % 3, 3)
    model = GaussianMixture(3, covariance_type="diag", reg_covar=0.5, random_state=0)
    first = next(iter(model.iter_fit(X, initial_responsibilities=responsibilities)))
    expected = m_step(X, responsibilities, "diag", reg_covar=0.5)
    np.testing.assert_array_equal(first.responsibilities, responsibilities)
    np.testing.assert_allclose(first.params.covariances, expected.covariances)
    np.testing.assert_allclose(first.params.means, expected.means)


def test_given_initial_values_are_where_em_starts():
    weights, means = np.array([0.2, 0.3, 0.5]), np.array([[-5.0, 0.0], [0.0, 5.0], [5.0, 0.0]])
    precisions = np.array([0.5, 1.0, 2.0])
    model = GaussianMixture(
        3, covariance_type="spherical", weights_init=weights, means_init=means, precisions_init=precisions, max_iter=0
    ).fit(X)
    np.testing.assert_allclose(model.weights_, weights)
    np.testing.assert_allclose(model.means_, means)
    np.testing.assert_allclose(model.precisions_, precisions)


@pytest.mark.parametrize("max_iter", [1, 3])
def test_iter_fit_stops_at_max_iter(max_iter):
    steps = list(GaussianMixture(3, tol=0.0, max_iter=max_iter, random_state=0).iter_fit(X))
    assert [step.iteration for step in steps] == list(range(max_iter + 1))


def test_the_messages_report_the_last_change_of_the_log_likelihood(capsys):
    with pytest.warns(ConvergenceWarning) as caught:
        model = GaussianMixture(3, tol=0.0, max_iter=2, random_state=0).fit(X)
    change = model.lower_bounds_[-1] - model.lower_bounds_[-2]
    assert change > 0
    assert f"last change of the mean log-likelihood: {change:.3g}, tol=0.0" in str(caught[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        GaussianMixture(3, tol=0.0, max_iter=2, verbose=2, verbose_interval=1, random_state=0).fit(X)
    printed = re.findall(r"iteration (\d+): change (\S+),", capsys.readouterr().out)
    assert [int(t) for t, _ in printed] == [1, 2]
    assert [float(value) for _, value in printed] == pytest.approx(
        [model.lower_bounds_[t] - model.lower_bounds_[t - 1] for t in (1, 2)], rel=1e-3
    )
