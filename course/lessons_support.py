"""Small helpers that keep the lessons' code cells to one call.

``health_summary`` turns the ``dict`` returned by
``course.health.program_health`` into a short table that a lesson can show:
each earned-value figure of the program with one line saying how to read it.
"""

from __future__ import annotations

import math

import pandas as pd

_MONEY = "thousand euros"


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
        return f"each euro spent has earned {value:.2f} euros of planned work"
    raise KeyError(name)


def health_summary(health: dict) -> pd.DataFrame:
    """The program's figures from ``program_health`` as a readable table.

    One row per figure (``PV, EV, AC, BAC, SV, CV, SPI, CPI, EAC``, then the
    two RAG statuses and the projects to escalate), with the columns
    ``value`` (rounded: money to whole thousands, indices to two decimals)
    and ``reading`` (what the value says).

    >>> from course.health import program_health
    >>> from course.scenarios import status_reports
    >>> table = health_summary(program_health(status_reports()))
    >>> table.loc["SPI", "value"], table.loc["status (worst project)", "value"]
    (0.94, 'red')
    """
    missing = [key for key in ("period", "pv", "ev", "ac", "bac", "sv", "cv", "spi", "cpi",
                               "eac", "rag_index", "rag_worst", "escalate") if key not in health]
    if missing:
        raise ValueError(f"not a program_health result: missing {', '.join(missing)}")

    def money(value: float) -> object:
        return value if math.isnan(value) else round(value)

    def index(value: float) -> object:
        return value if math.isnan(value) else round(value, 2)

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
