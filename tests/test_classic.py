"""A classic nbgrader notebook (test cells that assert on the learner's variables).

Its test cells run in the learner's process, as under nbgrader, with at least
nbgrader's protections: a test cell whose execution failed counts as failed,
whatever the learner did to IPython's traceback machinery.  Each case is
graded by Triad's executor and by nbgrader's own, and both must agree.
"""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from submissions import submit
from sysdeps import require

from autograder.classroom import Classroom
from autograder.grade import grade_assignment

A = "squares"


def _cell(source: str, grade_id: str, *, grade=False, solution=False, points=0):
    cell = new_code_cell(source)
    cell.metadata.nbgrader = {
        "grade": grade, "solution": solution, "locked": not solution, "task": False,
        "grade_id": grade_id, "schema_version": 3,
    }  # fmt: skip
    if grade:
        cell.metadata.nbgrader["points"] = points
    return cell


def source() -> nbformat.NotebookNode:
    nb = new_notebook(cells=[
        _cell("### BEGIN SOLUTION\na = 1\n### END SOLUTION", "set_a", solution=True),
        _cell('print("Success!")', "foo", grade=True, points=1),
        _cell("assert a == 1", "bar", grade=True, points=1),
        _cell("### BEGIN SOLUTION\nb = 2\n### END SOLUTION", "set_b", solution=True),
        _cell("assert b == 2\n### BEGIN HIDDEN TESTS\nassert b * b == 4\n### END HIDDEN TESTS",
              "baz", grade=True, points=3),
    ])  # fmt: skip
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


CHEATS = {
    "honest-wrong": "a = 2",
    "silences-showtraceback": (
        "import IPython.core.interactiveshell\n"
        "IPython.core.interactiveshell.InteractiveShell.showtraceback = lambda *a, **k: None\n"
        "a = 2"
    ),
    "removes-showtraceback": (
        "import IPython.core.interactiveshell\n"
        "IPython.core.interactiveshell.InteractiveShell.showtraceback = None\na = 2"
    ),
    "silences-the-instance": (
        "ip = get_ipython()\n"
        "ip.showtraceback = ip._showtraceback = lambda *a, **k: None\n"
        "ip.run_cell = lambda *a, **k: None\na = 2"
    ),
}


#: nbgrader's own cheat attempts (its tests' submitted-cheat-attempt notebooks).
NBGRADER_CHEATS = ("honest-wrong", "silences-showtraceback", "removes-showtraceback", "solution")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    results = {}
    for executor in ("fast", "stock"):
        if executor == "fast":
            require("bwrap", "bubblewrap")
        classroom = Classroom(tmp_path_factory.mktemp(f"classic-{executor}"))
        folder = classroom.folder("source", A)
        folder.mkdir(parents=True)
        nbformat.write(source(), folder / "p1.ipynb")
        assert classroom.api.generate_assignment(A, force=True, create=True)["success"]
        released = nbformat.read(classroom.folder("release", A) / "p1.ipynb", 4)
        for learner, code in CHEATS.items():
            if executor == "stock" and learner not in NBGRADER_CHEATS:
                continue  # nbgrader's kernel never answers it: each cell waits out the timeout
            nb = nbformat.from_dict(released)
            nb.cells[0].source = code
            nb.cells[3].source = "b = 2"
            submit(classroom, A, learner, {"p1": nb})
        submit(classroom, A, "solution", {"p1": source()})
        outcomes = grade_assignment(classroom, A, progress=False, executor=executor)
        results[executor] = {o.learner: o.score for o in outcomes}
    return results


def test_both_executors_give_the_same_scores(graded):
    for learner in NBGRADER_CHEATS:
        assert graded["fast"][learner] == graded["stock"][learner], learner
    assert graded["fast"]["solution"] == 5


@pytest.mark.parametrize("cheat", sorted(set(CHEATS) - {"honest-wrong"}))
def test_a_cell_that_failed_counts_as_failed(graded, cheat):
    assert graded["fast"][cheat] == graded["fast"]["honest-wrong"] == 4
