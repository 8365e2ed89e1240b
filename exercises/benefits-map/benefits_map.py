# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   triad:
#     collect:
#       answers: data
#       chain: data
#       benefit_objective: data
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false}
# # From outputs to benefits
#
# *Prepared by lessons 3, "From strategy to programs", and 4, "Outputs, outcomes, benefits".*
#
# A program is worth running only if what its projects hand over ends up serving a
# strategic objective. MSP (Managing Successful Programmes) follows that thread as a
# chain of four links before the objective:
#
# | link | what it is | a test you can apply |
# |---|---|---|
# | **output** | what a project hands over when it closes | could you tick it off on a delivery checklist? |
# | **capability** | what the organisation *is able to do* once outputs are in place | does it describe a possibility, not yet a change in what people do? |
# | **outcome** | the new state of affairs once people *use* the capability | does it describe people working differently, or a situation that has changed? |
# | **benefit** | the measurable improvement an outcome brings, which someone values | does it have a measure, a starting value and a target? |
#
# **What to hand in.**
#
# 1. Part 1: the dict `answers`, mapping each of the 16 items (`"I01"` to `"I16"`) to
#    `"output"`, `"capability"`, `"outcome"` or `"benefit"`. Capitals and spaces do not matter.
# 2. Part 2: for a second program, the dicts `chain` (each project to the one benefit its
#    output serves, or `None` for a project that serves none) and `benefit_objective`
#    (each benefit to the objective it serves).
#
# **How it is marked** (35 points):
#
# - Part 1: 2 points for a complete answer using only the four labels, 3 points for the
#   three worked examples below, and 1 point for each of the 16 items labelled correctly;
# - Part 2: 2 points if both dicts are complete and use only ids from the tables
#   (or `None` in `chain`), 1 point for each of the 7 projects linked correctly (the
#   orphan included), and 1 point for each of the 5 benefits linked to the right objective.
#
# The visible tests check the formats and the examples; the rest is checked when your
# work is graded, and the feedback explains each answer you missed.

# %% nbgrader={"grade": false, "grade_id": "items", "locked": true, "schema_version": 3, "solution": false}
from course.exercises import show
from course.role_checks import LAYERS, chain_items

items = chain_items()
show(items)

# %% [markdown] nbgrader={"grade": false, "grade_id": "howto", "locked": true, "schema_version": 3, "solution": false}
# ## Part 1: which link of the chain is it?
#
# All sixteen items come from the process-digitisation program. Replace the line
# `raise NotImplementedError()` with your labels, for example `answers["I01"] = "output"`.

# %% nbgrader={"grade": false, "grade_id": "answers", "locked": false, "schema_version": 3, "solution": true}
answers = {item_id: "" for item_id in items.index}
### BEGIN SOLUTION
answers.update({
    "I01": "output", "I02": "outcome", "I03": "benefit", "I04": "capability",
    "I05": "output", "I06": "benefit", "I07": "capability", "I08": "output",
    "I09": "outcome", "I10": "benefit", "I11": "capability", "I12": "outcome",
    "I13": "output", "I14": "capability", "I15": "outcome", "I16": "benefit",
})
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check_format", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""Every item has exactly one of the four labels."""
from course.checks import check_format

check_format(answers, items.index, labels=LAYERS)
print("Format looks right: every item has a label.")

# %% nbgrader={"grade": true, "grade_id": "check_examples", "locked": true, "points": 3, "schema_version": 3, "solution": false}
"""The three worked examples are labelled correctly."""
from course.checks import check_examples

check_examples(answers, {
    "I01": ("output", "a configured system handed over at the end of its pilot is what one "
            "project delivers: you can tick it off, so it is an output."),
    "I02": ("outcome", "staff finding documents on their own describes people working "
            "differently, which is an outcome; it has no measure yet, so it is not a benefit."),
    "I16": ("benefit", "a measure with a starting value (18 minutes) and a target (3) is "
            "how a benefit is stated."),
})
print("The three examples are right. The other items are checked when your work is graded.")

# %% nbgrader={"grade": true, "grade_id": "check_labels", "locked": true, "points": 16, "schema_version": 3, "solution": false}
"""All 16 items: one point for each correct label."""
# Every item is checked when your work is graded.
### BEGIN HIDDEN TESTS
import importlib

import course.checks

LAYER_KEY = {
    # id: (label, the reason and its source; printed only to a learner who missed it)
    "I01": ("output", "A system handed over after its pilot is a project's deliverable, so it is an output (MSP 5th ed.: outputs)."),
    "I02": ("outcome", "Staff finding documents themselves is people working differently, so it is an outcome (MSP 5th ed.: outcomes)."),
    "I03": ("benefit", "Days to approval with a baseline of 9 and a target of 2 is a measured improvement, so it is a benefit (MSP 5th ed.: a benefit is measurable)."),
    "I04": ("capability", "Being able to sign and approve electronically is something the organisation can now do, so it is a capability (MSP 5th ed.: capabilities)."),
    "I05": ("output", "An approved file plan is a document one project delivers, so it is an output (MSP 5th ed.: outputs)."),
    "I06": ("benefit", "Requests per person per week, from 25 to 32, is a measured improvement, so it is a benefit (MSP 5th ed.: a benefit is measurable)."),
    "I07": ("capability", "That every record can be searched in one place is a possibility that people still have to use, so it is a capability (MSP 5th ed.: capabilities)."),
    "I08": ("output", "An electronic signature service set up at a chosen tier is what a project hands over, so it is an output (MSP 5th ed.: outputs)."),
    "I09": ("outcome", "Approvals given within days without paper describes how work is now done, so it is an outcome (MSP 5th ed.: outcomes)."),
    "I10": ("benefit", "A running cost falling from 180 to 20 thousand euros is a measured saving, so it is a benefit (MSP 5th ed.: a benefit is measurable)."),
    "I11": ("capability", "That requests can be routed automatically is what the workflows make possible, so it is a capability (MSP 5th ed.: capabilities)."),
    "I12": ("outcome", "Records kept and disposed of on schedule is a new state of affairs, so it is an outcome (MSP 5th ed.: outcomes)."),
    "I13": ("output", "A course and guides delivered before go-live are deliverables of the training project, so they are an output (MSP 5th ed.: outputs)."),
    "I14": ("capability", "Being able to run without the legacy systems is a possibility until someone switches them off, so it is a capability (MSP 5th ed.: capabilities)."),
    "I15": ("outcome", "Staff no longer chasing paper or re-typing data is a change in how people work, so it is an outcome (MSP 5th ed.: outcomes)."),
    "I16": ("benefit", "Minutes to find a document, from 18 down to 3, is a measured improvement, so it is a benefit (MSP 5th ed.: a benefit is measurable)."),
}
# Reload the checks so that nothing the notebook redefined is used for marking.
importlib.reload(course.checks).score_labels(globals().get("answers"), LAYER_KEY)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "chain_intro", "locked": true, "schema_version": 3, "solution": false}
# ## Part 2: draw the chain of another program
#
# A city council runs an *online services* program. Below are its seven projects with
# their outputs, its benefits register and its strategic objectives. Nobody has written
# down yet how they connect.
#
# - In `chain`, link each project to the **one** benefit that its output most directly
#   serves. Real benefit maps are many-to-many, as lesson 4 shows: one output can feed
#   several benefits. Here you name the most direct one; where two benefits are equally
#   direct, either is accepted, and the feedback says why. A project whose output serves
#   none of the benefits is an **orphan**: link it to `None`. An orphan is a warning sign: either a benefit is missing from the
#   register, or the project does not belong in the program.
# - In `benefit_objective`, link each benefit to the objective it most directly serves
#   (again, where two objectives are equally defensible, either is accepted).
#
# In the process-digitisation program, for example, the document management system's
# output (a shared repository) serves *faster retrieval*, which serves the objective of
# faster and cheaper processes.

# %% nbgrader={"grade": false, "grade_id": "program", "locked": true, "schema_version": 3, "solution": false}
from course.role_checks import online_services

council = online_services()
show(council["projects"])

# %% nbgrader={"grade": false, "grade_id": "register", "locked": true, "schema_version": 3, "solution": false}
show(council["benefits"])

# %% nbgrader={"grade": false, "grade_id": "goals", "locked": true, "schema_version": 3, "solution": false}
show(council["objectives"])

# %% nbgrader={"grade": false, "grade_id": "chain", "locked": false, "schema_version": 3, "solution": true}
chain = {project_id: "" for project_id in council["projects"].index}
benefit_objective = {benefit_id: "" for benefit_id in council["benefits"].index}
### BEGIN SOLUTION
chain.update({"P1": "B1", "P2": "B2", "P3": "B3", "P4": "B4", "P5": "B5", "P6": "B1",
              "P7": None})
benefit_objective.update({"B1": "O1", "B2": "O1", "B3": "O2", "B4": "O2", "B5": "O3"})
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check_chain_format", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""Every project and every benefit has one link to an id of the tables."""
from course.role_checks import check_links

check_links(chain, council["projects"].index, council["benefits"].index,
            name="chain", allow_none=True)
check_links(benefit_objective, council["benefits"].index, council["objectives"].index,
            name="benefit_objective")
print("Both dicts are complete. Whether each link is right is checked when your work is graded.")

# %% nbgrader={"grade": true, "grade_id": "check_chain", "locked": true, "points": 7, "schema_version": 3, "solution": false}
"""The seven projects: one point for each project linked to the right benefit (or to None)."""
# Every project is checked when your work is graded.
### BEGIN HIDDEN TESTS
import importlib

import course.role_checks

CHAIN_KEY = {
    # id: (benefit or benefits accepted, the reason and its source; printed only to a learner who missed it)
    "P1": ("B1", "Forms that residents send online are what makes applications move online, so P1 serves online take-up (B1)."),
    "P2": (("B2", "B3"), "Routing each complete case to the right officer at once removes waiting, so P2 serves faster decisions (B2); it also spares officers the hunt for documents, so lower cost per case (B3) is accepted too: benefit maps are many-to-many (MSP 5th ed.)."),
    "P3": ("B3", "Letters generated without typing save officers' hours on every case, so P3 serves a lower cost per case (B3)."),
    "P4": ("B4", "Fees paid online replace cash at the counter, so P4 serves less cash handling (B4)."),
    "P5": ("B5", "Pages that screen readers and keyboards can use are what the accessibility audit measures, so P5 serves accessible services (B5)."),
    "P6": ("B1", "A campaign that shows residents how to apply online moves them to the online channel, so P6 serves online take-up (B1)."),
    "P7": (None, "A new look for the staff intranet serves none of the benefits in the register: it is the orphan, linked to None (MSP 5th ed.: every project must lead to a benefit)."),
}
importlib.reload(course.role_checks).score_links(globals().get("chain"), CHAIN_KEY, noun="projects")
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "check_objectives", "locked": true, "points": 5, "schema_version": 3, "solution": false}
"""The five benefits: one point for each benefit linked to the right objective."""
# Every benefit is checked when your work is graded.
### BEGIN HIDDEN TESTS
import importlib

import course.role_checks

OBJECTIVE_KEY = {
    # id: (objective or objectives accepted, the reason and its source; printed only to a learner who missed it)
    "B1": (("O1", "O2"), "More applications made online means residents deal with the council online, which is objective O1; since online cases cost less to handle than counter visits, O2 is accepted too."),
    "B2": ("O1", "Quicker decisions are the quick answers that objective O1 promises residents."),
    "B3": ("O2", "Fewer staff hours per case cut the cost of serving residents, which is objective O2."),
    "B4": ("O2", "Handling less cash is a saving for the council, which is objective O2."),
    "B5": ("O3", "Pages usable by everyone are the legal duty of objective O3."),
}
importlib.reload(course.role_checks).score_links(
    globals().get("benefit_objective"), OBJECTIVE_KEY, noun="benefits"
)
### END HIDDEN TESTS
