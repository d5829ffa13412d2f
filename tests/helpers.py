"""Small data sets with known structure, shared by the tests."""

import numpy as np


def three_blobs(n_samples=300, n_features=2, seed=0):
    """Three well separated Gaussian groups in ``n_features`` dimensions, and their labels."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=6.0, size=(3, n_features))
    labels = np.repeat([0, 1, 2], [n_samples // 3, n_samples // 3, n_samples - 2 * (n_samples // 3)])
    return centres[labels] + rng.normal(size=(n_samples, n_features)), labels
