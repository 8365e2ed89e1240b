# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   triad:
#     collect:
#       answers: data
#       raci: data
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false}
# # Who decides?
#
# *Prepared by lesson 2, "Who does what: the roles"; lesson 7 adds the product side.*
#
# Many people can take part in a decision, but one of them answers for it. In the
# process-digitisation program and around the workflow app it produces, that person
# is one of seven roles:
#
# | role | answers for |
# |---|---|
# | `"sponsor"` | the business case: whether the program is worth its money, from start to closure |
# | `"program manager"` | the whole program: roadmap, tranches, dependencies, resources and risks that cross projects |
# | `"project manager"` | one component project: its plan, tasks, budget and deliverables within the tolerance it was given |
# | `"change manager"` | the people side: readiness, adoption, and the new ways of working that make benefits real |
# | `"product manager"` | the product over its whole life: who it is for, what it should become, whether it is viable |
# | `"product owner"` | the value of what one team builds: the order of the backlog, what each item must do |
# | `"scrum master"` | how well the Scrum team works: coaching, removing impediments, continuous improvement |
#
# Read what the decision is about, not who happens to be in the room. Two things about
# this organisation matter:
#
# - **Above the program** sits the executive board, which chose the program for its
#   portfolio and set its budget. The decisions below are all taken inside that budget;
#   none of them goes back to the board unless it says so.
# - **Around the workflow app** the organisation splits the product roles as SAFe and
#   many firms do: a product manager owns the app's vision and roadmap over the coming
#   year, and a product owner works with the Scrum team on its backlog. In a team that
#   follows only the Scrum Guide 2020, one Product Owner would hold both parts; here,
#   grade your answers in the split model.
#
# Where the program manager prepares a decision and the sponsor or board approves it,
# the situation says which of the two it asks about.
#
# **What to hand in.**
#
# 1. The dict `answers`, mapping every situation id (`"S01"` to `"S16"`) to the role
#    that is accountable for the decision. Capitals, spaces, hyphens and underscores do
#    not matter (`"Program-Manager"` is fine).
# 2. The table `raci`: for five program activities, put `"R"`, `"A"`, `"C"` or `"I"` in
#    the cells of the roles involved (`"A/R"` when the accountable role also does the
#    work) and leave the others empty.
#
# **How it is marked** (28 points):
#
# - 2 points for a complete `answers` that uses only the seven roles;
# - 3 points for the three worked examples checked below;
# - 1 point for each of the 16 situations given to the right role;
# - 2 points for a RACI table that follows the rules: a row for each activity, only the
#   letters R, A, C and I, **exactly one A** and **at least one R** in every row;
# - 1 point for each of the 5 activities whose single Accountable is the right role.
#
# The visible tests check the format, the examples and the RACI rules; the rest is
# checked when your work is graded, and the feedback explains each answer you missed.

# %% nbgrader={"grade": false, "grade_id": "situations", "locked": true, "schema_version": 3, "solution": false}
from course.exercises import show
from course.role_checks import ROLES, situations

cases = situations()
show(cases)

# %% [markdown] nbgrader={"grade": false, "grade_id": "howto", "locked": true, "schema_version": 3, "solution": false}
# ## Part 1: one accountable role per decision
#
# Replace the line `raise NotImplementedError()` with your answers, for example
# `answers["S02"] = "program manager"`. The first line gives you every id with an
# empty role; `ROLES` lists the seven names you may use.

# %% nbgrader={"grade": false, "grade_id": "answers", "locked": false, "schema_version": 3, "solution": true}
answers = {situation_id: "" for situation_id in cases.index}
### BEGIN SOLUTION
answers.update({
    "S01": "sponsor", "S02": "program manager", "S03": "project manager",
    "S04": "product owner", "S05": "scrum master", "S06": "product manager",
    "S07": "change manager", "S08": "sponsor", "S09": "project manager",
    "S10": "program manager", "S11": "product owner", "S12": "product manager",
    "S13": "change manager", "S14": "sponsor", "S15": "scrum master",
    "S16": "program manager",
})
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check_format", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""Every situation has exactly one of the seven roles."""
from course.role_checks import check_roles

check_roles(answers, cases.index)
print("Format looks right: every situation names one of the seven roles.")

# %% nbgrader={"grade": true, "grade_id": "check_examples", "locked": true, "points": 3, "schema_version": 3, "solution": false}
"""The three worked examples name the right role."""
from course.checks import check_examples
from course.role_checks import plain_roles

check_examples(plain_roles(answers), {
    "S01": ("sponsor", "approving the business case and releasing the money within the budget "
            "the executive board set is the sponsor's call: the sponsor (MSP's Senior Responsible "
            "Owner) owns the case for the program and answers for its value."),
    "S03": ("project manager", "ordering one project's tasks and assigning them to its team "
            "members is day-to-day delivery of one project, the project manager's job."),
    "S04": ("product owner", "ordering the backlog so that the most valuable stories come "
            "first is what the Scrum Guide makes the product owner accountable for."),
})
print("The three examples are right. The other situations are checked when your work is graded.")

# %% nbgrader={"grade": true, "grade_id": "check_roles", "locked": true, "points": 16, "schema_version": 3, "solution": false}
"""All 16 situations: one point for each decision given to the right role."""
# Every situation is checked when your work is graded.
### BEGIN HIDDEN TESTS
import importlib

import course.role_checks

ROLE_KEY = {
    # id: (role, the reason and its source; printed only to a learner who missed it)
    "S01": ("sponsor", "Within the budget the executive board set, approving the business case and releasing its money belongs to the sponsor, who owns the case for the program (MSP 5th ed.: the Senior Responsible Owner)."),
    "S02": ("program manager", "Giving one shared team to one of two interdependent projects is managing resources across projects, the program manager's job (PMI Standard for Program Management)."),
    "S03": ("project manager", "Ordering one project's tasks and giving them to team members is the project manager's day-to-day delivery work (PMBOK Guide 7th ed.)."),
    "S04": ("product owner", "Ordering the backlog by value for the next sprint is what the product owner is accountable for (Scrum Guide 2020)."),
    "S05": ("scrum master", "Causing impediments to be removed and helping the team improve how it works is the scrum master's accountability (Scrum Guide 2020)."),
    "S06": ("product manager", "Deciding whom the product serves next and whether that is viable is product strategy, the product manager's in this organisation's split of the roles (SVPG: value and viability)."),
    "S07": ("change manager", "Getting people to adopt a new way of working is the people side of change, led by the business change manager (MSP 5th ed.)."),
    "S08": ("sponsor", "The program's budget is untouched; whether the benefits still justify a higher running cost is a business-case decision, so it is the sponsor's, not the program manager's (MSP 5th ed.: the SRO owns the business case)."),
    "S09": ("project manager", "A slip that stays inside the project's tolerance and inside its float moves no other project and no program date, so its project manager re-plans it and reports it; a slip on a critical project, or beyond tolerance, would go up (PRINCE2 7: management by exception)."),
    "S10": ("program manager", "A risk that touches several component projects is managed at program level, by the program manager (PMI Standard for Program Management: program risk management)."),
    "S11": ("product owner", "Writing acceptance criteria and explaining what users need to the developers is the product owner's work with the team (Scrum Guide 2020: Product Backlog items)."),
    "S12": ("product manager", "Setting the app's roadmap for the coming year in the face of the market answers who, what and why: in this organisation's split of the roles that is the product manager's call, where the Scrum Guide alone would give it to the Product Owner (SVPG; SAFe)."),
    "S13": ("change manager", "Judging business readiness and whether new habits have stuck is the business change manager's part in realising benefits (MSP 5th ed.)."),
    "S14": ("sponsor", "Closing the program and handing benefits to the business is decided by the sponsor, who owns the business case to the end (MSP 5th ed.; PMI Standard for Program Management: program closure)."),
    "S15": ("scrum master", "Coaching the team on Scrum so that it plans work it can finish is the scrum master's job, not the product owner's (Scrum Guide 2020)."),
    "S16": ("program manager", "Preparing the tranche plan, the step changes in which component projects deliver, is program management work; the board and the sponsor then approve it, as lesson 8 shows (MSP 5th ed.: tranches)."),
}
# Reload the checks so that nothing the notebook redefined is used for marking.
importlib.reload(course.role_checks).score_roles(globals().get("answers"), ROLE_KEY)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "raci_intro", "locked": true, "schema_version": 3, "solution": false}
# ## Part 2: a RACI table for five program activities
#
# In a RACI table each row is an activity and each column a role:
#
# - **R**, Responsible: does the work (one or several roles);
# - **A**, Accountable: answers for the result and signs it off (**exactly one** role);
# - **C**, Consulted: gives an opinion before the work is done;
# - **I**, Informed: is told once it is done.
#
# `empty_raci` gives you the table with every cell empty: fill it in with `.loc`, for
# example `raci.loc["T1", "sponsor"] = "A"`. A dict of dicts such as
# `{"T1": {"sponsor": "A", "program manager": "R"}, ...}` is accepted as well.
# `check_raci(raci, activities.index)` tells you which rows break the rules: run it as
# often as you like.

# %% nbgrader={"grade": false, "grade_id": "activities", "locked": true, "schema_version": 3, "solution": false}
from course.role_checks import check_raci, empty_raci, raci_activities

activities = raci_activities()
show(activities)

# %% nbgrader={"grade": false, "grade_id": "raci", "locked": false, "schema_version": 3, "solution": true}
raci = empty_raci(activities.index)
### BEGIN SOLUTION
raci.loc["T1"] = {"sponsor": "A", "program manager": "R", "change manager": "C",
                  "project manager": "I", "product manager": "I"}
raci.loc["T2"] = {"program manager": "A/R", "project manager": "C", "sponsor": "I",
                  "change manager": "C", "product owner": "I"}
raci.loc["T3"] = {"project manager": "A/R", "program manager": "I", "change manager": "C"}
raci.loc["T4"] = {"change manager": "A/R", "project manager": "R", "program manager": "C",
                  "sponsor": "I"}
raci.loc["T5"] = {"product owner": "A/R", "product manager": "C", "scrum master": "I"}
raci = raci.fillna("")
### END SOLUTION
raci

# %% nbgrader={"grade": true, "grade_id": "check_raci", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""The RACI table follows the rules: one A and at least one R in every row."""
check_raci(raci, activities.index)
print("The table follows the RACI rules. Who is Accountable is checked when your work is graded.")

# %% nbgrader={"grade": true, "grade_id": "check_accountable", "locked": true, "points": 5, "schema_version": 3, "solution": false}
"""The five activities: one point for each row whose single Accountable is the right role."""
# The Accountable of every row is checked when your work is graded.
### BEGIN HIDDEN TESTS
import importlib

import course.role_checks

RACI_KEY = {
    # id: (role, the reason and its source; printed only to a learner who missed it)
    "T1": ("sponsor", "The business case, within the board's budget, is owned by the sponsor, even if the program manager writes it (MSP 5th ed.: the Senior Responsible Owner)."),
    "T2": ("program manager", "The roadmap and the dependencies between projects are what the program manager owns (PMI Standard for Program Management: program roadmap)."),
    "T3": ("project manager", "Running one project's day-to-day work within the tolerances it was given is the project manager's accountability; whoever set the tolerances (in PRINCE2 7 the Executive, here the program) answers for the project as a whole (PRINCE2 7: management by exception)."),
    "T4": (("change manager", "sponsor"), "Either is accepted. Preparing the business units and embedding the new way of working in them is the business change manager's accountability in this course's model (MSP 5th ed.: business change management). Project F's manager is Responsible for the training F delivers, not for the business's readiness; in MSP the SRO (the sponsor here) stays accountable for the benefits as a whole and many programs record that as the A of this row, with the business change manager Responsible; either reading keeps exactly one A."),
    "T5": ("product owner", "The product backlog is ordered by the product owner, who answers for the value the team delivers (Scrum Guide 2020)."),
}
importlib.reload(course.role_checks).score_accountable(globals().get("raci"), RACI_KEY)
### END HIDDEN TESTS
