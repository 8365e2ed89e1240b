"""What learners receive: no solution, no hidden test, no answer key, and a working self-check."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import nbformat
import pandas as pd
import pytest
from submissions import source_notebook, submit

from autograder.build import assignment_ids, release
from autograder.classroom import Classroom
from autograder.grade import export_grades, grade_assignment
from autograder.paths import EXERCISES

HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)
SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)


def secret_lines(pattern: re.Pattern) -> dict[str, set[str]]:
    """Per assignment, the distinctive lines inside hidden-test or solution regions."""
    found = {}
    for assignment in assignment_ids():
        lines = set()
        for path in (EXERCISES / assignment).glob("*.py"):
            for region in pattern.findall(path.read_text(encoding="utf-8")):
                lines |= {line.strip() for line in region.splitlines() if len(line.strip()) > 12}
        found[assignment] = lines
    return found


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    classroom = Classroom(tmp_path_factory.mktemp("classroom"))
    release(classroom)
    return classroom


def released_text(classroom: Classroom, assignment: str) -> str:
    folder = classroom.folder("release", assignment)
    return "\n".join(p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize("assignment", assignment_ids())
def test_release_holds_no_hidden_test_and_no_solution(classroom, assignment):
    text = released_text(classroom, assignment)
    for kind, pattern in [("hidden test", HIDDEN), ("solution", SOLUTION)]:
        lines = secret_lines(pattern)[assignment]
        leaked = [line for line in lines if line in text]
        assert not leaked, f"{kind} lines in release/{assignment}: {leaked[:3]}"
    assert "BEGIN HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text


def test_every_assignment_has_hidden_tests():
    assert all(secret_lines(HIDDEN).values())


def test_damaged_and_empty_submissions_are_reported_and_the_rest_graded(classroom):
    a = "classify-responsibilities"
    good = source_notebook(classroom, a, "classify")
    submit(classroom, a, "ok", {"classify": good})
    submit(classroom, a, "garbled", {"classify": '{"cells": [ not json'})
    classroom.folder("submitted", a, "empty").mkdir(parents=True)
    submit(classroom, a, "renamed", {"my-copy": good})
    outcomes = {o.learner: o for o in grade_assignment(classroom, a, progress=False)}
    assert outcomes["ok"].status == "graded" and outcomes["ok"].score == 31
    assert "not a readable notebook" in outcomes["garbled"].message
    assert "holds no notebook" in outcomes["empty"].message
    assert "classify.ipynb" in outcomes["renamed"].message
    table = export_grades(classroom, classroom.root / "grades.csv")
    reread = pd.read_csv(classroom.root / "grades.csv")
    assert list(reread.columns) == [
        "learner",
        "assignment",
        "score",
        "max_score",
        "status",
        "percent",
    ]
    row = table[(table.learner == "ok") & (table.assignment == a)].iloc[0]
    assert row.score == 31 and row.percent == 100.0


def test_triad_grade_command_reports_broken_ones_and_exits_3(classroom):
    result = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "grade", "classify-responsibilities",
         "--course-dir", str(classroom.root), "--quiet"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 3, result.stderr
    assert re.search(r"^ok\s+31 / 31$", result.stdout, re.M)
    assert "garbled" in result.stdout and "NOT GRADED" in result.stdout


def test_learner_self_check_grades_the_workspace_copy(tmp_path):
    from autograder.workspace import prepare_workspace, self_check, workspace_classroom

    a = "classify-responsibilities"
    prepare_workspace(tmp_path, [a])
    assert (tmp_path / "lessons").is_dir() and (tmp_path / a / "classify.ipynb").exists()
    blank = self_check(tmp_path, a)
    assert blank.outcome.score == 0
    assert "R07: not answered." in blank.summary()
    assert "product work" not in blank.summary(), "hints never give the key away"
    assert "product work" in self_check(tmp_path, a, answers=True).summary()
    # nothing of the instructor's version is in the workspace
    found = [p for p in tmp_path.rglob("*") if p.is_file()
             and "BEGIN HIDDEN TESTS" in p.read_text(errors="replace")]
    assert not found
    # the learner solves it: copy the instructor's version over the workspace copy
    source = workspace_classroom(tmp_path).folder("source", a)
    shutil.copy(source / "classify.ipynb", tmp_path / a)
    solved = self_check(tmp_path, a)
    assert solved.outcome.score == solved.outcome.max_score == 31
    assert solved.feedback and solved.feedback[0].exists()
    # preparing again never overwrites the learner's work
    prepare_workspace(tmp_path, [a])
    nb = nbformat.read(tmp_path / a / "classify.ipynb", as_version=4)
    assert any("BEGIN SOLUTION" in cell.source for cell in nb.cells)
