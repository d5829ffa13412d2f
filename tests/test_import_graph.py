"""tools/import_graph.py: the package's dependencies point one way, with no cycle hidden by a lazy import."""

import importlib.util
import subprocess
import sys
from pathlib import Path

TOOL = Path(__file__).resolve().parent.parent / "tools" / "import_graph.py"
PACKAGE = TOOL.parent.parent / "gmm_teach"


def _load_tool():
    spec = importlib.util.spec_from_file_location("import_graph", TOOL)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


import_graph = _load_tool()


def _package(tmp_path, files):
    """A throwaway package named gmm_teach made of ``{relative path: source}``."""
    root = tmp_path / "gmm_teach"
    for name, source in {"__init__.py": "", **files}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(source)
    return root


def _run(root):
    return subprocess.run([sys.executable, str(TOOL), str(root)], capture_output=True, text=True, check=False)


def test_a_cycle_hidden_by_a_lazy_import_is_found(tmp_path):
    root = _package(
        tmp_path,
        {
            "a.py": "from .b import f\n",
            "b.py": "def f():\n    from . import a\n    return a\n",
        },
    )
    result = _run(root)
    assert result.returncode == 1
    assert "import cycle (lazy imports counted): gmm_teach.a <-> gmm_teach.b" in result.stdout
    assert "gmm_teach.b\n    -> gmm_teach.a (lazy)" in result.stdout


def test_a_lazy_import_is_allowed_only_into_a_module_that_loads_matplotlib(tmp_path):
    root = _package(
        tmp_path,
        {
            "drawing.py": "import matplotlib.pyplot\n",
            "maths.py": "X = 1\n",
            "model.py": "def show():\n    from . import drawing\n\ndef slow():\n    from .maths import X\n",
        },
    )
    result = _run(root)
    assert result.returncode == 1
    assert "gmm_teach.drawing  [loads matplotlib]" in result.stdout
    assert "lazy import of gmm_teach.maths in gmm_teach.model.slow (model.py:5)" in result.stdout
    assert "lazy import of gmm_teach.drawing" not in result.stdout


def test_layering_counts_indirect_imports(tmp_path):
    root = _package(
        tmp_path,
        {
            "plotting.py": "from .helpers import draw\n",
            "helpers.py": "from .mixture import GaussianMixture\ndef draw(): pass\n",
            "mixture.py": "class GaussianMixture: pass\n",
        },
    )
    result = _run(root)
    assert result.returncode == 1 and "layering: gmm_teach.plotting reaches gmm_teach.mixture" in result.stdout


def test_a_clean_package_passes(tmp_path):
    root = _package(
        tmp_path,
        {
            "em.py": "import numpy\n",
            "mixture.py": "from .em import numpy\n\ndef visualize():\n    from . import plotting\n",
            "plotting.py": "import matplotlib\nfrom . import em\n",
        },
    )
    result = _run(root)
    assert result.returncode == 0, result.stdout
    assert "no import cycle" in result.stdout


def test_the_package_has_no_import_cycle_and_keeps_its_layers():
    found = import_graph.problems(import_graph.read_package(PACKAGE))
    assert [problem for problem in found if not problem.startswith("lazy import")] == []
    graph = import_graph.edges(import_graph.read_package(PACKAGE))
    assert not graph["gmm_teach.plotting"] & {"gmm_teach.selection", "gmm_teach.mixture"}
    assert "gmm_teach.mixture" not in graph["gmm_teach.trace"]


def test_the_package_passes_the_tool():
    result = _run(PACKAGE)
    assert result.returncode == 0, result.stdout
