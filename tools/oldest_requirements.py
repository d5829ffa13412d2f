"""What `make test-oldest` installs: the oldest versions pyproject.toml allows, and an interpreter to run them.

    python tools/oldest_requirements.py             # requirement lines: numpy==1.24, ... and the test tools
    python tools/oldest_requirements.py --python    # the oldest Python that requires-python allows, if found

Every runtime dependency must have a floor (``>=``): an unbounded dependency has no oldest version to test.
The Python is searched on the PATH (``python3.10``), then among pyenv's versions; when neither has it, the
Python running this script is printed and a note goes to stderr.
"""

import glob
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pip vendors the same parser
    from pip._vendor import tomli as tomllib

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
TEST_TOOLS = ("pytest", "hypothesis")  # the core tests need these; their versions come from the test extra
FLOOR = re.compile(r"^([A-Za-z0-9_.-]+)\s*>=\s*([0-9][0-9.]*)$")


def project():
    with PYPROJECT.open("rb") as handle:
        return tomllib.load(handle)["project"]


def oldest_pins(dependencies):
    """``name==floor`` for each ``name>=floor``; any other form of dependency is refused."""
    pins = []
    for requirement in dependencies:
        match = FLOOR.match(requirement.strip())
        if match is None:
            raise SystemExit(
                f"pyproject.toml: dependency {requirement!r} must read 'name>=version' so that its "
                "oldest allowed version can be tested"
            )
        pins.append(f"{match[1]}=={match[2]}")
    return pins


def test_tools(extras):
    """The test extra's own lines for the tools the core tests use (e.g. ``pytest>=7,<9.2``)."""
    lines = [line.split(";")[0].strip() for line in extras["test"]]
    return [line for line in lines if re.split(r"[<>=!~\[ ]", line, maxsplit=1)[0] in TEST_TOOLS]


def oldest_python(requires_python):
    """Path of an interpreter of the oldest version ``requires_python`` (``>=3.10``) allows, else this one."""
    match = re.fullmatch(r">=\s*(\d+)\.(\d+)", requires_python.strip())
    if match is None:
        raise SystemExit(f"pyproject.toml: requires-python {requires_python!r} must read '>=3.X'")
    version = f"{match[1]}.{match[2]}"
    pyenv_root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    candidates = [
        shutil.which(f"python{version}"),
        *sorted(glob.glob(f"{pyenv_root}/versions/{version}.*/bin/python{version}"), reverse=True),
    ]
    for candidate in filter(None, candidates):
        # a pyenv shim is on the PATH even when it has no such version to run: ask the interpreter itself
        probe = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], capture_output=True, text=True
        )
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return candidate
    here = "%d.%d" % sys.version_info[:2]
    print(
        f"test-oldest: Python {version} (the oldest requires-python allows) was not found; testing on "
        f"Python {here} instead",
        file=sys.stderr,
    )
    return sys.executable


def main(argv):
    metadata = project()
    if argv == ["--python"]:
        print(oldest_python(metadata["requires-python"]))
    elif not argv:
        print("\n".join(oldest_pins(metadata["dependencies"]) + test_tools(metadata["optional-dependencies"])))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
