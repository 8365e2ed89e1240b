"""`triad grade` on an nbgrader course root that Triad did not make: its configuration holds.

The course root is set up as an instructor of another course would, by hand:
its own ``nbgrader_config.py`` (a course id of its own, a header notebook) and
a classic assignment made with nbgrader's ``generate_assignment``.
"""

from __future__ import annotations

import sqlite3

import nbformat
import pytest
from foreign import Root, nbgrader_api
from nbformat.v4 import new_markdown_cell, new_notebook
from submissions import submit
from sysdeps import require
from test_classic import source

from autograder.cli import main

CONFIG = '''\
c = get_config()  # an instructor's own settings
c.CourseDirectory.course_id = "stats101"
c.IncludeHeaderFooter.header = "source/header.ipynb"
'''


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    require("bwrap", "bubblewrap")
    root = tmp_path_factory.mktemp("stats101")
    (root / "nbgrader_config.py").write_text(CONFIG)
    (root / "source" / "ps1").mkdir(parents=True)
    header = new_notebook(cells=[new_markdown_cell("STATS 101, problem set")])
    nbformat.write(header, root / "source" / "header.ipynb")
    nbformat.write(source(), root / "source" / "ps1" / "p1.ipynb")
    api = nbgrader_api(root)
    assert api.generate_assignment("ps1", force=True, create=True)["success"]
    released = nbformat.read(root / "release" / "ps1" / "p1.ipynb", 4)
    assert released.cells[0].source == "STATS 101, problem set", "the course's header is used"
    solved = nbformat.from_dict(released)
    solved.cells[1].source, solved.cells[4].source = "a = 1", "b = 2"
    wrong = nbformat.from_dict(solved)
    wrong.cells[1].source = "a = 2"

    with sqlite3.connect(root / "gradebook.db") as db:
        before = {row[0] for row in db.execute("select id from course")}
    submit(Root(root), "ps1", "ada", {"p1": solved})
    submit(Root(root), "ps1", "bo", {"p1": wrong})
    status = main(["grade", "ps1", "--course-dir", str(root), "--quiet"])
    return root, status, before


def test_its_configuration_is_kept_byte_for_byte(course):
    root, status, _ = course
    assert status == 0
    assert (root / "nbgrader_config.py").read_text() == CONFIG


def test_grades_go_to_the_courses_own_course_id(course):
    root, _, before = course
    with sqlite3.connect(root / "gradebook.db") as db:
        courses = {row[0] for row in db.execute("select id from course")}
        owners = {row[0] for row in db.execute("select course_id from assignment")}
        scores = dict(db.execute(
            "select submitted_assignment.student_id, sum(grade.auto_score) from grade "
            "join submitted_notebook on grade.notebook_id = submitted_notebook.id "
            "join submitted_assignment on submitted_notebook.assignment_id = "
            "submitted_assignment.id group by submitted_assignment.student_id"
        ))  # fmt: skip
    assert courses == before, "grading adds no course of its own"
    assert owners == {"stats101"}
    assert scores == {"ada": 5, "bo": 4}


def test_a_notebook_for_another_kernel_goes_to_nbgraders_executor(course, capsys):
    """An R notebook is never run as Python: nbgrader's own executor takes it (and says
    here that no R kernel is installed)."""
    root, _, _ = course
    from test_classic import _cell

    nb = new_notebook(cells=[
        _cell("### BEGIN SOLUTION\nx <- 1\n### END SOLUTION", "set_x", solution=True),
        _cell("stopifnot(x == 1)", "check_x", grade=True, points=1),
    ])  # fmt: skip
    nb.metadata.kernelspec = {"name": "ir", "display_name": "R", "language": "R"}
    (root / "source" / "ps2").mkdir()
    nbformat.write(nb, root / "source" / "ps2" / "p1.ipynb")
    from autograder.classroom import Classroom

    assert Classroom(root).api.generate_assignment("ps2", force=True, create=True)["success"]
    (root / "submitted" / "ada" / "ps2").mkdir(parents=True)
    nbformat.write(nb, root / "submitted" / "ada" / "ps2" / "p1.ipynb")
    capsys.readouterr()
    assert main(["grade", "ps2", "--course-dir", str(root), "--quiet"]) == 3
    out = capsys.readouterr().out
    assert "NOT GRADED" in out and "SyntaxError" not in out
