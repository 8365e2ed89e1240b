"""Earned value, RAG roll-up and risk ranking against figures computed by hand."""

from __future__ import annotations

import doctest
import math

import pandas as pd
import pytest

from course import health, scenarios
from course.health import earned_value, program_health, rag, rank_risks


@pytest.mark.parametrize(
    ("spi", "cpi", "colour"),
    [
        (1.0, 1.0, "green"),
        (0.95, 0.95, "green"),  # on the threshold counts as the better colour
        (0.9499, 1.2, "amber"),
        (1.2, 0.9, "amber"),
        (0.8999, 1.0, "red"),
        (1.0, 0.5, "red"),
        (0.93, 0.85, "red"),  # the worse index decides
        (math.nan, 0.97, "green"),  # an undefined index is ignored
        (math.nan, math.nan, "green"),
    ],
)
def test_rag_thresholds(spi, cpi, colour):
    assert rag(spi, cpi) == colour


def test_rag_custom_thresholds_and_their_order():
    assert rag(0.96, 1.0, amber=0.98, red=0.97) == "red"
    assert rag(0.975, 1.0, amber=0.98, red=0.97) == "amber"
    with pytest.raises(ValueError, match="red threshold"):
        rag(1.0, 1.0, amber=0.9, red=0.95)


def test_earned_value_at_the_last_period():
    table = earned_value(scenarios.status_reports())
    assert table.index.tolist() == ["A", "B", "C", "D", "E"]
    assert list(table.columns) == ["pv", "ev", "ac", "bac", "sv", "cv", "spi", "cpi", "eac", "rag"]
    e = table.loc["E"]
    assert (e["pv"], e["ev"], e["ac"], e["bac"]) == (60, 42, 43, 120)
    assert (e["sv"], e["cv"]) == (-18, -1)
    assert e["spi"] == pytest.approx(0.7)
    assert e["cpi"] == pytest.approx(42 / 43)
    assert e["eac"] == pytest.approx(120 * 43 / 42)
    c = table.loc["C"]
    assert (c["sv"], c["cv"]) == (0, -20)
    assert c["spi"] == pytest.approx(1.0)
    assert c["cpi"] == pytest.approx(90 / 110)
    assert c["eac"] == pytest.approx(110.0)
    d = table.loc["D"]
    assert d["spi"] == pytest.approx(78 / 80) and d["cpi"] == pytest.approx(78 / 80)
    assert d["eac"] == pytest.approx(200 * 80 / 78)
    assert table["rag"].to_dict() == {"A": "green", "B": "green", "C": "red", "D": "green",
                                      "E": "red"}


def test_earned_value_at_an_earlier_period():
    table = earned_value(scenarios.status_reports(), period=3)
    assert table.index.tolist() == ["A", "B"], "C, D, E have not reported by period 3"
    b = table.loc["B"]
    assert (b["pv"], b["ev"], b["ac"]) == (120, 114, 118)
    assert b["spi"] == pytest.approx(0.95)
    assert b["rag"] == "green"
    first = earned_value(scenarios.status_reports(), period=1).loc["A"]
    assert first["spi"] == pytest.approx(1.0) and first["cpi"] == pytest.approx(40 / 43)
    assert first["rag"] == "amber"
    with pytest.raises(ValueError, match="period 0"):
        earned_value(scenarios.status_reports(), period=0)


def test_a_finished_project_that_stopped_reporting_still_counts():
    reports = scenarios.status_reports()
    reports = reports[~((reports["project"] == "A") & (reports["period"] > 2))]
    table = earned_value(reports, period=7)
    assert table.loc["A", ["pv", "ev", "ac"]].tolist() == [60, 60, 62]


def test_undefined_indices_are_nan_not_errors():
    reports = pd.DataFrame({"project": ["X"], "period": [1], "pv": [0], "ev": [0], "ac": [0],
                            "bac": [50]})
    row = earned_value(reports).loc["X"]
    assert math.isnan(row["spi"]) and math.isnan(row["cpi"]) and math.isnan(row["eac"])
    assert row["rag"] == "green"


def test_program_health_at_the_last_period():
    result = program_health(scenarios.status_reports())
    assert result["period"] == 7
    assert (result["pv"], result["ev"], result["ac"], result["bac"]) == (530, 510, 541, 710)
    assert (result["sv"], result["cv"]) == (-20, -31)
    assert result["spi"] == pytest.approx(510 / 530)
    assert result["cpi"] == pytest.approx(510 / 541)
    assert result["eac"] == pytest.approx(710 * 541 / 510)
    # The totals look amber; two projects are red: the headline uses the worst-of rule.
    assert (result["rag_index"], result["rag_worst"], result["rag"]) == ("amber", "red", "red")
    assert result["escalate"] == ["E", "C"], "E (SPI 0.70) is worse than C (CPI 0.82)"
    assert result["projects"] == {"A": "green", "B": "green", "C": "red", "D": "green",
                                  "E": "red"}
    assert all(type(result[key]) is float for key in ("pv", "ev", "ac", "spi", "cpi"))


def test_program_health_at_earlier_periods():
    fourth = program_health(scenarios.status_reports(), period=4)
    assert (fourth["pv"], fourth["ev"], fourth["ac"]) == (260, 260, 268)
    assert fourth["rag"] == fourth["rag_index"] == "green"
    assert fourth["escalate"] == []
    sixth = program_health(scenarios.status_reports(), period=6)
    assert (sixth["pv"], sixth["ev"], sixth["ac"]) == (390, 390, 418)
    assert sixth["escalate"] == ["C"], "E has not started by week 24: it waits for C"


def test_escalation_order_by_worst_index_then_id():
    reports = pd.DataFrame(
        [("P", 1, 100, 80, 80, 200),   # SPI 0.80
         ("Q", 1, 100, 100, 125, 200),  # CPI 0.80
         ("R", 1, 100, 85, 85, 200),    # SPI 0.85
         ("S", 1, 100, 60, 40, 200),    # SPI 0.60, CPI 1.5
         ("T", 1, 100, 93, 93, 200)],   # amber: not escalated
        columns=["project", "period", "pv", "ev", "ac", "bac"],
    )
    assert program_health(reports)["escalate"] == ["S", "P", "Q", "R"]


def test_rank_risks():
    risks = scenarios.risk_register()
    before = risks.copy()
    ranked = rank_risks(risks)
    pd.testing.assert_frame_equal(risks, before)
    assert ranked["id"].tolist() == ["R2", "R3", "R1", "R4", "R5", "R6", "R7"]
    assert ranked["score"].tolist() == [16, 15, 12, 9, 8, 6, 6]
    assert (ranked["score"] == ranked["probability"] * ranked["impact"]).all()
    assert ranked.index.tolist() == list(range(len(risks)))


@pytest.mark.parametrize("bad", [0, 6, 2.5, "high"])
def test_rank_risks_refuses_scores_off_the_scale(bad):
    risks = scenarios.risk_register().astype({"probability": object})
    risks.at[2, "probability"] = bad
    with pytest.raises(ValueError, match="probability must be a whole number from 1 to 5"):
        rank_risks(risks)


def test_thresholds_are_documented_as_a_course_convention():
    assert "convention" in health.__doc__ and "not" in rag.__doc__
    assert (health.AMBER, health.RED) == (0.95, 0.90)


def test_docstring_examples():
    assert doctest.testmod(health).failed == 0
