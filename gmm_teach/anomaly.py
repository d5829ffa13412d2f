r"""Anomaly detection with a fitted mixture: flag the lowest few percent of a score.

Two scores, two kinds of unusual point:

* **density** (``score_samples``, :math:`\log p(x)`): low far from every cluster. This is the rule for
  outliers: a point the model finds improbable.
* **confidence** (the highest responsibility, :math:`\max_k r_{ik}`): low *between* clusters, where the model
  cannot decide. A point far from every cluster usually still belongs clearly to the nearest one, so this
  rule misses such outliers.

The threshold is a percentile of the scores over the data being checked: ``threshold=4`` flags the 4% of
points with the lowest score.
"""

from __future__ import annotations

import numpy as np

from . import _validation as check

METHODS = ("density", "confidence")


def anomaly_scores(model, X, method: str = "density") -> np.ndarray:
    """The score each point is judged by: log-density or confidence (higher means more typical)."""
    check.check_choice(method, "method", METHODS)
    return model.score_samples(X) if method == "density" else model.confidence_samples(X)


def score_cutoff(scores: np.ndarray, threshold: float) -> float:
    """The ``threshold``-th percentile of ``scores``: points scoring strictly below it are anomalies."""
    scores = check.check_vector(scores, "scores")
    threshold = check.check_number(threshold, "threshold", minimum=0.0, maximum=100.0)
    return float(np.percentile(scores, threshold))


def flag_lowest(scores: np.ndarray, threshold: float) -> tuple[np.ndarray, float]:
    """Boolean mask of the points whose score is below the ``threshold``-th percentile, and that cutoff."""
    scores = check.check_vector(scores, "scores")
    cutoff = score_cutoff(scores, threshold)
    return scores < cutoff, cutoff
