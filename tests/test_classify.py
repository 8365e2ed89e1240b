"""The classify-responsibilities assignment graded end to end with real submissions."""

from __future__ import annotations

import re

import pytest
from submissions import edited, release_notebook, source_notebook, submit

from autograder.build import release
from autograder.classroom import Classroom
from autograder.grade import grade_assignment

A = "classify-responsibilities"
SOLUTION = {
    "R01": "project", "R02": "product", "R03": "program", "R04": "program",
    "R05": "project", "R06": "product", "R07": "product", "R08": "program",
    "R09": "project", "R10": "program", "R11": "project", "R12": "product",
    "R13": "product", "R14": "program", "R15": "project", "R16": "product",
    "R17": "program", "R18": "project", "R19": "program", "R20": "product",
    "R21": "project", "R22": "program", "R23": "product", "R24": "project",
    "R25": "program", "R26": "product",
}  # fmt: skip
FORMAT, EXAMPLES, PER_ITEM = 2, 3, 1
EXAMPLE_IDS = {"R01", "R02", "R03"}


def answers_cell(answers: dict) -> str:
    return f"answers = {answers!r}\n"


def with_wrong(*ids: str) -> dict:
    flip = {"project": "program", "program": "product", "product": "project"}
    return {k: flip[v] if k in ids else v for k, v in SOLUTION.items()}


def spelled(value: object) -> str:
    """A label as a teacher reads it: case, spaces and the British spelling do not matter."""
    text = str(value).strip().lower()
    return "program" if text == "programme" else text


def teacher_score(answers: dict) -> int:
    """What a teacher marking by the stated rubric gives."""
    valid = set(answers) == set(SOLUTION) and all(
        isinstance(v, str) and spelled(v) in {"project", "program", "product"}
        for v in answers.values()
    )
    right = {k for k, v in SOLUTION.items() if spelled(answers.get(k, "")) == v}
    return FORMAT * valid + EXAMPLES * EXAMPLE_IDS.issubset(right) + PER_ITEM * len(right)


class EqualsEverything(str):
    def __eq__(self, other):
        return True

    __hash__ = str.__hash__


CASES = {
    "solution": None,
    "blank": "blank",
    "three-wrong": with_wrong("R05", "R13", "R22"),
    "example-wrong": with_wrong("R02", "R10"),
    "messy-case": {k: f"  {v.upper()} " for k, v in SOLUTION.items()},
    "british-spelling": {k: "Programme" if v == "program" else v for k, v in SOLUTION.items()},
    "half-missing": dict(list(SOLUTION.items())[:13]),
    "all-project": {k: "project" for k in SOLUTION},
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    classroom = Classroom(tmp_path_factory.mktemp("classroom"))
    release(classroom, [A])
    source = source_notebook(classroom, A, "classify")
    blank = release_notebook(classroom, A, "classify")
    for learner, answers in CASES.items():
        if answers is None:
            nb = source
        elif answers == "blank":
            nb = blank
        else:
            nb = edited(blank, answers=answers_cell(answers))
        submit(classroom, A, learner, {"classify": nb})
    cheat = edited(
        blank,
        answers=(
            "class EqualsEverything(str):\n"
            "    def __eq__(self, other):\n        return True\n"
            "    __hash__ = str.__hash__\n"
            "class Everything(dict):\n"
            "    def __eq__(self, other):\n        return True\n"
            "    def get(self, key, default=None):\n        return EqualsEverything('x')\n"
            "answers = Everything({k: EqualsEverything('nonsense') for k in statements.index})\n"
        ),
    )
    submit(classroom, A, "cheater", {"classify": cheat})
    outcomes = {o.learner: o for o in grade_assignment(classroom, A, progress=False)}
    return classroom, outcomes


def test_solution_scores_full_marks(graded):
    _, outcomes = graded
    assert outcomes["solution"].status == "graded"
    assert outcomes["solution"].score == outcomes["solution"].max_score == 31


def test_blank_release_scores_zero(graded):
    assert graded[1]["blank"].score == 0


@pytest.mark.parametrize("learner", [k for k, v in CASES.items() if isinstance(v, dict)])
def test_wrong_answers_score_what_a_teacher_gives(graded, learner):
    assert graded[1][learner].score == teacher_score(CASES[learner])


def test_british_spelling_costs_nothing(graded):
    assert sum(v == "program" for v in SOLUTION.values()) >= 9
    assert graded[1]["british-spelling"].score == 31


def test_teacher_scores_are_what_we_think():
    # the rubric itself, spelled out: three wrong non-examples lose three points
    assert teacher_score(with_wrong("R05", "R13", "R22")) == 28
    assert teacher_score(with_wrong("R02", "R10")) == 31 - 3 - 2
    assert teacher_score(dict(list(SOLUTION.items())[:13])) == 3 + 13


def test_an_object_equal_to_everything_earns_nothing(graded):
    assert graded[1]["cheater"].score == 0


def test_feedback_explains_only_the_learners_own_mistakes(graded):
    classroom, _ = graded
    html = (classroom.folder("feedback", A, "three-wrong") / "classify.html").read_text()
    explained = set(re.findall(r"\b(R\d\d): not ", html))
    assert explained == {"R05", "R13", "R22"}
    assert "KEY" not in html and "HIDDEN TESTS" not in html and "importlib" not in html
    full = (classroom.folder("feedback", A, "solution") / "classify.html").read_text()
    assert not re.findall(r"\bR\d\d: not ", full)
    assert "26 of 26 statements labelled correctly" in full
