"""The scenario tables: faithful to the curriculum, consistent, and fresh on each call."""

from __future__ import annotations

import itertools
import math
import re

import pandas as pd
import pytest

from course import planning, scenarios

# The worked scenario as the curriculum states it: id -> (weeks, depends on, output, benefit).
CURRICULUM = {
    "A": (6, [], "classification scheme", "compliance"),
    "B": (12, ["A"], "shared repository", "faster retrieval"),
    "C": (6, ["B"], "digital sign-off", "shorter approval cycle"),
    "D": (10, ["B", "C"], "digital approvals", "shorter cycle time, productivity"),
    "E": (8, ["A", "B"], "one source of records", "one source of truth"),
    "F": (8, ["D", "E"], "trained staff and go-live", "higher productivity"),
    "G": (4, ["F"], "retired systems", "licence and running-cost savings"),
}


def test_program_matches_the_curriculum_table():
    program = scenarios.digitisation_program()
    assert list(program.columns) == scenarios.PROGRAM_COLUMNS
    assert program["id"].tolist() == list(CURRICULUM)
    for row in program.itertuples(index=False):
        weeks, depends_on, output, benefit = CURRICULUM[row.id]
        assert (row.weeks, row.depends_on, row.output, row.benefit) == (
            weeks, depends_on, output, benefit
        ), row.id
        assert isinstance(row.depends_on, list)
        assert isinstance(row.weeks, int)


def test_c_and_e_share_the_integration_team_and_no_other_team_is_shared():
    program = scenarios.digitisation_program().set_index("id")
    assert program.loc["C", "team"] == program.loc["E", "team"] == "integration"
    counts = program["team"].value_counts()
    assert counts[counts > 1].index.tolist() == ["integration"]


def test_every_call_returns_a_fresh_table():
    first = scenarios.digitisation_program()
    first.loc[0, "weeks"] = 99
    first.loc[3, "depends_on"].append("G")
    second = scenarios.digitisation_program()
    assert second.loc[0, "weeks"] == 6
    assert second.loc[3, "depends_on"] == ["B", "C"]
    register = scenarios.benefits()
    register.loc[0, "projects"].append("Z")
    assert "Z" not in scenarios.benefits().loc[0, "projects"]


def test_objectives_and_benefits_register_are_consistent():
    program = scenarios.digitisation_program()
    goals = scenarios.objectives()
    register = scenarios.benefits()
    assert set(program["objective"]) <= set(goals["id"])
    assert set(register["objective"]) <= set(goals["id"])
    for column in ("benefit", "measure", "owner", "objective", "projects", "capability", "outcome"):
        assert column in register.columns
        assert register[column].map(bool).all(), f"empty {column}"
    assert register["id"].is_unique
    contributing = {pid for ids in register["projects"] for pid in ids}
    assert contributing == set(program["id"]), "every project feeds a benefit, no unknown id"
    # A project's objective is served by at least one benefit it contributes to.
    for pid, objective in zip(program["id"], program["objective"], strict=True):
        served = set(register.loc[register["projects"].map(lambda ids, p=pid: p in ids),
                                  "objective"])
        assert objective in served, pid


def test_benefit_chain_short_and_full():
    short = scenarios.benefit_chain()
    assert set(zip(short["source_layer"], short["target_layer"], strict=True)) == {
        ("output", "benefit"), ("benefit", "objective")}
    register = scenarios.benefits()
    contributions = sum(len(ids) for ids in register["projects"])
    assert len(short) == contributions + len(register)
    assert ("A: classification scheme", "B1: Compliance with retention rules") in set(
        zip(short["source"], short["target"], strict=True))

    full = scenarios.benefit_chain(full_chain=True)
    assert set(zip(full["source_layer"], full["target_layer"], strict=True)) == {
        ("output", "capability"), ("capability", "outcome"), ("outcome", "benefit"),
        ("benefit", "objective")}
    assert len(full) == contributions + 3 * len(register)


def test_benefit_chain_names_unknown_project_or_objective():
    register = scenarios.benefits()
    register.at[0, "projects"] = ["A", "X"]
    with pytest.raises(ValueError, match="unknown project 'X'"):
        scenarios.benefit_chain(register=register)
    register = scenarios.benefits()
    register.at[1, "objective"] = "O9"
    with pytest.raises(ValueError, match="unknown objective 'O9'"):
        scenarios.benefit_chain(register=register)


def _baseline(program: pd.DataFrame, extra: list[tuple[str, str]]) -> pd.DataFrame:
    for before, after in extra:
        program = planning.add_dependency(program, before, after)
    return program


def assert_reports_fit_the_schedule(reports: pd.DataFrame, program: pd.DataFrame,
                                    weeks_per_period: int) -> None:
    """Status reports that a program's own baseline could have produced.

    * PV is the project's budget spread evenly over its planned weeks, and a
      project reports from the first period in which work is planned for it,
      every period after that, whenever work was planned;
    * PV, EV and AC are cumulative (never fall) and EV never exceeds BAC;
    * nothing is earned before every project it waits for has finished.  A
      project earns no faster than its planned rate, so a predecessor that
      reaches its budget in period q is taken to finish at the start of that
      period plus its missing work at the planned rate, and a successor can
      earn at most its planned rate for the weeks after that finish.
    """
    plan = planning.schedule(program)
    graph = planning.dependency_graph(program)
    assert set(reports["project"]) <= set(plan.index)
    last = int(reports["period"].max())
    for pid in plan.index:
        start, weeks = int(plan.at[pid, "start"]), int(plan.at[pid, "weeks"])
        planned = [p for p in range(1, last + 1) if p * weeks_per_period > start]
        got = sorted(reports.loc[reports["project"] == pid, "period"])
        assert got == planned, f"{pid} reports in periods {got}, its plan says {planned}"
    by_key = {(r.project, r.period): r for r in reports.itertuples(index=False)}
    for row in reports.itertuples(index=False):
        week = row.period * weeks_per_period
        start, weeks = plan.at[row.project, "start"], plan.at[row.project, "weeks"]
        done = min(max(week - start, 0), weeks) / weeks
        assert row.pv == pytest.approx(row.bac * done), (row.project, row.period, "PV")
        assert 0 <= row.ev <= row.bac and row.ac >= 0
    for project, rows in reports.groupby("project"):
        rows = rows.sort_values("period")
        for column in ("pv", "ev", "ac"):
            assert rows[column].is_monotonic_increasing, (project, column)
        assert rows["bac"].nunique() == 1

    def finish(pid: str) -> float:
        """The earliest week a predecessor can have finished, from its reports."""
        rows = reports[reports["project"] == pid].sort_values("period")
        full = rows[rows["ev"] >= rows["bac"]]
        if full.empty:
            return math.inf
        period = int(full["period"].iloc[0])
        before = rows.loc[rows["period"] == period - 1, "ev"]
        missing = float(rows["bac"].iloc[0]) - (float(before.iloc[0]) if len(before) else 0.0)
        rate = float(rows["bac"].iloc[0]) / int(plan.at[pid, "weeks"])
        return (period - 1) * weeks_per_period + missing / rate

    for (pid, period), row in by_key.items():
        preds = list(graph.predecessors(pid))
        if not preds or row.ev == 0:
            continue
        ready = max(finish(p) for p in preds)
        rate = row.bac / plan.at[pid, "weeks"]
        possible = max(0.0, period * weeks_per_period - ready) * rate
        assert row.ev <= possible + 1e-9, (
            f"{pid} has earned {row.ev} by week {period * weeks_per_period}, but it waits for "
            f"{', '.join(preds)}, which cannot have finished before week {ready:.1f}"
        )


def test_status_reports_follow_the_baseline_schedule():
    reports = scenarios.status_reports()
    assert list(reports.columns) == ["project", "period", "pv", "ev", "ac", "bac"]
    baseline = _baseline(scenarios.digitisation_program(), scenarios.SHARED_TEAM_ORDER)
    assert_reports_fit_the_schedule(reports, baseline, scenarios.WEEKS_PER_PERIOD)
    assert planning.program_weeks(baseline) == 46, "sharing the team keeps week 46"


def test_the_baseline_never_gives_one_team_two_projects_at_once():
    program = scenarios.digitisation_program()
    plan = planning.schedule(_baseline(program, scenarios.SHARED_TEAM_ORDER))
    team = dict(zip(program["id"], program["team"], strict=True))
    for a, b in itertools.combinations(plan.index, 2):
        if team[a] == team[b]:
            apart = (plan.at[a, "finish"] <= plan.at[b, "start"]
                     or plan.at[b, "finish"] <= plan.at[a, "start"])
            assert apart, f"{a} and {b} need the {team[a]} team in the same weeks"


def test_front_door_reports_follow_their_own_schedule():
    from course.health_checks import front_door_reports
    from course.plan_checks import front_door_program

    assert_reports_fit_the_schedule(front_door_reports(), front_door_program(), 4)


@pytest.mark.parametrize("change", ["early-successor", "pv-off-plan", "missing-period"])
def test_the_consistency_check_catches_broken_reports(change):
    """The check above must be able to fail: three ways of breaking the scenario's data."""
    reports = scenarios.status_reports()
    if change == "early-successor":  # C one step short at week 24, as D still earns 78
        reports.loc[(reports["project"] == "C") & (reports["period"] == 6), "ev"] = 87
    elif change == "pv-off-plan":
        reports.loc[(reports["project"] == "E") & (reports["period"] == 7), "pv"] = 120
    else:
        reports = reports[~((reports["project"] == "B") & (reports["period"] == 3))]
    baseline = _baseline(scenarios.digitisation_program(), scenarios.SHARED_TEAM_ORDER)
    with pytest.raises(AssertionError):
        assert_reports_fit_the_schedule(reports, baseline, scenarios.WEEKS_PER_PERIOD)


def test_risk_owners_follow_the_rule_taught():
    """A risk that crosses projects sits with the program manager; one inside a project does not."""
    risks = scenarios.risk_register()
    ids = set(scenarios.digitisation_program()["id"])
    for risk in risks.itertuples(index=False):
        named = {pid for pid in ids if re.search(rf"\b{pid}\b", risk.risk)}
        crosses = risk.project == "program" or len(named) > 1
        if crosses:
            assert risk.project == "program", f"{risk.id} crosses projects {sorted(named)}"
            assert risk.owner == "Program manager", risk.id
        else:
            assert risk.owner != "Program manager", f"{risk.id} stays inside {risk.project}"
    assert risks.set_index("id").loc["R5", "owner"] == "Program manager", (
        "the vendor of B delays C, D and E too"
    )


def test_status_reports_have_one_late_and_one_over_budget_project():
    latest = scenarios.status_reports().query("period == 7").set_index("project")
    spi = latest["ev"] / latest["pv"]
    cpi = latest["ev"] / latest["ac"]
    assert spi[spi < 0.9].index.tolist() == ["E"]
    assert cpi[cpi < 0.9].index.tolist() == ["C"]
    healthy = latest.index.difference(["C", "E"])
    assert (spi[healthy] >= 0.95).all() and (cpi[healthy] >= 0.95).all()


def test_risk_register_scores_are_on_the_five_point_scale():
    risks = scenarios.risk_register()
    assert risks["id"].is_unique
    assert risks["probability"].between(1, 5).all() and risks["impact"].between(1, 5).all()
    projects = set(scenarios.digitisation_program()["id"]) | {"program"}
    assert set(risks["project"]) <= projects
    strategies = ("avoid", "reduce", "transfer", "accept")
    assert risks["response"].map(lambda text: text.startswith(strategies)).all()


def test_product_roadmap_has_horizons_outcomes_and_no_dates():
    roadmap = scenarios.product_roadmap()
    assert list(dict.fromkeys(roadmap["horizon"])) == ["now", "next", "later"]
    assert set(roadmap["main_risk"]) <= {"value", "usability", "feasibility", "viability"}
    assert {"outcome", "kpi", "baseline", "target"} <= set(roadmap.columns)
    assert not {"weeks", "start", "finish", "deadline"} & set(roadmap.columns)


def _has_cycle(program: pd.DataFrame) -> bool:
    """Independent check: repeatedly remove projects whose dependencies are all removed."""
    remaining = dict(zip(program["id"], program["depends_on"], strict=True))
    while remaining:
        free = [pid for pid, deps in remaining.items() if not set(deps) & set(remaining)]
        if not free:
            return True
        for pid in free:
            del remaining[pid]
    return False


@pytest.mark.parametrize("n", [1, 2, 7, 15, 26, 30])
def test_random_program_is_valid_and_acyclic(n):
    for seed in range(5):
        program = scenarios.random_program(n, seed)
        assert list(program.columns) == ["id", "name", "weeks", "depends_on"]
        assert len(program) == n and program["id"].is_unique
        assert program["id"].tolist() == sorted(program["id"])
        assert all(isinstance(w, int) and 1 <= w <= 12 for w in program["weeks"])
        ids = set(program["id"])
        for pid, deps in zip(program["id"], program["depends_on"], strict=True):
            assert isinstance(deps, list) and set(deps) <= ids - {pid}
            assert len(deps) == len(set(deps)) <= 3
        assert not _has_cycle(program)


def test_random_program_is_deterministic_per_seed():
    pd.testing.assert_frame_equal(scenarios.random_program(9, 4), scenarios.random_program(9, 4))
    different = {tuple(scenarios.random_program(9, seed)["weeks"]) for seed in range(6)}
    assert len(different) > 1


def test_random_program_ids_are_not_an_order_of_work():
    """Alphabetical order must not give away a valid order of work."""
    later_dependency = 0
    for seed in range(20):
        program = scenarios.random_program(8, seed)
        later_dependency += sum(dep > pid for pid, deps in
                                zip(program["id"], program["depends_on"], strict=True)
                                for dep in deps)
    assert later_dependency > 0


def test_random_program_ids_beyond_26():
    program = scenarios.random_program(30, 1)
    assert program["id"].tolist() == [f"P{i:02d}" for i in range(1, 31)]
    with pytest.raises(ValueError):
        scenarios.random_program(0, 1)
