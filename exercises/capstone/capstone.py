# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   triad:
#     call_within: course.plan_checks:no_shortcuts
#     collect:
#       decisions: data
#       find_orphans: function
#       variant_path: data
#       variant_weeks: data
#       d_float: data
#       program_spi: data
#       program_cpi: data
#       escalate: data
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false}
# # Capstone: the process-digitisation program
#
# *Prepared by lesson 8, which brings lessons 1 to 7 together.*
#
# You have followed the program since its business case: seven component projects, A to
# G, that take an organisation's paper processes digital. Week 28 has just ended. Some
# things have changed since the plan was made, and the sponsor wants your view.
#
# **What to hand in.**
#
# 1. `decisions`: the role accountable for each of seven decisions that come up as the
#    program runs, changes and closes. Where two answers are defensible (a product
#    decision that depends on how the product roles are split), both are accepted.
# 2. `find_orphans(projects, register)`: a function that returns the projects serving no
#    benefit, so that the board's proposal of a new project can be tested.
# 3. `variant_path`, `variant_weeks` and `d_float`: the critical path, the length and
#    the float of project D once the plan is changed.
# 4. `program_spi`, `program_cpi` and `escalate`: the program's health at period 7.
# 5. A short memo to the sponsor, written in the last cell.
#
# You may call any function of the course (`course.planning`, `course.health`, ...).
#
# **How it is marked** (26 points: 20 marked automatically, 6 by your instructor):
#
# | part | points |
# |---|---|
# | 1. decisions | 1 for a complete answer using the seven roles, 1 for each decision given to the right role (7) |
# | 2. orphans | 1 for the check on the scenario below, 1 for each of three other programs your function gets right |
# | 3. changed plan | 1 for answers of the right kind, 1 each for the path, the length and D's float |
# | 4. health | 1 for answers of the right kind, 1 each for SPI, CPI (both to two decimals) and the list to escalate |
# | 5. memo | 6, marked by your instructor with the criteria given in part 5 |
#
# The visible tests check formats and the scenario; everything else is checked when your
# work is graded, and the feedback explains each answer you missed.

# %% [markdown] nbgrader={"grade": false, "grade_id": "part1", "locked": true, "schema_version": 3, "solution": false}
# ## Part 1: who decides?
#
# Name the role accountable for each decision: `"sponsor"`, `"program manager"`,
# `"project manager"`, `"change manager"`, `"product manager"`, `"product owner"` or
# `"scrum master"` (capitals, spaces, hyphens and underscores do not matter).

# %% nbgrader={"grade": false, "grade_id": "decisions_table", "locked": true, "schema_version": 3, "solution": false}
from course.exercises import show
from course.role_checks import ROLES, capstone_decisions

situations = capstone_decisions()
show(situations)

# %% nbgrader={"grade": false, "grade_id": "decisions", "locked": false, "schema_version": 3, "solution": true}
decisions = {decision_id: "" for decision_id in situations.index}
### BEGIN SOLUTION
decisions.update({
    "Q1": "sponsor", "Q2": "program manager", "Q3": "change manager",
    "Q4": "product manager", "Q5": "project manager", "Q6": "product owner",
    "Q7": "sponsor",
})
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check_decisions_format", "locked": true, "points": 1, "schema_version": 3, "solution": false}
"""Every decision names one of the seven roles."""
from course.role_checks import check_roles

check_roles(decisions, situations.index)
print("Format looks right: every decision names a role.")

# %% nbgrader={"grade": true, "grade_id": "check_decisions", "locked": true, "points": 7, "schema_version": 3, "solution": false}
"""The seven decisions: one point for each decision given to the right role."""
# Every decision is checked when your work is graded.
### BEGIN HIDDEN TESTS
import importlib

import course.role_checks

DECISION_KEY = {
    # id: (role or roles accepted, the reason and its source; printed only to a learner who missed it)
    "Q1": ("sponsor", "Whether the program goes on after a tranche is a business-case decision, taken by the sponsor at the end-of-tranche review (MSP 5th ed.: tranches and the SRO)."),
    "Q2": ("program manager", "Re-planning across projects when one of them moves is the program manager's roadmap and dependency work (PMI Standard for Program Management)."),
    "Q3": ("change manager", "During transition, before the program closes, finding out why one department keeps the old way of working and changing that there is the business change manager's part in realising benefits (MSP 5th ed.; Prosci ADKAR). The app has no product team yet, so it is not a product decision; the sponsor stays accountable for the benefits overall but does not run the change inside a department."),
    "Q4": (("product manager", "product owner"), "Choosing the product's next theme is roadmap strategy: the product manager's where a product manager sets the roadmap above the team's product owner (SAFe's split, used in who-decides), and the Product Owner's where the team follows the Scrum Guide 2020 alone, which makes the Product Owner accountable for the Product Goal, as in lesson 7. Both are accepted."),
    "Q5": ("project manager", "Planning one project's work, handing out its tasks and reporting its progress is the project manager's job (PMBOK Guide 7th ed.)."),
    "Q6": ("product owner", "Saying which story matters more and reordering the backlog is the product owner's accountability (Scrum Guide 2020)."),
    "Q7": ("sponsor", "What belongs in the business case is decided by the sponsor who owns it; the program manager's part is the recommendation already made (MSP 5th ed.: the SRO owns the business case)."),
}
importlib.reload(course.role_checks).score_roles(globals().get("decisions"), DECISION_KEY)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "part2", "locked": true, "schema_version": 3, "solution": false}
# ## Part 2: does the board's project belong in the program?
#
# The board wants to add project **H**, new ordering kiosks for the staff canteen, to the
# program, because the program has money. A project belongs in a program only if its
# output leads, through a benefit, to one of the program's objectives.
#
# Write `find_orphans(projects, register)`. `projects` is a program table with an `id`
# column, like `digitisation_program()`; `register` is a benefits register with a
# `projects` column that holds, for each benefit, the list of project ids contributing to
# it, like `benefits()`. Return the ids of the projects that contribute to no benefit, as
# a sorted list (`[]` when there is none). When your work is graded, the function is also
# tried on three other programs with their own registers.

# %% nbgrader={"grade": false, "grade_id": "proposal", "locked": true, "schema_version": 3, "solution": false}
import pandas as pd

from course.scenarios import benefits, digitisation_program

register = benefits()
proposal = pd.concat(
    [digitisation_program(),
     pd.DataFrame([{"id": "H", "name": "Ordering kiosks for the staff canteen", "weeks": 5,
                    "depends_on": [], "output": "new kiosks", "team": "facilities"}])],
    ignore_index=True,
)
show(register[["id", "benefit", "objective", "projects"]])

# %% nbgrader={"grade": false, "grade_id": "find_orphans", "locked": false, "schema_version": 3, "solution": true}
def find_orphans(projects, register):
    """The sorted ids of the projects that contribute to no benefit of ``register``."""
    ### BEGIN SOLUTION
    listed = {str(pid) for contributors in register["projects"] for pid in contributors}
    return sorted(str(pid) for pid in projects["id"] if str(pid) not in listed)
    ### END SOLUTION


find_orphans(proposal, register)

# %% nbgrader={"grade": true, "grade_id": "check_orphans_scenario", "locked": true, "points": 1, "schema_version": 3, "solution": false}
"""The scenario has no orphan; with the board's project H added, H is the only one."""
found = find_orphans(digitisation_program(), benefits())
assert list(found) == [], (
    f"Every project A to G contributes to at least one benefit of the register, "
    f"so the answer should be [], not {found!r}."
)
found = find_orphans(proposal, benefits())
assert list(found) == ["H"], (
    f"H is listed under no benefit, while A to G all are: the answer should be one id, "
    f"not {found!r}. Look for each project id inside the lists of the `projects` column."
)
print("find_orphans works on the scenario. Three other programs are tried when your work is graded.")

# %% nbgrader={"grade": true, "grade_id": "check_orphans", "locked": true, "points": 3, "schema_version": 3, "solution": false}
"""find_orphans on three other programs: one point for each right answer."""
# Other programs are tried when your work is graded.
### BEGIN HIDDEN TESTS
import importlib

import course.role_checks
import course.scenarios

_checks = importlib.reload(course.role_checks)
_scenarios = importlib.reload(course.scenarios)
_cases = []
for _n, _seed in [(6, 11), (9, 23), (12, 5)]:
    _program = _scenarios.random_program(_n, seed=_seed)
    _register = _checks.random_register(_program, _seed)
    _listed = {str(_pid) for _ids in _register["projects"] for _pid in _ids}
    _expected = sorted(str(_pid) for _pid in _program["id"] if str(_pid) not in _listed)
    _cases.append((f"a program of {_n} projects", _program, _register, _expected))
_checks.score_orphan_finder(globals().get("find_orphans"), _cases)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "part3", "locked": true, "schema_version": 3, "solution": false}
# ## Part 3: the plan has changed
#
# The legacy records are messier than the sample: data migration **E now takes 14
# weeks** instead of 8. The rest of the baseline plan stands: C and E need the one
# integration team, so, as the program manager chose in lesson 5, **E starts only when
# C has finished**. `digitisation_program()` does not hold that choice; add it yourself.
#
# Build the changed program with `course.planning` (`set_weeks`, `add_dependency`) and
# set `variant_path` (a critical path, as a list of ids in order of work, as
# `critical_path` gives it), `variant_weeks` (the program's length in weeks, an `int`)
# and `d_float` (how many weeks project D can now slip, an `int`).

# %% nbgrader={"grade": false, "grade_id": "variant", "locked": false, "schema_version": 3, "solution": true}
from course.planning import add_dependency, critical_path, program_weeks, schedule, set_weeks

### BEGIN SOLUTION
variant = set_weeks(add_dependency(digitisation_program(), "C", "E"), {"E": 14})
variant_path = critical_path(variant)
variant_weeks = program_weeks(variant)
d_float = int(schedule(variant).loc["D", "float"])
### END SOLUTION
variant_path, variant_weeks, d_float

# %% nbgrader={"grade": true, "grade_id": "check_variant_format", "locked": true, "points": 1, "schema_version": 3, "solution": false}
"""The answers have the right kind: a list of project ids and two whole numbers."""
assert isinstance(variant_path, list) and set(variant_path) <= set("ABCDEFG"), (
    "`variant_path` must be a list of project ids such as ['A', 'B', ...]."
)
assert variant_path[:1] == ["A"], "Every path through this program starts with A, which has no dependency."
for name, value in [("variant_weeks", variant_weeks), ("d_float", d_float)]:
    assert isinstance(value, int) and value >= 0, f"`{name}` must be a whole number of weeks (an int)."
print("The answers have the right kind. Their values are checked when your work is graded.")

# %% nbgrader={"grade": true, "grade_id": "check_variant", "locked": true, "points": 3, "schema_version": 3, "solution": false}
"""The changed plan: one point each for the critical path, the length and D's float."""
# The values are checked when your work is graded.
### BEGIN HIDDEN TESTS
import importlib

import course.planning
import course.role_checks
import course.scenarios

_checks = importlib.reload(course.role_checks)
_planning = importlib.reload(course.planning)
_program = importlib.reload(course.scenarios).digitisation_program()
_variant = _planning.set_weeks(_planning.add_dependency(_program, "C", "E"), {"E": 14})
_earned = _checks.score_id_list(
    globals().get("variant_path"), _planning.critical_path(_variant), name="variant_path",
    why="Once E lasts 14 weeks and waits for C, compare the chain through D with the chain through E: the longer one is critical.",
)
_earned += _checks.score_number(
    globals().get("variant_weeks"), _planning.program_weeks(_variant), name="variant_weeks", tolerance=0,
    why="The length is the latest finish of the changed program: build it with set_weeks and add_dependency, then use program_weeks.",
)
_earned += _checks.score_number(
    globals().get("d_float"), int(_planning.schedule(_variant).loc["D", "float"]), name="d_float", tolerance=0,
    why="D's float is its latest start minus its earliest start in the changed schedule.",
)
print(f"{_earned} of 3 values of the changed plan are right.")
_earned
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "part4", "locked": true, "schema_version": 3, "solution": false}
# ## Part 4: how healthy is the program?
#
# The project managers' status reports are in `course.scenarios.status_reports()`. For
# the end of period 7 (week 28), set `program_spi` and `program_cpi` (the program's
# schedule and cost performance indices, from the totals of all projects, to two
# decimals) and `escalate`: the ids of the red projects, worst first, as
# `course.health` ranks them (the dashboard's escalation list; lesson 8 discusses which of
# them really need a decision above the program manager).

# %% nbgrader={"grade": false, "grade_id": "health", "locked": false, "schema_version": 3, "solution": true}
from course.health import program_health
from course.scenarios import status_reports

### BEGIN SOLUTION
health = program_health(status_reports(), period=7)
program_spi = round(health["spi"], 2)
program_cpi = round(health["cpi"], 2)
escalate = health["escalate"]
### END SOLUTION
program_spi, program_cpi, escalate

# %% nbgrader={"grade": true, "grade_id": "check_health_format", "locked": true, "points": 1, "schema_version": 3, "solution": false}
"""The answers have the right kind: two indices and a list of project ids."""
for name, value in [("program_spi", program_spi), ("program_cpi", program_cpi)]:
    assert isinstance(value, int | float) and 0 < value < 3, (
        f"`{name}` must be a number such as 1.02: a ratio of two amounts of money."
    )
assert isinstance(escalate, list) and set(escalate) <= set("ABCDEFG"), (
    "`escalate` must be a list of project ids such as ['B']."
)
print("The answers have the right kind. Their values are checked when your work is graded.")

# %% nbgrader={"grade": true, "grade_id": "check_health", "locked": true, "points": 3, "schema_version": 3, "solution": false}
"""The health reading: one point each for SPI, CPI and the list to escalate."""
# The values are checked when your work is graded.
### BEGIN HIDDEN TESTS
import importlib

import course.health
import course.role_checks
import course.scenarios

_checks = importlib.reload(course.role_checks)
_health = importlib.reload(course.health).program_health(
    importlib.reload(course.scenarios).status_reports(), period=7
)
_earned = _checks.score_number(
    globals().get("program_spi"), _health["spi"], name="program_spi", tolerance=0.0051,
    why="SPI is the earned value divided by the planned value, both summed over the projects at period 7.",
)
_earned += _checks.score_number(
    globals().get("program_cpi"), _health["cpi"], name="program_cpi", tolerance=0.0051,
    why="CPI is the earned value divided by the actual cost, both summed over the projects at period 7.",
)
_earned += _checks.score_id_list(
    globals().get("escalate"), _health["escalate"], name="escalate",
    why="Raise every red project and only those, the one with the lowest index first.",
)
print(f"{_earned} of 3 values of the health reading are right.")
_earned
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "part5", "locked": true, "schema_version": 3, "solution": false}
# ## Part 5: a memo to the sponsor (6 points, marked by your instructor)
#
# In the cell below, write a memo of 150 to 250 words to the program's sponsor. Using
# your answers to parts 2 to 4, say:
#
# - what the changed plan and the health reading mean for the program (use the figures);
# - what you recommend about project H;
# - what you will do next, and which decisions belong to whom (the sponsor, the project
#   managers, the change manager...).
#
# Your instructor gives up to 2 points for reading the figures correctly, 2 for
# recommendations that put each decision with the right role, 1 for a sound answer on
# project H and 1 for a memo that is clear, within the length and ends with a
# recommendation rather than a summary.

# %% [markdown] nbgrader={"grade": true, "grade_id": "reflection", "locked": false, "points": 6, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# **Instructor's rubric (6 points; this cell is replaced by "YOUR ANSWER HERE" in the release).**
#
# - **Figures (2).** 1 point for the changed plan: the program now lasts 50 weeks
#   instead of 46, E has become critical (A, B, C, E, F, G) and D has 4 weeks of float.
#   1 point for the health: SPI about 0.96 (behind schedule) and CPI about 0.94 (over
#   budget), with E (late) and C (over budget) red and raised, E first. A memo that
#   says E's slip fits within its float, or that go-live is safe, does not earn it.
# - **Roles (2).** 2 points if each decision sits with the right role: a new end date
#   or more money is the sponsor's call on the business case; re-planning across projects
#   and the shared integration team is the program manager's; E's recovery plan is its
#   project manager's; C has finished, so no recovery plan is left for it, only a
#   program-level decision on its overrun (drawing on the contingency held for R4: the
#   program manager's within the program's cost tolerance, the sponsor's beyond it);
#   preparing the business units for go-live stays with the change manager.
#   1 point if most are right but one is taken by the wrong role (typically the program
#   manager deciding on money or on H).
# - **Project H (1).** H serves no benefit and no objective of the program: it is an
#   orphan and should not join, unless the sponsor adds a benefit that justifies it;
#   funding it elsewhere is a fine answer.
# - **Memo (1).** 150 to 250 words, written for the sponsor, ending with a clear
#   recommendation and a request for decision.
#
# **A model answer.**
#
# The plan has moved. Data migration (E) needs 14 weeks and must wait for electronic
# signature (C) because they share the integration team, so E is now on the critical
# path (A, B, C, E, F, G) and the program ends in week 50 instead of 46. Workflow
# automation (D) has four weeks of float. At week 28 the program is behind schedule (SPI
# 0.96) and over budget (CPI 0.94). Two projects are red: E, late with an SPI of 0.70,
# and C, finished on time but 22% over its budget. I have asked E's project manager for
# a recovery plan that starts with one department and cleans data at the source, and I
# am looking for an integration contractor to add capacity to E, which now sets the
# end date.
#
# I recommend that project H does not join the program. Canteen kiosks serve none of our benefits and
# neither of our objectives; adding them would spend our contingency on work that moves
# nothing we report on. If the board wants them, they could be funded as a separate
# project. The business case is yours, so this decision is too.
#
# I need two decisions from you: do you accept week 50 as the new end date, or fund the
# contractor to win back up to four weeks; and do you confirm that H stays out? The
# change manager keeps the training plan for go-live unchanged.
# ### END SOLUTION
