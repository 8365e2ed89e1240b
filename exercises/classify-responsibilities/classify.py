# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   triad:
#     collect:
#       answers: data
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false}
# # Project, program or product?
#
# *Prepared by lesson 1, "Three words that are not synonyms"; lessons 2 and 7 sharpen it.*
#
# Each statement below is something a person does at work in the
# process-digitisation program or around the workflow app that comes out of it.
# Decide for each one which discipline it belongs to:
#
# - **`"project"`**: temporary work, with a start and an end, that creates a unique
#   product, service or result (often several deliverables), judged by delivering it on
#   time, within budget, to scope and quality, and by the value it enables;
# - **`"program"`**: coordinating several interdependent projects (and other work) so
#   that together they deliver benefits that managing them one by one would not;
# - **`"product"`**: deciding what is offered to users or a market, and why, over the
#   product's whole life, judged by how well it meets their needs (product-market fit).
#
# Ask yourself three questions: does the work end when something is delivered, does it
# coordinate several projects for benefits, and is it about what users get from an offer
# that has no planned end?
#
# **What to hand in.** Fill in the dict `answers` so that it maps every statement id to
# `"project"`, `"program"` or `"product"`. Capitals, spaces and the British spelling
# (`"programme"`) do not matter.
#
# **How it is marked** (31 points):
# 2 points for a complete answer that uses only the three labels,
# 3 points for the three worked examples checked below,
# and 1 point for each of the 26 statements labelled correctly.
# The visible tests check the format and the three examples; all statements are
# checked when your work is graded, and the feedback explains each label you missed.

# %% nbgrader={"grade": false, "grade_id": "statements", "locked": true, "schema_version": 3, "solution": false}
from course.exercises import responsibilities, show

statements = responsibilities()
show(statements)

# %% [markdown] nbgrader={"grade": false, "grade_id": "howto", "locked": true, "schema_version": 3, "solution": false}
# Replace the line `raise NotImplementedError()` with your labels, for example
# `answers["R01"] = "project"`. The first line gives you a dict with every id and
# an empty label to fill in.

# %% nbgrader={"grade": false, "grade_id": "answers", "locked": false, "schema_version": 3, "solution": true}
answers = {statement_id: "" for statement_id in statements.index}
### BEGIN SOLUTION
answers.update({
    "R01": "project", "R02": "product", "R03": "program", "R04": "program",
    "R05": "project", "R06": "product", "R07": "product", "R08": "program",
    "R09": "project", "R10": "program", "R11": "project", "R12": "product",
    "R13": "product", "R14": "program", "R15": "project", "R16": "product",
    "R17": "program", "R18": "project", "R19": "program", "R20": "product",
    "R21": "project", "R22": "program", "R23": "product", "R24": "project",
    "R25": "program", "R26": "product",
})
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check_format", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""Every statement has exactly one of the three labels."""
from course.checks import check_format

check_format(answers, statements.index)
print("Format looks right: every statement has a label.")

# %% nbgrader={"grade": true, "grade_id": "check_examples", "locked": true, "points": 3, "schema_version": 3, "solution": false}
"""The three worked examples are labelled correctly."""
from course.checks import check_examples

check_examples(answers, {
    "R01": ("project", "keeping one pilot on schedule and in budget is the "
            "project manager's job: temporary work with a fixed end, time and cost among its measures."),
    "R02": ("product", "choosing what goes into the next release, from what users say, "
            "answers the product questions of who, what and why."),
    "R03": ("program", "sequencing the work of two interdependent projects is "
            "coordination across projects, the program manager's job."),
})
print("The three examples are right. The other statements are checked when your work is graded.")

# %% nbgrader={"grade": true, "grade_id": "check_all", "locked": true, "points": 26, "schema_version": 3, "solution": false}
"""All 26 statements: one point for each correct label."""
# Every statement is checked when your work is graded.
### BEGIN HIDDEN TESTS
import importlib

import course.checks

KEY = {
    # id: (label, the reason and its source; printed only to a learner who missed it)
    "R01": ("project", "Keeping one pilot on time and in budget is delivering one temporary piece of work within its baseline, so it is project work (PMI Lexicon: project)."),
    "R02": ("product", "Choosing a release's features from what users say is deciding what to build and why, so it is product work (SVPG: the product manager answers for value)."),
    "R03": ("program", "Ordering the work of two interdependent projects is managing dependencies across projects, so it is program work (PMI Standard for Program Management)."),
    "R04": ("program", "A benefits register tracks the benefits that several projects deliver together, so it is program work (MSP 5th ed.: benefits management)."),
    "R05": ("project", "A risk and issue log for one migration is a tool for delivering that one project, so it is project work (PMBOK Guide 7th ed.: uncertainty domain)."),
    "R06": ("product", "Usage and revenue targets measure how well the app meets its market, so watching them is product work (product-market fit)."),
    "R07": ("product", "A roadmap over several future versions has no planned end and answers what and why, so it is product work (SVPG; Scrum Guide 2020: Product Goal)."),
    "R08": ("program", "Sharing one team among component projects is allocating resources across projects, so it is program work (PMI Standard for Program Management)."),
    "R09": ("project", "Closing and handing over once the result exists marks the fixed end of a temporary endeavour, so it is project work (PMI Lexicon: project)."),
    "R10": ("program", "Making the technology of all the component projects fit together and fit the company's strategy is coordination above any one project, so it is program work; the technical program manager of lesson 2 does it (PMI Standard for Program Management: strategy alignment)."),
    "R11": ("project", "Assigning tasks and following up deliverables is the day-to-day of one team's delivery, so it is project work (PMBOK Guide 7th ed.: project work domain)."),
    "R12": ("product", "Asking users which problem the app's next releases should solve is product discovery for a product with no planned end, so it is product work (SVPG: value risk)."),
    "R13": ("product", "Retiring a version is a decision about the product's life cycle, so it is product work (product life cycle, lesson 7)."),
    "R14": ("program", "Reporting how several projects together move a strategic objective is program governance, so it is program work (MSP 5th ed.; PMI Standard for Program Management)."),
    "R15": ("project", "A scope baseline and change control belong to one project's plan, so it is project work (PMBOK Guide)."),
    "R16": ("product", "Pricing and positioning decide how the offer meets a market, so it is product work (SVPG: business viability)."),
    "R17": ("program", "Tranches that release benefits before the last project ends are a program structure, so it is program work (MSP 5th ed.: tranches)."),
    "R18": ("project", "A detailed task schedule for one project's delivery is project planning, so it is project work (PMBOK Guide 7th ed.: planning domain)."),
    "R19": ("program", "Persuading other departments to lend people to a program that spans several projects is the influencing a program needs, so it is program work (PMI Standard for Program Management: stakeholder engagement)."),
    "R20": ("product", "Ordering the backlog by value to users is the product owner's accountability, so it is product work (Scrum Guide 2020)."),
    "R21": ("project", "Making one team deliver a deliverable to its acceptance criteria is controlling quality in a project, so it is project work (PMBOK Guide 7th ed.: delivery domain)."),
    "R22": ("program", "Stopping a component that no longer serves the benefits is a program decision across projects, so it is program work (MSP 5th ed.: benefits-led programmes)."),
    "R23": ("product", "Checking whether customers keep using a version and choosing what to improve is iterating towards fit, so it is product work (SVPG)."),
    "R24": ("project", "Sign-off on one project's deliverables closes them against their requirements, so it is project work (PMBOK Guide: validate scope)."),
    "R25": ("program", "Risks that cut across several projects are managed above any one of them, so it is program work (PMI Standard for Program Management: program risk management)."),
    "R26": ("product", "Deciding whom the app serves next and what it must do for them answers who, what and why for an offer with no planned end, so it is product work (SVPG: value and viability)."),
}
# Reload the checks so that nothing the notebook redefined is used for marking.
importlib.reload(course.checks).score_labels(globals().get("answers"), KEY)
### END HIDDEN TESTS
