"""What a learner and an instructor read: limits named, parts named by what they check."""

from __future__ import annotations

import html
import re

import pytest
from submissions import edited, feedback_html, release_notebook, solution_source, submit
from test_classify import SOLUTION, answers_cell

from autograder.build import release
from autograder.classroom import Classroom
from autograder.grade import grade_assignment
from autograder.report import build_report
from autograder.sandbox import Limits

A = "classify-responsibilities"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    classroom = Classroom(tmp_path_factory.mktemp("feedback"))
    release(classroom, [A])
    blank = release_notebook(classroom, A, "classify")
    loop = answers_cell(SOLUTION) + "\nwhile True:\n    pass\n"
    hog = answers_cell(SOLUTION) + "\nhog = bytearray(4 << 30)\n"
    long_line = answers_cell({**SOLUTION, "R05": "program " * 40})
    submit(classroom, A, "loops", {"classify": edited(blank, answers=loop)})
    submit(classroom, A, "hog", {"classify": edited(blank, answers=hog)})
    submit(classroom, A, "wordy", {"classify": edited(blank, answers=long_line)})
    limits = Limits(timeout=3, cpu=3, memory=1 << 30)
    outcomes = {o.learner: o for o in grade_assignment(classroom, A, progress=False,
                                                        limits=limits)}
    return classroom, outcomes


def test_a_time_limit_is_named_in_outcome_feedback_and_report(graded):
    classroom, outcomes = graded
    said = "stopped after 3 s: does every loop end?"
    assert outcomes["loops"].status == "graded" and said in outcomes["loops"].message
    assert said in html.unescape(feedback_html(classroom, A, "loops", "classify"))
    rows = {r.id: r for r in build_report(classroom, A).roster}
    assert said in rows["loops"].message
    assert "KeyboardInterrupt" not in feedback_html(classroom, A, "loops", "classify")


def test_a_memory_limit_is_named(graded):
    _, outcomes = graded
    assert "more than 1024 MiB of memory" in outcomes["hog"].message


def test_parts_are_named_by_what_they_check(graded):
    classroom, _ = graded
    page = feedback_html(classroom, A, "wordy", "classify")
    source = classroom.folder("source", A) / "classify.ipynb"
    import nbformat

    nb = nbformat.read(source, as_version=4)
    docstrings = [c.source.split('"""')[1].strip().splitlines()[0] for c in nb.cells
                  if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"
                  and not c.metadata["nbgrader"].get("solution")]
    assert docstrings and "Test cell" not in page
    toc = re.search(r'<div class="summary">(.*?)</div>', page, re.S)[1]
    for doc in docstrings:
        assert html.escape(doc, quote=False) in toc or html.escape(doc) in toc, doc


def test_pages_wrap_long_lines_and_stay_small(graded):
    classroom, _ = graded
    page = feedback_html(classroom, A, "wordy", "classify")
    assert "white-space: pre-wrap" in page
    assert "Bootstrap" not in page
    assert len(page.encode()) < 80_000, len(page.encode())
    assert "R05: not program program" in page  # the long answer is there, wrapped by CSS


def test_the_solution_cell_helper_still_works(graded):
    classroom, _ = graded
    assert "answers" in solution_source(release_notebook(classroom, A, "classify"), "answers")
