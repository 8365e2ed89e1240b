"""The instructor's report as a page: charts, tables, and the course overview.

``write_report`` writes one assignment's ``index.html`` with two PNG charts
beside it; ``write_overview`` writes every assignment's report and a page
that links them (see ``autograder.report`` for the numbers).
"""

from __future__ import annotations

import html
import os
import re
import statistics
from collections import Counter
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .analysis import KEY_PROBLEM
from .classroom import Classroom
from .report import Report, build_report, percent


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
.warn { color: #922; font-weight: 600; }
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


def _r(value: float | None) -> str:
    return "–" if value is None else f"{value:+.2f}"


def render_html(report: Report, charts: dict[str, str], top_wrong: int = 10,
                root: str = "../..") -> str:
    """The report page; ``root`` is the course root relative to the page (for feedback links)."""
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
                    [e(c.name), e(c.description), f"{c.points:g}", percent(c.full_share),
                     percent(c.average_share), str(c.learners)],
                )
                for c in report.cells
            ],
            numeric={2, 3, 4, 5},
        ),
    ]
    if report.items:
        flagged = [s for s in report.items if s.key_problem]
        parts += [
            "<h2>Items</h2>",
            '<p>Shares count the learners who attempted the item; blanks are counted apart. '
            "Discrimination is the point-biserial correlation of getting the item right with "
            "the rest of the score: near 0 it does not tell strong from weak learners, "
            f"at {KEY_PROBLEM:+.1f} or below strong learners get it \"wrong\": "
            "check its key.</p>",
            f'<img src="{charts["items"]}" alt="share of correct answers per item">',
            _table(
                ["item", "statement", "right answer", "correct", "share correct", "left blank",
                 "discrimination"],
                [
                    (
                        _row_id("item", s.item)
                        + (' class="low"' if (s.share or 0) < 0.5 or s.key_problem else ""),
                        [e(s.item), e(s.text), e(s.label), f"{s.correct} of {s.attempted}",
                         percent(s.share), str(s.blank),
                         _r(s.discrimination) + (" key?" if s.key_problem else "")],
                    )
                    for s in report.items
                ],
                numeric={3, 4, 5, 6},
            ),
        ]
        if flagged:
            parts.append('<p class="warn">Likely key problems (strong learners answer '
                         "otherwise): " + ", ".join(e(s.item) for s in flagged) + ".</p>")
        parts.append("<h2>Misconceptions</h2>")
        if report.misconceptions:
            parts.append(_table(
                ["answered", "where the key says", "items", "answers", "learners",
                 "what it shows"],
                [(_row_id("misconception", f"{m.given}-for-{m.label}"),
                  [e(m.given), e(m.label), e(", ".join(m.items)), str(m.answers),
                   str(m.learners), e(m.what)]) for m in report.misconceptions],
                numeric={3, 4},
            ))
        else:
            parts.append('<p class="none">No wrong answers given.</p>')
        for table in report.confusions:
            parts.append(f"<h3>Right against given answer: {e(table.cell)}</h3>")
            parts.append(_table(
                ["right \\ given", *[g or "(blank)" for g in table.given]],
                [(_row_id("confusion", f"{table.cell}-{label}"),
                  [e(label), *[str(table.counts.get((label, g), 0)) for g in table.given]])
                 for label in table.labels],
                numeric=set(range(1, len(table.given) + 1)),
            ))
        parts.append("<h2>Most common wrong answers</h2>")
        if report.wrong_answers:
            parts.append(
                _table(
                    ["item", "answered", "instead of", "learners", "what it shows"],
                    [
                        (
                            _row_id("wrong", f"{w.item}-{w.given}"),
                            [e(w.item), e(w.given), e(w.label),
                             f"{w.learners} of {w.out_of} ({percent(w.share)})", e(w.why)],
                        )
                        for w in report.wrong_answers[:top_wrong]
                    ],
                    numeric={3},
                )
            )
        else:
            parts.append('<p class="none">No wrong answers given.</p>')
    elif charts.get("items"):
        parts.append(f'<img src="{charts["items"]}" alt="share of full marks per test">')
    if report.coding_mistakes:
        parts.append("<h2>Coding mistakes</h2>")
        parts.append(_table(
            ["test", "mistake", "learners", "for example"],
            [(_row_id("mistake", f"{c.cell}-{c.clause}"),
              [e(c.cell), e(c.clause), str(c.learners), e(c.example)])
             for c in report.coding_mistakes],
            numeric={2},
        ))
    parts.append("<h2>Learners</h2>")
    parts.append(_table(
        ["learner", "name", "section", "status", "score", "feedback", "note"],
        [(_row_id("learner", r.id),
          [e(r.id), e(r.name), e(r.section), e(r.status),
           "" if r.score is None else f"{r.score:g}",
           " ".join(f'<a href="{e(root)}/{e(p)}">{e(Path(p).stem)}</a>' for p in r.feedback),
           e(r.message)]) for r in report.roster],
        numeric={4},
    ))
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
    if report.unlisted:
        parts.append("<h2>Not on the roster (not graded)</h2>")
        parts.append(_table(["folder under submitted/"],
                            [(_row_id("unlisted", k), [e(k)]) for k in report.unlisted], set()))
    return _page(f"Report: {report.assignment}", "\n".join(parts))


def _page(title: str, body: str) -> str:
    e = html.escape
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{e(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def write_report(
    classroom: Classroom, assignment: str, output: Path | str | None = None
) -> tuple[Path, Report]:
    """Write ``index.html``, ``scores.png`` and ``items.png`` into ``output``.

    ``output`` defaults to ``COURSE_DIR/reports/<assignment>/``.  Returns the
    page's path and the numbers shown on it.
    """
    with classroom.lock(assignment, "triad report", shared=True):  # no half-written grades
        report = build_report(classroom, assignment)
    output = Path(output).resolve() if output else classroom.root / "reports" / assignment
    output.mkdir(parents=True, exist_ok=True)
    charts = {"scores": score_histogram(report, output / "scores.png").name}
    if report.items or report.cells:
        charts["items"] = item_chart(report, output / "items.png").name
    page = output / "index.html"
    root = os.path.relpath(classroom.root, output)
    page.write_text(render_html(report, charts, root=root), encoding="utf-8")
    return page, report


# --- the course overview ------------------------------------------------------------------


def write_overview(classroom: Classroom, output: Path | str | None = None
                   ) -> tuple[Path, list[Report]]:
    """A report for every assignment in the gradebook and an overview page linking them.

    The overview (``COURSE_DIR/reports/index.html``) has one row per assignment
    (how many learners are graded, late, broken or did not submit; mean and
    median percent) and one row per learner (their percent in each).
    """
    output = Path(output).resolve() if output else classroom.root / "reports"
    with classroom.gradebook() as gb:
        names = [a.name for a in gb.assignments]
    order = {a: i for i, a in enumerate(syllabus_order())}
    names.sort(key=lambda a: (order.get(a, len(order)), a))
    reports = [write_report(classroom, name, output / name)[1] for name in names]
    e = html.escape
    rows = []
    for r in reports:
        counts = Counter(row.status for row in r.roster)
        values = [100 * v / r.max_score for v in r.scores.values()] if r.max_score else []
        rows.append((_row_id("assignment", r.assignment), [
            f'<a href="{e(r.assignment)}/index.html">{e(r.assignment)}</a>', f"{r.max_score:g}",
            str(counts["graded"]), str(counts["late"]), str(counts["broken"]),
            str(counts["not submitted"]),
            f"{statistics.fmean(values):.0f} %" if values else "–",
            f"{statistics.median(values):.0f} %" if values else "–"]))
    people = sorted({row.id for r in reports for row in r.roster})
    status = {(r.assignment, row.id): row for r in reports for row in r.roster}
    learner_rows = []
    for learner in people:
        cells = [e(learner)]
        for r in reports:
            row = status.get((r.assignment, learner))
            if row is None or row.score is None:
                cells.append(e(row.status if row else "–"))
            else:
                late = " (late)" if row.status == "late" else ""
                cells.append(f"{100 * row.score / r.max_score:.0f} %{late}" if r.max_score
                             else f"{row.score:g}")
        learner_rows.append((_row_id("learner", learner), cells))
    body = "\n".join([
        "<h1>Course overview</h1>",
        "<h2>Assignments</h2>",
        _table(["assignment", "points", "graded", "late", "broken", "not submitted",
                "mean", "median"], rows, numeric={1, 2, 3, 4, 5, 6, 7}),
        "<h2>Learners</h2>",
        _table(["learner", *[r.assignment for r in reports]], learner_rows,
               numeric=set(range(1, len(reports) + 1))),
    ])
    page = output / "index.html"
    output.mkdir(parents=True, exist_ok=True)
    page.write_text(_page("Course overview", body), encoding="utf-8")
    return page, reports


def syllabus_order() -> list[str]:
    """The assignments in the order of ``course/syllabus.yml`` (empty if it cannot be read)."""
    try:
        from course.syllabus import assignments

        return list(assignments())
    except Exception:
        return []
