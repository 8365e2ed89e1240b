# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   triad:
#     call_within: course.plan_checks:no_shortcuts
#     collect:
#       schedule: function
#       critical_path: function
#       program_weeks: function
#       serves: data
#       orphan: data
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false}
# # Plan a program from several projects
#
# *Prepared by lesson 5, "Planning a program from several projects"; part 2 uses
# lessons 3 and 4 on benefits.*
#
# After digitising its paper processes, the organisation starts a second program, the
# **digital front door**: customers will ask for service online instead of filling in
# paper forms or calling. Its component projects are below. You will plan the program
# with the critical path method, then check that every project serves an objective.
#
# **What to hand in.**
#
# 1. Three functions that work for *any* program table with the columns `id` (str),
#    `weeks` (int) and `depends_on` (a list of ids, empty when none):
#    - `schedule(projects)`: a DataFrame **indexed by project id** with the integer
#      columns `start` and `finish`, each project's *earliest* start and finish in weeks
#      from the program's start (week 0). A project starts when everything it depends on
#      has finished, and `finish = start + weeks`. If the table has a **dependency
#      cycle** or a dependency on an **unknown id**, `schedule` raises `ValueError`
#      with a message that names the projects on the cycle, or the unknown id;
#    - `critical_path(projects)`: the ids of a longest chain of dependent projects, as a
#      list **in order of work** (first project first). When two chains are equally
#      long, either is accepted;
#    - `program_weeks(projects)`: the program's length in weeks (an int).
# 2. The benefits map: a dict `serves` giving, for every project, the id of the
#    objective it serves (or `None`), and `orphan`, the id of the project that serves
#    no objective.
#
# Write your own code with pandas and plain Python (networkx is allowed too); the
# course's ready-made planning functions are switched off while your functions are
# checked, so calling them earns nothing.
#
# **How it is marked** (33 points).
#
# | Part | Checked on | Points |
# |---|---|---|
# | `schedule` | the program below (visible test) | 2 |
# | `schedule` | 5 other, randomly generated programs: 1 point each program, every start and finish right | 5 |
# | `critical_path` and `program_weeks` | the program below (visible test) | 2 |
# | `critical_path` and `program_weeks` | 4 random programs: 1 point for each right path and 1 for each right length | 8 |
# | errors | a cycle and an unknown id in the program below (visible test) | 1 |
# | errors | 2 random programs with a cycle, 2 with an unknown id: 1 point each `ValueError` that names the culprits | 4 |
# | benefits map | complete answer in the right form (visible test) | 1 |
# | benefits map | 1 point for each of the 8 projects mapped right, 2 for the orphan | 10 |
#
# A visible test earns its points only when it passes entirely. The random programs
# are checked when your work is graded, and the feedback explains each mistake.

# %% nbgrader={"grade": false, "grade_id": "data", "locked": true, "schema_version": 3, "solution": false}
import pandas as pd

from course.plan_checks import front_door_benefits, front_door_objectives, front_door_program

projects = front_door_program()
projects

# %% [markdown] nbgrader={"grade": false, "grade_id": "howto_schedule", "locked": true, "schema_version": 3, "solution": false}
# ## Part 1: the schedule
#
# Rows are sorted by id, and **that is not an order of work**: J depends on K, which
# comes after it. Go through the projects in an order in which each one comes after
# everything it depends on (pick, again and again, a project whose predecessors all
# have a finish already). If at some point no project can be picked while some are
# left, the network has a cycle. Check unknown ids before you start.
#
# Replace each `raise NotImplementedError()` with your code. Your functions receive the
# table as an argument: use `projects` inside them, not a global variable.

# %% nbgrader={"grade": false, "grade_id": "schedule", "locked": false, "schema_version": 3, "solution": true}
def schedule(projects):
    """Earliest start and finish of every project, in weeks from the program's start."""
    ### BEGIN SOLUTION
    weeks = {pid: int(w) for pid, w in zip(projects["id"], projects["weeks"])}
    depends = {pid: list(d) for pid, d in zip(projects["id"], projects["depends_on"])}
    for pid, before in depends.items():
        for dep in before:
            if dep not in weeks:
                raise ValueError(f"project {pid} depends on unknown id {dep}")
    start, finish = {}, {}
    while len(finish) < len(weeks):
        ready = [p for p in weeks if p not in finish and all(d in finish for d in depends[p])]
        if not ready:
            stuck = sorted(p for p in weeks if p not in finish)
            raise ValueError(f"dependency cycle among {', '.join(stuck)}")
        for pid in ready:
            start[pid] = max((finish[d] for d in depends[pid]), default=0)
            finish[pid] = start[pid] + weeks[pid]
    table = pd.DataFrame({"start": start, "finish": finish}, dtype="int64")
    table.index.name = "id"
    return table
    ### END SOLUTION


schedule(projects)

# %% nbgrader={"grade": true, "grade_id": "check_schedule", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""schedule gives the right earliest start and finish for the digital front door."""
from course.plan_checks import check_schedule

check_schedule(schedule, projects, {
    "H": (0, 4), "J": (5, 15), "K": (0, 5), "L": (15, 21),
    "M": (4, 11), "N": (0, 3), "P": (21, 25), "Q": (25, 27),
})
print("The schedule of the digital front door is right.")

# %% nbgrader={"grade": true, "grade_id": "hidden_schedule", "locked": true, "points": 5, "schema_version": 3, "solution": false}
"""schedule on 5 random programs: one point per program."""
# Checked when your work is graded.
### BEGIN HIDDEN TESTS
import importlib

import course.plan_checks

_checks = importlib.reload(course.plan_checks)
_checks.score_schedule(
    globals().get("schedule"),
    _checks.hidden_programs({1101: 8, 1102: 10, 1103: 12, 1104: 16, 1105: 30}),
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "howto_path", "locked": true, "schema_version": 3, "solution": false}
# ## The critical path and the program's length
#
# The program lasts as long as its latest finish. To find a critical path, start from
# the project that finishes last and walk back, each time to the project it depends on
# that finishes last; then put the list in order of work.

# %% nbgrader={"grade": false, "grade_id": "critical_path", "locked": false, "schema_version": 3, "solution": true}
def critical_path(projects):
    """The ids of a longest chain of dependent projects, first project first."""
    ### BEGIN SOLUTION
    table = schedule(projects)
    depends = {pid: list(d) for pid, d in zip(projects["id"], projects["depends_on"])}
    path = [table["finish"].idxmax()]
    while depends[path[-1]]:
        path.append(max(depends[path[-1]], key=lambda d: table.at[d, "finish"]))
    return [str(pid) for pid in path[::-1]]
    ### END SOLUTION


def program_weeks(projects):
    """The program's length in weeks."""
    ### BEGIN SOLUTION
    return int(schedule(projects)["finish"].max())
    ### END SOLUTION


critical_path(projects), program_weeks(projects)

# %% nbgrader={"grade": true, "grade_id": "check_path", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""critical_path and program_weeks are right for the digital front door."""
from course.plan_checks import check_critical_path

check_critical_path(critical_path, program_weeks, projects)
assert critical_path(projects) == ["K", "J", "L", "P", "Q"], "the critical path is K, J, L, P, Q."
assert program_weeks(projects) == 27, "the program lasts 27 weeks."
print("The critical path and the length of the digital front door are right.")

# %% nbgrader={"grade": true, "grade_id": "hidden_path", "locked": true, "points": 8, "schema_version": 3, "solution": false}
"""critical_path and program_weeks on 4 random programs: one point per answer."""
# Checked when your work is graded.
### BEGIN HIDDEN TESTS
import importlib

import course.plan_checks

_checks = importlib.reload(course.plan_checks)
_checks.score_critical_path(
    globals().get("critical_path"), globals().get("program_weeks"),
    _checks.hidden_programs({2201: 9, 2202: 11, 2203: 14, 2204: 20}),
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "howto_errors", "locked": true, "schema_version": 3, "solution": false}
# ## Plans that cannot be scheduled
#
# A plan with a cycle, or with a dependency on a project that does not exist, is a
# mistake to report, not a schedule to compute. The test below makes both mistakes in
# copies of the table and expects `schedule` to raise `ValueError`, for example
# `ValueError("dependency cycle among H, J")` or
# `ValueError("project M depends on unknown id X")`. Make sure `schedule` stops, and
# does not loop forever, when no project can go next.

# %% nbgrader={"grade": true, "grade_id": "check_errors", "locked": true, "points": 1, "schema_version": 3, "solution": false}
"""schedule rejects a cycle and an unknown id with a ValueError that names them."""
from course.plan_checks import check_errors

check_errors(schedule, projects)
print("Cycles and unknown ids are reported.")

# %% nbgrader={"grade": true, "grade_id": "hidden_errors", "locked": true, "points": 4, "schema_version": 3, "solution": false}
"""Errors in 4 random broken programs: one point each."""
# Checked when your work is graded.
### BEGIN HIDDEN TESTS
import importlib

import course.plan_checks

_checks = importlib.reload(course.plan_checks)
_checks.score_errors(
    globals().get("schedule"),
    _checks.hidden_programs({3301: 8, 3302: 12}),
    ["Z", "M2"],
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "howto_benefits", "locked": true, "schema_version": 3, "solution": false}
# ## Part 2: which objective does each project serve?
#
# A program exists for its objectives. The benefits register says which projects'
# outputs contribute to each benefit, and which objective each benefit serves. Follow
# the chain *project -> benefit -> objective* for every project (pandas' `explode`
# turns each list in the `projects` column into one row per project). Every project
# here serves at most one objective; one project serves none: it is an **orphan**, a
# project the program should question.

# %% nbgrader={"grade": false, "grade_id": "register", "locked": true, "schema_version": 3, "solution": false}
objectives = front_door_objectives()
benefits = front_door_benefits()
display(objectives)
benefits

# %% [markdown] nbgrader={"grade": false, "grade_id": "howto_serves", "locked": true, "schema_version": 3, "solution": false}
# Fill in `serves` so that it maps **every** project id to an objective id such as
# `"O1"`, or to `None` for a project that serves none, and set `orphan` to that
# project's id. You may type the dict in or build it with pandas.

# %% nbgrader={"grade": false, "grade_id": "serves", "locked": false, "schema_version": 3, "solution": true}
# serves = {"H": ..., "J": ..., ...}  # every project id: "O1", "O2", "O3" or None
# orphan = ...                        # the id of the project that serves no objective
### BEGIN SOLUTION
links = benefits.explode("projects")[["projects", "objective"]].drop_duplicates()
serves = {pid: None for pid in projects["id"]}
serves.update(dict(zip(links["projects"], links["objective"])))
orphan = [pid for pid, goal in serves.items() if goal is None][0]
### END SOLUTION
serves, orphan

# %% nbgrader={"grade": true, "grade_id": "check_serves", "locked": true, "points": 1, "schema_version": 3, "solution": false}
"""serves maps every project to an objective id or None, and orphan is a project id."""
from course.plan_checks import check_serves

check_serves(serves, orphan, projects, objectives)
print("The benefits map has the right form. Its content is checked when your work is graded.")

# %% nbgrader={"grade": true, "grade_id": "hidden_serves", "locked": true, "points": 10, "schema_version": 3, "solution": false}
"""The benefits map: one point per project, two for the orphan."""
# Checked when your work is graded.
### BEGIN HIDDEN TESTS
import importlib

import course.plan_checks

SERVES_KEY = {
    "H": ("O1", "The request catalogue feeds B1, more requests made online, which serves O1."),
    "J": ("O1", "The portal feeds B1 and B2, and both serve O1."),
    "K": ("O3", "Customer accounts feed B6, protected customer accounts, which serves O3."),
    "L": ("O2", "The portal-workflow link feeds B3, faster answers, which serves O2."),
    "M": ("O2", "The knowledge base feeds B3 and B4, and both serve O2."),
    "N": (None, "N appears in no benefit of the register, so it serves no objective."),
    "P": ("O1", "Go-live feeds B1, more requests made online, which serves O1."),
    "Q": ("O2", "Retiring paper forms and the fax line feeds B5, lower running costs, "
                "which serves O2."),
}
ORPHAN_KEY = ("N", "The project that appears in no benefit of the register is the orphan.")
importlib.reload(course.plan_checks).score_serves(
    globals().get("serves"), globals().get("orphan"), SERVES_KEY, ORPHAN_KEY
)
### END HIDDEN TESTS
