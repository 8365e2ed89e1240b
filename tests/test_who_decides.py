"""The who-decides assignment graded end to end with real submissions."""

from __future__ import annotations

import re

import pytest
from submissions import grade_cohort

from autograder.classroom import Classroom

A, NB = "who-decides", "who_decides"
SOLUTION = {
    "S01": "sponsor", "S02": "program manager", "S03": "project manager",
    "S04": "product owner", "S05": "scrum master", "S06": "product manager",
    "S07": "change manager", "S08": "sponsor", "S09": "project manager",
    "S10": "program manager", "S11": "product owner", "S12": "product manager",
    "S13": "change manager", "S14": "sponsor", "S15": "scrum master",
    "S16": "program manager",
}  # fmt: skip
ROLES = {"project manager", "program manager", "product manager", "product owner",
         "scrum master", "sponsor", "change manager"}
EXAMPLE_IDS = {"S01", "S03", "S04"}
ACCOUNTABLE = {"T1": "sponsor", "T2": "program manager", "T3": "project manager",
               "T4": "change manager", "T5": "product owner"}
GOOD_RACI = {
    "T1": {"sponsor": "A", "program manager": "R"},
    "T2": {"program manager": "A/R", "project manager": "C"},
    "T3": {"project manager": "A/R", "program manager": "I"},
    "T4": {"change manager": "A", "project manager": "R"},
    "T5": {"product owner": "A/R", "product manager": "C"},
}
TOTAL = 2 + 3 + 16 + 2 + 5


def role(value: str) -> str:
    return " ".join(value.lower().replace("-", " ").replace("_", " ").split())


def raci_valid(raci: dict) -> bool:
    """The rules as a teacher reads them: every row, exactly one A, at least one R."""
    if set(raci) != set(ACCOUNTABLE):
        return False
    for row in raci.values():
        cells = [set(v.upper().replace("/", "")) for v in row.values()]
        if sum("A" in c for c in cells) != 1 or not any("R" in c for c in cells):
            return False
        if any(not c <= set("RACI") for c in cells) or not {role(r) for r in row} <= ROLES:
            return False
    return True


def teacher_score(answers: dict, raci: dict) -> int:
    """What a teacher marking by the stated rubric gives."""
    given = {k: role(v) for k, v in answers.items()}
    valid = set(given) == set(SOLUTION) and set(given.values()) <= ROLES
    right = {k for k, v in SOLUTION.items() if given.get(k) == v}
    accountable = 0
    for activity, key in ACCOUNTABLE.items():
        holders = [role(r) for r, v in raci.get(activity, {}).items() if "A" in v.upper()]
        accountable += holders == [key]
    return (2 * valid + 3 * EXAMPLE_IDS.issubset(right) + len(right)
            + 2 * raci_valid(raci) + accountable)


def cells(answers: dict, raci: dict) -> dict:
    return {"answers": f"answers = {answers!r}\n", "raci": f"raci = {raci!r}\nraci\n"}


def swap(**changes: str) -> dict:
    return {**SOLUTION, **changes}


CASES = {
    # confuses the product roles and the two managers: two of them are examples
    "product-mixup": (
        swap(S04="product manager", S11="product manager", S06="product owner",
             S02="project manager"),
        GOOD_RACI,
    ),
    # spelled loosely, RACI with two A's in one row and the wrong owner of adoption
    "messy-two-a": (
        {k: f" {v.title().replace(' ', '-')} " for k, v in SOLUTION.items()},
        {**GOOD_RACI,
         "T1": {"sponsor": "A", "program manager": "A/R"},
         "T4": {"program manager": "A", "change manager": "R"}},
    ),
    # the sponsor decides everything important; RACI without any R in T5
    "sponsor-everywhere": (
        swap(S08="sponsor", S10="sponsor", S16="sponsor", S13="sponsor", S07="program manager"),
        {**GOOD_RACI, "T5": {"product owner": "A", "product manager": "C"}},
    ),
    # half done: eight situations, and a RACI table without T5 and with a made-up role
    "half-done": (
        dict(list(SOLUTION.items())[:8]),
        {k: v for k, v in GOOD_RACI.items() if k != "T5"},
    ),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    edits = {learner: cells(answers, raci) for learner, (answers, raci) in CASES.items()}
    cheat = (
        "class Anything(str):\n"
        "    def __eq__(self, other):\n        return True\n"
        "    def __contains__(self, item):\n        return True\n"
        "    __hash__ = str.__hash__\n"
    )
    edits["cheater"] = {
        "answers": cheat + "answers = {k: Anything('x') for k in cases.index}\n",
        "raci": "raci = {k: {r: Anything('x') for r in ROLES} for k in activities.index}\n",
    }
    return grade_cohort(tmp_path_factory.mktemp("classroom"), A, NB, edits)


def feedback(classroom: Classroom, learner: str) -> str:
    return (classroom.folder("feedback", A, learner) / f"{NB}.html").read_text()


def test_solution_scores_full_marks(graded):
    outcome = graded[1]["solution"]
    assert outcome.status == "graded"
    assert outcome.score == outcome.max_score == TOTAL


def test_blank_release_scores_zero(graded):
    assert graded[1]["blank"].status == "graded"
    assert graded[1]["blank"].score == 0


@pytest.mark.parametrize("learner", list(CASES))
def test_wrong_submissions_score_what_a_teacher_gives(graded, learner):
    assert graded[1][learner].score == teacher_score(*CASES[learner])


def test_teacher_scores_are_what_we_think():
    # the rubric spelled out for each wrong submission
    assert teacher_score(*CASES["product-mixup"]) == 2 + 0 + 12 + 2 + 5
    assert teacher_score(*CASES["messy-two-a"]) == 2 + 3 + 16 + 0 + 3
    assert teacher_score(*CASES["sponsor-everywhere"]) == 2 + 3 + 12 + 0 + 5
    assert teacher_score(*CASES["half-done"]) == 0 + 3 + 8 + 0 + 4


def test_feedback_explains_only_the_learners_own_mistakes(graded):
    classroom, _ = graded
    html = feedback(classroom, "product-mixup")
    assert set(re.findall(r"\b(S\d\d): not the ", html)) == {"S02", "S04", "S06", "S11"}
    assert "12 of 16 decisions given to the right role" in html
    two_a = feedback(classroom, "messy-two-a")
    assert "T1: 2 roles are Accountable" in two_a and "T4: not the program manager" in two_a
    assert not re.findall(r"\bS\d\d: not ", two_a)
    assert "keep exactly one A" in two_a  # the visible RACI check teaches the rule
    no_r = feedback(classroom, "sponsor-everywhere")
    assert "T5: nobody is Responsible" in no_r
    half = feedback(classroom, "half-done")
    assert "T5: the row is missing" in half and "S09: not answered." in half
    for learner in ["solution", "blank", *CASES]:
        text = feedback(classroom, learner)
        assert "ROLE_KEY" not in text and "RACI_KEY" not in text
        assert "HIDDEN TESTS" not in text and "importlib" not in text
    full = feedback(classroom, "solution")
    assert "16 of 16" in full and "5 of 5 activities" in full


def test_objects_equal_to_everything_earn_nothing(graded):
    assert graded[1]["cheater"].score == 0
