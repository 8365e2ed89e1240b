# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   triad:
#     call_within: course.plan_checks:no_shortcuts
#     collect:
#       indicators: function
#       rag: function
#       program_rollup: function
#       escalate: function
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false}
# # Program health roll-up
#
# *Prepared by lesson 6, "Steering a running program".*
#
# The digital front door program is four reporting periods (16 weeks) into its plan.
# Every period, each project manager reports three cumulative amounts, in thousand
# euros: **PV** (planned value), **EV** (earned value) and **AC** (actual cost), with the
# project's whole budget **BAC**. You will turn these reports into the program's health,
# with pandas, in functions that work for any program's reports.
#
# **What to hand in.** Four functions. Each receives the status reports as a
# DataFrame with the columns `project, period, pv, ev, ac, bac` (one row per project
# and period, in any order). Use **each project's latest report** (its row with the
# highest period): the amounts are cumulative, so earlier rows are already included in it.
#
# - `indicators(reports)`: a DataFrame **indexed by project** with the columns
#   `sv`, `cv`, `spi`, `cpi` and `eac`:
#   SV = EV - PV, CV = EV - AC, SPI = EV / PV, CPI = EV / AC, EAC = BAC / CPI.
#   Do not round.
# - `rag(spi, cpi)`: `"red"` if SPI or CPI is below 0.90, else `"amber"` if either is
#   below 0.95, else `"green"`. A value exactly on a threshold gets the better colour
#   (0.95 is green, 0.90 is amber). These thresholds are this course's convention.
# - `program_rollup(reports)`: a dict with the program's totals `pv`, `ev`, `ac`, `bac`
#   (sums over the projects' latest reports), its `sv`, `cv`, `spi`, `cpi` and `eac`
#   computed from those totals, and `rag`, the headline colour by the **worst-of rule**:
#   the worst colour of any project.
# - `escalate(reports)`: the list of the ids of the **red** projects, **worst first**:
#   ordered by the lower of their SPI and CPI, smallest first; ties by id.
#
# Write your own code: the course's ready-made health functions are switched off while
# your functions are checked, so calling them earns nothing.
#
# **How it is marked** (22 points).
#
# | Part | Checked on | Points |
# |---|---|---|
# | `indicators` | the reports below (visible test) | 2 |
# | `indicators` | 4 randomly generated report sets: 1 point for each of SV, CV, SPI, CPI and EAC that is right for every project of every set | 5 |
# | `rag` | three examples (visible test) | 1 |
# | `rag` | 4 groups of cases (green, amber, red, exactly on a threshold): 1 point per group entirely right | 4 |
# | `program_rollup` | the reports below (visible test) | 2 |
# | `program_rollup` | 3 random report sets: 1 point each for the totals, the variances, the indices with EAC, and the RAG, when right on every set | 4 |
# | `escalate` | the reports below (visible test) | 1 |
# | `escalate` | 3 random report sets: 1 point each | 3 |
#
# A visible test earns its points only when it passes entirely. The random report sets
# are checked when your work is graded, and the feedback explains each mistake.

# %% nbgrader={"grade": false, "grade_id": "data", "locked": true, "schema_version": 3, "solution": false}
import pandas as pd

from course.health_checks import front_door_reports

reports = front_door_reports()
reports

# %% [markdown] nbgrader={"grade": false, "grade_id": "howto_indicators", "locked": true, "schema_version": 3, "solution": false}
# ## Each project's indicators
#
# First keep each project's latest report (sort by period, then `groupby("project")`
# and `.tail(1)` or `.last()`), then compute the five columns. Replace each
# `raise NotImplementedError()` with your code; use the `reports` argument inside your
# functions, not the global variable.

# %% nbgrader={"grade": false, "grade_id": "indicators", "locked": false, "schema_version": 3, "solution": true}
def indicators(reports):
    """SV, CV, SPI, CPI and EAC of each project, from its latest report."""
    ### BEGIN SOLUTION
    latest = reports.sort_values("period").groupby("project").tail(1).set_index("project")
    table = pd.DataFrame(index=latest.index.sort_values())
    latest = latest.loc[table.index]
    table["sv"] = latest["ev"] - latest["pv"]
    table["cv"] = latest["ev"] - latest["ac"]
    table["spi"] = latest["ev"] / latest["pv"]
    table["cpi"] = latest["ev"] / latest["ac"]
    table["eac"] = latest["bac"] / table["cpi"]
    return table
    ### END SOLUTION


indicators(reports)

# %% nbgrader={"grade": true, "grade_id": "check_indicators", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""indicators is right for the digital front door's reports."""
from course.health_checks import check_indicators

check_indicators(indicators, reports, {  # two rows of the expected table, rounded
    "J": {"sv": 0, "cv": -8, "spi": 1.0, "cpi": 0.97, "eac": 268.0},
    "M": {"sv": -21, "cv": -1, "spi": 0.7, "cpi": 0.98, "eac": 71.43},
})
print("The indicators of the digital front door are right.")

# %% nbgrader={"grade": true, "grade_id": "hidden_indicators", "locked": true, "points": 5, "schema_version": 3, "solution": false}
"""indicators on 4 random report sets: one point per indicator."""
# Checked when your work is graded.
### BEGIN HIDDEN TESTS
import importlib

import course.health_checks
import course.plan_checks

importlib.reload(course.plan_checks)
_checks = importlib.reload(course.health_checks)
_checks.score_indicators(
    globals().get("indicators"),
    _checks.hidden_reports({4401: 6, 4402: 8, 4403: 5, 4404: 9}),
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "howto_rag", "locked": true, "schema_version": 3, "solution": false}
# ## Red, amber or green
#
# Test the worse colour first: a project that is below 0.90 on one index is red even
# if the other index is excellent.

# %% nbgrader={"grade": false, "grade_id": "rag", "locked": false, "schema_version": 3, "solution": true}
def rag(spi, cpi):
    """The RAG colour of one project or program from its SPI and CPI."""
    ### BEGIN SOLUTION
    if spi < 0.90 or cpi < 0.90:
        return "red"
    if spi < 0.95 or cpi < 0.95:
        return "amber"
    return "green"
    ### END SOLUTION


rag(1.02, 0.97), rag(0.93, 1.1), rag(0.7, 0.98)

# %% nbgrader={"grade": true, "grade_id": "check_rag", "locked": true, "points": 1, "schema_version": 3, "solution": false}
"""rag gives the right colour for three examples."""
from course.health_checks import check_rag

check_rag(rag, {(1.02, 0.97): "green", (0.93, 1.1): "amber", (0.7, 0.98): "red"})
print("The three examples are right. Other cases are checked when your work is graded.")

# %% nbgrader={"grade": true, "grade_id": "hidden_rag", "locked": true, "points": 4, "schema_version": 3, "solution": false}
"""rag on 4 groups of cases: one point per group."""
# Checked when your work is graded.
### BEGIN HIDDEN TESTS
import importlib

import course.health_checks
import course.plan_checks

importlib.reload(course.plan_checks)
importlib.reload(course.health_checks).score_rag(globals().get("rag"), {
    "Green cases": {(1.0, 1.0): "green", (0.96, 1.2): "green", (1.3, 0.951): "green"},
    "Amber cases": {(0.94, 1.0): "amber", (1.05, 0.91): "amber", (0.92, 0.93): "amber"},
    "Red cases": {(0.85, 1.1): "red", (1.2, 0.6): "red", (0.89, 0.94): "red"},
    "Cases on a threshold": {(0.95, 1.0): "green", (1.0, 0.95): "green",
                             (0.90, 1.0): "amber", (0.95, 0.90): "amber"},
})
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "howto_rollup", "locked": true, "schema_version": 3, "solution": false}
# ## The program's health
#
# Add up the projects' latest PV, EV, AC and BAC, then compute the program's variances
# and indices from those totals (not by averaging the projects' indices: a big project
# must weigh more than a small one). The headline colour is the worst of the projects'
# colours. Your `program_rollup` and `escalate` may call your `indicators` and `rag`.

# %% nbgrader={"grade": false, "grade_id": "rollup", "locked": false, "schema_version": 3, "solution": true}
def program_rollup(reports):
    """The program's totals, variances, indices, EAC and headline RAG, as a dict."""
    ### BEGIN SOLUTION
    latest = reports.sort_values("period").groupby("project").tail(1)
    pv, ev, ac, bac = (float(latest[c].sum()) for c in ("pv", "ev", "ac", "bac"))
    table = indicators(reports)
    colours = [rag(s, c) for s, c in zip(table["spi"], table["cpi"])]
    worst = max(colours, key=["green", "amber", "red"].index)
    return {"pv": pv, "ev": ev, "ac": ac, "bac": bac, "sv": ev - pv, "cv": ev - ac,
            "spi": ev / pv, "cpi": ev / ac, "eac": bac / (ev / ac), "rag": worst}
    ### END SOLUTION


def escalate(reports):
    """The ids of the red projects, worst first."""
    ### BEGIN SOLUTION
    table = indicators(reports).reset_index()
    table["worst"] = table[["spi", "cpi"]].min(axis=1)
    red = table[[rag(s, c) == "red" for s, c in zip(table["spi"], table["cpi"])]]
    return red.sort_values(["worst", "project"])["project"].tolist()
    ### END SOLUTION


program_rollup(reports), escalate(reports)

# %% nbgrader={"grade": true, "grade_id": "check_rollup", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""program_rollup is right for the digital front door."""
from course.health_checks import check_rollup

check_rollup(program_rollup, reports)
print("The program roll-up is right: SPI 0.95 and CPI 0.95 from the totals (green), "
      "but red by the worst-of rule.")

# %% nbgrader={"grade": true, "grade_id": "hidden_rollup", "locked": true, "points": 4, "schema_version": 3, "solution": false}
"""program_rollup on 3 random report sets: one point per part."""
# Checked when your work is graded.
### BEGIN HIDDEN TESTS
import importlib

import course.health_checks
import course.plan_checks

importlib.reload(course.plan_checks)
_checks = importlib.reload(course.health_checks)
_checks.score_rollup(
    globals().get("program_rollup"),
    _checks.hidden_reports({5501: 7, 5506: 4, 5503: 9}),
)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "check_escalate", "locked": true, "points": 1, "schema_version": 3, "solution": false}
"""escalate names the red projects of the digital front door, worst first."""
from course.health_checks import check_escalate

check_escalate(escalate, reports, ["M", "K"])
print("Escalate M (SPI 0.70) first, then K (CPI 0.86).")

# %% nbgrader={"grade": true, "grade_id": "hidden_escalate", "locked": true, "points": 3, "schema_version": 3, "solution": false}
"""escalate on 3 random report sets: one point per set."""
# Checked when your work is graded.
### BEGIN HIDDEN TESTS
import importlib

import course.health_checks
import course.plan_checks

importlib.reload(course.plan_checks)
_checks = importlib.reload(course.health_checks)
_checks.score_escalate(
    globals().get("escalate"),
    _checks.hidden_reports({6601: 8, 6602: 7, 6603: 10}),
)
### END HIDDEN TESTS
