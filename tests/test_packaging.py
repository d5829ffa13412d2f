"""A release anyone could publish: what the sdist and the wheel hold, one version, one repository URL.

The sdist and the wheel are built once per session with ``python -m build`` (the wheel from the sdist, as
``build`` does) from a snapshot of the checkout's files, in a temporary folder; the checkout is not touched.
"""

import ast
import importlib.metadata
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

import nbformat
import pytest
import yaml
from helpers import imported_modules
from packaging.requirements import Requirement

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10; pytest brings tomli there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]
BOOK_CONFIG = yaml.safe_load((ROOT / "book" / "_config.yml").read_text())
FIRST_CHAPTER = "book/01_kmeans_to_gmm.ipynb"


def source_version():
    """``gmm_teach.__version__`` as written in the source (read, not imported)."""
    tree = ast.parse((ROOT / "gmm_teach" / "__init__.py").read_text())
    values = [
        node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and [target.id for target in node.targets if isinstance(target, ast.Name)] == ["__version__"]
    ]
    assert len(values) == 1, "gmm_teach/__init__.py must assign __version__ once, to a string"
    return values[0]


LEFT_BEHIND = (".venv*", "_build", "__pycache__", "*.egg-info", ".hypothesis", "mutants", "build", "dist", ".git")
"""What runs, builds and tests leave in a checkout (without git, these are not copied into the snapshot)."""


def snapshot(destination):
    """The files of a clean clone (git's tracked files; without git, the checkout minus :data:`LEFT_BEHIND`), copied
    to ``destination``. The sdist is built from this copy: other tests run notebooks in book/ at the same time, and
    a file they create and delete while ``build`` lists the folder breaks the build (seen once in CI)."""
    if (ROOT / ".git").exists():
        listing = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, check=True).stdout
        for name in listing.decode().split("\0"):
            if name and (ROOT / name).is_file():
                (destination / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / name, destination / name)
    else:
        shutil.copytree(ROOT, destination, ignore=shutil.ignore_patterns(*LEFT_BEHIND), dirs_exist_ok=True)
    return destination


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Paths of the sdist and the wheel built from a snapshot of this checkout."""
    pytest.importorskip("build", reason="the test extra installs build")
    out = tmp_path_factory.mktemp("dist")
    source = snapshot(tmp_path_factory.mktemp("source"))
    result = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(source)], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"python -m build failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    (sdist,), (wheel,) = out.glob("*.tar.gz"), out.glob("*.whl")
    return sdist, wheel


@pytest.fixture(scope="module")
def wheel_files(built):
    with zipfile.ZipFile(built[1]) as wheel:
        return {name: wheel.read(name) for name in wheel.namelist()}


@pytest.fixture(scope="module")
def wheel_metadata(wheel_files):
    (name,) = [name for name in wheel_files if name.endswith(".dist-info/METADATA")]
    return Parser().parsestr(wheel_files[name].decode())


@pytest.fixture(scope="module")
def sdist_files(built):
    with tarfile.open(built[0]) as sdist:
        return {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}


def test_the_wheel_ships_the_licence_the_type_marker_and_the_data(wheel_files):
    names = set(wheel_files)
    (licence,) = [name for name in names if name.endswith(".dist-info/licenses/LICENSE")]
    assert wheel_files[licence] == (ROOT / "LICENSE").read_bytes()
    assert "gmm_teach/py.typed" in names
    shipped_data = sorted(path.name for path in (ROOT / "gmm_teach" / "data").iterdir() if path.suffix == ".csv")
    assert shipped_data and all(f"gmm_teach/data/{name}" in names for name in shipped_data)
    assert "gmm_teach/data/README.md" in names  # the data's sources and licences
    assert not [name for name in names if name.startswith(("tests/", "book/"))]


def test_the_wheel_metadata_names_the_licence_version_and_urls(wheel_metadata):
    assert wheel_metadata["License-Expression"] == "BSD-3-Clause"
    assert wheel_metadata["Version"] == source_version()
    urls = dict(entry.split(", ", 1) for entry in wheel_metadata.get_all("Project-URL"))
    assert urls["Repository"] == PROJECT["urls"]["Repository"]
    assert {"lab", "widgets", "video"} <= set(wheel_metadata.get_all("Provides-Extra"))


def test_the_sdist_ships_the_whole_test_tree_and_what_it_opens(sdist_files):
    tests = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "tests").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }
    assert {"tests/conftest.py", "tests/helpers.py", "tests/browser/conftest.py"} <= tests
    assert not tests - sdist_files, f"the sdist leaves out {sorted(tests - sdist_files)}"
    chapters = {path.relative_to(ROOT).as_posix() for path in (ROOT / "book").glob("*.ipynb")}
    assert chapters <= sdist_files
    assert {"LICENSE", "Makefile", "binder/requirements.txt", "tools/oldest_requirements.py"} <= sdist_files
    assert not [name for name in sdist_files if "__pycache__" in name or name.endswith(".pyc")]


def test_the_version_is_written_once():
    assert "version" not in PROJECT and "version" in PROJECT["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "gmm_teach.__version__"}
    import gmm_teach

    assert gmm_teach.__version__ == source_version()


def test_the_licence_file_is_the_one_pyproject_declares():
    text = (ROOT / "LICENSE").read_text()
    assert PROJECT["license"] == "BSD-3-Clause" and PROJECT["license-files"] == ["LICENSE"]
    assert text.startswith("BSD 3-Clause License\n")
    assert "Copyright (c) 2026, The gmm-teach authors" in text
    assert "Neither the name of the copyright holder" in text  # the third clause


def test_one_repository_url_for_the_package_the_book_and_the_binder_badge():
    repository = PROJECT["urls"]["Repository"]
    assert BOOK_CONFIG["repository"]["url"] == repository
    assert all(url == repository or url.startswith(repository + "/") for url in PROJECT["urls"].values())
    owner_and_name = repository.removeprefix("https://github.com/")
    badge = (
        f"https://mybinder.org/v2/gh/{owner_and_name}/{BOOK_CONFIG['repository']['branch']}"
        f"?urlpath=lab/tree/{FIRST_CHAPTER}"
    )
    readme = (ROOT / "README.md").read_text()
    assert f"[![Binder](https://mybinder.org/badge_logo.svg)]({badge})" in readme
    assert (ROOT / FIRST_CHAPTER).is_file()
    # the book's launch buttons open the same repository on the same Binder, in JupyterLab
    assert BOOK_CONFIG["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
    assert BOOK_CONFIG["launch_buttons"]["notebook_interface"] == "jupyterlab"


def test_readme_links_and_images_stay_inside_the_repository():
    readme = (ROOT / "README.md").read_text()
    targets = re.findall(r"\]\(([^)\s]+)\)", readme) + re.findall(r'src="([^"]+)"', readme)
    local = [target for target in targets if not target.startswith(("https://", "http://", "#"))]
    assert "../" not in readme
    assert [target for target in local if target.startswith("docs/images/")], "README shows the explorers"
    for target in local:
        path = (ROOT / target).resolve()
        assert path.is_relative_to(ROOT) and path.exists(), f"README links {target}, which is not in the repository"


def installed_closure(requirements):
    """Names of the installed distributions that ``requirements`` pull in (their own requirements too)."""
    seen, pending = set(), [(Requirement(line), "") for line in requirements]
    while pending:
        requirement, parent_extra = pending.pop()
        if requirement.marker and not requirement.marker.evaluate({"extra": parent_extra}):
            continue
        name = re.sub(r"[-_.]+", "-", requirement.name).lower()
        if name == PROJECT["name"]:  # an extra of our own, such as gmm-teach[widgets]
            pending += [
                (Requirement(line), "")
                for extra in requirement.extras
                for line in PROJECT["optional-dependencies"][extra]
            ]
            continue
        key = (name, frozenset(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        requires = importlib.metadata.distribution(name).requires or []
        pending += [(Requirement(line), extra) for line in requires for extra in ("", *requirement.extras)]
    return {name for name, _ in seen}


def test_the_lab_extra_installs_every_module_the_chapters_import():
    """`make lab` installs only the lab extra: the book's notebooks must run with that alone."""
    distributions = installed_closure(PROJECT["dependencies"] + PROJECT["optional-dependencies"]["lab"])
    providers = importlib.metadata.packages_distributions()
    chapters = sorted((ROOT / "book").glob("*.ipynb"))
    imported = set().union(*(imported_modules(nbformat.read(path, as_version=4)) for path in chapters))
    third_party = sorted(imported - set(sys.stdlib_module_names) - {"gmm_teach"})
    assert "numpy" in third_party
    missing = [
        module
        for module in third_party
        if not {re.sub(r"[-_.]+", "-", dist).lower() for dist in providers.get(module, [])} & distributions
    ]
    assert not missing, f"the chapters import {missing}, which the lab extra does not install"


def test_pillow_comes_with_matplotlib_so_no_extra_lists_it():
    assert any(Requirement(line).name.lower() == "pillow" for line in importlib.metadata.requires("matplotlib"))
    listed = [line for lines in PROJECT["optional-dependencies"].values() for line in lines]
    assert not [line for line in PROJECT["dependencies"] + listed if Requirement(line).name.lower() == "pillow"]
