"""`triad report` on a real graded cohort: the numbers shown, the charts, who is missing."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from submissions import edited, release_notebook, source_notebook, submit
from test_classify import answers_cell, with_wrong

from autograder.build import release
from autograder.classroom import Classroom
from autograder.cli import main
from autograder.grade import grade_assignment
from autograder.report import answer_key, build_report, parse_wrong

A = "classify-responsibilities"
R05_WHY = "A risk and issue log for one migration is a tool for delivering that one project"


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    """Four graded learners, one broken submission, one learner who never submitted.

    R05 is wrong for ada and bob (both say "program") and blank for "blank";
    R13 is wrong for ada and blank: 2 of 4 learners.
    """
    classroom = Classroom(tmp_path_factory.mktemp("classroom"))
    release(classroom, [A])
    blank = release_notebook(classroom, A, "classify")
    submit(classroom, A, "solution", {"classify": source_notebook(classroom, A, "classify")})
    submit(classroom, A, "blank", {"classify": blank})
    wrong = {"ada": ("R05", "R13", "R22"), "bob": ("R05", "R10")}
    for learner, ids in wrong.items():
        submit(
            classroom,
            A,
            learner,
            {"classify": edited(blank, answers=answers_cell(with_wrong(*ids)))},
        )
    submit(classroom, A, "broken", {"classify": "this is not a notebook"})
    with classroom.gradebook() as gb:
        gb.update_or_create_student("absent")
    grade_assignment(classroom, A, progress=False)
    assert main(["report", A, "--course-dir", str(classroom.root)]) == 0
    page = classroom.root / "reports" / A / "index.html"
    return classroom, page.read_text(encoding="utf-8")


def row(page: str, row_id: str) -> list[str]:
    """The text of each cell of the table row ``<tr id=row_id>``."""
    match = re.search(rf'<tr id="{row_id}"[^>]*>(.*?)</tr>', page, re.S)
    assert match, f"no row {row_id}"
    return [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", match[1])]


def test_default_location_and_charts(cohort):
    classroom, page = cohort
    folder = classroom.root / "reports" / A
    for chart in ("scores.png", "items.png"):
        assert (folder / chart).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f'src="{chart}"' in page
    assert f"<title>Report: {A}</title>" in page and f"<h1>Cohort report: {A}</h1>" in page


def test_summary_line(cohort):
    _, page = cohort
    assert "6 learners: 4 graded, 1 not gradeable, 1 did not submit." in page
    # scores 31, 28, 29 and 0: mean 22.0 of 31 is 71 %
    assert "Mean score 22.0 / 31 (71 %), median 28.5, range 0 to 31." in page


def test_statement_shares(cohort):
    _, page = cohort
    assert row(page, "item-R13") == ["R13", "product", "2 of 4", "50 %", "1"]
    assert row(page, "item-R05") == ["R05", "project", "1 of 4", "25 %", "1"]
    assert row(page, "item-R01") == ["R01", "project", "3 of 4", "75 %", "1"]
    assert len(re.findall(r'<tr id="item-R\d\d"', page)) == 26


def test_test_cells_from_the_gradebook(cohort):
    _, page = cohort
    # blank fails the format and examples checks; 26 + 23 + 24 + 0 of 4 x 26 points is 70 %
    assert row(page, "cell-check_format")[2:] == ["2", "75 %", "75 %", "4"]
    assert row(page, "cell-check_all")[2:] == ["26", "25 %", "70 %", "4"]
    assert "All 26 statements: one point for each correct label." in page


def test_most_common_wrong_answer_comes_first_with_its_explanation(cohort):
    _, page = cohort
    first = re.search(
        r"Most common wrong answers</h2>\s*<table>.*?<tbody><tr id=\"([^\"]+)\"", page, re.S
    )
    assert first[1] == "wrong-R05-program"
    cells = row(page, "wrong-R05-program")
    assert cells[:4] == ["R05", "program", "project", "2 of 4 (50 %)"]
    assert cells[4].startswith(R05_WHY)
    assert row(page, "wrong-R13-project")[3] == "1 of 4 (25 %)"


def test_broken_and_missing_learners_are_listed(cohort):
    _, page = cohort
    learner, why = row(page, "broken-broken")
    assert learner == "broken" and "is not a readable notebook" in why
    assert row(page, "missing-absent") == ["absent"]
    assert 'id="missing-broken"' not in page and 'id="missing-solution"' not in page


def test_report_numbers_and_output_folder(cohort, tmp_path):
    from autograder.report import write_report

    classroom, _ = cohort
    page, report = write_report(classroom, A, tmp_path / "out")
    assert page == tmp_path / "out" / "index.html" and page.exists()
    assert report.scores == {"ada": 28, "blank": 0, "bob": 29, "solution": 31}
    assert report.missing == ["absent"] and list(report.broken) == ["broken"]
    assert build_report(classroom, A).summary() == report.summary()


def test_unknown_assignment_is_a_clear_error(cohort, capsys):
    classroom, _ = cohort
    assert main(["report", "no-such-thing", "--course-dir", str(classroom.root)]) == 1
    assert "triad release no-such-thing" in capsys.readouterr().err


def test_output_lines_and_answer_key_are_parsed():
    why = "It is one output, so it is project work."
    assert parse_wrong(f"R05: not program. {why}") == ("R05", "program", why)
    assert parse_wrong(f"S02: not the project manager. {why}") == ("S02", "project manager", why)
    assert parse_wrong(f"R07: no label given. {why}") == ("R07", "", why)
    assert parse_wrong(f"P3: no link given. {why}") == ("P3", "", why)
    assert parse_wrong(f"T1: nobody is Accountable. {why}") == ("T1", "nobody is Accountable", why)
    assert parse_wrong("23 of 26 statements labelled correctly.") is None
    assert parse_wrong("Format looks right: every statement has a label.") is None
    source = 'KEY = {"R01": ("project", "why one"), "P2": (None, "why two")}\nscore(KEY)\n'
    assert answer_key(source) == {"R01": ("project", "why one"), "P2": (None, "why two")}
    assert answer_key("x = {'a': 1}") == {} and answer_key("%magic") == {}


def test_report_has_help():
    result = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "report", "--help"], capture_output=True, text=True
    )
    assert (
        result.returncode == 0 and "--output" in result.stdout and "--course-dir" in result.stdout
    )
