"""The roster: imported into the gradebook, guarding grading, and every learner in the exports."""

from __future__ import annotations

import csv
import datetime
import json

import pytest
from submissions import edited, release_notebook, source_notebook, submit
from test_classify import answers_cell, with_wrong

from autograder.build import release
from autograder.classroom import Classroom
from autograder.cli import main
from autograder.roster import Learner, RosterError, read_csv

A = "classify-responsibilities"
ROSTER = """id,name,email,lms_login,section
ada,Ada Lovelace,ada@example.org,alovelace,Monday
bob,"Babbage, Charles",bob@example.org,cbabbage,Tuesday
late,Grace Hopper,grace@example.org,ghopper,Monday
broken,Alan Turing,,aturing,
absent,Emmy Noether,emmy@example.org,enoether,Tuesday
"""
DUE = datetime.datetime(2030, 1, 10, 12, 0)


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    """Five rostered learners (one late, one broken, one absent) and a stranger's folder."""
    root = tmp_path_factory.mktemp("term")
    roster = root / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    classroom = Classroom(root / "course")
    release(classroom, [A])
    with classroom.gradebook() as gb:
        gb.update_or_create_assignment(A, duedate=DUE)
    assert main(["roster", "import", str(roster), "--course-dir", str(classroom.root)]) == 0
    blank = release_notebook(classroom, A, "classify")
    submit(classroom, A, "ada", {"classify": edited(
        blank, answers=answers_cell(with_wrong("R05", "R13", "R22")))})
    submit(classroom, A, "bob", {"classify": source_notebook(classroom, A, "classify")})
    late = submit(classroom, A, "late", {"classify": edited(
        blank, answers=answers_cell(with_wrong("R05")))})
    (late / "timestamp.txt").write_text("2030-01-12 09:00:00.000000 UTC")
    submit(classroom, A, "broken", {"classify": "not a notebook"})
    submit(classroom, A, "stranger", {"classify": source_notebook(classroom, A, "classify")})
    status = main(["grade", A, "--quiet", "--course-dir", str(classroom.root)])
    return classroom, status


def test_roster_is_in_the_gradebook(term):
    classroom, _ = term
    with classroom.gradebook() as gb:
        ada, bob = gb.find_student("ada"), gb.find_student("bob")
        assert (ada.first_name, ada.last_name, ada.email, ada.lms_user_id) == (
            "Ada", "Lovelace", "ada@example.org", "alovelace")
        assert (bob.first_name, bob.last_name) == ("Charles", "Babbage")
        assert sorted(s.id for s in gb.students) == ["absent", "ada", "bob", "broken", "late"]
    sections = {d["id"]: d["section"] for d in json.loads(
        (classroom.root / "roster.json").read_text())}
    assert sections["ada"] == "Monday" and sections["broken"] == ""


def test_roster_list(term, capsys):
    classroom, _ = term
    capsys.readouterr()
    assert main(["roster", "list", "--course-dir", str(classroom.root)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["id", "name", "email", "LMS", "login", "section"]
    assert out[2].split() == ["ada", "Ada", "Lovelace", "ada@example.org", "alovelace", "Monday"]
    assert out[-1] == "5 learners"


def test_stranger_is_reported_not_graded(term):
    classroom, status = term
    assert status == 3  # a broken submission and a folder not on the roster
    outcomes = {o["learner"]: o for o in json.loads(
        (classroom.root / "autograded" / f"{A}-outcomes.json").read_text())}
    assert outcomes["stranger"]["status"] == "unlisted"
    assert "not on the roster" in outcomes["stranger"]["message"]
    assert outcomes["ada"]["status"] == "graded" and outcomes["ada"]["score"] == 28
    assert not classroom.folder("autograded", A, "stranger").exists()
    with classroom.gradebook() as gb:
        assert "stranger" not in {s.id for s in gb.students}


def test_long_export_has_every_rostered_learner_with_a_status(term, tmp_path):
    classroom, _ = term
    out = tmp_path / "grades.csv"
    assert main(["export", "--output", str(out), "--course-dir", str(classroom.root)]) == 0
    with out.open(newline="") as handle:
        rows = {r["learner"]: r for r in csv.DictReader(handle) if r["assignment"] == A}
    assert {k: r["status"] for k, r in rows.items()} == {
        "ada": "graded", "bob": "graded", "late": "late", "broken": "broken",
        "absent": "not submitted"}
    assert float(rows["ada"]["score"]) == 28 and float(rows["late"]["score"]) == 30
    assert rows["absent"]["score"] == "" and rows["broken"]["score"] == ""


def _read(path):
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _exported(classroom, fmt, out):
    """The rows of ``triad export --format fmt``, read back with the csv module."""
    assert main(["export", "--format", fmt, "--output", str(out),
                 "--course-dir", str(classroom.root)]) == 0
    return _read(out)


def test_canvas_export_reads_back_as_canvas_imports_it(term, tmp_path):
    classroom, _ = term
    rows = _exported(classroom, "canvas", tmp_path / "canvas.csv")
    header = list(rows[0])
    assert header[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assignment_columns = [h for h in header[5:] if h.startswith(A)]
    assert assignment_columns == [f"{A} (31)"]
    by_login = {r["SIS Login ID"]: r for r in rows}
    assert len(rows) == 5 and set(by_login) == {
        "alovelace", "cbabbage", "ghopper", "aturing", "enoether"}
    ada = by_login["alovelace"]
    assert ada["Student"] == "Lovelace, Ada" and ada["SIS User ID"] == "ada"
    assert ada["Section"] == "Monday" and float(ada[f"{A} (31)"]) == 28
    assert float(by_login["ghopper"][f"{A} (31)"]) == 30
    assert by_login["enoether"][f"{A} (31)"] == "" and by_login["aturing"][f"{A} (31)"] == ""


def test_moodle_export_reads_back_as_moodle_imports_it(term, tmp_path):
    classroom, _ = term
    rows = _exported(classroom, "moodle", tmp_path / "moodle.csv")
    assert {"Username", "Email address", A} <= set(rows[0])
    by_email = {r["Email address"]: r for r in rows}
    assert len(rows) == 5 and float(by_email["ada@example.org"][A]) == 28
    assert by_email["bob@example.org"]["Username"] == "cbabbage"
    assert float(by_email["bob@example.org"][A]) == 31
    for row in rows:  # every grade cell is a number or empty (no change in Moodle)
        assert row[A] == "" or 0 <= float(row[A]) <= 31


def test_allow_new_grades_the_stranger(term):
    classroom, _ = term
    assert main(["grade", A, "--quiet", "--allow-new", "--course-dir", str(classroom.root)]) == 3
    with classroom.gradebook() as gb:
        assert gb.find_submission(A, "stranger").score == 31


@pytest.mark.parametrize("text, problem", [
    ("name,email\nAda,a@x\n", "no id column"),
    ("id,name\nada,Ada\n,Bob\n", "line 3: no id"),
    ("id,name\nada,Ada\nada,Bob\n", "already on line 2"),
    ("id,nickname\nada,A\n", "unknown column(s) nickname"),
    ("id\n../etc\n", "cannot be a learner id"),
])
def test_bad_roster_files_name_the_line(tmp_path, text, problem):
    path = tmp_path / "r.csv"
    path.write_text(text)
    with pytest.raises(RosterError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        read_csv(path)


def test_names_split_and_header_in_any_case(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("\ufeffID,Name\nx,Ada King Lovelace\ny,\n")
    x, y = read_csv(path)
    assert x.first_last == ("Ada King", "Lovelace") and y == Learner("y")
    assert y.sortable_name == "y"
