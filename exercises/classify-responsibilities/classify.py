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
# - **`"project"`**: delivering one defined output on time, within budget and to scope;
# - **`"program"`**: coordinating several interdependent projects so that together they
#   deliver benefits for a strategic objective;
# - **`"product"`**: deciding what is offered to users or a market, and why, over the
#   product's whole life, judged by product-market fit.
#
# Ask yourself three questions: how long does this work last, what question does it
# answer (*when*, *how*, or *who, what and why*), and how is its success measured?
#
# **What to hand in.** Fill in the dict `answers` so that it maps every statement id to
# `"project"`, `"program"` or `"product"`. Capitals and spaces do not matter.
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
            "project manager's job: one output, a fixed end, time and cost as the measure."),
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
    "R01": ("project", "Keeping one pilot on time and in budget is delivering a single output, so it is project work."),
    "R02": ("product", "Choosing a release's features from what users say is deciding what to build and why, so it is product work."),
    "R03": ("program", "Ordering the work of two interdependent projects is managing dependencies across projects, so it is program work."),
    "R04": ("program", "A benefits register tracks the benefits that several projects deliver together, so it is program work."),
    "R05": ("project", "A risk and issue log for one migration is a tool for delivering that one output, so it is project work."),
    "R06": ("product", "Usage and revenue targets measure product-market fit, so watching them is product work."),
    "R07": ("product", "A roadmap over several future versions has no planned end and answers what and why, so it is product work."),
    "R08": ("program", "Sharing one team among component projects is allocating resources across projects, so it is program work."),
    "R09": ("project", "Closing and handing over once the output exists marks the fixed end of a project, so it is project work."),
    "R10": ("program", "Aligning all the projects' technology with company strategy is what a technical program manager does, so it is program work."),
    "R11": ("project", "Assigning tasks and following up deliverables is the day-to-day of one team's delivery, so it is project work."),
    "R12": ("product", "Finding out what users need and why is product discovery, so it is product work."),
    "R13": ("product", "Retiring a version is a decision about the product's life cycle, so it is product work."),
    "R14": ("program", "Reporting how several projects together move a strategic objective is program governance, so it is program work."),
    "R15": ("project", "A scope baseline and change control belong to one project's plan, so it is project work."),
    "R16": ("product", "Pricing and positioning decide how the offer meets a market, so it is product work."),
    "R17": ("program", "Tranches that release benefits before the last project ends are a program structure, so it is program work."),
    "R18": ("project", "A detailed task schedule for one project's delivery is project planning, so it is project work."),
    "R19": ("program", "Persuading other departments to lend people for a multi-year effort is the influencing a program needs, so it is program work."),
    "R20": ("product", "Ordering the backlog by value to users is the product owner's accountability, so it is product work."),
    "R21": ("project", "Making one team deliver one output to its acceptance criteria is controlling quality in a project, so it is project work."),
    "R22": ("program", "Stopping a component that no longer serves the benefits is a program decision across projects, so it is program work."),
    "R23": ("product", "Checking whether customers keep using a version and choosing what to improve is iterating towards fit, so it is product work."),
    "R24": ("project", "Sign-off on a single deliverable closes one output against its requirements, so it is project work."),
    "R25": ("program", "Risks that cut across several projects are managed above any one of them, so it is program work."),
    "R26": ("product", "Reusing earlier versions to serve a new kind of customer is thinking in a product's iterations, so it is product work."),
}
# Reload the checks so that nothing the notebook redefined is used for marking.
importlib.reload(course.checks).score_labels(globals().get("answers"), KEY)
### END HIDDEN TESTS
