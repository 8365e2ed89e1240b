"""The lessons' small helpers."""

from __future__ import annotations

import math

import pytest

from course.health import program_health
from course.lessons_support import health_summary
from course.scenarios import status_reports


def test_health_summary_reads_the_scenario_at_period_7():
    table = health_summary(program_health(status_reports()))
    assert list(table.columns) == ["value", "reading"]
    assert table.loc["PV", "value"] == 590
    assert table.loc["SV = EV - PV", "value"] == -38
    assert table.loc["SV = EV - PV", "reading"].startswith("behind schedule")
    assert table.loc["CV = EV - AC", "reading"] == "over budget"
    assert table.loc["SPI", "value"] == 0.94
    assert table.loc["CPI", "value"] == 0.95
    assert table.loc["EAC = BAC / CPI", "value"] == 749
    assert table.loc["status (program indices)", "value"] == "amber"
    assert table.loc["status (worst project)", "value"] == "red"
    assert table.loc["escalate", "value"] == "E, C"
    assert table.attrs["period"] == 7


def test_health_summary_of_a_healthy_period():
    table = health_summary(program_health(status_reports(), period=3))
    assert table.loc["escalate", "value"] == "nothing"
    assert table.loc["status (worst project)", "value"] == "green"


def test_health_summary_keeps_undefined_indices():
    health = dict(program_health(status_reports()), spi=math.nan, sv=math.nan)
    table = health_summary(health)
    assert math.isnan(table.loc["SPI", "value"])
    assert table.loc["SPI", "reading"].startswith("undefined")


def test_health_summary_rejects_other_dicts():
    with pytest.raises(ValueError, match="program_health"):
        health_summary({"spi": 1.0})
