"""Data and checks of the exercise "Program health roll-up".

The status reports are those of the digital front door program (see
``course.plan_checks.front_door_program``) after four reporting periods of four
weeks.  ``random_reports`` makes other programs' reports for the graded tests.
The reference figures come from ``course.health``; learners' functions run
through ``course.plan_checks.run_learner`` (fresh data, time limit, the
course's ready-made functions switched off) and their results are copied into
plain values before anything is compared.

``check_*`` functions raise an ``AssertionError`` that teaches (visible
tests); ``score_*`` functions never raise, print one sentence per mistake and
return the points earned (graded tests).
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Mapping

import pandas as pd

import course.health
from course.feedback import teaches
from course.plan_checks import _pristine, fresh, graded, plain_frame, plain_id, run_learner

_health = _pristine(course.health, ("earned_value", "program_health", "rag", "_latest",
                                    "_ratio", "_severity"))

#: The indicators ``indicators(reports)`` must give, in the notebook's order.
INDICATORS = ("sv", "cv", "spi", "cpi", "eac")
#: The keys of ``program_rollup(reports)``.
ROLLUP_KEYS = ("pv", "ev", "ac", "bac", "sv", "cv", "spi", "cpi", "eac", "rag")
COLOURS = ("green", "amber", "red")

_BUDGETS = {"H": 40, "J": 260, "K": 80, "L": 90, "M": 70, "N": 30}
# The baseline of ``front_door_program()``: H weeks 0-4, K 0-5, N 0-3, M 4-11,
# J 5-15, L 15-21, P 21-25, Q 25-27, work spread evenly over each project's
# weeks.  No project earns anything before the projects it waits for are done.
_REPORTS = {
    # project: {period: (pv, ev, ac)}, cumulative, thousand euros
    "H": {1: (40, 40, 38), 2: (40, 40, 38), 3: (40, 40, 38), 4: (40, 40, 38)},
    "K": {1: (64, 64, 72), 2: (80, 80, 92), 3: (80, 80, 92), 4: (80, 80, 92)},
    "N": {1: (30, 24, 25), 2: (30, 30, 31), 3: (30, 30, 31), 4: (30, 30, 31)},
    "J": {2: (78, 78, 80), 3: (182, 182, 187), 4: (260, 260, 268)},
    "M": {2: (40, 28, 29), 3: (70, 42, 43), 4: (70, 49, 50)},
    "L": {4: (15, 14, 15)},
}


def front_door_reports() -> pd.DataFrame:
    """Status reports of the digital front door, periods 1 to 4, in long format.

    One row per project and period, columns ``project, period, pv, ev, ac,
    bac`` (money in thousand euros, cumulative).  A project reports from the
    period its work starts; once finished it keeps sending its final figures.
    P and Q have not started and do not report.
    """
    rows = [(project, period, pv, ev, ac, _BUDGETS[project])
            for project, periods in _REPORTS.items()
            for period, (pv, ev, ac) in periods.items()]
    table = pd.DataFrame(rows, columns=["project", "period", "pv", "ev", "ac", "bac"])
    return table.sort_values(["period", "project"], ignore_index=True)


def random_reports(n: int = 6, seed: int = 0, periods: int = 5) -> pd.DataFrame:
    """Status reports of a random program of ``n`` projects over ``periods`` periods.

    Same columns as ``front_door_reports()``; every project reports in the last
    period (its PV, EV and AC are then above 0), so "each project's latest
    report" and "the rows of the last period" are the same rows.  Rows come in
    a shuffled order.  The same arguments always give the same table.

    In sets of five projects or more, three of them are red in a way that
    tests the escalation rule: one very late, one well over budget but on time, one a
    little late.  Ranked by the lower of SPI and CPI they come in that order;
    ranked by SPI alone, or by CPI alone, they do not.
    """
    rng = random.Random(f"reports-{n}-{seed}-{periods}")
    ids = [chr(ord("A") + i) for i in range(n)]
    trapped = n >= 5  # smaller sets stay without, so that not every set is red
    traps = dict(zip(rng.sample(ids, 3), ("late", "costly", "slightly late"), strict=True)
                 ) if trapped else {}
    rows = []
    for pid in ids:
        bac = rng.randrange(20, 400, 5)
        first = rng.randint(1, periods)
        length = rng.randint(1, periods + 2)  # periods the plan gives the project
        spi = rng.choices([rng.uniform(0.70, 0.90), rng.uniform(0.89, 0.96),
                           rng.uniform(0.95, 1.10)], weights=(1, 2, 3))[0]
        cpi = rng.choices([rng.uniform(0.75, 0.90), rng.uniform(0.89, 0.96),
                           rng.uniform(0.95, 1.15)], weights=(1, 2, 3))[0]
        kind = traps.get(pid)
        if kind:  # big enough that rounding cannot reorder them
            bac, first, length = rng.randrange(200, 400, 5), 1, rng.randint(1, periods)
            spi, cpi = {"late": (rng.uniform(0.70, 0.76), rng.uniform(1.0, 1.1)),
                        "costly": (rng.uniform(0.97, 1.05), rng.uniform(0.79, 0.83)),
                        "slightly late": (rng.uniform(0.86, 0.885), rng.uniform(1.0, 1.1)),
                        }[kind]
        for period in range(first, periods + 1):
            done = min(1.0, (period - first + 1) / length)
            pv = round(bac * done)
            ev = min(bac, max(1, round(pv * min(spi, 1 / done if done else 1))))
            ac = max(1, round(ev / cpi))
            rows.append((pid, period, max(pv, 1), ev, ac, bac))
    table = pd.DataFrame(rows, columns=["project", "period", "pv", "ev", "ac", "bac"])
    return table.sample(frac=1, random_state=rng.randrange(2**31)).reset_index(drop=True)


# ---------------------------------------------------------------------------
# Plain copies and comparisons
# ---------------------------------------------------------------------------


def plain_number(value: object) -> float | None:
    """``value`` as a ``float`` if it is a real number (not bool), else None."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    return float(value)


def close(given: float | None, expected: float) -> bool:
    """Equal up to rounding noise (relative 1e-6, or 1e-9 near zero)."""
    return given is not None and math.isclose(given, expected, rel_tol=1e-6, abs_tol=1e-9)


def plain_indicators(result: object) -> tuple[dict[str, dict[str, float | None]], str]:
    """``({project: {indicator: value}}, problem)`` from the learner's indicators table."""
    frame = plain_frame(result)
    if frame is None:
        return {}, f"`indicators` must return a pandas DataFrame, not {type(result).__name__}."
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in INDICATORS if c not in frame.columns]
    if missing:
        return {}, (f"the indicators table needs the column(s) {', '.join(missing)}; it has "
                    f"{', '.join(frame.columns) or 'none'}.")
    if "project" in frame.columns and frame.index.name != "project":
        frame = frame.set_index("project")
    table = {}
    for pid, row in zip(frame.index, frame[list(INDICATORS)].itertuples(index=False),
                        strict=True):
        table[str(pid)] = {c: plain_number(v) for c, v in zip(INDICATORS, row, strict=True)}
    return table, ""


def plain_colour(value: object) -> str | None:
    """A RAG colour typed by the learner, stripped and lower-cased, or None."""
    return plain_id(value).lower() if isinstance(value, str) else None


_WHY = {
    "sv": "SV = EV - PV",
    "cv": "CV = EV - AC",
    "spi": "SPI = EV / PV",
    "cpi": "CPI = EV / AC",
    "eac": "EAC = BAC / CPI",
}


def _hint(column: str, given: float | None, row: Mapping[str, float]) -> str:
    """Recognise the usual slips in one indicator."""
    pv, ev, ac, bac = row["pv"], row["ev"], row["ac"], row["bac"]
    slips = {
        "sv": [(pv - ev, "the subtraction is the wrong way round")],
        "cv": [(ac - ev, "the subtraction is the wrong way round"),
               (ev - pv, "that is the schedule variance")],
        "spi": [(pv / ev if ev else math.nan, "the ratio is upside down"),
                (ev / ac, "that is the cost index")],
        "cpi": [(ac / ev if ev else math.nan, "the ratio is upside down"),
                (ev / pv, "that is the schedule index")],
        "eac": [(bac * ev / ac, "that is BAC x CPI, not BAC / CPI"),
                (ac + bac - ev, "that is AC + (BAC - EV), which assumes the rest goes to plan")],
    }[column]
    for value, why in slips:
        if close(given, value):
            return f" ({why})"
    return ""


def indicators_mistakes(result: object, reports: pd.DataFrame,
                        columns: tuple[str, ...] = INDICATORS) -> dict[str, str]:
    """``{indicator: one sentence}`` for each of ``columns`` that is wrong.

    ``{"*": sentence}`` when the table cannot be read at all.
    """
    table, problem = plain_indicators(result)
    if problem:
        return {"*": problem}
    expected = _health.earned_value(reports)
    ids = [str(p) for p in expected.index]
    missing = sorted(set(ids) - set(table))
    if missing:
        return {"*": (f"the indicators table has no row for {', '.join(missing[:5])}: index it "
                      f"by project, one row per project that reports.")}
    extra = sorted(set(table) - set(ids))
    if extra:
        return {"*": f"the indicators table has rows that are not projects: {', '.join(extra)}."}
    mistakes = {}
    for column in columns:
        for pid in ids:
            row = expected.loc[pid].to_dict()
            given, good = table[pid][column], float(row[column])
            if not close(given, good):
                hint = _hint(column, given, row)
                if not hint and not close(given, good) and _summed(reports, pid, column, given):
                    hint = (" (the reports are cumulative: use each project's latest row, do "
                            "not add up the periods)")
                shown = "nothing" if given is None else f"{given:.4g}"
                mistakes[column] = (f"{column.upper()} of {pid} is {good:.4g} "
                                    f"({_WHY[column]}), not {shown}{hint}.")
                break
    return mistakes


def _summed(reports: pd.DataFrame, pid: str, column: str, given: float | None) -> bool:
    """Would ``given`` come out if the periods' cumulative figures were added up?"""
    rows = reports[reports["project"] == pid]
    total = {c: float(rows[c].sum()) for c in ("pv", "ev", "ac", "bac")}
    pv, ev, ac, bac = total["pv"], total["ev"], total["ac"], total["bac"]
    value = {"sv": ev - pv, "cv": ev - ac, "spi": ev / pv, "cpi": ev / ac,
             "eac": bac * ac / ev if ev else math.nan}[column]
    return close(given, value)


def rollup_mistakes(result: object, reports: pd.DataFrame) -> dict[str, str]:
    """Mistakes in ``program_rollup``'s dict, grouped as the rubric's parts.

    Keys: ``"totals"`` (pv, ev, ac, bac), ``"variances"`` (sv, cv),
    ``"indices"`` (spi, cpi, eac), ``"rag"``; ``"*"`` when it is no dict.
    """
    if not isinstance(result, dict):
        return {"*": f"`program_rollup` must return a dict, not {type(result).__name__}."}
    plain = {str(k).strip().lower(): v for k, v in dict.items(result) if isinstance(k, str)}
    expected = _health.program_health(reports)
    groups = {"totals": ("pv", "ev", "ac", "bac"), "variances": ("sv", "cv"),
              "indices": ("spi", "cpi", "eac")}
    mistakes = {}
    for group, keys in groups.items():
        for key in keys:
            if key not in plain:
                mistakes[group] = f"the roll-up has no key {key!r}."
                break
            given = plain_number(plain[key])
            if not close(given, float(expected[key])):
                shown = "nothing" if given is None else f"{given:.4g}"
                how = ("the sum over the projects' latest reports" if group == "totals"
                       else f"computed from the program totals: {_WHY[key]}")
                mistakes[group] = (f"the program's {key.upper()} is {float(expected[key]):.4g} "
                                   f"({how}), not {shown}.")
                break
    colour = plain_colour(plain.get("rag"))
    if colour != expected["rag"]:
        if colour == expected["rag_index"]:
            why = ("that is the colour of the program's own SPI and CPI; the headline "
                   "takes the worst colour of any project")
        else:
            why = "the headline takes the worst colour of any project (worst-of rule)"
        mistakes["rag"] = f"the program's RAG is {expected['rag']}, not {colour}: {why}."
    return mistakes


def escalate_mistake(result: object, reports: pd.DataFrame) -> str:
    """One sentence about a wrong escalation list, or ``""``."""
    if not isinstance(result, list | tuple) or not all(isinstance(p, str) for p in result):
        return f"`escalate` must return a list of project ids (str), not {type(result).__name__}."
    given = [str.__str__(p).strip().upper() for p in result]
    expected = _health.program_health(reports)["escalate"]
    if given == expected:
        return ""
    if sorted(given) == sorted(expected):
        return ("the right projects, in the wrong order: put the worst first (the lowest of "
                "SPI and CPI), ties by id.")
    colours = _health.earned_value(reports)["rag"].to_dict()
    strangers = [p for p in given if p not in colours]
    if strangers:
        return (f"{', '.join(strangers)} {'is' if len(strangers) == 1 else 'are'} not among the "
                f"projects of these reports: compute the list from the reports `escalate` "
                f"receives.")
    extra = [p for p in given if colours.get(p) != "red"]
    if extra:
        return (f"escalate only red projects; {', '.join(extra)} "
                f"{'is' if len(extra) == 1 else 'are'} not red.")
    return f"{len(expected)} project(s) are red and should all be escalated; you give {len(given)}."


# ---------------------------------------------------------------------------
# Visible checks
# ---------------------------------------------------------------------------


def _called(fn: object, name: str, *args) -> object:
    call = run_learner(fn, name, *args)
    assert call.ok, call.problem
    return call.value


@teaches
def check_indicators(indicators: object, reports: pd.DataFrame,
                     examples: Mapping[str, Mapping[str, float]]) -> None:
    """Assert ``indicators(reports)``, showing the ``examples`` (rounded to 2 decimals)."""
    result = _called(indicators, "indicators", fresh(reports))
    mistakes = indicators_mistakes(result, reports)
    assert not mistakes, next(iter(mistakes.values()))
    table, _ = plain_indicators(result)
    for pid, values in examples.items():
        for column, value in values.items():
            assert round(table[pid][column], 2) == value, f"{column} of {pid} should be {value}."


@teaches
def check_rag(rag: object, cases: Mapping[tuple[float, float], str]) -> None:
    """Assert ``rag(spi, cpi)`` for each ``{(spi, cpi): colour}`` case."""
    for (spi, cpi), colour in cases.items():
        given = plain_colour(_called(rag, "rag", spi, cpi))
        assert given == colour, f"rag({spi}, {cpi}) should be {colour!r}, not {given!r}."


@teaches
def check_rollup(program_rollup: object, reports: pd.DataFrame) -> None:
    """Assert every part of ``program_rollup(reports)``."""
    mistakes = rollup_mistakes(_called(program_rollup, "program_rollup", fresh(reports)), reports)
    assert not mistakes, next(iter(mistakes.values()))


@teaches
def check_escalate(escalate: object, reports: pd.DataFrame, expected: list[str]) -> None:
    """Assert ``escalate(reports) == expected``, with a message that says why not."""
    mistake = escalate_mistake(_called(escalate, "escalate", fresh(reports)), reports)
    assert not mistake, mistake
    assert _health.program_health(reports)["escalate"] == expected  # the example itself


# ---------------------------------------------------------------------------
# Hidden (graded) checks
# ---------------------------------------------------------------------------


def hidden_reports(seeds: Mapping[int, int]) -> list[pd.DataFrame]:
    """Random reports ``{seed: number of projects}`` for the graded tests."""
    return [random_reports(n, seed=seed) for seed, n in seeds.items()]


@graded
def score_indicators(indicators: object, sets: list[pd.DataFrame]) -> int:
    """One point per indicator (SV, CV, SPI, CPI, EAC) right for every project of every set."""
    wrong: dict[str, str] = {}
    for number, reports in enumerate(sets, start=1):
        call = run_learner(indicators, "indicators", fresh(reports))
        found = {"*": call.problem} if call.problem else indicators_mistakes(call.value, reports)
        if "*" in found:
            wrong = {c: f"Report set {number}: {found['*']}" for c in INDICATORS}
            break
        for column, why in found.items():
            wrong.setdefault(column, f"Report set {number}: {why}")
    for why in dict.fromkeys(wrong.values()):
        print(why)
    points = len(INDICATORS) - len(wrong)
    print(f"indicators: {points} of {len(INDICATORS)} indicators right on "
          f"{len(sets)} random report sets.")
    return points


@graded
def score_rag(rag: object, groups: Mapping[str, Mapping[tuple[float, float], str]]) -> int:
    """One point per group of ``{(spi, cpi): colour}`` cases that ``rag`` gets all right."""
    points = 0
    for name, cases in groups.items():
        for (spi, cpi), colour in cases.items():
            call = run_learner(rag, "rag", spi, cpi)
            if call.problem:
                print(f"{name}: {call.problem}")
                break
            given = plain_colour(call.value)
            if given != colour:
                print(f"{name}: rag({spi}, {cpi}) gives {given!r}; it should be {colour!r}.")
                break
        else:
            points += 1
    print(f"rag: {points} of {len(groups)} groups of cases right.")
    return points


@graded
def score_rollup(program_rollup: object, sets: list[pd.DataFrame]) -> int:
    """One point for each part (totals, variances, indices, RAG) right on every set."""
    parts = ("totals", "variances", "indices", "rag")
    wrong: dict[str, str] = {}
    for number, reports in enumerate(sets, start=1):
        call = run_learner(program_rollup, "program_rollup", fresh(reports))
        found = {"*": call.problem} if call.problem else rollup_mistakes(call.value, reports)
        if "*" in found:
            wrong = {p: f"Report set {number}: {found['*']}" for p in parts}
            break
        for part, why in found.items():
            wrong.setdefault(part, f"Report set {number}: {why}")
    for why in dict.fromkeys(wrong.values()):
        print(why)
    points = len(parts) - len(wrong)
    print(f"program_rollup: {points} of {len(parts)} parts right on {len(sets)} random "
          f"report sets.")
    return points


@graded
def score_escalate(escalate: object, sets: list[pd.DataFrame]) -> int:
    """One point for each set whose escalation list is exactly right."""
    points = 0
    for number, reports in enumerate(sets, start=1):
        call = run_learner(escalate, "escalate", fresh(reports))
        mistake = call.problem or escalate_mistake(call.value, reports)
        if mistake:
            print(f"Report set {number}: {mistake}")
        else:
            points += 1
    print(f"escalate: {points} of {len(sets)} random report sets right.")
    return points
