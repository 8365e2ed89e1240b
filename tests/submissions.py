"""Helpers that make real submissions for the grader tests: solution, blank, or edited."""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from autograder.classroom import Classroom


def source_notebook(classroom: Classroom, assignment: str, name: str) -> NotebookNode:
    """The instructor's version (with solutions and hidden tests)."""
    return nbformat.read(classroom.folder("source", assignment) / f"{name}.ipynb", as_version=4)


def release_notebook(classroom: Classroom, assignment: str, name: str) -> NotebookNode:
    """The blank learner version."""
    return nbformat.read(classroom.folder("release", assignment) / f"{name}.ipynb", as_version=4)


def edited(nb: NotebookNode, **sources: str) -> NotebookNode:
    """A copy of ``nb`` whose cells with the given nbgrader ``grade_id`` get new source."""
    nb = copy.deepcopy(nb)
    found = set()
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in sources:
            cell.source = sources[grade_id]
            found.add(grade_id)
    missing = set(sources) - found
    assert not missing, f"no cells {missing}"
    return nb


def submit(classroom: Classroom, assignment: str, learner: str, notebooks: dict) -> Path:
    """Place notebooks (NotebookNode, or raw ``str`` for damaged files) as a submission."""
    folder = classroom.folder("submitted", assignment, learner)
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in notebooks.items():
        path = folder / f"{name}.ipynb"
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            nbformat.write(content, path)
    return folder


def solution_source(nb: NotebookNode, grade_id: str) -> str:
    """The source of the cell ``grade_id`` without nbgrader's solution markers: a solved cell."""
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return "\n".join(
                line for line in cell.source.splitlines()
                if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")
            ) + "\n"
    raise KeyError(f"no cell {grade_id}")


def feedback_html(classroom: Classroom, assignment: str, learner: str, name: str) -> str:
    """The feedback page a learner receives for one notebook."""
    return (classroom.folder("feedback", assignment, learner) / f"{name}.html").read_text()


def grade_cohort(root: Path, assignment: str, name: str, edits) -> tuple[Classroom, dict]:
    """Release ``assignment`` into a classroom at ``root`` and grade a small cohort.

    The cohort is ``"solution"`` (the source notebook), ``"blank"`` (the release) and one
    learner per entry of ``edits``: ``{learner: {grade_id: new source}}``, each applied to
    the blank notebook.  ``edits`` may also be a function of the source notebook that
    returns that mapping.  Returns the classroom and ``{learner: Outcome}``.
    """
    from autograder.build import release
    from autograder.grade import grade_assignment

    classroom = Classroom(root)
    release(classroom, [assignment])
    source = source_notebook(classroom, assignment, name)
    blank = release_notebook(classroom, assignment, name)
    if callable(edits):
        edits = edits(source)
    submit(classroom, assignment, "solution", {name: source})
    submit(classroom, assignment, "blank", {name: blank})
    for learner, cells in edits.items():
        submit(classroom, assignment, learner, {name: edited(blank, **cells)})
    outcomes = {o.learner: o for o in grade_assignment(classroom, assignment, progress=False)}
    return classroom, outcomes
