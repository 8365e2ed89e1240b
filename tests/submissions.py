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
