"""The nbgrader assignment made from chapter 11: nbgrader's own generate_assignment and autograde, end to end.

A correct submission must get full marks, one with a classic slip fewer, and the unchanged release none; the
students' copy must hold neither the solutions nor the hidden tests.
"""

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

pytest.importorskip("nbgrader", reason="nbgrader is in the 'test' extra: pip install -e '.[test]'")
from nbgrader.api import Gradebook  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "em_by_hand"
SOLUTION = re.compile(r"^(\s*)### BEGIN SOLUTION\n(.*?)^\s*### END SOLUTION\n?", re.S | re.M)


def load_generator():
    spec = importlib.util.spec_from_file_location(
        "make_assignment", ROOT / "book" / "assignments" / "make_assignment.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def nbgrader(*arguments, course):
    """Run an nbgrader command in the course directory (nbgrader calls alembic, which must be on PATH)."""
    environment = dict(
        os.environ,
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        PYTHONPATH=f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
    )
    completed = subprocess.run(
        [sys.executable, "-m", "nbgrader", *arguments],
        cwd=course,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def submission(release, source, slip=None):
    """The students' copy with every solution cell answered by the source's solution (markers removed)."""
    answers = {
        cell.metadata["nbgrader"]["grade_id"]: SOLUTION.sub(r"\2", cell.source)
        for cell in source.cells
        if cell.metadata.get("nbgrader", {}).get("solution")
    }
    notebook = nbformat.from_dict(release)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
            if slip and grade_id == slip[0]:
                cell.source = cell.source.replace(*slip[1:])
    return notebook


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Generate the assignment, submit three notebooks, autograde them; the scores and the release."""
    course = tmp_path_factory.mktemp("course")
    source_path = load_generator().write_source(course)
    nbgrader("generate_assignment", ASSIGNMENT, "--force", course=course)
    release = nbformat.read(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    source = nbformat.read(source_path, as_version=4)
    submissions = {
        "correct": submission(release, source),
        # the classic slip: normalising the responsibilities over the points, not over the components
        "slip": submission(
            release,
            source,
            ("my_e_step", "log_weighted - log_totals", "log_weighted - logsumexp(log_weighted, axis=0)"),
        ),
        "unchanged": release,
    }
    for student, notebook in submissions.items():
        path = course / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(notebook, path)
    nbgrader("autograde", ASSIGNMENT, "--force", course=course)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        scores = {student: gradebook.find_submission(ASSIGNMENT, student).score for student in submissions}
        max_score = gradebook.find_assignment(ASSIGNMENT).max_score
    yield {"scores": scores, "max_score": max_score, "release": release, "source": source}
    shutil.rmtree(course, ignore_errors=True)


def test_the_assignment_has_one_graded_test_per_exercise(graded):
    tests = [
        cell.metadata["nbgrader"] for cell in graded["source"].cells if cell.metadata.get("nbgrader", {}).get("grade")
    ]
    assert [test["grade_id"] for test in tests] == [f"test_{name}" for name in load_generator().TESTS]
    assert graded["max_score"] == sum(test["points"] for test in tests) == 10


def test_the_students_copy_has_no_solutions_and_no_hidden_tests(graded):
    text = "\n".join(cell.source for cell in graded["release"].cells)
    assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text and "reference_" not in text
    assert text.count("raise NotImplementedError()") == len(load_generator().TESTS)


def test_a_correct_submission_gets_full_marks(graded):
    assert graded["scores"]["correct"] == graded["max_score"]


def test_a_slip_in_the_e_step_costs_its_points_and_the_em_loops(graded):
    # my_e_step (2 points) fails, and so does my_em (1 point), which calls it
    assert graded["scores"]["slip"] == graded["max_score"] - 3


def test_the_unchanged_release_gets_nothing(graded):
    assert graded["scores"]["unchanged"] == 0


def test_chapter_11_uses_the_learners_functions_once_they_are_written(tmp_path, monkeypatch):
    """Fill chapter 11's stubs with the reference solutions: every check passes and the figures use them."""
    from nbclient import NotebookClient

    chapter = nbformat.read(ROOT / "book" / "11_exercises.ipynb", as_version=4)
    solutions = dict(
        pair
        for cell in chapter.cells
        if "reference-solution" in cell.metadata.get("tags", [])
        for pair in load_generator().reference_functions(cell.source)
    )
    for cell in chapter.cells:
        name = next((name for name in solutions if cell.source.startswith(f"def {name}(")), None)
        if cell.cell_type == "code" and name and "NotImplementedError" in cell.source:
            cell.source = solutions[name]
    chapter.cells.append(
        nbformat.v4.new_code_cell(
            "print(e_step_in_use is my_e_step, m_step_in_use is my_m_step, log_likelihood_in_use is my_log_likelihood,"
            " bic_in_use is my_bic, em_in_use is my_em)"
        )
    )
    monkeypatch.setenv("GMM_MPL_BACKEND", "inline")  # the kernel inherits the environment
    monkeypatch.setenv("MPLBACKEND", "Agg")
    NotebookClient(chapter, timeout=300, resources={"metadata": {"path": str(tmp_path)}}).execute()
    checks = [
        output.get("text", "")
        for cell in chapter.cells
        if cell.source.startswith("result = check_")
        for output in cell.outputs
    ]
    assert len(checks) == 6 and all(text.startswith("Passed") for text in checks), checks
    assert chapter.cells[-1].outputs[0]["text"].split() == ["True"] * 5
