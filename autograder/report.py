"""The numbers of the instructor's report on one assignment: how the cohort did, item by item.

``build_report`` gathers them from four places:

* the gradebook: every learner, their scores and the score of each test cell;
* the autograded notebooks: the records the judge leaves in each test cell's
  metadata (item, answer given, verdict, points, explanation, hint), which
  give each item's share of right answers among those who attempted it, its
  discrimination, the misconceptions, the confusion tables; the problem
  sentences function checks print, grouped into coding mistakes.  A cell
  without records (graded by nbgrader's own executor) is read from the lines
  it printed, ``R05: not program. <why>`` or ``R05: no label given. <why>``;
* the course data (``autograder.items``): the statement behind each item id;
* ``autograded/<assignment>-outcomes.json`` written by ``triad grade``: the
  submissions that could not be graded and why, and the limits a notebook hit;
  the roster: every learner's name, section and status.

``autograder.report_page`` turns a report into ``index.html`` with its charts.
"""

from __future__ import annotations

import ast
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import MissingEntry

from . import record
from .analysis import KEY_PROBLEM, first_clause, point_biserial, problem_lines
from .classroom import Classroom
from .export import learners as export_learners
from .items import item_texts

#: One wrong item in a hidden test's output: ``R05: not program. <why>``.
WRONG_LINE = re.compile(r"^(?P<item>[A-Z]+\d+): (?P<what>[^.]+?)\. (?P<why>\S.*)$")
#: The closing line of a label check: ``23 of 26 statements labelled correctly.``
TALLY_LINE = re.compile(r"^\d+ of \d+ ")
NO_LABEL = ""


@dataclass
class CellStats:
    """One graded test cell: its share of full marks and its average score."""

    notebook: str
    name: str
    description: str
    points: float
    learners: int = 0
    full_marks: int = 0
    total: float = 0.0

    @property
    def full_share(self) -> float | None:
        return self.full_marks / self.learners if self.learners else None

    @property
    def average_share(self) -> float | None:
        return self.total / (self.points * self.learners) if self.learners and self.points else None


@dataclass
class ItemStats:
    """One item (a statement, a decision, a link): how the graded learners answered it.

    Shares count only learners who attempted the item: a blank is counted apart.
    """

    item: str
    label: str  # the expected answer, "" when the answer key could not be read
    why: str
    text: str = ""  # the statement the learner read
    learners: int = 0
    correct: int = 0
    blank: int = 0
    discrimination: float | None = None

    @property
    def attempted(self) -> int:
        return self.learners - self.blank

    @property
    def share(self) -> float | None:
        return self.correct / self.attempted if self.attempted else None

    @property
    def key_problem(self) -> bool:
        """Strong learners get it "wrong" more often than weak ones: check the key."""
        return self.discrimination is not None and self.discrimination <= KEY_PROBLEM


@dataclass
class WrongAnswer:
    """A wrong answer given to one item, with how many of those who attempted it gave it."""

    item: str
    given: str
    label: str
    why: str
    learners: int
    out_of: int

    @property
    def share(self) -> float:
        return self.learners / self.out_of if self.out_of else 0.0


@dataclass
class Misconception:
    """One confusion (``given`` where the key says ``label``) across the items it shows in."""

    label: str
    given: str
    what: str  # the hint the checks give for this answer: what the confusion is
    items: list[str]
    answers: int  # wrong answers of this kind, over all items and learners
    learners: int  # learners who showed it at least once


@dataclass
class Confusion:
    """Right against given answer for the items of one classification test."""

    cell: str
    labels: list[str]  # rows: the right answers
    given: list[str]  # columns: the answers given ("" for blank)
    counts: dict[tuple[str, str], int]


@dataclass
class CodingMistake:
    """One kind of problem a function check found, and how many learners it hit."""

    cell: str
    clause: str
    learners: int
    example: str


@dataclass
class LearnerRow:
    """One learner on the report: status, score and where their feedback is."""

    id: str
    name: str
    section: str
    status: str  # graded, late, broken, not submitted, not on the roster
    score: float | None
    message: str
    feedback: list[str]  # paths of their feedback pages, relative to the course root


@dataclass
class Report:
    assignment: str
    max_score: float
    scores: dict[str, float]
    broken: dict[str, str]
    missing: list[str]
    cells: list[CellStats]
    items: list[ItemStats]
    wrong_answers: list[WrongAnswer] = field(default_factory=list)
    misconceptions: list[Misconception] = field(default_factory=list)
    confusions: list[Confusion] = field(default_factory=list)
    coding_mistakes: list[CodingMistake] = field(default_factory=list)
    roster: list[LearnerRow] = field(default_factory=list)
    unlisted: dict[str, str] = field(default_factory=dict)

    @property
    def learners(self) -> int:
        return len(self.scores) + len(self.broken) + len(self.missing)

    def summary(self) -> str:
        late = sum(r.status == "late" for r in self.roster)
        parts = [
            f"{self.learners} learners: {len(self.scores)} graded"
            + (f" ({late} late)" if late else "")
            + f", {len(self.broken)} not gradeable, {len(self.missing)} did not submit."
        ]
        if self.scores:
            values = list(self.scores.values())
            mean = statistics.fmean(values)
            parts.append(
                f"Mean score {mean:.1f} / {self.max_score:g} ({percent(mean / self.max_score)}), "
                f"median {statistics.median(values):g}, "
                f"range {min(values):g} to {max(values):g}."
            )
        if self.unlisted:
            parts.append(f"{len(self.unlisted)} not on the roster (not graded).")
        return " ".join(parts)


def percent(share: float | None) -> str:
    """``0.5`` -> ``"50 %"``; ``None`` (nobody to count) -> an en dash."""
    return "–" if share is None else f"{100 * share:.0f} %"


# --- reading the answer key and the learners' outputs -------------------------------------


def parse_wrong(line: str) -> tuple[str, str, str] | None:
    """``(item, answer given, why)`` from one line of a hidden test's output, else ``None``.

    The answer is ``""`` for ``no label given``; for a line that is neither
    ``not <answer>`` nor ``no ... given`` it is the phrase itself
    (``nobody is Accountable``).
    """
    match = WRONG_LINE.match(line.strip())
    if not match:
        return None
    what = " ".join(match["what"].split())
    if re.fullmatch(r"no \w+ given", what):
        given = NO_LABEL
    elif negated := re.fullmatch(r"not (?:the )?(.+)", what):
        given = negated[1]
    else:
        given = what
    return match["item"], given, match["why"]


def answer_key(source: str) -> dict[str, tuple[str, str]]:
    """The ``{item: (label, why)}`` dict literal that a hidden test cell passes to its checker."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                continue
            if value and all(
                isinstance(k, str)
                and isinstance(v, tuple)
                and len(v) == 2
                and isinstance(v[1], str)
                and (v[0] is None or isinstance(v[0], str))
                for k, v in value.items()
            ):
                return value
    return {}


def _docstring(source: str) -> str:
    try:
        doc = ast.get_docstring(ast.parse(source))
    except SyntaxError:
        return ""
    return doc.strip().splitlines()[0] if doc else ""


def _grade_cells(nb) -> list:
    return [cell for cell in nb.cells if cell.metadata.get("nbgrader", {}).get("grade")]


def _output_text(cell) -> tuple[str, bool]:
    """A cell's printed text and whether it raised an error."""
    text, error = [], False
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream" and output.get("name") == "stdout":
            text.append(output.get("text", ""))
        elif output.get("output_type") == "error":
            error = True
    return "".join(text), error


def _read(path: Path):
    try:
        return nbformat.read(path, as_version=4)
    except Exception:  # a notebook that cannot be read gives no item statistics
        return None


# --- the report ---------------------------------------------------------------------------


def read_outcomes(classroom: Classroom, assignment: str) -> list[dict]:
    return list(record.read(classroom.root, assignment).values())


def build_report(classroom: Classroom, assignment: str) -> Report:
    """Gather the cohort's numbers for ``assignment`` (see the module's docstring)."""
    outcomes = read_outcomes(classroom, assignment)
    broken = {o["learner"]: o.get("message", "") for o in outcomes if o.get("status") == "broken"}
    messages = {o["learner"]: o.get("message", "") for o in outcomes}
    unlisted = {o["learner"]: o.get("message", "") for o in outcomes
                if o.get("status") == "unlisted"}
    cells: dict[tuple[str, str], CellStats] = {}
    scores: dict[str, float] = {}
    late: set[str] = set()
    missing: list[str] = []
    people = export_learners(classroom)
    with classroom.gradebook() as gb:
        try:
            found = gb.find_assignment(assignment)
        except MissingEntry:
            raise LookupError(
                f"assignment {assignment!r} is not in the gradebook: "
                f"run `triad release {assignment}`"
            ) from None
        max_score = float(found.max_score)
        notebooks = [nb.name for nb in found.notebooks]
        for nb in found.notebooks:
            for cell in nb.grade_cells:
                cells[nb.name, cell.name] = CellStats(nb.name, cell.name, "", float(cell.max_score))
        for student in sorted(gb.students, key=lambda s: s.id):
            if student.id in broken:
                continue
            try:
                submission = gb.find_submission(assignment, student.id)
            except MissingEntry:
                missing.append(student.id)
                continue
            scores[student.id] = float(submission.score)
            if (submission.total_seconds_late or 0) > 0:
                late.add(student.id)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    stats = cells.get((notebook.name, grade.name))
                    if stats is None:
                        continue
                    stats.learners += 1
                    stats.total += float(grade.score)
                    stats.full_marks += float(grade.score) >= float(grade.max_score)

    keys: dict[tuple[str, str], dict[str, tuple[str, str]]] = {}
    for name in notebooks:
        source = _read(classroom.folder("source", assignment) / f"{name}.ipynb")
        for cell in _grade_cells(source) if source else []:
            grade_id = cell.metadata["nbgrader"].get("grade_id")
            if (name, grade_id) in cells:
                cells[name, grade_id].description = (
                    _docstring(cell.source) if cell.cell_type == "code"
                    else "a written answer, marked by the instructor")
            key = answer_key(cell.source)
            if key:
                keys[name, grade_id] = key
    texts = item_texts(assignment)
    marks = _marks(classroom, assignment, notebooks, keys, list(scores))
    items = _items(marks, texts, scores)
    report = Report(
        assignment=assignment,
        max_score=max_score,
        scores=scores,
        broken=dict(sorted(broken.items())),
        missing=missing,
        cells=list(cells.values()),
        items=items,
        wrong_answers=_wrong_answers(marks, {s.item: s for s in items}),
        misconceptions=_misconceptions(marks),
        confusions=_confusions(marks),
        coding_mistakes=_coding_mistakes(marks, cells),
        unlisted=dict(sorted(unlisted.items())),
    )
    for learner in sorted(set(people) | set(scores) | set(broken)):
        person = people.get(learner)
        if learner in broken:
            status = "broken"
        elif learner in scores:
            status = "late" if learner in late else "graded"
        else:
            status = "not submitted"
        pages = sorted(classroom.folder("feedback", assignment, learner).glob("*.html"))
        report.roster.append(LearnerRow(
            learner, person.name if person else "", person.section if person else "", status,
            scores.get(learner), messages.get(learner, ""),
            [str(p.relative_to(classroom.root)) for p in pages]))
    return report


@dataclass
class _Mark:
    """One item one learner was marked on, as the check recorded it."""

    learner: str
    cell: str
    item: str
    verdict: str  # right, wrong, blank, or "unmarked" (the check did not run to its end)
    given: str
    answer: str
    points: float
    explanation: str = ""
    hint: str = ""


@dataclass
class _Marks:
    items: list[_Mark]
    problems: dict[str, dict[str, list[str]]]  # cell -> learner -> problem sentences


def _text(value) -> str:
    return "" if value is None else str(value)


def _marks(classroom, assignment, notebooks, keys, learners) -> _Marks:
    """Every item of every graded learner, from the judge's records (printed text otherwise).

    The judge leaves the records of every item it marked in its test cell's
    metadata; for a cell without them (graded by nbgrader's own executor) the
    sentences it printed are read instead.  A test cell with neither records
    nor items (a function check) gives its printed problem sentences.
    """
    marks: list[_Mark] = []
    problems: dict[str, dict[str, list[str]]] = {}
    for learner in learners:
        for name in notebooks:
            nb = _read(classroom.folder("autograded", assignment, learner) / f"{name}.ipynb")
            for cell in _grade_cells(nb) if nb else []:
                grade_id = cell.metadata["nbgrader"].get("grade_id")
                records = cell.metadata.get("triad", {}).get("records")
                if records:
                    for r in records:
                        marks.append(_Mark(learner, grade_id, str(r["item"]), str(r["verdict"]),
                                           _text(r.get("given")), _text(r.get("answer")),
                                           float(r.get("points") or 0),
                                           str(r.get("explanation") or ""),
                                           str(r.get("hint") or "")))
                    continue
                text, error = _output_text(cell)
                lines = text.splitlines()
                key = keys.get((name, grade_id), {})
                wrong = [w for w in map(parse_wrong, lines) if w and (not key or w[0] in key)]
                if not key and not wrong:
                    if cell.metadata["nbgrader"].get("solution") is False and lines:
                        found = problem_lines(text)
                        if found:
                            problems.setdefault(grade_id, {})[learner] = found
                    continue
                ran = not error and (wrong or any(TALLY_LINE.match(line) for line in lines))
                said = {item: (given, why) for item, given, why in wrong}
                for item in dict.fromkeys([*key, *said]):
                    label = _text(key.get(item, ("", ""))[0])
                    why = key.get(item, ("", ""))[1] or said.get(item, ("", ""))[1]
                    if item in said:
                        given = said[item][0]
                        verdict = "blank" if given == NO_LABEL else "wrong"
                    else:
                        given, verdict = (label, "right") if ran else ("", "unmarked")
                    marks.append(_Mark(learner, grade_id, item, verdict, given, label,
                                       1.0 if verdict == "right" else 0.0, why))
    return _Marks(marks, problems)


def _items(marks: _Marks, texts: dict[str, str], scores: dict[str, float]) -> list[ItemStats]:
    items: dict[str, ItemStats] = {}
    for m in marks.items:
        stats = items.setdefault(m.item, ItemStats(m.item, m.answer, m.explanation,
                                                   texts.get(m.item, "")))
        stats.learners += 1
        stats.correct += m.verdict == "right"
        stats.blank += m.verdict == "blank"
    for item, stats in items.items():
        mine = [m for m in marks.items if m.item == item and m.learner in scores]
        stats.discrimination = point_biserial(
            [int(m.verdict == "right") for m in mine],
            [scores[m.learner] - m.points for m in mine])
    return sorted(items.values(), key=lambda s: s.item)


def _wrong_answers(marks: _Marks, items: dict[str, ItemStats]) -> list[WrongAnswer]:
    counts = Counter((m.item, m.given) for m in marks.items if m.verdict == "wrong")
    wrong = [WrongAnswer(item, given, items[item].label, items[item].why, n,
                         items[item].attempted) for (item, given), n in counts.items()]
    return sorted(wrong, key=lambda w: (-w.learners, w.item, w.given))


def _misconceptions(marks: _Marks) -> list[Misconception]:
    groups: dict[tuple[str, str], list[_Mark]] = {}
    for m in marks.items:
        if m.verdict == "wrong" and m.answer:
            groups.setdefault((m.answer, m.given), []).append(m)
    found = []
    for (label, given), group in groups.items():
        hints = Counter(m.hint for m in group if m.hint)
        what = hints.most_common(1)[0][0] if hints else ""
        found.append(Misconception(label, given, what, sorted({m.item for m in group}),
                                   len(group), len({m.learner for m in group})))
    return sorted(found, key=lambda c: (-c.answers, c.label, c.given))


#: A test whose items have more distinct right answers than this is not a classification.
MAX_LABELS = 8


def _confusions(marks: _Marks) -> list[Confusion]:
    by_cell: dict[str, list[_Mark]] = {}
    for m in marks.items:
        if m.verdict in ("right", "wrong", "blank") and m.answer:
            by_cell.setdefault(m.cell, []).append(m)
    tables = []
    for cell, group in by_cell.items():
        labels = sorted({m.answer for m in group})
        if len(labels) < 2 or len(labels) > MAX_LABELS:
            continue
        counts = Counter((m.answer, m.given if m.verdict != "blank" else "") for m in group)
        given = sorted({g for _, g in counts} - {""}, key=lambda g: (g not in labels, g))
        if any(g == "" for _, g in counts):
            given.append("")
        tables.append(Confusion(cell, labels, given, dict(counts)))
    return tables


def _coding_mistakes(marks: _Marks, cells) -> list[CodingMistake]:
    found = []
    for cell, by_learner in marks.problems.items():
        groups: dict[str, list[str]] = {}
        examples: dict[str, str] = {}
        for learner, lines in by_learner.items():
            for line in lines:
                clause = first_clause(line)
                if not clause:
                    continue
                groups.setdefault(clause, [])
                if learner not in groups[clause]:
                    groups[clause].append(learner)
                examples.setdefault(clause, line)
        found += [CodingMistake(cell, clause, len(who), examples[clause])
                  for clause, who in groups.items()]
    order = {name: i for i, (_, name) in enumerate(cells)}
    return sorted(found, key=lambda c: (order.get(c.cell, 0), -c.learners, c.clause))
