"""The course roster: who is enrolled, with the names and logins an LMS knows them by.

``triad roster import FILE.csv`` reads a CSV with a header row and the columns
``id`` (required), ``name``, ``email``, ``lms_login`` and ``section`` (all
optional, in any order).  Each learner goes into nbgrader's gradebook as a
``Student``: ``name`` is split into ``first_name`` and ``last_name``
("Ada Lovelace" or "Lovelace, Ada") and ``lms_login`` is kept as
``lms_user_id``.  The gradebook has no field for a section, so the whole
roster, sections included, is also kept in ``COURSE_DIR/roster.json``; that
file's presence is what "the course has a roster" means to ``triad grade``.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from .classroom import Classroom

COLUMNS = ("id", "name", "email", "lms_login", "section")
ROSTER_FILE = "roster.json"


@dataclass(frozen=True)
class Learner:
    """One enrolled learner."""

    id: str
    name: str = ""
    email: str = ""
    lms_login: str = ""
    section: str = ""

    @property
    def first_last(self) -> tuple[str, str]:
        """``("Ada", "Lovelace")`` from "Ada Lovelace" or "Lovelace, Ada"."""
        name = " ".join(self.name.split())
        if "," in name:
            last, first = (part.strip() for part in name.split(",", 1))
            return first, last
        first, _, last = name.rpartition(" ")
        return (first, last) if first else (name, "")

    @property
    def sortable_name(self) -> str:
        """"Lovelace, Ada" (Canvas's form), or the id when no name is known."""
        first, last = self.first_last
        if first and last:
            return f"{last}, {first}"
        return first or last or self.id


class RosterError(ValueError):
    """A roster file that cannot be imported, with the line that says why."""


def read_csv(path: Path | str) -> list[Learner]:
    """The learners of a roster CSV, in file order; raises ``RosterError`` naming the line."""
    path = Path(path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames:
            raise RosterError(f"{path} is empty: it needs a header row with an id column")
        header = {name: (name or "").strip().lower() for name in reader.fieldnames}
        unknown = sorted(set(header.values()) - set(COLUMNS) - {""})
        if "id" not in header.values():
            raise RosterError(f"{path}: the header row has no id column "
                              f"(columns: {', '.join(COLUMNS)})")
        if unknown:
            raise RosterError(f"{path}: unknown column(s) {', '.join(unknown)} "
                              f"(columns: {', '.join(COLUMNS)})")
        learners, seen = [], {}
        for row in reader:
            values = {header[k]: (v or "").strip() for k, v in row.items()
                      if k is not None and header.get(k)}
            line = reader.line_num
            if not any(values.values()):
                continue  # a blank line
            if not values.get("id"):
                raise RosterError(f"{path}, line {line}: no id")
            if any(c in values["id"] for c in "/\\") or values["id"].startswith("."):
                raise RosterError(f"{path}, line {line}: {values['id']!r} cannot be a "
                                  "learner id (it names a folder under submitted/)")
            if values["id"] in seen:
                raise RosterError(f"{path}, line {line}: {values['id']!r} is already on "
                                  f"line {seen[values['id']]}")
            seen[values["id"]] = line
            learners.append(Learner(**{c: values.get(c, "") for c in COLUMNS}))
    return learners


def roster_path(classroom: Classroom) -> Path:
    return classroom.root / ROSTER_FILE


def has_roster(classroom: Classroom) -> bool:
    return roster_path(classroom).is_file()


def load(classroom: Classroom) -> list[Learner]:
    """The imported roster, sorted by id (empty when none was imported)."""
    path = roster_path(classroom)
    if not path.is_file():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    return sorted((Learner(**{c: str(d.get(c, "")) for c in COLUMNS}) for d in data),
                  key=lambda learner: learner.id)


def by_id(classroom: Classroom) -> dict[str, Learner]:
    return {learner.id: learner for learner in load(classroom)}


def import_roster(classroom: Classroom, path: Path | str) -> tuple[list[Learner], list[Learner]]:
    """Store the learners of ``path`` in the gradebook and in ``roster.json``.

    A learner already on the roster is updated (a name or section that
    changed); learners are never removed, so grades are never lost.  Returns
    ``(added, updated)``.
    """
    incoming = read_csv(path)
    known = by_id(classroom)
    added = [learner for learner in incoming if learner.id not in known]
    updated = [learner for learner in incoming
               if learner.id in known and known[learner.id] != learner]
    with classroom.gradebook() as gb:
        for learner in incoming:
            first, last = learner.first_last
            gb.update_or_create_student(
                learner.id,
                first_name=first or None,
                last_name=last or None,
                email=learner.email or None,
                lms_user_id=learner.lms_login or None,
            )
    merged = {**known, **{learner.id: learner for learner in incoming}}
    roster_path(classroom).write_text(
        json.dumps([asdict(merged[k]) for k in sorted(merged)], indent=1), encoding="utf-8")
    return added, updated


def split_submitters(classroom: Classroom, learners: list[str],
                     allow_new: bool = False) -> tuple[list[str], list[str]]:
    """``(to grade, not on the roster)`` among the folders ``learners`` under ``submitted/``.

    Without a roster, or with ``allow_new``, every folder is graded.
    """
    if allow_new or not has_roster(classroom):
        return list(learners), []
    enrolled = by_id(classroom)
    return ([x for x in learners if x in enrolled], [x for x in learners if x not in enrolled])


def format_roster(learners: list[Learner]) -> str:
    """The roster as an aligned text table."""
    rows = [("id", "name", "email", "LMS login", "section")]
    rows += [(x.id, x.name, x.email, x.lms_login, x.section) for x in learners]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
                     for row in rows)
