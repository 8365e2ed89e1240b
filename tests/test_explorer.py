"""The schedule explorer: the pure re-planning function and the widget driven headless."""

from __future__ import annotations

import datetime as dt
import doctest

import ipywidgets as widgets
import pytest

from course import explorer, scenarios
from course.explorer import explore, schedule_explorer, shared_teams


@pytest.fixture
def program():
    return scenarios.digitisation_program()


def test_baseline(program):
    result = explore(program)
    assert (result["end_week"], result["baseline_end_week"], result["delay"]) == (46, 46, 0)
    assert result["critical_path"] == ["A", "B", "C", "D", "F", "G"]
    assert result["changes"] == []
    assert result["end_date"] is None
    assert result["message"] == (
        "Baseline plan: the program ends in week 46; critical path A → B → C → D → F → G."
    )


def test_slip_within_float_does_not_move_the_end(program):
    result = explore(program, {"E": 12})
    assert result["end_week"] == 46 and result["delay"] == 0
    assert result["schedule"].at["E", "float"] == 4
    assert result["message"].startswith("E 8 → 12 weeks: the program still ends in week 46;")


def test_slip_beyond_float_delays_the_program(program):
    result = explore(program, {"E": 20})
    assert (result["end_week"], result["delay"]) == (50, 4)
    assert result["critical_path"] == ["A", "B", "E", "F", "G"]
    assert "ends in week 50, 4 weeks later than planned" in result["message"]


def test_shared_team_dependency(program):
    within = explore(program, {"E": 10}, [("C", "E")])
    assert within["end_week"] == 46
    assert within["changes"] == ["E 8 → 10 weeks", "C before E"]
    beyond = explore(program, {"E": 11}, [("C", "E")])
    assert (beyond["end_week"], beyond["delay"]) == (47, 1)
    assert "1 week later than planned" in beyond["message"]
    assert beyond["critical_path"] == ["A", "B", "C", "E", "F", "G"]


def test_shorter_critical_project_ends_earlier(program):
    result = explore(program, {"B": 8, "E": 8})
    assert (result["end_week"], result["delay"]) == (42, -4)
    assert result["changes"] == ["B 12 → 8 weeks"], "E's unchanged duration is not a change"
    assert "4 weeks earlier than planned" in result["message"]


def test_existing_dependency_is_not_reported_as_a_change(program):
    result = explore(program, extra_dependencies=[("B", "D")])
    assert result["changes"] == [] and result["delay"] == 0


def test_start_date_gives_an_end_date(program):
    result = explore(program, start_date=dt.date(2026, 1, 5))
    assert result["end_date"] == dt.date(2026, 1, 5) + dt.timedelta(weeks=46)
    assert "(2026-11-23)" in result["message"]


def test_bad_changes_raise(program):
    with pytest.raises(ValueError, match="dependency cycle"):
        explore(program, extra_dependencies=[("F", "B")])
    with pytest.raises(ValueError, match="unknown project id 'Z'"):
        explore(program, {"Z": 3})


def test_explore_leaves_the_input_alone(program):
    explore(program, {"E": 20}, [("C", "E")])
    assert program.loc[4, "weeks"] == 8 and program.loc[4, "depends_on"] == ["A", "B"]


def test_shared_teams(program):
    assert shared_teams(program) == [("integration", ["C", "E"])]
    assert shared_teams(scenarios.random_program(5, 0)) == []


def test_widget_reacts_to_a_slider():
    explorer_widget = schedule_explorer(draw=False)
    assert isinstance(explorer_widget, widgets.Widget)
    assert "week 46" in explorer_widget.result.value
    explorer_widget.sliders["E"].value = 20
    assert "ends in week 50" in explorer_widget.result.value
    assert explorer_widget.state["critical_path"] == ["A", "B", "E", "F", "G"]


def test_widget_shared_team_box_add_and_reset():
    w = schedule_explorer(draw=False)
    w.team_boxes["integration"].value = True
    assert "C before E" in w.result.value and "still ends in week 46" in w.result.value
    w.sliders["E"].value = 11
    assert "ends in week 47" in w.result.value

    w.before.value, w.after.value = "G", "A"
    w.add_button.click()
    assert "Cannot add G before A" in w.result.value and "cycle" in w.result.value
    assert w.added == []

    w.before.value, w.after.value = "E", "D"
    w.add_button.click()
    assert w.added == [("E", "D")]
    assert w.state["critical_path"] == ["A", "B", "C", "E", "D", "F", "G"]

    w.reset_button.click()
    assert w.added == [] and not w.team_boxes["integration"].value
    assert w.sliders["E"].value == 8
    assert w.result.value == f"<b>{explore(scenarios.digitisation_program())['message']}</b>"


def test_widget_draws_the_chart_on_change():
    w = schedule_explorer(scenarios.random_program(5, 2))
    assert isinstance(w.chart, widgets.Output)
    assert w.team_boxes == {}
    pid = next(iter(w.sliders))
    w.sliders[pid].value = w.sliders[pid].value + 3
    assert f"{pid} " in w.result.value


def test_docstring_examples():
    assert doctest.testmod(explorer).failed == 0
