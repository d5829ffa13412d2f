"""Run scikit-learn's own mixture tests with gmm-teach's classes in place of scikit-learn's.

The installed scikit-learn's ``sklearn/mixture/tests/test_gaussian_mixture.py`` and
``test_bayesian_mixture.py`` are copied into a scratch directory, their imports of ``GaussianMixture``,
``BayesianGaussianMixture``, ``ConvergenceWarning`` and ``NotFittedError`` are pointed at gmm_teach, and
pytest runs them in a subprocess. The tests that still call scikit-learn's private functions (its
``_estimate_gaussian_parameters`` ...) test scikit-learn itself and pass or fail on their own; those that
match scikit-learn's exact message text, or need its array-API support, are expected to fail here.

Run it as ``python tests/sklearn_suite.py`` to print the counts; ``tests/test_sklearn_suite.py`` runs it
in the test suite (skipped without scikit-learn).
"""

import re
import subprocess
import sys
import tempfile
from pathlib import Path

SUITE_FILES = ("test_gaussian_mixture.py", "test_bayesian_mixture.py")

REWRITES = [
    (r"^from sklearn\.mixture import (GaussianMixture|BayesianGaussianMixture)$", r"from gmm_teach import \1"),
    (r"^from sklearn\.exceptions import (.*)$", r"from gmm_teach import \1"),
    (r"^from sklearn\.mixture\.tests\.test_gaussian_mixture import", "from test_gaussian_mixture import"),
    (r"ignore::sklearn\.exceptions\.ConvergenceWarning", "ignore::gmm_teach.ConvergenceWarning"),
]

CONFTEST = '''
import numpy as np
import pytest


@pytest.fixture
def global_random_seed():
    """scikit-learn's fixture, at its default seed."""
    return 42


@pytest.fixture
def global_dtype():
    """scikit-learn's fixture, at its default dtype."""
    return np.float64
'''


def copy_suite(directory):
    """Copy the two test files of the installed scikit-learn into ``directory``, rewritten to test gmm_teach."""
    import sklearn.mixture.tests

    source = Path(sklearn.mixture.tests.__file__).parent
    directory = Path(directory)
    for name in SUITE_FILES:
        text = (source / name).read_text()
        for pattern, replacement in REWRITES:
            text = re.sub(pattern, replacement, text, flags=re.MULTILINE)
        (directory / name).write_text(text)
    (directory / "conftest.py").write_text(CONFTEST)
    return [directory / name for name in SUITE_FILES]


def run_suite(directory, extra_args=()):
    """Run the rewritten files with pytest in a subprocess; returns ``{file: {outcome: count}}`` and the output."""
    paths = copy_suite(directory)
    counts = {}
    output = []
    for path in paths:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-p",
                "no:cacheprovider",
                "-q",
                "-rf",
                "--no-header",
                "-o",
                "addopts=",
                "--rootdir",
                str(directory),
                str(path),
                *extra_args,
            ],
            cwd=directory,
            capture_output=True,
            text=True,
        )
        output.append(result.stdout + result.stderr)
        summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
        counts[path.name] = {
            outcome: int(number)
            for number, outcome in re.findall(r"(\d+) (passed|failed|skipped|xfailed|xpassed|error)", summary)
        }
    return counts, "\n".join(output)


def main():
    with tempfile.TemporaryDirectory() as directory:
        counts, output = run_suite(directory, sys.argv[1:])
    print(output)
    for name, outcomes in counts.items():
        print(name, outcomes)


if __name__ == "__main__":
    main()
