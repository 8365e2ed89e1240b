"""Grades out of the gradebook: one long table, or the gradebook CSV an LMS imports.

Every learner has a status for every assignment:

* ``graded``: autograded, on time (or the assignment has no due date);
* ``late``: autograded, but handed in after the due date;
* ``broken``: handed in, but it could not be graded (``triad grade`` says why);
* ``not submitted``: on the roster (or in the gradebook), nothing handed in.

Formats (``triad export --format``):

``long``
    one row per learner and assignment: learner, assignment, score,
    max_score, status, percent.
``canvas``
    Canvas's gradebook CSV: ``Student`` ("Last, First"), ``ID``, ``SIS User
    ID``, ``SIS Login ID``, ``Section``, then one column per assignment named
    ``<assignment> (points)``.  Canvas matches rows on the SIS Login ID (the
    roster's ``lms_login``); ``ID`` (Canvas's own number) is left empty.  A
    cell is the score, or empty for no grade.
``moodle``
    a CSV for Moodle's "Import grades from CSV file": the identifier columns
    ``Username`` (the roster's ``lms_login``), ``Email address`` and ``ID
    number`` (the course's id), then one column per grade item.  On import,
    map one identifier column to the Moodle user field of the same name and
    each assignment column to its grade item.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
from nbgrader.api import MissingEntry

from . import record
from .classroom import Classroom
from .roster import Learner, load

FORMATS = ("long", "canvas", "moodle")
STATUSES = ("graded", "late", "broken", "not submitted")
CANVAS_FIXED = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_FIXED = ["Username", "Email address", "ID number", "First name", "Last name"]


def outcomes(classroom: Classroom, assignment: str) -> dict[str, dict]:
    """Every learner's last outcome from ``triad grade``, by id (see ``autograder.record``)."""
    return record.read(classroom.root, assignment)


def learners(classroom: Classroom) -> dict[str, Learner]:
    """Everyone to show: the roster, and anyone else the gradebook knows."""
    people = {learner.id: learner for learner in load(classroom)}
    with classroom.gradebook() as gb:
        for student in gb.students:
            if student.id not in people:
                name = " ".join(p for p in (student.first_name, student.last_name) if p)
                people[student.id] = Learner(student.id, name, student.email or "",
                                             student.lms_user_id or "")
    return dict(sorted(people.items()))


def grades_table(classroom: Classroom) -> pd.DataFrame:
    """One row per learner and assignment with its status (see the module's docstring)."""
    people = learners(classroom)
    rows = []
    with classroom.gradebook() as gb:
        for assignment in sorted(gb.assignments, key=lambda a: a.name):
            ran = outcomes(classroom, assignment.name)
            ids = sorted(set(people) | {k for k, o in ran.items() if o.get("status") == "broken"})
            for learner in ids:
                row = [learner, assignment.name, None, float(assignment.max_score)]
                if ran.get(learner, {}).get("status") == "broken":
                    rows.append([*row, "broken"])
                    continue
                try:
                    submission = gb.find_submission(assignment.name, learner)
                except MissingEntry:
                    rows.append([*row, "not submitted"])
                    continue
                late = (submission.total_seconds_late or 0) > 0
                rows.append([learner, assignment.name, float(submission.score),
                             float(submission.max_score), "late" if late else "graded"])
    table = pd.DataFrame(rows, columns=["learner", "assignment", "score", "max_score", "status"])
    table["percent"] = (100 * table["score"] / table["max_score"]).round(1)
    return table.sort_values(["assignment", "learner"], ignore_index=True)


def _number(value) -> str:
    if value is None or pd.isna(value):
        return ""
    return f"{float(value):g}"


def wide_rows(classroom: Classroom, fmt: str) -> tuple[list[str], list[list[str]]]:
    """The header and rows of a one-row-per-learner gradebook in ``fmt`` (canvas or moodle)."""
    table = grades_table(classroom)
    people = learners(classroom)
    assignments = sorted(table["assignment"].unique())
    maxima = table.groupby("assignment")["max_score"].max().to_dict()
    if fmt == "canvas":
        header = CANVAS_FIXED + [f"{a} ({maxima[a]:g})" for a in assignments]
    else:
        header = MOODLE_FIXED + assignments
    scores = {(r.learner, r.assignment): r.score for r in table.itertuples()}
    rows = []
    for learner in sorted(set(people) | set(table["learner"])):
        person = people.get(learner, Learner(learner))
        first, last = person.first_last
        if fmt == "canvas":
            fixed = [person.sortable_name, "", person.id, person.lms_login, person.section]
        else:
            fixed = [person.lms_login, person.email, person.id, first, last]
        rows.append(fixed + [_number(scores.get((learner, a))) for a in assignments])
    return header, rows


def export(classroom: Classroom, output: Path | str, fmt: str = "long") -> int:
    """Write the grades in ``fmt`` to ``output``; the number of rows written."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with classroom.gradebook() as gb:
        names = [assignment.name for assignment in gb.assignments]
    # read no grade a run is writing; write the file whole or not at all
    with classroom.lock(names, "triad export", shared=True):
        partial = output.with_name(f".{output.name}.partial")
        if fmt == "long":
            table = grades_table(classroom)
            table.to_csv(partial, index=False)
            count = len(table)
        else:
            header, rows = wide_rows(classroom, fmt)
            with partial.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(header)
                writer.writerows(rows)
            count = len(rows)
        partial.replace(output)
    return count
