"""Who does what in the process-digitisation program, as a pandas table.

Lesson 2 ("Who does what: the roles") shows this table when it walks through
the scenario.  The roles follow the course's sources: the sponsor (MSP's
Senior Responsible Owner), the program manager (or technical program
manager), project managers, MSP's business change manager, the benefit owners
of ``course.scenarios.benefits()``, the workflow app's product manager, and
the Scrum accountabilities of the team that builds the app (Scrum Guide 2020).

The people named are the scenario's, consistent with
``course.scenarios.objectives()`` (the sponsor owns the efficiency objective)
and ``course.scenarios.benefits()`` (each benefit has an owner in the
business).  A new table is built on every call.
"""

from __future__ import annotations

import pandas as pd

#: Columns of ``digitisation_roles()``, in order.
ROLE_COLUMNS = ["role", "held_by", "accountable_for", "example_decision"]

_ROLES = [
    ("Sponsor (Senior Responsible Owner)",
     "Chief Operating Officer",
     "the business case and the vision; answers to the executive board for the "
     "program's benefits",
     "whether the program goes on after each stage, or stops"),
    ("Program manager (or technical program manager)",
     "Head of the transformation office",
     "the program roadmap, the dependencies between projects A to G, risks that "
     "cross projects, people and money shared between projects",
     "which of projects C and E gets the shared integration team first"),
    ("Project manager",
     "one per component project (a person may run two small ones)",
     "the scope, schedule, budget and quality of one project's output",
     "how the work inside the project is planned and who does each task"),
    ("Business change manager (change manager)",
     "a senior manager from operations",
     "preparing each department for the new way of working, adoption after "
     "go-live, and tracking the benefits with their owners",
     "when a department is ready to stop using paper"),
    ("Benefit owner",
     "Records Manager, Head of Operations, Finance Director, Chief Financial Officer",
     "realising one or more benefits of the register and reporting their measures",
     "whether a benefit's target has been reached"),
    ("Product manager (workflow app)",
     "the head of digital services",
     "the app's vision and its roadmap beyond the next few sprints: whom it serves, "
     "what it should do, and whether that is worth paying for",
     "which problem the app should tackle next year, and for whom"),
    ("Product owner (workflow app)",
     "a process expert from operations",
     "the value of the workflow app; orders its product backlog",
     "which workflow the Scrum team automates next"),
    ("Scrum Master (workflow team)",
     "a member of the workflow Scrum team",
     "the Scrum team's effectiveness and its use of Scrum; getting impediments removed",
     "none about the product; helps the team decide how to improve the way it works"),
]


def digitisation_roles() -> pd.DataFrame:
    """The roles in the digitisation program, one row per role.

    Columns:

    ``role``
        the role's name (the MSP or Scrum name in brackets where it differs).
    ``held_by``
        who holds it in the scenario.
    ``accountable_for``
        what the role answers for.
    ``example_decision``
        one typical decision the role takes in the scenario.

    >>> roles = digitisation_roles()
    >>> roles.loc[roles["role"].str.startswith("Sponsor"), "held_by"].item()
    'Chief Operating Officer'
    """
    return pd.DataFrame(_ROLES, columns=ROLE_COLUMNS)
