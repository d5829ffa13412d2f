"""The book's notebooks are committed clean, start with the backend switch and check what they teach.

Chapters are committed without outputs: the book build and nbval produce them. Only cells marked
``# NBVAL_CHECK_OUTPUT`` keep a stored output, which nbval compares with a fresh run.
"""

import ast
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import nbformat
import pytest
import yaml

import gmm_teach

BOOK = Path(__file__).resolve().parents[1] / "book"
CHAPTERS = sorted(BOOK.glob("*.ipynb"))
CHECK_OUTPUT = "# NBVAL_CHECK_OUTPUT"
BACKEND_SWITCH = ("import os", 'backend = os.environ.get("GMM_MPL_BACKEND", "widget")', "%matplotlib $backend")


def unwanted_outputs(notebook):
    """What a notebook stores that it should not: one message per offending cell, or for its metadata."""
    problems = []
    for number, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or CHECK_OUTPUT in cell.source:
            continue
        if cell.outputs:
            problems.append(f"code cell {number} stores {len(cell.outputs)} output(s)")
        if cell.execution_count is not None:
            problems.append(f"code cell {number} stores an execution count")
    if "widgets" in notebook.metadata:
        problems.append("the notebook metadata stores widget state")
    return problems


def checked_cells_without_output(notebook):
    """Numbers of the NBVAL_CHECK_OUTPUT cells that lack the stored output (or execution count) nbval needs."""
    return [
        number
        for number, cell in enumerate(notebook.cells)
        if cell.cell_type == "code"
        and CHECK_OUTPUT in cell.source
        and (not cell.outputs or cell.execution_count is None)
    ]


def starts_with_backend_switch(notebook):
    """True when the first code cell is exactly the three-line backend switch (blank lines aside)."""
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    if not code_cells:
        return False
    lines = tuple(line.strip() for line in code_cells[0].source.splitlines() if line.strip())
    return lines == BACKEND_SWITCH


def assertion_cells(notebook):
    """Numbers of the code cells that contain an ``assert`` statement (IPython magic lines left out)."""
    numbers = []
    for number, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        python = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        if any(isinstance(node, ast.Assert) for node in ast.walk(ast.parse(python))):
            numbers.append(number)
    return numbers


def toc_files(toc):
    """Every file named in a Jupyter Book table of contents (nested parts, chapters and sections)."""
    if isinstance(toc, dict):
        return ([toc["file"]] if "file" in toc else []) + toc_files(list(toc.values()))
    if isinstance(toc, list):
        return [name for item in toc for name in toc_files(item)]
    return []


def _notebook(*cells, metadata=None):
    notebook = nbformat.v4.new_notebook(cells=list(cells))
    notebook.metadata.update(metadata or {})
    return notebook


def _code(source, outputs=(), execution_count=None):
    cell = nbformat.v4.new_code_cell(source, execution_count=execution_count)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text) for text in outputs]
    return cell


SWITCH = "\n".join(BACKEND_SWITCH)


# --------------------------------------------------------------------------- the checks catch what they should
def test_a_stored_output_is_caught():
    notebook = _notebook(_code(SWITCH), _code("print(1)", outputs=["1\n"], execution_count=2))
    assert unwanted_outputs(notebook) == ["code cell 1 stores 1 output(s)", "code cell 1 stores an execution count"]


def test_stored_widget_state_is_caught():
    notebook = _notebook(_code(SWITCH), metadata={"widgets": {"application/vnd.jupyter.widget-state+json": {}}})
    assert unwanted_outputs(notebook) == ["the notebook metadata stores widget state"]


def test_a_checked_cell_may_keep_its_output_and_must_have_it():
    kept = _code(f"{CHECK_OUTPUT}\nprint(1)", outputs=["1\n"], execution_count=1)
    missing = _code(f"{CHECK_OUTPUT}\nprint(2)")
    notebook = _notebook(_code(SWITCH), kept, missing)
    assert unwanted_outputs(notebook) == []
    assert checked_cells_without_output(notebook) == [2]


def test_the_backend_switch_must_come_first():
    assert starts_with_backend_switch(_notebook(nbformat.v4.new_markdown_cell("# Title"), _code(SWITCH + "\n")))
    assert not starts_with_backend_switch(_notebook(_code("import numpy as np"), _code(SWITCH)))
    assert not starts_with_backend_switch(_notebook(_code("%matplotlib inline")))
    assert not starts_with_backend_switch(_notebook(nbformat.v4.new_markdown_cell("no code")))


def test_assertion_cells_are_found():
    notebook = _notebook(_code(SWITCH), _code("x = 1"), _code("for k in range(2):\n    assert k < 2"))
    assert assertion_cells(notebook) == [2]
    assert assertion_cells(_notebook(_code(SWITCH), _code("print('assert')"))) == []


def test_toc_files_finds_nested_entries():
    toc = {"root": "intro", "parts": [{"caption": "A", "chapters": [{"file": "a", "sections": [{"file": "b"}]}]}]}
    assert toc_files(toc) == ["a", "b"]


# --------------------------------------------------------------------------- the book itself
def test_the_book_has_chapters():
    assert CHAPTERS, f"no notebooks in {BOOK}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda path: path.name)
def test_chapter_is_committed_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    problems = unwanted_outputs(notebook)
    assert not problems, (
        f"{path.name}: {'; '.join(problems)}. Clear them with "
        f"`jupyter nbconvert --clear-output --inplace book/{path.name}` (then restore the "
        f"{CHECK_OUTPUT} cells' outputs)."
    )
    missing = checked_cells_without_output(notebook)
    assert not missing, f"{path.name}: {CHECK_OUTPUT} cells {missing} have no stored output for nbval to compare"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda path: path.name)
def test_chapter_starts_with_the_backend_switch(path):
    assert starts_with_backend_switch(nbformat.read(path, as_version=4)), (
        f"{path.name}: the first code cell must be exactly\n{SWITCH}"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda path: path.name)
def test_chapter_checks_what_it_teaches(path):
    assert assertion_cells(nbformat.read(path, as_version=4)), (
        f"{path.name} has no assertion cell: add one that checks what the chapter teaches (nbval runs it)"
    )


def test_table_of_contents_lists_exactly_the_existing_pages():
    toc = yaml.safe_load((BOOK / "_toc.yml").read_text())
    listed = [toc["root"]] + toc_files(toc.get("parts", toc.get("chapters", [])))
    pages = {path.stem for path in BOOK.glob("*.ipynb")} | {path.stem for path in BOOK.glob("*.md")}
    assert not [name for name in listed if name not in pages], "_toc.yml names files that do not exist"
    assert not [path.name for path in CHAPTERS if path.stem not in listed], "chapters missing from _toc.yml"
    assert len(listed) == len(set(listed)), "a file is listed twice in _toc.yml"


def public_modules():
    """Names of gmm_teach's modules whose path has no private (underscore) part."""
    for info in pkgutil.walk_packages(gmm_teach.__path__, "gmm_teach."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            yield info.name


def test_every_public_function_and_class_is_on_the_api_page():
    page = (BOOK / "api.md").read_text()
    documented = set(re.findall(r"\.\. auto(?:module|class|function|exception):: ([\w.]+)", page))
    undocumented = []
    for module_name in public_modules():
        module = importlib.import_module(module_name)
        for name, value in vars(module).items():
            defined_here = (inspect.isfunction(value) or inspect.isclass(value)) and value.__module__ == module_name
            if (
                defined_here
                and not name.startswith("_")
                and module_name not in documented
                and not any(entry.endswith(f".{name}") for entry in documented)
            ):
                undocumented.append(f"{module_name}.{name}")
    assert not undocumented, f"add to book/api.md: {undocumented}"
