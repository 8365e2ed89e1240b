"""The program-health assignment graded end to end with real submissions.

Each wrong submission is also marked by ``teacher_score``: the notebook's rubric
applied by hand (run the learner's functions, compare with the course's
reference ``course.health``), independently of ``course.health_checks``'
scoring code.  The grader must give exactly the same score.
"""

from __future__ import annotations

import ast
import math
import re

import pandas as pd
import pytest
from submissions import feedback_html, grade_cohort, solution_source

from autograder.paths import EXERCISES
from course import health
from course.health_checks import front_door_reports, random_reports
from course.plan_checks import fresh, run_learner

A, NB = "program-health", "health"
TOTAL = 22
CELLS = ("indicators", "rag", "rollup")
SOURCE = (EXERCISES / A / f"{NB}.py").read_text(encoding="utf-8")
# The random report sets of the hidden cells, read from the exercise so that they cannot drift.
SEEDS = [ast.literal_eval(m) for m in re.findall(r"hidden_reports\(\s*(\{.*?\})", SOURCE)]
RAG_GROUPS = [
    {(1.0, 1.0): "green", (0.96, 1.2): "green", (1.3, 0.951): "green"},
    {(0.94, 1.0): "amber", (1.05, 0.91): "amber", (0.92, 0.93): "amber"},
    {(0.85, 1.1): "red", (1.2, 0.6): "red", (0.89, 0.94): "red"},
    {(0.95, 1.0): "green", (1.0, 0.95): "green", (0.90, 1.0): "amber", (0.95, 0.90): "amber"},
]
INDICATORS = ("sv", "cv", "spi", "cpi", "eac")


# ---------------------------------------------------------------------------
# The rubric, applied by a teacher
# ---------------------------------------------------------------------------


def same(a, b) -> bool:
    return isinstance(a, int | float) and math.isclose(a, b, rel_tol=1e-6)


def call(ns: dict, name: str, *args):
    result = run_learner(ns.get(name), name, *args)
    return result.value if result.ok else None


def column_right(ns: dict, reports: pd.DataFrame, column: str) -> bool:
    got = call(ns, "indicators", fresh(reports))
    want = health.earned_value(reports)
    if not isinstance(got, pd.DataFrame) or sorted(got.index) != list(want.index):
        return False
    return all(same(float(got.at[p, column]), want.at[p, column]) for p in want.index)


def rollup_parts(ns: dict, reports: pd.DataFrame) -> dict[str, bool]:
    got = call(ns, "program_rollup", fresh(reports))
    want = health.program_health(reports)
    if not isinstance(got, dict):
        return dict.fromkeys(("totals", "variances", "indices", "rag"), False)

    def right(keys):
        return all(k in got and same(got[k], want[k]) for k in keys)

    return {"totals": right(("pv", "ev", "ac", "bac")), "variances": right(("sv", "cv")),
            "indices": right(("spi", "cpi", "eac")), "rag": got.get("rag") == want["rag"]}


def escalate_right(ns: dict, reports: pd.DataFrame) -> bool:
    return call(ns, "escalate", fresh(reports)) == health.program_health(reports)["escalate"]


def rag_right(ns: dict, cases: dict) -> bool:
    return all(call(ns, "rag", spi, cpi) == colour for (spi, cpi), colour in cases.items())


def teacher_score(ns: dict) -> int:
    """The notebook's rubric, item by item."""
    shown = front_door_reports()
    ind_sets, roll_sets, esc_sets = ([random_reports(n, seed) for seed, n in s.items()]
                                     for s in SEEDS)
    score = 2 * all(column_right(ns, shown, c) for c in INDICATORS)
    score += sum(all(column_right(ns, r, c) for r in ind_sets) for c in INDICATORS)
    score += rag_right(ns, {(1.02, 0.97): "green", (0.93, 1.1): "amber", (0.7, 0.98): "red"})
    score += sum(rag_right(ns, group) for group in RAG_GROUPS)
    score += 2 * all(rollup_parts(ns, shown).values())
    parts = [rollup_parts(ns, r) for r in roll_sets]
    score += sum(all(p[part] for p in parts) for part in parts[0])
    score += escalate_right(ns, shown)
    score += sum(escalate_right(ns, r) for r in esc_sets)
    return score


# ---------------------------------------------------------------------------
# Submissions
# ---------------------------------------------------------------------------


def hard_coded() -> dict[str, str]:
    table = health.earned_value(front_door_reports())[list(INDICATORS)]
    rows = {p: {c: float(v) for c, v in row.items()} for p, row in table.iterrows()}
    rollup = {k: v for k, v in health.program_health(front_door_reports()).items()
              if k in ("pv", "ev", "ac", "bac", "sv", "cv", "spi", "cpi", "eac", "rag")}
    return {
        "indicators": f"def indicators(reports):\n    return pd.DataFrame({rows!r}).T\n",
        "rollup": (f"def program_rollup(reports):\n    return {rollup!r}\n\n"
                   "def escalate(reports):\n    return ['M', 'K']\n"),
    }


def variants(solved: dict[str, str]) -> dict[str, dict[str, str]]:
    """Each learner's three answer cells."""

    def change(cell: str, *pairs: tuple[str, str], base: dict | None = None) -> dict[str, str]:
        cells = dict(base or solved)
        for old, new in pairs:
            assert old in cells[cell], old
            cells[cell] = cells[cell].replace(old, new)
        return cells

    return {
        "inverted-spi": change("indicators", ('latest["ev"] / latest["pv"]',
                                              'latest["pv"] / latest["ev"]')),
        "reversed-rag": change("rag", ("0.90", "0.XX"), ("0.95", "0.90"), ("0.XX", "0.95")),
        "sums-periods": change(
            "rollup", ('latest = reports.sort_values("period").groupby("project").tail(1)\n',
                       "latest = reports\n"),
            base=change("indicators", (
                'reports.sort_values("period").groupby("project").tail(1).set_index("project")',
                'reports.groupby("project")[["pv", "ev", "ac", "bac"]].sum()'))),
        # two rules misread: the program colour from the totals, and escalating every
        # project that is not green, by id
        "rollup-rules": change("rollup", ('"rag": worst}', '"rag": rag(ev / pv, ev / ac)}'),
                               ('== "red"', '!= "green"'),
                               ('sort_values(["worst", "project"])', 'sort_values("project")')),
        "hard-coded": {**solved, **hard_coded()},
    }


def namespace(cells: dict[str, str]) -> dict:
    """Run a learner's answer cells as the notebook would, in a fresh namespace."""
    ns = {"pd": pd, "reports": front_door_reports()}
    for cell in CELLS:
        exec(compile(cells[cell], cell, "exec"), ns)  # noqa: S102 - the tests' own code
    return ns


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    learners = {}

    def edits(source):
        learners.update(variants({cell: solution_source(source, cell) for cell in CELLS}))
        return learners

    classroom, outcomes = grade_cohort(tmp_path_factory.mktemp("classroom"), A, NB, edits)
    return classroom, outcomes, learners


def test_the_hidden_cells_use_random_reports():
    assert [len(s) for s in SEEDS] == [4, 3, 3]


def test_solution_scores_full_marks(graded):
    _, outcomes, _ = graded
    assert outcomes["solution"].status == "graded"
    assert outcomes["solution"].score == outcomes["solution"].max_score == TOTAL


def test_blank_release_scores_zero(graded):
    assert graded[1]["blank"].status == "graded"
    assert graded[1]["blank"].score == 0


@pytest.mark.parametrize("learner", ["inverted-spi", "reversed-rag", "sums-periods",
                                     "rollup-rules", "hard-coded"])
def test_wrong_submissions_score_what_a_teacher_gives(graded, learner):
    _, outcomes, learners = graded
    assert outcomes[learner].status == "graded"
    assert outcomes[learner].score == teacher_score(namespace(learners[learner]))


def test_teacher_scores_are_what_we_think(graded):
    learners = graded[2]

    def score(learner):
        return teacher_score(namespace(learners[learner]))

    # the rag rule reversed: the amber examples and the 0.90 threshold fail
    assert score("reversed-rag") <= TOTAL - 1 - 2
    # the program colour from the totals and amber projects escalated: the visible roll-up
    # and escalate tests, the roll-up's RAG on a set whose worst project is amber, and at
    # least the escalate sets that have an amber project
    assert score("rollup-rules") <= TOTAL - 2 - 1 - 1 - 2
    # typed in for the shown reports: the visible tests, and the (general) rag
    assert score("hard-coded") == 2 + 1 + 4 + 2 + 1
    # SPI upside down: the visible indicators test and the hidden SPI point at least
    assert score("inverted-spi") <= TOTAL - 2 - 1


def test_feedback_explains_the_learners_own_mistakes(graded):
    classroom = graded[0]

    def page(learner):
        return feedback_html(classroom, A, learner, NB)

    assert "the ratio is upside down" in page("inverted-spi")
    assert re.search(r"Amber cases: rag\(0\.94, 1\.0\) gives", page("reversed-rag"))
    assert "do not add up the periods" in page("sums-periods")
    rules = page("rollup-rules")
    assert "the headline takes the worst colour of any project" in rules
    assert "escalate only red projects" in rules
    hard = page("hard-coded")
    assert "indicators: 0 of 5 indicators right" in hard and "rag: 4 of 4" in hard
    full = page("solution")
    assert "escalate: 3 of 3 random report sets right" in full
    assert "indicators: 5 of 5 indicators right" in full and "Report set" not in full


@pytest.mark.parametrize("learner", ["solution", "blank", "sums-periods", "hard-coded"])
def test_feedback_shows_no_hidden_test_code(graded, learner):
    html = feedback_html(graded[0], A, learner, NB)
    for secret in ("HIDDEN TESTS", "hidden_reports", "importlib", "score_rag", "(1.3, 0.951)"):
        assert secret not in html, f"{secret!r} in the feedback of {learner}"
