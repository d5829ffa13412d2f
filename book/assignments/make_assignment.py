"""Chapter 11's graded exercises as an nbgrader source notebook, ``source/em_by_hand/em_by_hand.ipynb``.

Chapter 11 is the one place the exercises are written: for each one, its text (a markdown cell), the learner's
stub (``def my_e_step(...)``) and a collapsed reference solution (a cell tagged ``reference-solution`` whose
functions are named ``reference_*``). This script turns each reference function into an nbgrader solution cell,

    def my_e_step(X, params):
        ### BEGIN SOLUTION
        ...the reference body...
        ### END SOLUTION

followed by a locked test cell: a visible part that prints the check's hint, and hidden tests (the
``gmm_teach.exercises`` checks on every covariance type) that nbgrader removes from the students' copy.
``make assignment`` runs this script and then nbgrader's own ``generate_assignment``, which writes ``release/``.

Usage: ``python make_assignment.py [COURSE_DIRECTORY]`` (default: this file's directory).
"""

import ast
import re
import sys
from pathlib import Path

import nbformat

CHAPTER = Path(__file__).resolve().parents[1] / "11_exercises.ipynb"
ASSIGNMENT = "em_by_hand"
ALL_TYPES = '("full", "tied", "diag", "spherical")'

#: name -> (points, visible test, hidden test). The hidden tests grade; the visible part only shows the hint.
TESTS = {
    "my_e_step": (
        2,
        "check_e_step(my_e_step)",
        f"assert check_e_step(my_e_step, covariance_types={ALL_TYPES}, verbose=False)",
    ),
    "my_m_step": (2, "check_m_step(my_m_step)", "assert check_m_step(my_m_step, verbose=False)"),
    "my_m_step_any": (
        2,
        f"check_m_step(my_m_step_any, covariance_types={ALL_TYPES})",
        f"assert check_m_step(my_m_step_any, covariance_types={ALL_TYPES}, verbose=False)",
    ),
    "my_log_likelihood": (
        1,
        "check_log_likelihood(my_log_likelihood)",
        f"assert check_log_likelihood(my_log_likelihood, covariance_types={ALL_TYPES}, verbose=False)",
    ),
    "my_bic": (2, "check_bic(my_bic)", f"assert check_bic(my_bic, covariance_types={ALL_TYPES}, verbose=False)"),
    "my_em": (
        1,
        "print(my_em(X, guess, n_iterations=3)[1])",
        "library = [step.log_likelihood for step in em_steps(X, guess, tol=0.0, max_iter=15)]\n"
        "assert np.allclose(my_em(X, guess, n_iterations=15)[1], library, rtol=0, atol=1e-10)",
    ),
}

SETUP = """import numpy as np
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

from gmm_teach import datasets
from gmm_teach.em import MixtureParams, em_steps
from gmm_teach.exercises import check_bic, check_e_step, check_log_likelihood, check_m_step

X = datasets.load_old_faithful()  # eruption time and waiting time (minutes) of 272 eruptions
{guess}"""

INTRODUCTION = """# EM by hand: graded exercises

These are the exercises of the book's chapter "Exercises with graded checks". Write each function in the cell
that says `# YOUR CODE HERE`, run the check below it (it prints *Passed* or a hint that names the slip), and
submit. Hidden tests run the same checks on all four covariance types."""


def nbgrader_metadata(grade_id, *, solution=False, points=None):
    """Cell metadata nbgrader reads: a solution cell, a graded (locked) test cell, or a locked read-only cell."""
    metadata = {
        "grade": points is not None,
        "grade_id": grade_id,
        "locked": not solution,
        "schema_version": 3,
        "solution": solution,
        "task": False,
    }
    if points is not None:
        metadata["points"] = points
    return {"nbgrader": metadata}


def reference_functions(source):
    """The ``reference_*`` functions defined in a cell: (learner's name, its source as a solution cell)."""
    lines = source.splitlines()
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("reference_"):
            header = lines[node.lineno - 1 : node.body[0].lineno - 1]
            body = lines[node.body[0].lineno - 1 : node.end_lineno]
            solution = "\n".join(header + ["    ### BEGIN SOLUTION"] + body + ["    ### END SOLUTION"])
            # a solution builds on the learner's other functions, as the chapter's reference builds on its own
            yield node.name.replace("reference_", "my_", 1), re.sub(r"\breference_", "my_", solution)


def exercise_text(cells, name):
    """The markdown cell before the learner's stub ``def name(``: the exercise as the chapter states it.

    The book's MyST equation labels and references mean nothing in a plain notebook, so they are dropped.
    """
    stub = next(i for i, cell in enumerate(cells) if cell.cell_type == "code" and f"def {name}(" in cell.source)
    text = next(cells[i].source for i in range(stub - 1, -1, -1) if cells[i].cell_type == "markdown")
    text = re.sub(r"\$\$ \([\w-]+\)", "$$", text)
    return re.sub(r"\s*(?:of )?\{eq\}`[\w-]+`", "", text)


def guess_definition(cells):
    """The chapter's statement ``guess = ...``, the start that the EM exercise is graded from."""
    for cell in cells:
        if cell.cell_type == "code" and "guess = MixtureParams" in cell.source:
            for node in ast.parse(cell.source).body:
                if isinstance(node, ast.Assign) and [target.id for target in node.targets] == ["guess"]:
                    return ast.get_source_segment(cell.source, node)
    raise ValueError(f"{CHAPTER.name} no longer defines guess = MixtureParams...")


def assignment_notebook(chapter):
    """The nbgrader source notebook built from chapter 11 (a ``nbformat`` notebook)."""
    cells = [
        nbformat.v4.new_markdown_cell(INTRODUCTION, metadata=nbgrader_metadata("introduction")),
        nbformat.v4.new_code_cell(
            SETUP.format(guess=guess_definition(chapter.cells)), metadata=nbgrader_metadata("setup")
        ),
    ]
    references = [cell for cell in chapter.cells if "reference-solution" in cell.metadata.get("tags", [])]
    for name, solution in (pair for cell in references for pair in reference_functions(cell.source)):
        points, visible, hidden = TESTS[name]
        cells += [
            nbformat.v4.new_markdown_cell(
                exercise_text(chapter.cells, name), metadata=nbgrader_metadata(f"{name}_text")
            ),
            nbformat.v4.new_code_cell(solution, metadata=nbgrader_metadata(name, solution=True)),
            nbformat.v4.new_code_cell(
                f"{visible}\n### BEGIN HIDDEN TESTS\n{hidden}\n### END HIDDEN TESTS",
                metadata=nbgrader_metadata(f"test_{name}", points=points),
            ),
        ]
    missing = set(TESTS) - {cell.metadata["nbgrader"]["grade_id"] for cell in cells}
    if missing:
        raise ValueError(f"{CHAPTER.name} has no reference solution for {sorted(missing)}")
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def write_source(course_directory):
    """Write ``source/em_by_hand/em_by_hand.ipynb`` under ``course_directory``; return its path."""
    path = Path(course_directory) / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(assignment_notebook(nbformat.read(CHAPTER, as_version=4)), path)
    return path


if __name__ == "__main__":
    print(write_source(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent))
