"""`triad report` for every assignment: its numbers are the gradebook's, its items the records'."""

from __future__ import annotations

import pytest
from submissions import release_notebook, source_notebook, submit
from test_report import row

from autograder.build import release
from autograder.classroom import Classroom
from autograder.cli import main
from autograder.grade import grade_assignment
from autograder.items import item_texts
from autograder.report import build_report
from autograder.report_page import syllabus_order

NOTEBOOKS = {
    "classify-responsibilities": "classify",
    "who-decides": "who_decides",
    "benefits-map": "benefits_map",
    "plan-a-program": "plan",
    "program-health": "health",
    "capstone": "capstone",
}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """One classroom with every assignment, each with a solution and a blank submission, reported.

    Returns ``{assignment: classroom}`` (the same classroom for each).
    """
    classroom = Classroom(tmp_path_factory.mktemp("course"))
    release(classroom, list(NOTEBOOKS))
    for assignment, name in NOTEBOOKS.items():
        for learner, notebook in (("solution", source_notebook), ("blank", release_notebook)):
            submit(classroom, assignment, learner, {name: notebook(classroom, assignment, name)})
        outcomes = grade_assignment(classroom, assignment, progress=False)
        assert {o.status for o in outcomes} == {"graded"}, outcomes
    assert main(["report", "--course-dir", str(classroom.root)]) == 0
    return dict.fromkeys(NOTEBOOKS, classroom)


@pytest.mark.parametrize("assignment", NOTEBOOKS)
def test_scores_and_tests_are_the_gradebooks(course, assignment):
    classroom = course[assignment]
    report = build_report(classroom, assignment)
    with classroom.gradebook() as gb:
        expected = {s: float(gb.find_submission(assignment, s).score)
                    for s in ("solution", "blank")}
        grades = {}
        for learner in expected:
            for nb in gb.find_submission(assignment, learner).notebooks:
                for grade in nb.grades:
                    grades.setdefault(grade.name, []).append(
                        (float(grade.score), float(grade.max_score)))
        maximum = float(gb.find_assignment(assignment).max_score)
    assert report.scores == expected and expected["solution"] > expected["blank"]
    assert report.max_score == maximum
    for cell in report.cells:
        got = grades[cell.name]
        assert cell.learners == len(got)
        assert cell.full_marks == sum(score >= top for score, top in got)
        assert cell.total == sum(score for score, _ in got)
        assert cell.description, f"{cell.name} has no docstring to show"


@pytest.mark.parametrize("assignment", NOTEBOOKS)
def test_items_come_from_the_records_with_their_statements(course, assignment):
    classroom = course[assignment]
    report = build_report(classroom, assignment)
    texts = item_texts(assignment)
    records = {}
    nb = classroom.folder("autograded", assignment, "solution") / f"{NOTEBOOKS[assignment]}.ipynb"
    import nbformat

    for cell in nbformat.read(nb, as_version=4).cells:
        for record in cell.metadata.get("triad", {}).get("records", []):
            records[record["item"]] = record
    recorded = {s.item for s in report.items if s.item in records}
    assert recorded == set(records)
    for stats in report.items:
        if stats.item not in records:
            continue
        # the solution is right, the blank release left it blank: 1 of 1 attempted
        assert (stats.correct, stats.attempted, stats.blank) == (1, 1, 1), stats
        assert stats.text == texts.get(stats.item, ""), stats.item
        if stats.item in texts:
            assert row_text(classroom, assignment, stats.item) == texts[stats.item]
    if assignment != "program-health":
        assert records and all(s.text for s in report.items if s.item in records)


def row_text(classroom, assignment, item) -> str:
    page = (classroom.root / "reports" / assignment / "index.html").read_text()
    import html

    return html.unescape(row(page, f"item-{item}")[1])


@pytest.mark.parametrize("assignment", ["plan-a-program", "program-health"])
def test_coding_mistakes_of_the_blank_functions(course, assignment):
    report = build_report(course[assignment], assignment)
    clauses = {m.clause for m in report.coding_mistakes}
    assert any("is not written yet" in c for c in clauses), clauses
    assert all(m.learners == 1 for m in report.coding_mistakes)  # only "blank" made them


def test_course_overview_links_every_assignment(course):
    classroom = course["classify-responsibilities"]
    page = (classroom.root / "reports" / "index.html").read_text()
    shares = ["solution"]
    for assignment in syllabus_order():  # the overview's order
        cells = row(page, f"assignment-{assignment}")
        assert cells[2:6] == ["2", "0", "0", "0"]  # graded, late, broken, not submitted
        assert f'href="{assignment}/index.html"' in page
        assert (classroom.root / "reports" / assignment / "index.html").exists()
        with classroom.gradebook() as gb:
            solution = gb.find_submission(assignment, "solution")
            shares.append(f"{100 * solution.score / solution.max_score:.0f} %")
    assert sorted(syllabus_order()) == sorted(NOTEBOOKS)
    assert row(page, "learner-solution") == shares
