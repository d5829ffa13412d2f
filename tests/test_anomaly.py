"""anomaly.py on its own: the percentile cutoff, the strict "below" rule and the checks of its arguments."""

import numpy as np
import pytest
from helpers import three_blobs

from gmm_teach import GaussianMixture
from gmm_teach.anomaly import anomaly_scores, flag_lowest, score_cutoff

SCORES = np.array([4.0, 1.0, 3.0, 2.0])


def test_the_cutoff_is_the_percentile_of_the_scores():
    assert score_cutoff(SCORES, 50) == 2.5
    assert score_cutoff(SCORES, 0) == 1.0 and score_cutoff(SCORES, 100) == 4.0
    assert score_cutoff([1, 2, 3, 4, 5], 25.0) == 2.0


def test_points_strictly_below_the_cutoff_are_flagged():
    flags, cutoff = flag_lowest(SCORES, 50)
    assert cutoff == 2.5 and flags.tolist() == [False, True, False, True]
    flags, cutoff = flag_lowest([1.0, 2.0, 3.0, 4.0, 5.0], 25.0)
    assert cutoff == 2.0 and flags.tolist() == [True, False, False, False, False]  # 2.0 is not below 2.0


@pytest.mark.parametrize(
    "threshold, error, message",
    [
        (-0.5, ValueError, "threshold must be at least 0.0, got -0.5"),
        (100.5, ValueError, "threshold must be at most 100.0, got 100.5"),
        ("4", TypeError, "threshold must be a finite real number, got '4'"),
    ],
)
def test_a_threshold_outside_zero_to_hundred_percent_is_refused(threshold, error, message):
    for function in (score_cutoff, flag_lowest):
        with pytest.raises(error, match=message):
            function(SCORES, threshold)


@pytest.mark.parametrize(
    "scores, message",
    [
        ([], r"scores must be a non-empty 1-D array of numbers, got shape \(0,\)"),
        ([[1.0, 2.0]], r"scores must be a non-empty 1-D array of numbers, got shape \(1, 2\)"),
        ([1.0, np.nan], "scores must not contain NaN or infinity"),
    ],
)
def test_scores_must_be_a_list_of_numbers(scores, message):
    for function in (score_cutoff, flag_lowest):
        with pytest.raises(ValueError, match=message):
            function(scores, 10.0)


def test_anomaly_scores_are_the_log_density_or_the_confidence():
    X = three_blobs(90)[0]
    model = GaussianMixture(3, random_state=0).fit(X)
    np.testing.assert_array_equal(anomaly_scores(model, X), model.score_samples(X))
    np.testing.assert_array_equal(anomaly_scores(model, X, "confidence"), model.predict_proba(X).max(axis=1))
    with pytest.raises(ValueError, match="method must be one of 'density', 'confidence'; got 'distance'"):
        anomaly_scores(model, X, "distance")
