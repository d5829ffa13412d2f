"""What a learner sees when an optional package is missing: the core works, the explorers say what to install.

Each test runs a fresh Python in which some modules are made unimportable the way Python itself does it
(``sys.modules[name] = None``: ``import name`` raises ModuleNotFoundError and ``importlib.util.find_spec``
answers None), so the test process keeps its own modules.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WIDGETS_HINT = (
    "ImportError: gmm_teach.widgets needs ipywidgets, which is not installed: "
    'pip install "gmm-teach[widgets]" (in a clone: pip install -e ".[widgets]")'
)


def run_without(missing, code, backend="inline"):
    """Run ``code`` in a new interpreter (this checkout first on the path) where ``missing`` cannot be imported."""
    blocker = "".join(f"sys.modules[{name!r}] = None\n" for name in missing)
    program = f"import sys\n{blocker}{code}"
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), *sys.path]),
        "GMM_MPL_BACKEND": backend,
        "MPLBACKEND": "Agg",
    }
    return subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, env=environment, timeout=120, cwd=ROOT
    )


def test_widgets_without_ipywidgets_say_which_extra_to_install_in_one_line():
    result = run_without(["ipywidgets"], "from gmm_teach.widgets import EMPlayer")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == WIDGETS_HINT
    # no chained ModuleNotFoundError ("During handling of the above exception ...") to read past
    assert "ModuleNotFoundError" not in result.stderr
    assert "During handling" not in result.stderr


def test_the_lazy_attribute_gives_the_same_hint():
    result = run_without(["ipywidgets"], "import gmm_teach\ngmm_teach.widgets")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == WIDGETS_HINT


def test_the_hint_is_an_import_error_naming_the_missing_module():
    code = (
        "try:\n    import gmm_teach.widgets\nexcept ImportError as error:\n    print(type(error).__name__, error.name)"
    )
    result = run_without(["ipywidgets"], code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ImportError", "ipywidgets"]


def test_without_ipympl_the_explorers_fall_back_to_images_and_still_follow_their_controls():
    """ipympl is optional within [widgets]: without it the figure is sent as a PNG after each change."""
    pytest.importorskip("ipywidgets")  # absent where `make test-oldest` runs
    code = """
import numpy as np
from gmm_teach import datasets
from gmm_teach.widgets import EMPlayer
player = EMPlayer(datasets.load_old_faithful(), n_components=2)
player.iteration = len(player.trace) - 1
drawn = player.view.clustering.means.get_offsets()
print(player.host.mode, type(player.host.widget).__name__, np.allclose(drawn, player.trace[-1].params.means),
      np.allclose(drawn, player.trace[0].params.means))
"""
    result = run_without(["ipympl"], code, backend="widget")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["inline", "Output", "True", "False"]


def test_the_core_needs_no_plotting_or_widget_package():
    code = """
from gmm_teach import GaussianMixture, datasets
model = GaussianMixture(n_components=2, random_state=0).fit(datasets.load_old_faithful())
print(model.converged_, model.means_.shape)
"""
    result = run_without(["matplotlib", "ipywidgets", "ipympl", "sklearn", "pandas"], code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "(2,", "2)"]
