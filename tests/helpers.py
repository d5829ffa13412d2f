"""Small data sets with known structure, and what the book's chapters import, shared by the tests."""

import ast

import numpy as np


def three_blobs(n_samples=300, n_features=2, seed=0):
    """Three well separated Gaussian groups in ``n_features`` dimensions, and their labels."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=6.0, size=(3, n_features))
    labels = np.repeat([0, 1, 2], [n_samples // 3, n_samples // 3, n_samples - 2 * (n_samples // 3)])
    return centres[labels] + rng.normal(size=(n_samples, n_features)), labels


def imported_modules(notebook):
    """Top-level names of the modules a notebook's code cells import (IPython magics left out)."""
    modules = set()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules.add(node.module.split(".")[0])
    return modules


def same_start(X, n_components, covariance_type, **settings):
    """Estimator settings that start from given parameters (the k-means start of ``X``, seed 0), so that two fits
    (in memory and on Dask, or weighted and repeated) begin at the same point; ``settings`` are added."""
    from gmm_teach.initialization import initial_params

    params = initial_params(X, n_components, covariance_type, "kmeans", np.random.default_rng(0))[0]
    return dict(
        n_components=n_components,
        covariance_type=covariance_type,
        weights_init=params.weights,
        means_init=params.means,
        precisions_init=params.precisions,
        **settings,
    )
