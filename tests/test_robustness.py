"""Nothing a submission does breaks a batch: each one is graded or reported, the rest graded."""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
import time

import nbformat
import pytest
from submissions import edited, source_notebook, submit
from sysdeps import require

from autograder.build import release
from autograder.classroom import Classroom
from autograder.grade import grade_assignment
from autograder.sandbox import Limits

A = "classify-responsibilities"
LIMITS = Limits(timeout=3, cpu=3, memory=1 << 30)


def grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def index_of(nb, name: str) -> int:
    return next(i for i, cell in enumerate(nb.cells) if grade_id(cell) == name)


def with_answers_then(solution, code: str):
    """The solution, with ``code`` run after the answers are given."""
    answers = solution.cells[index_of(solution, "answers")].source
    return edited(solution, answers=answers + "\n" + code)


def make_cohort(classroom: Classroom) -> dict[str, object]:
    solution = source_notebook(classroom, A, "classify")
    deleted = copy.deepcopy(solution)
    del deleted.cells[index_of(deleted, "check_all")]
    moved = copy.deepcopy(solution)
    moved.cells.append(moved.cells.pop(index_of(moved, "check_format")))
    duplicated = copy.deepcopy(solution)
    twin = copy.deepcopy(duplicated.cells[index_of(duplicated, "check_all")])
    twin.id = "twin"
    duplicated.cells.insert(index_of(duplicated, "answers"), twin)
    retyped = copy.deepcopy(solution)
    cell = retyped.cells[index_of(retyped, "check_examples")]
    retyped.cells[index_of(retyped, "check_examples")] = nbformat.v4.new_markdown_cell(
        cell.source, metadata=cell.metadata, id=cell.id
    )
    same_ids = json.loads(nbformat.writes(solution))
    same_ids["cells"][1]["id"] = same_ids["cells"][0]["id"]
    return {
        "solution": solution,
        "invalid-json": '{"cells": [ not json',
        "empty": None,
        "nbformat-3": nbformat.writes(nbformat.convert(copy.deepcopy(solution), 3)),
        "deleted-test": deleted,
        "moved-test": moved,
        "duplicated-test": duplicated,
        "retyped-test": retyped,
        "duplicate-ids": json.dumps(same_ids),
        "infinite-loop": with_answers_then(solution, "while True:\n    pass"),
        "asks-input": with_answers_then(solution, "name = input('your name? ')"),
        "exits": with_answers_then(solution, "import os\nos._exit(1)"),
        "segfault": with_answers_then(solution, "import ctypes\nctypes.string_at(0)"),
        "memory-bomb": with_answers_then(solution, "hog = bytearray(16 << 30)"),
        "huge-output": with_answers_then(solution, "print('y' * (1 << 30))"),
        "equals-everything": edited(
            solution,
            answers=(
                "class Everything(dict):\n"
                "    def __eq__(self, other):\n        return True\n"
                "    def get(self, key, default=None):\n        return 'project'\n"
                "answers = Everything()\n"
            ),
        ),
    }


#: What each one scores: graded with this score, or reported (None).
EXPECTED = {
    "solution": 31,
    "invalid-json": None,
    "empty": None,
    "nbformat-3": 31,
    "deleted-test": 31,
    "moved-test": 31,
    "duplicated-test": 31,
    "retyped-test": 31,
    "duplicate-ids": 31,
    "infinite-loop": 31,
    "asks-input": 31,
    "exits": 0,
    "segfault": 0,
    "memory-bomb": 31,
    "huge-output": 31,
    "equals-everything": 0,
}


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    require("bwrap", "bubblewrap")
    classroom = Classroom(tmp_path_factory.mktemp("classroom"))
    release(classroom, [A])
    for learner, nb in make_cohort(classroom).items():
        if nb is None:
            classroom.folder("submitted", A, learner).mkdir(parents=True)
        else:
            submit(classroom, A, learner, {"classify": nb})
    return classroom


@pytest.fixture(scope="module")
def graded(classroom):
    return {o.learner: o for o in grade_assignment(classroom, A, progress=False, limits=LIMITS)}


@pytest.mark.parametrize("learner", list(EXPECTED))
def test_each_submission_is_graded_or_reported(graded, learner):
    outcome = graded[learner]
    if EXPECTED[learner] is None:
        assert outcome.status == "broken" and outcome.message
    else:
        assert outcome.status == "graded", outcome.message
        assert outcome.score == EXPECTED[learner]


def test_deleted_test_cell_is_put_back_and_run(graded, classroom):
    nb = nbformat.read(classroom.folder("autograded", A, "deleted-test") / "classify.ipynb", 4)
    cell = nb.cells[index_of(nb, "check_all")]
    assert "was missing from the submission" in cell.source
    assert any(o.output_type == "execute_result" for o in cell.outputs)


def test_regrading_is_idempotent(graded, classroom):
    again = {o.learner: o for o in grade_assignment(classroom, A, progress=False, limits=LIMITS)}
    assert {k: (o.status, o.score) for k, o in again.items()} == {
        k: (o.status, o.score) for k, o in graded.items()
    }
    with classroom.gradebook() as gb:
        assert gb.find_submission(A, "solution").score == 31


def test_an_interrupted_run_keeps_the_grades_already_written(tmp_path):
    require("bwrap", "bubblewrap")
    classroom = Classroom(tmp_path / "classroom")
    release(classroom, [A])
    solution = source_notebook(classroom, A, "classify")
    submit(classroom, A, "a-first", {"classify": solution})
    submit(classroom, A, "z-slow", {"classify": with_answers_then(solution, "import time\n"
                                                                   "time.sleep(600)")})
    process = subprocess.Popen(
        [sys.executable, "-m", "autograder.cli", "grade", A, "--course-dir", str(classroom.root),
         "--quiet", "--jobs", "1", "--timeout", "120"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    feedback = classroom.folder("feedback", A, "a-first") / "classify.html"
    deadline = time.monotonic() + 120
    while not feedback.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1)
    os.killpg(process.pid, signal.SIGINT)
    process.communicate(timeout=60)
    assert process.returncode != 0
    with classroom.gradebook() as gb:
        assert gb.find_submission(A, "a-first").score == 31
    record = json.loads((classroom.root / "autograded" / f"{A}-outcomes.json").read_text())
    assert [(o["learner"], o["score"]) for o in record] == [("a-first", 31)]
