"""Steering a running program: earned value, RAG status and risk ranking.

Earned value management compares three cumulative amounts at a status date:

* **PV**, planned value: the budget of the work that should be done by now;
* **EV**, earned value: the budget of the work that is actually done;
* **AC**, actual cost: what the work done has actually cost.

From them come the variances and indices used in lesson 6:

* schedule variance ``SV = EV - PV``: negative means behind schedule;
* cost variance ``CV = EV - AC``: negative means over budget;
* schedule performance index ``SPI = EV / PV``: below 1 means behind schedule;
* cost performance index ``CPI = EV / AC``: below 1 means over budget;
* estimate at completion ``EAC = BAC / CPI``: the final cost if the cost
  performance so far holds to the end (BAC is the budget at completion).

The status reports are the long table of ``course.scenarios.status_reports()``
(columns ``project, period, pv, ev, ac, bac``).

RAG thresholds
--------------
The red/amber/green rule used here, red when SPI or CPI is below 0.90 and amber
when one is below 0.95, is **a convention of this course**, chosen because
such bands are common in practice.  No standard fixes these numbers:
organisations set their own, and often add rules on the trend or on the
forecast end date.
"""

from __future__ import annotations

import math

import pandas as pd

#: The RAG levels from best to worst.
RAG_LEVELS = ("green", "amber", "red")

#: Course convention: below this index a project is amber.
AMBER = 0.95
#: Course convention: below this index a project is red.
RED = 0.90


def _ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator``, or NaN when the denominator is 0 (index undefined)."""
    return numerator / denominator if denominator else math.nan


def rag(spi: float, cpi: float, amber: float = AMBER, red: float = RED) -> str:
    """The RAG status of a project or program from its SPI and CPI.

    ``"red"`` if either index is below ``red``, else ``"amber"`` if either is
    below ``amber``, else ``"green"``.  An index exactly on a threshold counts
    as the better colour (0.95 is green, 0.90 is amber).  An undefined index
    (``NaN``: nothing planned or nothing spent yet) is ignored.

    The default thresholds, 0.95 and 0.90, are this course's convention, not
    a standard (see the module's notes).

    >>> rag(1.02, 0.97), rag(0.93, 1.1), rag(0.7, 0.98)
    ('green', 'amber', 'red')
    """
    if red > amber:
        raise ValueError(f"the red threshold ({red}) must not be above the amber one ({amber})")
    indices = [x for x in (spi, cpi) if not math.isnan(x)]
    if any(x < red for x in indices):
        return "red"
    if any(x < amber for x in indices):
        return "amber"
    return "green"


def _latest(reports: pd.DataFrame, period: int | None) -> tuple[int, pd.DataFrame]:
    """Each project's latest report at or before ``period`` (default: the last period)."""
    missing = [c for c in ("project", "period", "pv", "ev", "ac", "bac") if c not in reports]
    if missing:
        raise ValueError(f"the status reports need the column(s) {', '.join(missing)}")
    if reports.empty:
        raise ValueError("there are no status reports")
    last = int(reports["period"].max())
    period = last if period is None else int(period)
    known = reports[reports["period"] <= period]
    if known.empty:
        raise ValueError(f"no project has reported by period {period}")
    latest = known.sort_values("period").groupby("project", sort=True).tail(1)
    return period, latest.sort_values("project").set_index("project")


def earned_value(reports: pd.DataFrame, period: int | None = None) -> pd.DataFrame:
    """Earned value figures of each project at one reporting period.

    ``period`` defaults to the last period in ``reports``.  Each project's
    most recent report at or before that period is used, so a project that
    finished and stopped reporting still counts with its final figures; a
    project that has not reported yet is left out.

    Returns a table indexed by ``project`` (sorted) with the columns ``pv, ev,
    ac, bac`` (as reported) and ``sv, cv, spi, cpi, eac, rag`` (computed).  An
    index whose denominator is 0 is ``NaN``; ``eac`` is then ``NaN`` too.

    >>> from course.scenarios import status_reports
    >>> ev = earned_value(status_reports())
    >>> ev.loc["E", "rag"], float(ev.loc["E", "sv"]), float(ev.loc["E", "spi"])
    ('red', -18.0, 0.7)
    """
    _, latest = _latest(reports, period)
    table = latest[["pv", "ev", "ac", "bac"]].copy()
    table["sv"] = table["ev"] - table["pv"]
    table["cv"] = table["ev"] - table["ac"]
    table["spi"] = [_ratio(ev, pv) for ev, pv in zip(table["ev"], table["pv"], strict=True)]
    table["cpi"] = [_ratio(ev, ac) for ev, ac in zip(table["ev"], table["ac"], strict=True)]
    table["eac"] = [_ratio(bac, cpi) if not math.isnan(cpi) else math.nan
                    for bac, cpi in zip(table["bac"], table["cpi"], strict=True)]
    table["rag"] = [rag(spi, cpi) for spi, cpi in zip(table["spi"], table["cpi"], strict=True)]
    return table


def _severity(spi: float, cpi: float) -> float:
    """How far the worse of the two indices is from 1 (bigger is worse)."""
    worst = min((x for x in (spi, cpi) if not math.isnan(x)), default=1.0)
    return 1.0 - worst


def program_health(reports: pd.DataFrame, period: int | None = None) -> dict:
    """Roll the projects' status up to the program at one reporting period.

    Returns a plain ``dict``:

    ``period``
        the period used (default: the last one reported).
    ``pv``, ``ev``, ``ac``, ``bac``
        the projects' totals; ``bac`` covers only the projects that have
        reported.
    ``sv``, ``cv``, ``spi``, ``cpi``, ``eac``
        the program's variances and indices, computed from the totals (so a
        big project weighs more than a small one).
    ``rag_index``
        the RAG of the program's own SPI and CPI.
    ``rag_worst``
        the worst RAG of any project (the *worst-of* rule).
    ``rag``
        the headline status: the **worst-of rule**.  Totals let a large
        healthy project hide a small one in trouble, and one red project on
        the critical path is enough to put the whole program at risk, so the
        headline takes the conservative view; ``rag_index`` is kept beside it
        to show how much the rule matters.
    ``escalate``
        the ids of the red projects, worst first (by the lower of their two
        indices; ties by id): what the program manager raises with the
        sponsor or the board.
    ``projects``
        each project's RAG, ``{id: colour}``.

    >>> from course.scenarios import status_reports
    >>> health = program_health(status_reports())
    >>> health["rag"], health["rag_index"], health["escalate"]
    ('red', 'amber', ['E', 'C'])
    """
    used, _ = _latest(reports, period)
    projects = earned_value(reports, used)
    pv, ev, ac, bac = (float(projects[col].sum()) for col in ("pv", "ev", "ac", "bac"))
    spi, cpi = _ratio(ev, pv), _ratio(ev, ac)
    rag_index = rag(spi, cpi)
    rag_worst = max(projects["rag"], key=RAG_LEVELS.index)
    red = projects[projects["rag"] == "red"]
    escalate = sorted(red.index, key=lambda pid: (-_severity(red.at[pid, "spi"],
                                                             red.at[pid, "cpi"]), pid))
    return {
        "period": used,
        "pv": pv,
        "ev": ev,
        "ac": ac,
        "bac": bac,
        "sv": ev - pv,
        "cv": ev - ac,
        "spi": spi,
        "cpi": cpi,
        "eac": bac / cpi if not math.isnan(cpi) else math.nan,
        "rag_index": rag_index,
        "rag_worst": rag_worst,
        "rag": rag_worst,
        "escalate": [str(pid) for pid in escalate],
        "projects": {str(pid): colour for pid, colour in projects["rag"].items()},
    }


def rank_risks(risks: pd.DataFrame) -> pd.DataFrame:
    """A copy of a risk register with ``score = probability * impact``, highest first.

    ``probability`` and ``impact`` must be whole numbers from 1 to 5.  Risks
    with equal scores keep their order in the register (usually by id).  The
    score says where to look first; it does not replace judgement: a risk of
    impact 5 deserves a response even when it is unlikely.

    >>> from course.scenarios import risk_register
    >>> rank_risks(risk_register())[["id", "score"]].head(3).values.tolist()
    [['R2', 16], ['R3', 15], ['R1', 12]]
    """
    for column in ("probability", "impact"):
        if column not in risks:
            raise ValueError(f"the risk register needs a {column!r} column")
        values = risks[column].tolist()
        bad = [v for v in values
               if isinstance(v, bool) or not isinstance(v, int | float) or v not in range(1, 6)]
        if bad:
            raise ValueError(f"{column} must be a whole number from 1 to 5, not {bad[0]!r}")
    ranked = risks.copy()
    ranked["score"] = (ranked["probability"] * ranked["impact"]).astype("int64")
    return ranked.sort_values("score", ascending=False, kind="stable", ignore_index=True)
