"""The plan-a-program assignment graded end to end with real submissions.

Each wrong submission is also marked by ``teacher_score``: the notebook's rubric
applied by hand (run the learner's functions, compare with the course's
reference planning functions), independently of ``course.plan_checks``'
scoring code.  The grader must give exactly the same score.
"""

from __future__ import annotations

import ast
import re

import pandas as pd
import pytest
from submissions import feedback_html, grade_cohort, solution_source

from autograder.paths import EXERCISES
from course import planning
from course.plan_checks import (
    fresh,
    front_door_benefits,
    front_door_objectives,
    front_door_program,
    run_learner,
    with_cycle,
    with_unknown,
)
from course.scenarios import random_program

A, NB = "plan-a-program", "plan"
TOTAL = 33
SOURCE = (EXERCISES / A / f"{NB}.py").read_text(encoding="utf-8")
# The random programs of the hidden cells, read from the exercise so that they cannot drift.
SEEDS = [ast.literal_eval(m) for m in re.findall(r"hidden_programs\(\s*(\{.*?\})", SOURCE)]
UNKNOWN = ["Z", "M2"]
SHOWN = {"H": (0, 4), "J": (5, 15), "K": (0, 5), "L": (15, 21),
         "M": (4, 11), "N": (0, 3), "P": (21, 25), "Q": (25, 27)}  # fmt: skip
KEY = {"H": "O1", "J": "O1", "K": "O3", "L": "O2", "M": "O2", "N": None, "P": "O1", "Q": "O2"}


# ---------------------------------------------------------------------------
# The rubric, applied by a teacher
# ---------------------------------------------------------------------------


def _call(ns: dict, name: str, *args):
    call = run_learner(ns.get(name), name, *args, seconds=0.5)
    return call


def schedule_right(ns: dict, program: pd.DataFrame, integer: bool = False) -> bool:
    call = _call(ns, "schedule", fresh(program))
    if not call.ok or not isinstance(call.value, pd.DataFrame):
        return False
    got = call.value
    if integer and not all(pd.api.types.is_integer_dtype(got[c]) for c in ("start", "finish")):
        return False
    want = planning.schedule(program)
    return (sorted(map(str, got.index)) == sorted(want.index)
            and all(int(got.at[p, "start"]) == want.at[p, "start"]
                    and int(got.at[p, "finish"]) == want.at[p, "finish"] for p in want.index))


def path_right(ns: dict, program: pd.DataFrame) -> bool:
    call = _call(ns, "critical_path", fresh(program))
    if not call.ok or not isinstance(call.value, list):
        return False
    path = call.value
    deps = dict(zip(program["id"], program["depends_on"], strict=True))
    weeks = dict(zip(program["id"], program["weeks"], strict=True))
    return (bool(path) and all(p in deps for p in path)
            and all(a in deps[b] for a, b in zip(path, path[1:], strict=False))
            and sum(weeks[p] for p in path) == planning.program_weeks(program))


def weeks_right(ns: dict, program: pd.DataFrame) -> bool:
    call = _call(ns, "program_weeks", fresh(program))
    return call.ok and call.value == planning.program_weeks(program)


def rejects(ns: dict, broken: pd.DataFrame, ids: list[str]) -> bool:
    call = _call(ns, "schedule", broken)
    if not isinstance(call.error, ValueError):
        return False
    words = set(re.findall(r"[A-Za-z0-9]+", str(call.error)))
    return len(words & set(ids)) >= min(2, len(ids))


def teacher_score(ns: dict) -> int:
    """The notebook's rubric, item by item."""
    shown = front_door_program()
    score = 0
    # schedule: 2 visible (exact, integer columns), 1 per hidden program
    got = _call(ns, "schedule", fresh(shown))
    score += 2 * (schedule_right(ns, shown, integer=True)
                  and {str(p): (int(r.start), int(r.finish)) for p, r in got.value.iterrows()}
                  == SHOWN)
    score += sum(schedule_right(ns, random_program(n, seed, ties=True))
                 for seed, n in SEEDS[0].items())
    # critical path and length: 2 visible, 1 + 1 per hidden program
    score += 2 * (path_right(ns, shown) and weeks_right(ns, shown))
    for seed, n in SEEDS[1].items():
        program = random_program(n, seed, ties=True)
        score += path_right(ns, program) + weeks_right(ns, program)
    # errors: 1 visible (both), 1 per hidden broken program
    cycle, ids = with_cycle(shown, seed=0)
    score += rejects(ns, cycle, ids) and rejects(ns, with_unknown(shown, "X", seed=0), ["X"])
    programs = [random_program(n, seed, ties=True) for seed, n in SEEDS[2].items()]
    for number, program in enumerate(programs, start=1):
        score += rejects(ns, *with_cycle(program, seed=number))
        score += rejects(ns, with_unknown(program, UNKNOWN[number - 1], seed=number),
                         [UNKNOWN[number - 1]])
    # benefits map: 1 visible for the form, 1 per project, 2 for the orphan
    serves, orphan = ns.get("serves"), ns.get("orphan")
    if isinstance(serves, dict):
        score += (set(serves) == set(KEY) and orphan in KEY
                  and all(v in ("O1", "O2", "O3", None) for v in serves.values()))
        score += sum(serves.get(p) == goal for p, goal in KEY.items())
    score += 2 * (orphan == "N")
    return score


# ---------------------------------------------------------------------------
# Submissions
# ---------------------------------------------------------------------------

ROW_ORDER = '''\
def schedule(projects):
    start, finish = {}, {}
    for pid, weeks, deps in zip(projects["id"], projects["weeks"], projects["depends_on"]):
        start[pid] = max((finish.get(d, 0) for d in deps), default=0)
        finish[pid] = start[pid] + weeks
    table = pd.DataFrame({"start": start, "finish": finish})
    table.index.name = "id"
    return table
'''

LOOPS_FOREVER = '''\
def schedule(projects):
    weeks = dict(zip(projects["id"], projects["weeks"]))
    depends = dict(zip(projects["id"], projects["depends_on"]))
    for deps in depends.values():
        for d in deps:
            weeks[d]  # an unknown id raises KeyError
    start, finish = {}, {}
    while len(finish) < len(weeks):
        for pid in weeks:
            if pid not in finish and all(d in finish for d in depends[pid]):
                start[pid] = max((finish[d] for d in depends[pid]), default=0)
                finish[pid] = start[pid] + weeks[pid]
    return pd.DataFrame({"start": start, "finish": finish}).rename_axis("id")
'''

HARD_CODED = {
    "schedule": (
        "def schedule(projects):\n"
        f"    dates = {SHOWN!r}\n"
        "    return pd.DataFrame(dates, index=['start', 'finish']).T.rename_axis('id')\n"
    ),
    "critical_path": (
        "def critical_path(projects):\n    return ['K', 'J', 'L', 'P', 'Q']\n\n"
        "def program_weeks(projects):\n    return 27\n"
    ),
    "serves": f"serves = {KEY!r}\norphan = 'N'\n",
}

WRONG_SERVES = ('serves = {"H": "O1", "J": "O2", "K": "O1", "L": "O2", "M": "O2", "N": None, '
                '"P": "O1", "Q": None}\norphan = "Q"\n')


def variants(solved: dict[str, str]) -> dict[str, dict[str, str]]:
    """Each learner's three answer cells."""

    def change(cell: str, old: str, new: str) -> dict[str, str]:
        assert old in solved[cell], old
        return {**solved, cell: solved[cell].replace(old, new)}

    return {
        "off-by-one": change("schedule", "start[pid] + weeks[pid]", "start[pid] + weeks[pid] - 1"),
        # rows taken in table order, and the path given from the last project back
        "row-order": {**change("critical_path", "path[::-1]]", "path]"),
                      "schedule": ROW_ORDER},
        "longest-predecessor": change(
            "critical_path", 'key=lambda d: table.at[d, "finish"]',
            'key=lambda d: int(projects.set_index("id").at[d, "weeks"])'),
        "hard-coded": HARD_CODED,
        "loops-forever": {**solved, "schedule": LOOPS_FOREVER, "serves": WRONG_SERVES},
    }


def namespace(cells: dict[str, str]) -> dict:
    """Run a learner's answer cells as the notebook would, in a fresh namespace."""
    ns = {"pd": pd, "projects": front_door_program(), "objectives": front_door_objectives(),
          "benefits": front_door_benefits()}
    for cell in ("schedule", "critical_path", "serves"):
        exec(compile(cells[cell], cell, "exec"), ns)  # noqa: S102 - the tests' own code
    return ns


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    learners = {}

    def edits(source):
        solved = {cell: solution_source(source, cell) for cell in ("schedule", "critical_path",
                                                                    "serves")}
        learners.update(variants(solved))
        return learners

    classroom, outcomes = grade_cohort(tmp_path_factory.mktemp("classroom"), A, NB, edits)
    return classroom, outcomes, learners


def test_the_hidden_cells_use_random_programs():
    assert [len(s) for s in SEEDS] == [5, 4, 2]


def test_solution_scores_full_marks(graded):
    _, outcomes, _ = graded
    assert outcomes["solution"].status == "graded"
    assert outcomes["solution"].score == outcomes["solution"].max_score == TOTAL


def test_blank_release_scores_zero(graded):
    assert graded[1]["blank"].status == "graded"
    assert graded[1]["blank"].score == 0


@pytest.mark.parametrize("learner", ["off-by-one", "row-order", "longest-predecessor",
                                     "hard-coded", "loops-forever"])
def test_wrong_submissions_score_what_a_teacher_gives(graded, learner):
    _, outcomes, learners = graded
    assert outcomes[learner].status == "graded"
    assert outcomes[learner].score == teacher_score(namespace(learners[learner]))


def test_teacher_scores_are_what_we_think(graded):
    learners = graded[2]
    # rows in table order, path reversed: the visible schedule and path tests, every hidden
    # path, both unknown ids (no check) and every cycle (no check)
    assert teacher_score(namespace(learners["row-order"])) <= TOTAL - 2 - 2 - 4 - 1 - 4
    # typed in for the shown program: visible schedule and path, and the benefits map
    assert teacher_score(namespace(learners["hard-coded"])) == 2 + 2 + 1 + 10
    # loops on cycles and raises KeyError on unknown ids: no error point; J, K, Q and the
    # orphan wrong in the benefits map
    assert teacher_score(namespace(learners["loops-forever"])) == TOTAL - 1 - 4 - 3 - 2
    # off by one: every schedule wrong
    assert teacher_score(namespace(learners["off-by-one"])) <= TOTAL - 7


def test_feedback_explains_the_learners_own_mistakes(graded):
    classroom = graded[0]

    def page(learner):
        return feedback_html(classroom, A, learner, NB)

    assert "start + weeks - 1" in page("off-by-one")
    rows = page("row-order")
    assert "project J should start at week 5, not 4" in rows and "listed backwards" in rows
    assert "the critical path is the longest chain" in page("longest-predecessor")
    hard = page("hard-coded")
    assert "schedule: 0 of 5 random programs right" in hard
    assert "returned a table instead of raising ValueError" in hard
    loops = page("loops-forever")
    assert "did not finish within" in loops and "raised KeyError instead of" in loops
    assert re.search(r"J: not O2\.", loops) and re.search(r"orphan: not Q\.", loops)
    assert not re.search(r"\bH: not ", loops)  # only the learner's own mistakes
    full = page("solution")
    assert "Benefits map: 10 of 10 points" in full and "should start" not in full


@pytest.mark.parametrize("learner", ["solution", "blank", "hard-coded", "loops-forever"])
def test_feedback_shows_no_hidden_test_code(graded, learner):
    html = feedback_html(graded[0], A, learner, NB)
    for secret in ("HIDDEN TESTS", "SERVES_KEY", "ORPHAN_KEY", "hidden_programs", "importlib",
                   "score_serves", "appears in no benefit of the register, so"):
        assert secret not in html, f"{secret!r} in the feedback of {learner}"
