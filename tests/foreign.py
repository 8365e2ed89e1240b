"""A course root that Triad did not make: an nbgrader course set up by hand, for the tests.

``nbgrader_api`` is the instructor's own nbgrader, reading only the course's
``nbgrader_config.py`` (none of Triad's settings); ``Root`` is what
``submissions.submit`` needs of a classroom.
"""

from __future__ import annotations

from pathlib import Path


def nbgrader_api(root: Path):
    """nbgrader's API for the course root ``root``, configured by its own file only."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    from autograder.paths import put_interpreter_on_path

    put_interpreter_on_path()  # nbgrader runs alembic as a command
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    config.CourseDirectory.root = str(root)
    return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)


class Root:
    """The folders of a course root, as ``Classroom.folder`` names them."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def folder(self, step: str, assignment: str, learner: str | None = None) -> Path:
        parts = [step, learner, assignment] if learner else [step, assignment]
        return self.root.joinpath(*parts)
