"""Binder cannot rot unnoticed: a fresh venv built from exactly binder/ runs a chapter of the book.

mybinder.org (repo2docker) reads only the ``binder/`` folder when there is one: it installs
``binder/requirements.txt`` into its Jupyter environment on the Python of ``binder/runtime.txt``, then runs
``binder/postBuild`` from the repository root. This test checks that the folder holds those three files and
nothing else repo2docker would act on, does the same in a new venv (pip's cache is reused, so it costs about
a minute) and executes chapter 1, the one README's Binder badge opens, in a kernel of that venv with the
inline backend. It also checks that every module the chapters import exists in that venv.

It has its own xdist group (``binder``) and the ``binder`` marker: ``pytest -m "not binder"`` leaves it out.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from helpers import imported_modules

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
BOOK = ROOT / "book"
CHAPTER = BOOK / "01_kmeans_to_gmm.ipynb"
KERNEL_NAME = "gmm-teach-binder-check"
# The files of binder/ this test reproduces; any other (apt.txt, environment.yml, start, ...) would change
# what Binder builds without this test seeing it.
BINDER_FILES = {"requirements.txt", "runtime.txt", "postBuild"}
BINDER_BADGE = re.compile(r"\(https://mybinder\.org/v2/gh/[^)?]+\?urlpath=([^)]+)\)")
INSTALL_TIMEOUT = 600
EXECUTE_TIMEOUT = 300

pytestmark = [pytest.mark.binder, pytest.mark.xdist_group("binder")]


def run(command, timeout, **kwargs):
    """Run a command; on failure, show the end of its output."""
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True, timeout=timeout, **kwargs)
    assert result.returncode == 0, (
        f"`{' '.join(map(str, command))}` failed ({result.returncode}):\n"
        f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result.stdout


def runtime_python():
    """A Python interpreter of the version binder/runtime.txt asks for."""
    text = (BINDER / "runtime.txt").read_text().strip()
    match = re.fullmatch(r"python-(\d+)\.(\d+)", text)
    assert match, f"binder/runtime.txt must read like 'python-3.11', got {text!r}"
    wanted = tuple(int(part) for part in match.groups())
    if sys.version_info[:2] == wanted:
        return sys.executable
    found = shutil.which(f"python{wanted[0]}.{wanted[1]}")
    assert found, f"binder/runtime.txt asks for Python {text[7:]}, which is not on this machine"
    return found


@pytest.fixture(scope="module")
def binder_venv(tmp_path_factory):
    """A venv holding exactly binder/requirements.txt, then postBuild run from the repository root in it."""
    prefix = tmp_path_factory.mktemp("binder") / "venv"
    run([runtime_python(), "-m", "venv", prefix], timeout=120)
    bin_dir = prefix / "bin"
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "VIRTUAL_ENV": str(prefix)}
    env.pop("PYTHONPATH", None)
    run([bin_dir / "python", "-m", "pip", "install", "-r", BINDER / "requirements.txt"], INSTALL_TIMEOUT, env=env)
    run([BINDER / "postBuild"], INSTALL_TIMEOUT, env=env, cwd=ROOT)  # as repo2docker runs it: by its #! line
    run([bin_dir / "python", "-m", "ipykernel", "install", "--prefix", prefix, "--name", KERNEL_NAME], 120, env=env)
    return prefix, env


def test_binder_holds_only_the_files_this_test_reproduces():
    assert {path.name for path in BINDER.iterdir()} == BINDER_FILES
    postbuild = BINDER / "postBuild"
    assert os.access(postbuild, os.X_OK) and postbuild.read_text().startswith("#!")


def test_the_readme_badge_opens_the_chapter_this_test_runs_in_jupyterlab():
    (urlpath,) = BINDER_BADGE.findall((ROOT / "README.md").read_text())
    assert urlpath == f"lab/tree/{CHAPTER.relative_to(ROOT).as_posix()}"


def test_postbuild_installed_this_checkout(binder_venv):
    prefix, env = binder_venv
    location = run(
        [prefix / "bin" / "python", "-c", "import gmm_teach; print(gmm_teach.__file__)"], 60, env=env, cwd=prefix
    )
    assert Path(location.strip()).resolve().parent == (ROOT / "gmm_teach").resolve()


def test_the_live_explorers_can_run_on_binder(binder_venv):
    """On Binder the chapters use the ipympl backend and the explorers: both must import there."""
    prefix, env = binder_venv
    probe = (
        "import matplotlib; matplotlib.use('module://ipympl.backend_nbagg'); "
        "import gmm_teach.widgets, gmm_teach.animation, gmm_teach.plotting"
    )
    run([prefix / "bin" / "python", "-c", probe], 120, env=env, cwd=prefix)


def test_every_module_the_chapters_import_is_installed(binder_venv):
    prefix, env = binder_venv
    modules = sorted(
        set().union(*(imported_modules(nbformat.read(path, as_version=4)) for path in sorted(BOOK.glob("*.ipynb"))))
    )
    assert "gmm_teach" in modules
    probe = (
        "import importlib.util, json, sys; "
        "print(json.dumps([m for m in sys.argv[1:] if importlib.util.find_spec(m) is None]))"
    )
    missing = json.loads(run([prefix / "bin" / "python", "-c", probe, *modules], 60, env=env, cwd=prefix))
    assert not missing, f"chapters import {missing}, which binder/requirements.txt does not install"


def test_a_chapter_runs_in_the_binder_environment(binder_venv, tmp_path):
    prefix, env = binder_venv
    kernel = json.loads((prefix / "share" / "jupyter" / "kernels" / KERNEL_NAME / "kernel.json").read_text())
    assert Path(kernel["argv"][0]).parent == prefix / "bin", "the kernel must be the Binder venv's Python"
    run(
        [
            prefix / "bin" / "jupyter",
            "nbconvert",
            "--to",
            "notebook",
            "--execute",
            CHAPTER,
            "--output-dir",
            tmp_path,
            f"--ExecutePreprocessor.kernel_name={KERNEL_NAME}",
            f"--ExecutePreprocessor.timeout={EXECUTE_TIMEOUT}",
        ],
        EXECUTE_TIMEOUT + 60,
        env={**env, "GMM_MPL_BACKEND": "inline", "MPLBACKEND": "Agg"},
        cwd=BOOK,
    )
    executed = nbformat.read(tmp_path / CHAPTER.name, as_version=4)
    code_cells = [cell for cell in executed.cells if cell.cell_type == "code"]
    assert all(cell.execution_count is not None for cell in code_cells), "not every cell ran"
    images = [output for cell in code_cells for output in cell.outputs if "image/png" in output.get("data", {})]
    assert images, "the inline backend drew no figure"
