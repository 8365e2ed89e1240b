"""The statement behind each item id of an assignment, read from the course's own data.

A check's records name an item by its id (``R05``, ``S02``, ``T1``, ``P3``);
reports show the text the learner read beside it.  Each assignment lists the
tables its items come from; an id found in none of them is shown bare.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd


def _column(table: pd.DataFrame, column: str, index: str | None = None) -> dict[str, str]:
    if index:
        table = table.set_index(index)
    return {str(k): str(v) for k, v in table[column].items()}


def _classify() -> dict[str, str]:
    from course.exercises import responsibilities

    return _column(responsibilities(), "statement")


def _who_decides() -> dict[str, str]:
    from course.role_checks import raci_activities, situations

    return {**_column(situations(), "situation"), **_column(raci_activities(), "activity")}


def _benefits_map() -> dict[str, str]:
    from course.role_checks import chain_items, online_services

    council = online_services()
    return {**_column(chain_items(), "item"), **_column(council["projects"], "project"),
            **_column(council["benefits"], "benefit")}


def _plan() -> dict[str, str]:
    from course.plan_checks import front_door_program

    return _column(front_door_program(), "name", "id")


def _capstone() -> dict[str, str]:
    from course.role_checks import capstone_decisions

    return _column(capstone_decisions(), "decision")


SOURCES: dict[str, Callable[[], dict[str, str]]] = {
    "classify-responsibilities": _classify,
    "who-decides": _who_decides,
    "benefits-map": _benefits_map,
    "plan-a-program": _plan,
    "capstone": _capstone,
}
#: Items that are not rows of a table.
NAMED = {"orphan": "the project that serves no objective (the orphan)"}


def item_texts(assignment: str) -> dict[str, str]:
    """``{item id: statement}`` for ``assignment`` (empty for one without item tables)."""
    source = SOURCES.get(assignment)
    texts = dict(NAMED)
    if source:
        try:
            texts.update(source())
        except Exception:  # a report without statements is still a report
            pass
    return texts
