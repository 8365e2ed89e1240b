"""The instructor's report on one assignment: how the cohort did, item by item.

``build_report`` gathers the numbers from three places:

* the gradebook: every learner, their scores and the score of each test cell;
* the autograded notebooks: the hidden tests of label exercises print one line
  per wrong item, ``R05: not program. <why>`` or ``R05: no label given. <why>``
  (``not the <role>``, ``no link given`` and other short phrases are read too),
  which gives each statement's share of correct answers and the most common
  wrong answers with the misconception each one shows;
* ``autograded/<assignment>-outcomes.json`` written by ``triad grade``: the
  submissions that could not be graded and why.

``write_report`` turns it into ``index.html`` with two PNG charts beside it.
"""

from __future__ import annotations

import ast
import html
import json
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from nbgrader.api import MissingEntry

from .classroom import Classroom

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
    """One statement of a label exercise: how many graded learners labelled it correctly."""

    item: str
    label: str  # the expected label, "" when the answer key could not be read
    why: str
    learners: int = 0
    correct: int = 0
    blank: int = 0

    @property
    def share(self) -> float | None:
        return self.correct / self.learners if self.learners else None


@dataclass
class WrongAnswer:
    """A wrong label given to one statement, with how many learners gave it."""

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
class Report:
    assignment: str
    max_score: float
    scores: dict[str, float]
    broken: dict[str, str]
    missing: list[str]
    cells: list[CellStats]
    items: list[ItemStats]
    wrong_answers: list[WrongAnswer] = field(default_factory=list)

    @property
    def learners(self) -> int:
        return len(self.scores) + len(self.broken) + len(self.missing)

    def summary(self) -> str:
        parts = [
            f"{self.learners} learners: {len(self.scores)} graded, "
            f"{len(self.broken)} not gradeable, {len(self.missing)} did not submit."
        ]
        if self.scores:
            values = list(self.scores.values())
            mean = statistics.fmean(values)
            parts.append(
                f"Mean score {mean:.1f} / {self.max_score:g} ({percent(mean / self.max_score)}), "
                f"median {statistics.median(values):g}, "
                f"range {min(values):g} to {max(values):g}."
            )
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
    record = classroom.root / "autograded" / f"{assignment}-outcomes.json"
    if not record.exists():
        return []
    return json.loads(record.read_text(encoding="utf-8"))


def build_report(classroom: Classroom, assignment: str) -> Report:
    """Gather the cohort's numbers for ``assignment`` (see the module's docstring)."""
    broken = {
        o["learner"]: o.get("message", "")
        for o in read_outcomes(classroom, assignment)
        if o.get("status") != "graded"
    }
    cells: dict[tuple[str, str], CellStats] = {}
    scores: dict[str, float] = {}
    missing: list[str] = []
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
                cells[name, grade_id].description = _docstring(cell.source)
            key = answer_key(cell.source)
            if key:
                keys[name, grade_id] = key
    items, wrong_answers = _item_statistics(classroom, assignment, notebooks, keys, list(scores))
    return Report(
        assignment=assignment,
        max_score=max_score,
        scores=scores,
        broken=dict(sorted(broken.items())),
        missing=missing,
        cells=list(cells.values()),
        items=items,
        wrong_answers=wrong_answers,
    )


def _item_statistics(classroom, assignment, notebooks, keys, learners):
    """Per-statement shares and the most common wrong answers, from the autograded notebooks.

    The judge leaves the records of every item it marked in its test cell's
    metadata; for a cell without them (graded by nbgrader's own executor) the
    sentences it printed are read instead.
    """
    items: dict[str, ItemStats] = {}
    for key in keys.values():
        for item, (label, why) in key.items():
            items.setdefault(item, ItemStats(item, str(label), why))
    given_counts: Counter = Counter()
    for learner in learners:
        wrong_here: dict[str, str] = {}
        checked_here: set[str] = set()
        for name in notebooks:
            nb = _read(classroom.folder("autograded", assignment, learner) / f"{name}.ipynb")
            for cell in _grade_cells(nb) if nb else []:
                grade_id = cell.metadata["nbgrader"].get("grade_id")
                records = cell.metadata.get("triad", {}).get("records")
                if records:  # the judge's records of each item: nothing to read from the text
                    for record in records:
                        item = str(record["item"])
                        items.setdefault(item, ItemStats(item, str(record.get("answer") or ""),
                                                         str(record.get("explanation", ""))))
                        checked_here.add(item)
                        if record["verdict"] == "blank":
                            wrong_here[item] = NO_LABEL
                        elif record["verdict"] != "right":
                            wrong_here[item] = str(record["given"])
                    continue
                text, error = _output_text(cell)
                lines = text.splitlines()
                key = keys.get((name, grade_id), {})
                wrong = [w for w in map(parse_wrong, lines) if w and (not key or w[0] in key)]
                if not key and not wrong:
                    continue
                for item, given, why in wrong:
                    items.setdefault(item, ItemStats(item, "", why))
                    wrong_here[item] = given
                ran = not error and (wrong or any(TALLY_LINE.match(line) for line in lines))
                # when the check did not run to its end, every item of it counts as not correct
                checked_here |= set(key) | {w[0] for w in wrong}
                if not ran:
                    wrong_here.update({item: wrong_here.get(item, None) for item in key})
        for item in checked_here:
            items[item].learners += 1
            if item not in wrong_here:
                items[item].correct += 1
            elif wrong_here[item] == NO_LABEL:
                items[item].blank += 1
            elif wrong_here[item] is not None:
                given_counts[item, wrong_here[item]] += 1
    wrong_answers = [
        WrongAnswer(item, given, items[item].label, items[item].why, count, items[item].learners)
        for (item, given), count in given_counts.items()
    ]
    wrong_answers.sort(key=lambda w: (-w.learners, w.item, w.given))
    return sorted(items.values(), key=lambda s: s.item), wrong_answers


# --- charts and page ----------------------------------------------------------------------


def _save(fig: Figure, path: Path) -> Path:
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return path


def score_histogram(report: Report, path: Path) -> Path:
    fig = Figure(figsize=(6.4, 3.2))
    ax = fig.add_subplot()
    top = report.max_score or 1
    edges = [top * i / 10 for i in range(11)]
    values = list(report.scores.values())
    ax.hist(values, bins=edges, color="#2e86c1", edgecolor="white")
    if values:
        mean = statistics.fmean(values)
        ax.axvline(mean, color="#c0392b", linestyle="--", label=f"mean {mean:.1f}")
        ax.legend(frameon=False)
    ax.set_xlim(0, top)
    ax.set_xlabel(f"score (out of {top:g})")
    ax.set_ylabel("learners")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title(f"{report.assignment}: score distribution")
    ax.spines[["top", "right"]].set_visible(False)
    return _save(fig, path)


def item_chart(report: Report, path: Path) -> Path:
    """Share of correct answers per statement, or per test cell when there are no statements."""
    if report.items:
        labels = [s.item for s in report.items]
        shares = [s.share or 0 for s in report.items]
        title = "share of learners labelling each statement correctly"
    else:
        labels = [c.name for c in report.cells]
        shares = [c.full_share or 0 for c in report.cells]
        title = "share of learners with full marks in each test"
    fig = Figure(figsize=(6.4, max(2.0, 0.24 * len(labels) + 1)))
    ax = fig.add_subplot()
    positions = range(len(labels))
    colours = ["#c0392b" if s < 0.5 else "#f39c12" if s < 0.8 else "#27ae60" for s in shares]
    ax.barh(list(positions), [100 * s for s in shares], color=colours)
    ax.set_yticks(list(positions), labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("% correct (red below 50 %, amber below 80 %)")
    ax.set_title(title)
    ax.spines[["top", "right"]].set_visible(False)
    return _save(fig, path)


STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { margin-bottom: .2rem; } .summary { font-size: 1.1rem; color: #444; }
table { border-collapse: collapse; margin: .5rem 0 1.5rem; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: .35rem .6rem; text-align: left;
         vertical-align: top; }
th { background: #f4f6f8; white-space: nowrap; } td.num { text-align: right; white-space: nowrap; }
tr.low { background: #fdecea; }
img { max-width: 100%; } .none { color: #777; font-style: italic; }
"""


def _table(headers: list[str], rows: list[tuple[str, list[str]]], numeric: set[int]) -> str:
    """An HTML table; ``rows`` are ``(tr attributes, cells)`` with cells already escaped."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = []
    for attributes, cells in rows:
        tds = "".join(
            f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
            for i, c in enumerate(cells)
        )
        body.append(f"<tr{attributes}>{tds}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _row_id(kind: str, name: str) -> str:
    return f' id="{kind}-{html.escape(re.sub(r"[^A-Za-z0-9_-]", "-", name))}"'


def render_html(report: Report, charts: dict[str, str], top_wrong: int = 10) -> str:
    e = html.escape
    parts = [
        f"<h1>Cohort report: {e(report.assignment)}</h1>",
        f'<p class="summary">{e(report.summary())}</p>',
        "<h2>Score distribution</h2>",
        f'<img src="{charts["scores"]}" alt="histogram of the learners\' scores">',
        "<h2>Tests</h2>",
        _table(
            ["test", "what it checks", "points", "full marks", "average score", "learners"],
            [
                (
                    _row_id("cell", c.name) + (' class="low"' if (c.full_share or 0) < 0.5 else ""),
                    [
                        e(c.name),
                        e(c.description),
                        f"{c.points:g}",
                        percent(c.full_share),
                        percent(c.average_share),
                        str(c.learners),
                    ],
                )
                for c in report.cells
            ],
            numeric={2, 3, 4, 5},
        ),
    ]
    if report.items:
        parts += [
            "<h2>Statements</h2>",
            f'<img src="{charts["items"]}" alt="share of correct answers per statement">',
            _table(
                ["statement", "correct label", "correct answers", "share correct", "left blank"],
                [
                    (
                        _row_id("item", s.item) + (' class="low"' if (s.share or 0) < 0.5 else ""),
                        [
                            e(s.item),
                            e(s.label),
                            f"{s.correct} of {s.learners}",
                            percent(s.share),
                            str(s.blank),
                        ],
                    )
                    for s in report.items
                ],
                numeric={2, 3, 4},
            ),
            "<h2>Most common wrong answers</h2>",
        ]
        if report.wrong_answers:
            parts.append(
                _table(
                    ["statement", "answered", "instead of", "learners", "what it shows"],
                    [
                        (
                            _row_id("wrong", f"{w.item}-{w.given}"),
                            [
                                e(w.item),
                                e(w.given),
                                e(w.label),
                                f"{w.learners} of {w.out_of} ({percent(w.share)})",
                                e(w.why),
                            ],
                        )
                        for w in report.wrong_answers[:top_wrong]
                    ],
                    numeric={3},
                )
            )
        else:
            parts.append('<p class="none">No wrong labels given.</p>')
    elif charts.get("items"):
        parts.append(f'<img src="{charts["items"]}" alt="share of full marks per test">')
    parts.append("<h2>Submissions that could not be graded</h2>")
    parts.append(
        _table(
            ["learner", "why"],
            [(_row_id("broken", k), [e(k), e(v)]) for k, v in report.broken.items()],
            numeric=set(),
        )
        if report.broken
        else '<p class="none">None.</p>'
    )
    parts.append("<h2>Learners who did not submit</h2>")
    parts.append(
        _table(["learner"], [(_row_id("missing", k), [e(k)]) for k in report.missing], set())
        if report.missing
        else '<p class="none">None: every learner in the gradebook submitted.</p>'
    )
    body = "\n".join(parts)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>Report: {e(report.assignment)}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def write_report(
    classroom: Classroom, assignment: str, output: Path | str | None = None
) -> tuple[Path, Report]:
    """Write ``index.html``, ``scores.png`` and ``items.png`` into ``output``.

    ``output`` defaults to ``COURSE_DIR/reports/<assignment>/``.  Returns the
    page's path and the numbers shown on it.
    """
    with classroom.lock(assignment, "triad report", shared=True):
        report = build_report(classroom, assignment)
    output = Path(output) if output else classroom.root / "reports" / assignment
    output.mkdir(parents=True, exist_ok=True)
    charts = {"scores": score_histogram(report, output / "scores.png").name}
    if report.items or report.cells:
        charts["items"] = item_chart(report, output / "items.png").name
    page = output / "index.html"
    page.write_text(render_html(report, charts), encoding="utf-8")
    return page, report
