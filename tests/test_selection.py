"""What a `triad grade` run grades: unchanged submissions are left, ``--student``, ``--notebook``,
``--force``, the course's ``student_id_exclude``, and broken submissions in the gradebook.

One course root made by hand, as another nbgrader course would be: an assignment
of two classic notebooks and three learners (both notebooks right, one wrong,
one notebook that is not a notebook).  The tests run in order, as an
instructor's runs would, each from the command line.
"""

from __future__ import annotations

import csv
import shutil
import sqlite3

import nbformat
import pytest
from nbformat.v4 import new_markdown_cell
from submissions import submit
from sysdeps import require
from test_classic import source

from autograder.cli import main

A = "ps1"
CONFIG = 'c = get_config()\nc.CourseDirectory.course_id = "stats101"\n'


class _Root:  # what submit() needs of a classroom
    def __init__(self, root):
        self.root = root

    def folder(self, step, assignment, learner=None):
        return self.root / step / learner / assignment


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    require("bwrap", "bubblewrap")
    root = tmp_path_factory.mktemp("stats101")
    (root / "nbgrader_config.py").write_text(CONFIG)
    (root / "source" / A).mkdir(parents=True)
    for name in ("p1", "p2"):
        nbformat.write(source(), root / "source" / A / f"{name}.ipynb")
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    from autograder.paths import put_interpreter_on_path

    put_interpreter_on_path()  # nbgrader runs alembic as a command
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    config.CourseDirectory.root = str(root)
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    assert api.generate_assignment(A, force=True, create=True)["success"]
    released = nbformat.read(root / "release" / A / "p1.ipynb", 4)
    solved = nbformat.from_dict(released)
    solved.cells[0].source, solved.cells[3].source = "a = 1", "b = 2"
    wrong = nbformat.from_dict(solved)
    wrong.cells[0].source = "a = 2"
    submit(_Root(root), A, "ada", {"p1": solved, "p2": solved})
    submit(_Root(root), A, "bo", {"p1": wrong, "p2": solved})
    submit(_Root(root), A, "cy", {"p1": "{ this is not a notebook", "p2": solved})
    return root


def grade(root, capsys, *args):
    status = main(["grade", A, "--course-dir", str(root), "--quiet", *args])
    out = capsys.readouterr()
    return status, out.out, out.err


def lines(out: str) -> dict[str, str]:
    return {line.split()[0]: line for line in out.splitlines() if line.split()}


def stamps(root) -> dict[str, int]:
    """When each autograded notebook was last written."""
    return {f"{p.parent.parent.name}/{p.stem}": p.stat().st_mtime_ns
            for p in (root / "autograded").glob(f"*/{A}/*.ipynb")}  # fmt: skip


def exported(root, capsys) -> dict[str, tuple[str, str]]:
    assert main(["export", "--course-dir", str(root), "--output", str(root / "g.csv")]) == 0
    capsys.readouterr()
    with open(root / "g.csv", newline="") as handle:
        return {row["learner"]: (row["status"], row["score"]) for row in csv.DictReader(handle)}


def flagged(root, learner: str) -> list[bool]:
    with sqlite3.connect(root / "gradebook.db") as db:
        rows = db.execute(
            "select n.flagged from submitted_notebook n join submitted_assignment s "
            "on n.assignment_id = s.id where s.student_id = ?", (learner,)).fetchall()
    return [bool(flag) for (flag,) in rows]


def test_a_first_run_grades_everyone_and_a_broken_one_gets_a_flagged_row(root, capsys):
    status, out, _ = grade(root, capsys)
    assert status == 3
    found = lines(out)
    assert "10 / 10" in found["ada"] and "9 / 10" in found["bo"]
    assert "NOT GRADED" in found["cy"] and "p1.ipynb is not a readable notebook" in found["cy"]
    assert flagged(root, "cy") == [True, True] and flagged(root, "ada") == [False, False]
    grades = exported(root, capsys)
    assert grades["cy"] == ("broken", "") and grades["ada"] == ("graded", "10.0")


def test_a_second_run_leaves_the_unchanged_ones_as_they_were(root, capsys):
    before = stamps(root)
    status, out, _ = grade(root, capsys)
    assert status == 3  # the broken one is tried again, and is still broken
    found = lines(out)
    assert "10 / 10" in found["ada"] and "unchanged since it was graded" in found["ada"]
    assert "unchanged" in found["bo"] and "NOT GRADED" in found["cy"]
    assert "graded 0 of 3 submissions (2 unchanged" in out and "--force" in out
    assert stamps(root) == before


def test_a_changed_submission_is_graded_again_and_only_it(root, capsys):
    folder = root / "submitted" / "bo" / A
    mended = nbformat.read(folder / "p1.ipynb", 4)
    mended.cells[0].source = "a = 1"
    nbformat.write(mended, folder / "p1.ipynb")
    before = stamps(root)
    status, out, _ = grade(root, capsys)
    found = lines(out)
    assert "10 / 10" in found["bo"] and "unchanged" not in found["bo"]
    assert "unchanged" in found["ada"]
    after = stamps(root)
    assert after["ada/p1"] == before["ada/p1"] and after["bo/p1"] != before["bo/p1"]


def test_deleted_feedback_is_written_again(root, capsys):
    shutil.rmtree(root / "feedback" / "ada")
    _, out, _ = grade(root, capsys)
    assert "unchanged" not in lines(out)["ada"] and "unchanged" in lines(out)["bo"]
    assert (root / "feedback" / "ada" / A / "p1.html").exists()


def test_a_gradebook_restored_from_an_older_backup_is_made_whole_again(root, capsys):
    with sqlite3.connect(root / "gradebook.db") as db:  # bo's grades as if never given
        db.execute("update grade set auto_score = null where notebook_id in (select n.id from "
                   "submitted_notebook n join submitted_assignment s on n.assignment_id = s.id "
                   "where s.student_id = 'bo')")  # fmt: skip
    _, out, _ = grade(root, capsys)
    found = lines(out)
    assert "10 / 10" in found["bo"] and "unchanged" not in found["bo"]
    assert "unchanged" in found["ada"]


def test_force_grades_everyone_again(root, capsys):
    before = stamps(root)
    _, out, _ = grade(root, capsys, "--force")
    assert "unchanged" not in out and "graded 2 of 3 submissions;" in out
    after = stamps(root)
    assert all(after[key] != before[key] for key in before)


def test_student_selects_by_id_or_glob(root, capsys):
    before = stamps(root)
    status, out, _ = grade(root, capsys, "--student", "a*", "--force")
    assert status == 0 and set(lines(out)) == {"ada", "graded"}
    after = stamps(root)
    assert after["ada/p1"] != before["ada/p1"] and after["bo/p1"] == before["bo/p1"]
    assert exported(root, capsys)["cy"][0] == "broken"  # the others keep their last outcome
    status, _, err = grade(root, capsys, "--student", "zed")
    assert status == 1 and "no submission of ps1 from 'zed'" in err


def test_notebook_grades_only_that_notebook_and_keeps_the_others(root, capsys):
    before = stamps(root)
    status, out, _ = grade(root, capsys, "--student", "ada", "--notebook", "p2", "--force")
    assert status == 0 and "10 / 10" in lines(out)["ada"]
    after = stamps(root)
    assert after["ada/p1"] == before["ada/p1"] and after["ada/p2"] != before["ada/p2"]
    assert (root / "feedback" / "ada" / A / "p1.html").exists()
    before = stamps(root)  # nbgrader's own autograde, one notebook at a time, does the same
    status, out, _ = grade(root, capsys, "--executor", "stock", "--student", "ada",
                           "--notebook", "p1.ipynb", "--force")  # fmt: skip
    assert status == 0 and "10 / 10" in lines(out)["ada"]
    after = stamps(root)
    assert after["ada/p1"] != before["ada/p1"] and after["ada/p2"] == before["ada/p2"]
    status, _, err = grade(root, capsys, "--notebook", "p9")
    assert status == 1 and "ps1 has no notebook 'p9' (it has p1, p2)" in err


def test_a_changed_source_grades_everyone_again(root, capsys):
    path = root / "source" / A / "p2.ipynb"
    nb = nbformat.read(path, 4)
    nb.cells.append(new_markdown_cell("A note the instructor added."))
    nbformat.write(nb, path)
    _, out, _ = grade(root, capsys)
    assert "unchanged" not in out


def test_the_courses_student_id_exclude_leaves_those_learners_out(root, capsys):
    config = root / "nbgrader_config.py"
    config.write_text(CONFIG + 'c.CourseDirectory.student_id_exclude = "bo,cy"\n')
    try:
        status, out, _ = grade(root, capsys, "--force")
    finally:
        config.write_text(CONFIG)
    assert status == 0
    assert "left out by the course's student_id_exclude (2): bo, cy" in out
    assert "graded 1 of 1 submissions" in out


def test_a_mended_broken_submission_is_graded_and_unflagged(root, capsys):
    folder = root / "submitted" / "cy" / A
    nbformat.write(nbformat.read(folder / "p2.ipynb", 4), folder / "p1.ipynb")
    status, out, _ = grade(root, capsys)
    assert status == 0 and "10 / 10" in lines(out)["cy"]
    assert flagged(root, "cy") == [False, False]
    assert exported(root, capsys)["cy"] == ("graded", "10.0")
