"""The capstone graded end to end: autograded parts, then the memo graded by hand."""

from __future__ import annotations

import re

import pytest
from submissions import grade_cohort, release_notebook

from autograder.classroom import Classroom
from course.health import program_health
from course.planning import add_dependency, critical_path, program_weeks, schedule, set_weeks
from course.scenarios import digitisation_program, status_reports

A = NB = "capstone"
AUTO, MANUAL = 20, 6
TWO_DECIMALS = 0.0051  # a value rounded to two decimals is within 0.005
DECISIONS = {
    "Q1": "sponsor", "Q2": "program manager", "Q3": "change manager",
    "Q4": "product manager", "Q5": "project manager", "Q6": "product owner", "Q7": "sponsor",
}  # fmt: skip
ROLES = {"project manager", "program manager", "product manager", "product owner",
         "scrum master", "sponsor", "change manager"}

GOOD_FINDER = '''def find_orphans(projects, register):
    listed = set()
    for ids in register["projects"]:
        listed.update(ids)
    return sorted(p for p in projects["id"] if p not in listed)
'''
# `p not in register["projects"]` looks in the Series' index, so every project is "orphan"
INDEX_BUG_FINDER = '''def find_orphans(projects, register):
    return sorted(p for p in projects["id"] if p not in register["projects"])
'''
GOOD_VARIANT = 'set_weeks(add_dependency(digitisation_program(), "C", "E"), {"E": 14})'
NO_SHARED_TEAM = 'set_weeks(digitisation_program(), {"E": 14})'
MEMO = ("The program now ends in week 50; E is critical and late, C is over budget. "
        "H serves no benefit and should stay out. Sponsor: please approve the new date.")


def variant_values(variant_code: str) -> tuple[list[str], int, int]:
    """What the learner's variant gives, computed as the teacher would."""
    names = {"set_weeks": set_weeks, "add_dependency": add_dependency,
             "digitisation_program": digitisation_program}
    variant = eval(variant_code, names)  # noqa: S307 - a fixed expression of this file
    return critical_path(variant), program_weeks(variant), int(schedule(variant).loc["D", "float"])


HEALTH = program_health(status_reports(), period=7)
RIGHT = {
    "variant": variant_values(GOOD_VARIANT),
    "spi": HEALTH["spi"], "cpi": HEALTH["cpi"], "escalate": HEALTH["escalate"],
}


def case(decisions=DECISIONS, finder=GOOD_FINDER, finder_points=4, variant=GOOD_VARIANT,
         path_code="critical_path(variant)", spi="round(health['spi'], 2)",
         cpi="round(health['cpi'], 2)", escalate="health['escalate']", memo=MEMO) -> dict:
    return dict(decisions=decisions, finder=finder, finder_points=finder_points,
                variant=variant, path_code=path_code, spi=spi, cpi=cpi,
                escalate=escalate, memo=memo)


def cells(c: dict) -> dict:
    sources = {
        "decisions": f"decisions = {c['decisions']!r}\n",
        "find_orphans": c["finder"] + "\nfind_orphans(proposal, register)\n",
        "variant": (
            "from course.planning import add_dependency, critical_path, program_weeks, "
            "schedule, set_weeks\n"
            f"variant = {c['variant']}\n"
            f"variant_path = {c['path_code']}\n"
            "variant_weeks = program_weeks(variant)\n"
            "d_float = int(schedule(variant).loc['D', 'float'])\n"
        ),
        "health": (
            "from course.health import program_health\n"
            "from course.scenarios import status_reports\n"
            "health = program_health(status_reports(), period=7)\n"
            f"program_spi = {c['spi']}\nprogram_cpi = {c['cpi']}\nescalate = {c['escalate']}\n"
        ),
    }
    if c["memo"] is not None:
        sources["reflection"] = c["memo"]
    return sources


def teacher_auto_score(c: dict) -> int:
    """The autograded part as a teacher marks it by the stated rubric."""
    given = {k: " ".join(v.lower().replace("-", " ").replace("programme", "program").split())
             for k, v in c["decisions"].items()}
    score = (set(given) == set(DECISIONS) and set(given.values()) <= ROLES)
    score += sum(given.get(k) == v or given.get(k) in ALSO_RIGHT.get(k, ())
                 for k, v in DECISIONS.items())
    score += c["finder_points"]
    path, weeks, d_float = variant_values(c["variant"])
    if c["path_code"] != "critical_path(variant)":
        path = eval(c["path_code"], {"variant": None})  # noqa: S307 - a literal of this file
    score += isinstance(path, list) and path[:1] == ["A"]  # weeks and float are ints here
    score += sum(x == y for x, y in zip((path, weeks, d_float), RIGHT["variant"], strict=True))
    names = {"health": HEALTH, "sorted": sorted, "round": round}
    spi, cpi, escalate = (eval(c[k], names) for k in ("spi", "cpi", "escalate"))  # noqa: S307
    score += 1  # two numbers and a list in every case below
    score += abs(spi - RIGHT["spi"]) <= TWO_DECIMALS
    score += abs(cpi - RIGHT["cpi"]) <= TWO_DECIMALS
    score += escalate == RIGHT["escalate"]
    return int(score)


# Q4 depends on how the product roles are split: the Scrum Guide's Product Owner is right too.
ALSO_RIGHT = {"Q4": {"product owner"}}

CASES = {
    # the Scrum Guide's reading of Q4, and the British spelling of a role
    "scrum-reading": case(decisions={**DECISIONS, "Q4": "Product Owner",
                                     "Q2": "Programme Manager"}),
    # forgot that E waits for C: the path, the length and D's float are all the old ones
    "no-shared-team": case(variant=NO_SHARED_TEAM),
    # looks ids up in the Series' index; gives the program manager the sponsor's decisions
    "index-bug": case(
        decisions={**DECISIONS, "Q1": "program-manager", "Q7": "Program Manager"},
        finder=INDEX_BUG_FINDER, finder_points=0, memo=None,
    ),
    # swaps the two indices and escalates in the order of the ids
    "swapped-indices": case(spi="round(health['cpi'], 2)", cpi="round(health['spi'], 2)",
                            escalate="sorted(health['escalate'])"),
    # writes the path as one string
    "path-as-text": case(path_code="'A-B-C-E-F-G'"),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    edits = {learner: cells(c) for learner, c in CASES.items()}
    return grade_cohort(tmp_path_factory.mktemp("classroom"), A, NB, edits)


def feedback(classroom: Classroom, learner: str) -> str:
    return (classroom.folder("feedback", A, learner) / f"{NB}.html").read_text()


def memo_grade(classroom: Classroom, learner: str):
    with classroom.gradebook() as gb:
        grade = gb.find_grade("reflection", NB, A, learner)
        return grade.auto_score, grade.manual_score, grade.needs_manual_grade


def test_the_teachers_answers_are_the_scenarios():
    assert RIGHT["variant"] == (["A", "B", "C", "E", "F", "G"], 50, 4)
    assert RIGHT["escalate"] == ["E", "C"]


def test_solution_scores_every_autograded_point_and_waits_for_the_memo(graded):
    classroom, outcomes = graded
    assert outcomes["solution"].status == "graded"
    assert outcomes["solution"].score == AUTO
    assert outcomes["solution"].max_score == AUTO + MANUAL
    assert memo_grade(classroom, "solution") == (None, None, True)


def test_grading_the_memo_by_hand_gives_the_full_total(graded):
    classroom, _ = graded
    with classroom.gradebook() as gb:
        grade = gb.find_grade("reflection", NB, A, "solution")
        grade.manual_score = MANUAL  # what the formgrader stores when the instructor saves it
        grade.needs_manual_grade = False
        gb.db.commit()
        submission = gb.find_submission(A, "solution")
        assert submission.score == submission.max_score == AUTO + MANUAL
        assert not submission.needs_manual_grade


def test_blank_release_scores_zero_and_needs_no_manual_grade(graded):
    classroom, outcomes = graded
    assert outcomes["blank"].status == "graded" and outcomes["blank"].score == 0
    # an untouched answer cell is marked 0 at once: there is nothing to read
    assert memo_grade(classroom, "blank") == (0, None, False)


@pytest.mark.parametrize("learner", list(CASES))
def test_wrong_submissions_score_what_a_teacher_gives(graded, learner):
    classroom, outcomes = graded
    assert outcomes[learner].score == teacher_auto_score(CASES[learner])
    written = CASES[learner]["memo"] is not None
    assert memo_grade(classroom, learner)[2] is written


def test_teacher_scores_are_what_we_think():
    assert teacher_auto_score(case()) == AUTO
    assert teacher_auto_score(CASES["no-shared-team"]) == AUTO - 3
    assert teacher_auto_score(CASES["index-bug"]) == AUTO - 2 - 4
    assert teacher_auto_score(CASES["swapped-indices"]) == AUTO - 3
    assert teacher_auto_score(CASES["path-as-text"]) == AUTO - 2


def test_feedback_explains_only_the_learners_own_mistakes(graded):
    classroom, _ = graded
    late = feedback(classroom, "no-shared-team")
    assert "`variant_path` is not right" in late and "`d_float` is 0" in late
    assert "`program_spi` is" not in late and "7 of 7 decisions given" in late
    assert not re.findall(r"\bQ\d: not the", late)
    assert "0 of 3 values of the changed plan are right" in late
    assert "3 of 3 values of the health reading are right" in late
    bug = feedback(classroom, "index-bug")
    assert set(re.findall(r"\b(Q\d): not the", bug)) == {"Q1", "Q7"}
    assert "contribute(s) to a benefit" in bug and "right on 0 of 3 programs" in bug
    assert "Look for each project id inside the lists" in bug  # the visible check teaches
    swapped = feedback(classroom, "swapped-indices")
    assert "`program_spi` is 0.94" in swapped and "`escalate` is not right" in swapped
    assert "`variant_path` is not right" not in swapped
    text = feedback(classroom, "path-as-text")
    assert "AssertionError: `variant_path` must be a list of project ids" in text
    assert "`variant_path` is not a list of ids" in text and "`variant_weeks` is" not in text
    for learner in ["solution", "blank", *CASES]:
        html = feedback(classroom, learner)
        assert "DECISION_KEY" not in html and "HIDDEN TESTS" not in html
        assert "random_register" not in html and "importlib" not in html
        if learner != "solution":  # the instructor's own copy holds the rubric
            assert "Instructor's rubric" not in html and "model answer" not in html


def test_the_release_holds_no_rubric_and_an_empty_memo(graded):
    classroom, _ = graded
    blank = release_notebook(classroom, A, NB)
    memo = next(c for c in blank.cells if c.metadata.get("nbgrader", {}).get("grade_id")
                == "reflection")
    assert memo.cell_type == "markdown" and memo.source.strip() == "YOUR ANSWER HERE"
    assert memo.metadata["nbgrader"]["points"] == MANUAL
    text = (classroom.folder("release", A) / f"{NB}.ipynb").read_text()
    assert "Instructor's rubric" not in text and "model answer" not in text
    assert sorted(p.name for p in classroom.folder("release", A).iterdir()) == [f"{NB}.ipynb"]


def test_both_readings_of_q4_and_both_spellings_earn_full_marks(graded):
    classroom, results = graded
    assert results["scrum-reading"].score == results["solution"].score
