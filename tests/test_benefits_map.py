"""The benefits-map assignment graded end to end with real submissions."""

from __future__ import annotations

import re

import pytest
from submissions import grade_cohort

from autograder.classroom import Classroom

A, NB = "benefits-map", "benefits_map"
LABELS = {
    "I01": "output", "I02": "outcome", "I03": "benefit", "I04": "capability",
    "I05": "output", "I06": "benefit", "I07": "capability", "I08": "output",
    "I09": "outcome", "I10": "benefit", "I11": "capability", "I12": "outcome",
    "I13": "output", "I14": "capability", "I15": "outcome", "I16": "benefit",
}  # fmt: skip
EXAMPLE_IDS = {"I01", "I02", "I16"}
CHAIN = {"P1": "B1", "P2": "B2", "P3": "B3", "P4": "B4", "P5": "B5", "P6": "B1", "P7": None}
OBJECTIVE = {"B1": "O1", "B2": "O1", "B3": "O2", "B4": "O2", "B5": "O3"}
# Links with a second defensible answer (the map is many-to-many; the key explains both).
ALSO_RIGHT = {"P2": "B3", "B1": "O2"}
TOTAL = 2 + 3 + 16 + 2 + 7 + 5


def norm(value):
    return value.strip().upper() if isinstance(value, str) else value


def teacher_score(labels: dict, chain: dict, objective: dict) -> int:
    """What a teacher marking by the stated rubric gives."""
    given = {k: v.strip().lower() for k, v in labels.items()}
    layers = {"output", "capability", "outcome", "benefit"}
    valid = set(given) == set(LABELS) and set(given.values()) <= layers
    right = {k for k, v in LABELS.items() if given.get(k) == v}
    chain = {k: norm(v) for k, v in chain.items()}
    objective = {k: norm(v) for k, v in objective.items()}
    links_valid = (
        set(chain) == set(CHAIN) and set(chain.values()) <= set(OBJECTIVE) | {None}
        and set(objective) == set(OBJECTIVE) and set(objective.values()) <= {"O1", "O2", "O3"}
    )
    return (
        2 * valid + 3 * EXAMPLE_IDS.issubset(right) + len(right)
        + 2 * links_valid
        + sum(k in chain and chain[k] in (v, ALSO_RIGHT.get(k, v)) for k, v in CHAIN.items())
        + sum(objective.get(k) in (v, ALSO_RIGHT.get(k, v)) for k, v in OBJECTIVE.items())
    )


def cells(labels: dict, chain: dict, objective: dict) -> dict:
    return {
        "answers": f"answers = {labels!r}\n",
        "chain": f"chain = {chain!r}\nbenefit_objective = {objective!r}\n",
    }


CASES = {
    # the other defensible reading of P2 and B1: full marks
    "other-defensible-links": (LABELS, {**CHAIN, "P2": "B3"}, {**OBJECTIVE, "B1": "O2"}),
    # mixes outcomes up with benefits, one of them a worked example
    "outcome-as-benefit": (
        {**LABELS, "I02": "benefit", "I09": "benefit", "I12": "benefit"}, CHAIN, OBJECTIVE
    ),
    # sees no orphan, and reads letters as speed rather than cost
    "no-orphan": (
        {**LABELS, "I04": "output", "I11": "output"},
        {**CHAIN, "P7": "B1", "P3": "B2"},
        {**OBJECTIVE, "B2": "O2"},
    ),
    # labels in capitals; objectives unfinished and one invented
    "unfinished-objectives": (
        {k: f" {v.upper()}" for k, v in LABELS.items()},
        {k: (v.lower() if v else v) for k, v in CHAIN.items()},
        {"B1": "O1", "B2": "O1", "B3": "O2", "B4": "O4"},
    ),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    edits = {learner: cells(*case) for learner, case in CASES.items()}
    return grade_cohort(tmp_path_factory.mktemp("classroom"), A, NB, edits)


def feedback(classroom: Classroom, learner: str) -> str:
    return (classroom.folder("feedback", A, learner) / f"{NB}.html").read_text()


def test_solution_scores_full_marks(graded):
    outcome = graded[1]["solution"]
    assert outcome.status == "graded"
    assert outcome.score == outcome.max_score == TOTAL


def test_blank_release_scores_zero(graded):
    # the blank chain holds "" for every project: that is no answer, not the orphan's None
    assert graded[1]["blank"].status == "graded"
    assert graded[1]["blank"].score == 0


@pytest.mark.parametrize("learner", list(CASES))
def test_wrong_submissions_score_what_a_teacher_gives(graded, learner):
    assert graded[1][learner].score == teacher_score(*CASES[learner])


def test_teacher_scores_are_what_we_think():
    assert teacher_score(*CASES["outcome-as-benefit"]) == 2 + 0 + 13 + 2 + 7 + 5
    assert teacher_score(*CASES["no-orphan"]) == 2 + 3 + 14 + 2 + 5 + 4
    assert teacher_score(*CASES["unfinished-objectives"]) == 2 + 3 + 16 + 0 + 7 + 3


def test_feedback_explains_only_the_learners_own_mistakes(graded):
    classroom, _ = graded
    html = feedback(classroom, "outcome-as-benefit")
    assert set(re.findall(r"\b(I\d\d): not ", html)) == {"I02", "I09", "I12"}
    assert "no measure yet" in html  # the worked example's own explanation
    orphan = feedback(classroom, "no-orphan")
    assert set(re.findall(r"\b(P\d): not ", orphan)) == {"P3", "P7"}
    assert "B2: not O2" in orphan
    assert "it is the orphan" not in orphan, "by default feedback never names the right answer"
    assert set(re.findall(r"\b(I\d\d): not ", orphan)) == {"I04", "I11"}
    unfinished = feedback(classroom, "unfinished-objectives")
    assert "B4: not O4" in unfinished and "B5: not answered." in unfinished
    assert "missing: B5" in unfinished  # the visible format check names what is missing
    assert not re.findall(r"\b(P\d): not ", unfinished)
    for learner in ["solution", "blank", *CASES]:
        text = feedback(classroom, learner)
        assert "LAYER_KEY" not in text and "CHAIN_KEY" not in text
        assert "OBJECTIVE_KEY" not in text and "HIDDEN TESTS" not in text
    full = feedback(classroom, "solution")
    assert "7 of 7 projects linked correctly" in full and "5 of 5 benefits" in full


def test_a_defensible_second_link_costs_nothing(graded):
    assert graded[1]["other-defensible-links"].score == TOTAL
