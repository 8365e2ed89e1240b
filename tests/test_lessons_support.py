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
    assert table.loc["PV", "value"] == "530"
    assert table.loc["SV = EV - PV", "value"] == "-20"
    assert table.loc["SV = EV - PV", "reading"].startswith("behind schedule")
    assert table.loc["CV = EV - AC", "reading"] == "over budget"
    assert table.loc["SPI", "value"] == "0.96"
    # 510 / 541 = 0.9427: amber, so it is shown rounded down, never as 0.95.
    assert table.loc["CPI", "value"] == "0.94"
    assert table.loc["EAC = BAC / CPI", "value"] == "753"
    assert all(isinstance(value, str) for value in table["value"]), "no 0.940000 in a Styler"
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
    assert table.loc["SPI", "value"] == "undefined"
    assert table.loc["SPI", "reading"].startswith("undefined")


def test_health_summary_rejects_other_dicts():
    with pytest.raises(ValueError, match="program_health"):
        health_summary({"spi": 1.0})


@pytest.mark.parametrize(("value", "shown"), [(0.948, 0.94), (0.95, 0.95), (0.9499, 0.94),
                                               (0.8999, 0.89), (0.90, 0.90), (1.0, 1.0),
                                               (0.7, 0.7), (1.2345, 1.23)])
def test_shown_index_never_crosses_a_threshold(value, shown):
    from course.health import rag
    from course.lessons_support import shown_index

    assert shown_index(value) == shown
    assert rag(shown_index(value), 1.0) == rag(value, 1.0)


def test_health_table_colours_match_the_figures_shown():
    from course.health import rag
    from course.health_checks import front_door_reports
    from course.lessons_support import health_table

    for reports in (status_reports(), front_door_reports()):
        table = health_table(reports)
        for row in table.itertuples():
            assert rag(row.spi, row.cpi) == row.rag, row.Index
