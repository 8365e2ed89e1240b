"""Small helpers that keep the lessons' code cells to one call.

``health_summary`` turns the ``dict`` returned by
``course.health.program_health`` into a short table that a lesson can show:
each earned-value figure of the program with one line saying how to read it.
``health_table`` shows each project's figures, rounded for reading.

Indices are shown to two decimals **rounded down**, so that a figure on the
screen never looks better than its colour: a CPI of 0.948 is amber (below
0.95) and is shown as 0.94, not as 0.95.
"""

from __future__ import annotations

import math

import pandas as pd

_MONEY = "thousand euros"


def shown_index(value: float) -> float:
    """An index to two decimals, rounded down, so it never crosses a RAG threshold.

    >>> shown_index(0.948), shown_index(0.95), shown_index(0.7), shown_index(1.0)
    (0.94, 0.95, 0.7, 1.0)
    """
    if isinstance(value, float) and math.isnan(value):
        return value
    # The small margin keeps values such as 0.95, stored as 0.9499999..., at 0.95.
    return math.floor(round(float(value) * 100, 6)) / 100


def health_table(reports: pd.DataFrame, period: int | None = None) -> pd.DataFrame:
    """``course.health.earned_value`` rounded for reading.

    Money is rounded to whole thousands and SPI and CPI go through
    ``shown_index``, so each colour in the ``rag`` column matches the
    figures shown beside it.
    """
    from course.health import earned_value

    table = earned_value(reports, period).copy()
    for column in ("pv", "ev", "ac", "bac", "sv", "cv", "eac"):
        table[column] = table[column].round().astype("Int64")
    for column in ("spi", "cpi"):
        table[column] = table[column].map(shown_index)
    return table


def _reading(name: str, value: float) -> str:
    """How to read one program figure, in words."""
    if isinstance(value, float) and math.isnan(value):
        return "undefined: nothing planned or spent yet"
    if name == "sv":
        return ("ahead of schedule" if value > 0 else "behind schedule" if value < 0
                else "on schedule") + " (in money's worth of work)"
    if name == "cv":
        return "under budget" if value > 0 else "over budget" if value < 0 else "on budget"
    if name == "spi":
        return f"{value:.0%} of the work planned by now is done"
    if name == "cpi":
        return f"each euro spent has earned {shown_index(value):.2f} euros of planned work"
    raise KeyError(name)


def health_summary(health: dict) -> pd.DataFrame:
    """The program's figures from ``program_health`` as a readable table.

    One row per figure (``PV, EV, AC, BAC, SV, CV, SPI, CPI, EAC``, then the
    two RAG statuses and the projects to escalate), with the columns
    ``value`` (as text: money to whole thousands, indices to two decimals
    rounded down, see ``shown_index``) and ``reading`` (what the value says).

    >>> from course.health import program_health
    >>> from course.scenarios import status_reports
    >>> table = health_summary(program_health(status_reports()))
    >>> table.loc["CPI", "value"], table.loc["status (worst project)", "value"]
    ('0.94', 'red')
    """
    missing = [key for key in ("period", "pv", "ev", "ac", "bac", "sv", "cv", "spi", "cpi",
                               "eac", "rag_index", "rag_worst", "escalate") if key not in health]
    if missing:
        raise ValueError(f"not a program_health result: missing {', '.join(missing)}")

    def money(value: float) -> str:
        return "undefined" if math.isnan(value) else f"{round(value):d}"

    def index(value: float) -> str:
        return "undefined" if math.isnan(value) else f"{shown_index(value):.2f}"

    rows = [
        ("PV", money(health["pv"]), f"planned value: work that should be done by now ({_MONEY})"),
        ("EV", money(health["ev"]), f"earned value: budget of the work actually done ({_MONEY})"),
        ("AC", money(health["ac"]), f"actual cost of the work done ({_MONEY})"),
        ("BAC", money(health["bac"]), "budget at completion of the projects reporting so far"),
        ("SV = EV - PV", money(health["sv"]), _reading("sv", health["sv"])),
        ("CV = EV - AC", money(health["cv"]), _reading("cv", health["cv"])),
        ("SPI", index(health["spi"]), _reading("spi", health["spi"])),
        ("CPI", index(health["cpi"]), _reading("cpi", health["cpi"])),
        ("EAC = BAC / CPI", money(health["eac"]),
         "forecast final cost if cost performance stays as it has been"),
        ("status (program indices)", health["rag_index"], "RAG of the program's own SPI and CPI"),
        ("status (worst project)", health["rag_worst"], "RAG of the worst project: the headline"),
        ("escalate", ", ".join(health["escalate"]) or "nothing",
         "red projects, worst first: candidates to raise with the sponsor or board"),
    ]
    table = pd.DataFrame(rows, columns=["figure", "value", "reading"]).set_index("figure")
    table.attrs["period"] = health["period"]
    return table
