"""The scenario tables: faithful to the curriculum, consistent, and fresh on each call."""

from __future__ import annotations

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
    "F": (8, ["D", "E"], "adoption", "benefits start"),
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


def test_status_reports_follow_the_baseline_schedule():
    reports = scenarios.status_reports()
    assert list(reports.columns) == ["project", "period", "pv", "ev", "ac", "bac"]
    plan = planning.schedule(scenarios.digitisation_program())
    for row in reports.itertuples(index=False):
        week = row.period * scenarios.WEEKS_PER_PERIOD
        start, weeks = plan.at[row.project, "start"], plan.at[row.project, "weeks"]
        done = min(max(week - start, 0), weeks) / weeks
        assert row.pv == pytest.approx(row.bac * done), (row.project, row.period)
        assert row.pv > 0, "a project reports once work is planned for it"
        assert 0 <= row.ev <= row.bac
    for project, rows in reports.groupby("project"):
        rows = rows.sort_values("period")
        for column in ("pv", "ev", "ac"):
            assert rows[column].is_monotonic_increasing, (project, column)
        assert rows["bac"].nunique() == 1
        assert rows["period"].diff().dropna().eq(1).all(), f"{project} skips a period"


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
