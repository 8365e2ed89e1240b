"""Unit tests of the checking modules of plan-a-program and program-health."""

from __future__ import annotations

import ast
import importlib
import math
import re
import sys
import time

import pandas as pd
import pytest

import course.health_checks as hc
import course.plan_checks as pc
from autograder.paths import EXERCISES
from course import health, planning
from course.scenarios import random_program

# ---------------------------------------------------------------------------
# Learner-like implementations, written independently of the course's modules
# ---------------------------------------------------------------------------


def my_schedule(projects):
    weeks = dict(zip(projects["id"], projects["weeks"], strict=True))
    deps = dict(zip(projects["id"], projects["depends_on"], strict=True))
    for pid, before in deps.items():
        for d in before:
            if d not in weeks:
                raise ValueError(f"{pid} depends on unknown {d}")
    finish: dict = {}
    start: dict = {}
    while len(finish) < len(weeks):
        ready = [p for p in weeks if p not in finish and all(d in finish for d in deps[p])]
        if not ready:
            raise ValueError("cycle among " + ", ".join(p for p in weeks if p not in finish))
        for p in ready:
            start[p] = max((finish[d] for d in deps[p]), default=0)
            finish[p] = start[p] + int(weeks[p])
    return pd.DataFrame({"start": start, "finish": finish}).rename_axis("id")


def my_path(projects):
    table = my_schedule(projects)
    deps = dict(zip(projects["id"], projects["depends_on"], strict=True))
    path = [table["finish"].idxmax()]
    while deps[path[-1]]:
        path.append(max(deps[path[-1]], key=lambda d: table.at[d, "finish"]))
    return path[::-1]


def my_weeks(projects):
    return int(my_schedule(projects)["finish"].max())


def my_indicators(reports):
    latest = reports.sort_values("period").groupby("project").last()
    return pd.DataFrame({
        "sv": latest.ev - latest.pv, "cv": latest.ev - latest.ac, "spi": latest.ev / latest.pv,
        "cpi": latest.ev / latest.ac, "eac": latest.bac * latest.ac / latest.ev,
    })


def my_rag(spi, cpi):
    worst = min(spi, cpi)
    return "red" if worst < 0.9 else "amber" if worst < 0.95 else "green"


def my_rollup(reports):
    latest = reports.sort_values("period").groupby("project").last()
    pv, ev, ac, bac = (float(latest[c].sum()) for c in ("pv", "ev", "ac", "bac"))
    ind = my_indicators(reports)
    colours = {my_rag(s, c) for s, c in zip(ind.spi, ind.cpi, strict=True)}
    headline = next(c for c in ("red", "amber", "green") if c in colours)
    return {"pv": pv, "ev": ev, "ac": ac, "bac": bac, "sv": ev - pv, "cv": ev - ac,
            "spi": ev / pv, "cpi": ev / ac, "eac": bac * ac / ev, "rag": headline}


def my_escalate(reports):
    ind = my_indicators(reports)
    worst = ind[["spi", "cpi"]].min(axis=1)
    red = [p for p in ind.index if worst[p] < 0.9]
    return sorted(red, key=lambda p: (worst[p], p))


class EqualsEverything(str):
    def __eq__(self, other):
        return True

    __hash__ = str.__hash__


class Everything(pd.DataFrame):
    def __eq__(self, other):
        return True

    def equals(self, other):
        return True


# ---------------------------------------------------------------------------
# The exercise's data
# ---------------------------------------------------------------------------


def test_front_door_program_plans_as_the_notebook_says():
    program = pc.front_door_program()
    table = planning.schedule(program)
    assert planning.critical_path(program) == ["K", "J", "L", "P", "Q"]
    assert planning.program_weeks(program) == 27
    assert table.loc["J", "start"] == 5 and table.loc["M", "float"] == 10
    assert list(program["id"]) == sorted(program["id"])
    order = list(program["id"])
    assert any(order.index(d) > order.index(p)  # sorted rows are not an order of work
               for p, deps in zip(program["id"], program["depends_on"], strict=True) for d in deps)
    assert "objective" not in program.columns and "benefit" not in program.columns


def test_the_hidden_benefits_key_follows_from_the_register():
    text = (EXERCISES / "plan-a-program" / "plan.py").read_text(encoding="utf-8")
    block = re.search(r"SERVES_KEY = (\{.*?\n\})", text, re.S).group(1)
    key = {pid: goal for pid, (goal, _) in ast.literal_eval(block).items()}
    links = pc.front_door_benefits().explode("projects")
    derived = {pid: None for pid in pc.front_door_program()["id"]}
    for pid, goals in links.groupby("projects")["objective"]:
        assert goals.nunique() == 1, f"{pid} serves two objectives"
        derived[pid] = goals.iloc[0]
    assert key == derived
    assert [pid for pid, goal in derived.items() if goal is None] == ["N"]
    assert set(pc.front_door_benefits()["objective"]) <= set(pc.front_door_objectives()["id"])


def test_front_door_reports_give_the_notebooks_figures():
    reports = hc.front_door_reports()
    h = health.program_health(reports)
    # The totals are green while two projects are red: the worst-of rule matters here.
    assert h["escalate"] == ["M", "K"] and h["rag"] == "red" and h["rag_index"] == "green"
    assert math.floor(h["spi"] * 100) == 95 and math.floor(h["cpi"] * 100) == 95
    ev = health.earned_value(reports).loc["J"]
    assert (ev.sv, ev.cv, round(ev.spi, 2), round(ev.cpi, 2), round(ev.eac, 2)) == (
        0, -8, 1.0, 0.97, 268.0)
    m = health.earned_value(reports).loc["M"]
    assert (m.sv, m.cv, round(m.spi, 2), round(m.cpi, 2), round(m.eac, 2)) == (
        -21, -1, 0.7, 0.98, 71.43)


def test_random_reports_are_reproducible_and_complete():
    a, b = hc.random_reports(7, seed=3), hc.random_reports(7, seed=3)
    assert a.equals(b) and not a.equals(hc.random_reports(7, seed=4))
    last = a[a["period"] == a["period"].max()]
    assert sorted(last["project"]) == sorted(a["project"].unique())
    assert (last[["pv", "ev", "ac"]] > 0).all().all()
    assert (a["ev"] <= a["bac"]).all()
    cumulative = a.sort_values("period").groupby("project")[["pv", "ev", "ac"]]
    assert all((g.diff().dropna() >= 0).all().all() for _, g in cumulative)


# ---------------------------------------------------------------------------
# Running the learner's code
# ---------------------------------------------------------------------------


def test_run_learner_reports_every_kind_of_failure_in_one_sentence():
    def slow(_):
        try:
            while True:
                time.sleep(0.01)
        except BaseException:  # a bare except does not stop the time limit
            while True:
                time.sleep(0.01)

    def exits(_):
        sys.exit(3)

    def noisy(x):
        print("debug", file=sys.stderr)
        import warnings

        warnings.warn("careful", stacklevel=1)
        return x

    def todo(_):
        raise NotImplementedError()

    started = time.time()
    assert "did not finish within 0.3 seconds" in pc.run_learner(slow, "f", 1, seconds=0.3).problem
    assert time.time() - started < 3
    assert "raised SystemExit" in pc.run_learner(exits, "f", 1).problem
    assert "not written yet" in pc.run_learner(todo, "f", 1).problem
    assert "is not a function" in pc.run_learner(None, "schedule").problem
    call = pc.run_learner(noisy, "f", 5)
    assert call.ok and call.value == 5


def test_the_courses_ready_made_functions_earn_nothing_and_come_back():
    program = pc.front_door_program()

    def wrapper(projects):
        return planning.schedule(projects)

    for fn in (planning.schedule, wrapper):
        assert "ready-made" in pc.run_learner(fn, "schedule", program).problem
    assert "ready-made" in pc.run_learner(health.rag, "rag", 1.0, 1.0).problem
    assert planning.program_weeks(program) == 27  # switched on again
    assert pc.score_schedule(planning.schedule, [program]) == 0


def test_a_notebook_that_replaces_the_reference_gets_it_back():
    original = planning.schedule
    try:
        planning.schedule = lambda projects: "cheat"
        importlib.reload(pc)
        assert pc._planning.schedule.__module__ == "course.planning"
        assert isinstance(pc._planning.schedule(pc.front_door_program()), pd.DataFrame)
    finally:
        importlib.reload(planning)
        importlib.reload(pc)
        assert original is not None


# ---------------------------------------------------------------------------
# Plan checks
# ---------------------------------------------------------------------------

PROGRAMS = [random_program(n, seed) for n, seed in ((6, 1), (12, 2), (30, 3))]


def test_a_right_answer_earns_every_point():
    assert pc.score_schedule(my_schedule, PROGRAMS) == 3
    assert pc.score_critical_path(my_path, my_weeks, PROGRAMS) == 6
    assert pc.score_errors(my_schedule, PROGRAMS[:2], ["Z", "AB"]) == 4
    pc.check_schedule(my_schedule, pc.front_door_program(), {
        "H": (0, 4), "J": (5, 15), "K": (0, 5), "L": (15, 21),
        "M": (4, 11), "N": (0, 3), "P": (21, 25), "Q": (25, 27)})
    pc.check_critical_path(my_path, my_weeks, pc.front_door_program())
    pc.check_errors(my_schedule, pc.front_door_program())


@pytest.mark.parametrize("answer", [None, 42, "schedule", lambda p: None, lambda p: 1 / 0,
                                    lambda p: Everything({"x": [1]}),
                                    lambda p: [EqualsEverything("A")]])
def test_wrong_answers_of_any_type_earn_nothing_and_never_raise(answer, capsys):
    assert pc.score_schedule(answer, PROGRAMS[:1]) == 0
    assert pc.score_critical_path(answer, answer, PROGRAMS[:1]) == 0
    assert pc.score_errors(answer if callable(answer) else None, PROGRAMS[:1], ["Z"]) <= 1
    assert pc.score_serves(answer, answer, {"A": ("O1", "why")}, ("A", "why")) == 0
    assert capsys.readouterr().err == ""


def test_schedule_mistakes_are_diagnosed():
    program = pc.front_door_program()
    right = my_schedule(program)
    assert pc.schedule_mistake(right, program) == ""
    off = right.assign(finish=right["finish"] - 1)
    assert "start + weeks - 1" in pc.schedule_mistake(off, program)
    late = right.copy()
    late.loc["J", ["start", "finish"]] = [4, 14]
    assert "project J should start at week 5, not 4" in pc.schedule_mistake(late, program)
    assert "K (finish 5)" in pc.schedule_mistake(late, program)
    assert "index it by project id" in pc.schedule_mistake(right.reset_index(drop=True), program)
    assert pc.schedule_mistake(right.reset_index(), program) == ""  # an id column is accepted
    assert "DataFrame" in pc.schedule_mistake({"H": (0, 4)}, program)
    assert "column(s) finish" in pc.schedule_mistake(right[["start"]], program)


def test_path_and_length_mistakes_are_diagnosed():
    program = pc.front_door_program()
    assert pc.path_mistake(["K", "J", "L", "P", "Q"], program) == ""
    assert pc.path_mistake(("K", "J", "L", "P", "Q"), program) == ""
    assert "backwards" in pc.path_mistake(["Q", "P", "L", "J", "K"], program)
    assert "does not depend on" in pc.path_mistake(["H", "L"], program)
    assert "lasts 17 weeks, but the program lasts 27" in pc.path_mistake(
        ["H", "M", "P", "Q"], program)
    assert "list of project ids" in pc.path_mistake([1], program)
    assert pc.path_mistake([EqualsEverything("K")], program) != ""
    assert pc.weeks_mistake(27.0, program) == ""
    assert "run in parallel" in pc.weeks_mistake(41, program)
    assert "whole number" in pc.weeks_mistake("27", program)


def test_any_longest_path_is_accepted_when_there_are_ties():
    program = pd.DataFrame({"id": ["A", "B", "C", "D"], "weeks": [2, 3, 3, 1],
                            "depends_on": [[], ["A"], ["A"], ["B", "C"]]})
    assert pc.path_mistake(["A", "B", "D"], program) == ""
    assert pc.path_mistake(["A", "C", "D"], program) == ""


def test_broken_programs_and_error_messages():
    program = random_program(10, seed=7)
    cyclic, ids = pc.with_cycle(program, seed=2)
    assert len(ids) >= 2
    with pytest.raises(ValueError, match="cycle"):
        planning.schedule(cyclic)
    unknown = pc.with_unknown(program, "Z9")
    with pytest.raises(ValueError, match="Z9"):
        planning.schedule(unknown)
    assert program.equals(random_program(10, seed=7))  # the original is untouched

    def vague(_):
        raise ValueError("bad plan")

    def key_error(_):
        raise KeyError("Z9")

    assert "should name" in pc.error_mistake(pc.run_learner(vague, "schedule", cyclic), ids, "c")
    assert "instead of ValueError" in pc.error_mistake(
        pc.run_learner(key_error, "schedule", unknown), ["Z9"], "u")
    assert pc.error_mistake(pc.run_learner(my_schedule, "schedule", cyclic), ids, "c") == ""


def test_the_benefits_map_is_marked_per_project():
    key = {"H": ("O1", "because H."), "N": (None, "because N.")}
    assert pc.score_serves({" h ": "o1", "N": "none"}, " n", key, ("N", "why")) == 4
    assert pc.score_serves({"H": "O2", "N": None}, "H", key, ("N", "why")) == 1
    serves = {EqualsEverything("H"): EqualsEverything("O1")}
    assert pc.score_serves(serves, EqualsEverything("N"), key, ("N", "why")) <= 3
    assert pc.plain_serves({EqualsEverything("h"): EqualsEverything("o1")}) == {"H": "O1"}
    program, goals = pc.front_door_program(), pc.front_door_objectives()
    with pytest.raises(AssertionError, match="missing"):
        pc.check_serves({"H": "O1"}, "N", program, goals)
    with pytest.raises(AssertionError, match="objective id"):
        pc.check_serves(dict.fromkeys(program["id"], "O9"), "N", program, goals)


# ---------------------------------------------------------------------------
# Health checks
# ---------------------------------------------------------------------------

SETS = [hc.random_reports(n, seed) for n, seed in ((5, 1), (8, 2), (4, 3))]


def test_a_right_health_answer_earns_every_point():
    assert hc.score_indicators(my_indicators, SETS) == 5
    assert hc.score_rag(my_rag, {"g": {(0.95, 1): "green"}, "a": {(0.9, 1): "amber"}}) == 2
    assert hc.score_rollup(my_rollup, SETS) == 4
    assert hc.score_escalate(my_escalate, SETS) == 3
    reports = hc.front_door_reports()
    hc.check_indicators(my_indicators, reports, {"M": {"spi": 0.7, "eac": 71.43}})
    hc.check_rag(my_rag, {(0.93, 1.1): "amber"})
    hc.check_rollup(my_rollup, reports)
    hc.check_escalate(my_escalate, reports, ["M", "K"])


@pytest.mark.parametrize("answer", [None, 3, lambda r: None, lambda *a: 1 / 0,
                                    lambda *a: Everything({"sv": [1]}),
                                    lambda *a: EqualsEverything("red")])
def test_wrong_health_answers_earn_nothing_and_never_raise(answer, capsys):
    assert hc.score_indicators(answer, SETS[:1]) == 0
    assert hc.score_rollup(answer, SETS[:1]) == 0
    assert hc.score_escalate(answer, SETS[:1]) == 0
    assert hc.score_rag(answer, {"g": {(1.0, 1.0): "green"}}) == 0
    assert capsys.readouterr().err == ""


def test_health_mistakes_are_diagnosed():
    reports = hc.front_door_reports()

    def inverted(r):
        return my_indicators(r).assign(spi=lambda t: 1 / t.spi)

    def summed(r):
        total = r.groupby("project")[["pv", "ev", "ac", "bac"]].sum()
        return pd.DataFrame({"sv": total.ev - total.pv, "cv": total.ev - total.ac,
                             "spi": total.ev / total.pv, "cpi": total.ev / total.ac,
                             "eac": total.bac * total.ac / total.ev})

    found = hc.indicators_mistakes(inverted(reports), reports)
    assert set(found) == {"spi"} and "upside down" in found["spi"]
    assert "do not add up the periods" in hc.indicators_mistakes(summed(reports), reports)["sv"]
    rollup = my_rollup(reports)
    assert hc.rollup_mistakes(rollup, reports) == {}
    wrong = {**rollup, "rag": "green", "cpi": rollup["cpi"] + 0.01}
    assert set(hc.rollup_mistakes(wrong, reports)) == {"indices", "rag"}
    assert "own SPI and CPI" in hc.rollup_mistakes(wrong, reports)["rag"]
    assert "wrong order" in hc.escalate_mistake(["K", "M"], reports)
    assert "only red projects" in hc.escalate_mistake(["M", "K", "J"], reports)
    assert "not among the projects" in hc.escalate_mistake(["X"], reports)
    assert hc.escalate_mistake(("M", "K"), reports) == ""
    assert math.isclose(hc.plain_number(pd.Series([0.5]).iloc[0]), 0.5)
    assert hc.plain_number(True) is None


def test_a_graded_cell_never_fails_even_if_the_checks_do(capsys):
    assert pc.score_schedule(my_schedule, ["not a program"]) == 0
    assert hc.score_rollup(my_rollup, ["not reports"]) == 0
    out = capsys.readouterr()
    assert out.out.count("could not be checked") == 2 and out.err == ""


def _all_zero_float(projects):
    """A wrong critical path: every project with zero float, in an order of work."""
    table = planning.schedule(projects)
    order = planning._order(planning.dependency_graph(projects))
    return [pid for pid in order if table.at[pid, "float"] == 0]


def _another_longest_chain(projects):
    """A longest chain that differs from course.planning.critical_path when there is a tie."""
    graph = planning.dependency_graph(projects)
    weeks = dict(zip(projects["id"], projects["weeks"], strict=True))
    length = planning.program_weeks(projects)
    usual = planning.critical_path(projects)
    sources = [p for p in graph if graph.in_degree(p) == 0]
    sinks = [p for p in graph if graph.out_degree(p) == 0]
    import networkx as nx
    for a in sources:
        for b in sinks:
            for path in nx.all_simple_paths(graph, a, b) if a != b else [[a]]:
                if sum(weeks[p] for p in path) == length and path != usual:
                    return path
    return usual


def test_hidden_programs_have_ties_so_every_zero_float_project_is_not_a_path():
    text = (EXERCISES / "plan-a-program" / "plan.py").read_text(encoding="utf-8")
    seeds = [ast.literal_eval(m) for m in re.findall(r"hidden_programs\(\s*(\{.*?\})", text)]
    for programs in (pc.hidden_programs(s) for s in seeds):
        for program in programs:
            assert pc.path_mistake(_all_zero_float(program), program), "a tie is missing"
            other = _another_longest_chain(program)
            assert other != planning.critical_path(program), "two longest chains expected"
            assert pc.path_mistake(other, program) == "", "any longest chain is right"
    programs = pc.hidden_programs(seeds[1])

    def answering(make):  # the course's planning is switched off while learners' code runs
        answers = {tuple(p["weeks"]) + tuple(p["id"]): make(p) for p in programs}
        return lambda projects: answers[tuple(projects["weeks"]) + tuple(projects["id"])]

    wrong = pc.score_critical_path(answering(_all_zero_float), my_weeks, programs)
    assert wrong == len(programs), "only program_weeks earns its points"
    right = pc.score_critical_path(answering(_another_longest_chain), my_weeks, programs)
    assert right == 2 * len(programs)


def test_ties_keep_the_program_valid():
    for n, seed in ((6, 1), (12, 2), (30, 3)):
        program = random_program(n, seed, ties=True)
        assert all(isinstance(w, int) and 1 <= w <= 12 for w in program["weeks"])
        assert random_program(n, seed, ties=True).equals(program)
    assert random_program(9, 4).equals(random_program(9, 4, ties=False))


def _escalate_by(column):
    """A wrong escalate: the red projects sorted by one index only."""
    def escalate(reports):
        table = my_indicators(reports)
        red = [pid for pid in table.index
               if my_rag(table.at[pid, "spi"], table.at[pid, "cpi"]) == "red"]
        return sorted(red, key=lambda pid: (table.at[pid, column], pid))
    return escalate


def test_hidden_report_sets_need_the_lower_of_the_two_indices():
    text = (EXERCISES / "program-health" / "health.py").read_text(encoding="utf-8")
    seeds = [ast.literal_eval(m) for m in re.findall(r"hidden_reports\(\s*(\{.*?\})", text)]
    sets = hc.hidden_reports(seeds[-1])
    assert hc.score_escalate(my_escalate, sets) == len(sets)
    assert hc.score_escalate(_escalate_by("spi"), sets) == 0
    assert hc.score_escalate(_escalate_by("cpi"), sets) == 0
