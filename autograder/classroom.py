"""A Triad course root: nbgrader's folders, its gradebook and its API in one object."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory

from .config import course_id, nbgrader_config, write_config_file
from .failures import CourseRootMissing, check_gradebook
from .paths import database_url, put_interpreter_on_path, sqlite_url


@dataclass
class Classroom:
    """The nbgrader course root at ``root`` with its gradebook at ``db_url``.

    ``db_url`` defaults to SQLite at ``root/gradebook.db``; any SQLAlchemy URL
    that nbgrader supports (PostgreSQL included) works.

    Commands that change an assignment hold its lock (``lock``): with ``wait``
    they wait for another run to finish, otherwise they raise
    ``autograder.locking.Busy``; ``say`` hears what they wait for.  With
    ``create=False`` a missing ``root`` raises ``CourseRootMissing`` instead of
    being created.
    """

    root: Path
    db_url: str | None = None
    wait: bool = False
    say: Callable[[str], None] | None = field(default=None, repr=False)
    create: bool = True
    course_id: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        put_interpreter_on_path()
        self.root = Path(self.root).resolve()
        if not self.create and not self.root.is_dir():
            raise CourseRootMissing(self.root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.db_url = database_url(self.db_url) if self.db_url else sqlite_url(self.root)
        write_config_file(self.root, None if self.db_url == sqlite_url(self.root) else self.db_url)
        self.config = nbgrader_config(self.root, self.db_url)
        self.course_id = course_id(self.config)

    @cached_property
    def coursedir(self) -> CourseDirectory:
        """nbgrader's view of this course root's folders (``ignore``, ``student_id_exclude``...)."""
        return CourseDirectory(config=self.config)

    @cached_property
    def api(self) -> NbGraderAPI:
        """nbgrader's API on this course root, made when first used (the fast grader needs none)."""
        return NbGraderAPI(coursedir=self.coursedir, config=self.config)

    def folder(self, step: str, assignment: str, learner: str | None = None) -> Path:
        """``root/step[/learner]/assignment``, e.g. ``folder("submitted", "a1", "ada")``."""
        parts = [step, learner, assignment] if learner else [step, assignment]
        return self.root.joinpath(*parts)

    def lock(self, assignments, command: str, *, shared: bool = False):
        """Hold the lock of ``assignments`` (one name or several) for a ``with`` block.

        ``shared`` is for reading: readers exclude writers, not one another.  See
        ``autograder.locking``.
        """
        from .locking import hold

        say = self.say or (lambda message: print(f"{command}: {message}", file=sys.stderr))
        return hold(self.root, self.db_url, assignments, command, shared=shared,
                    wait=self.wait, say=say)  # fmt: skip

    def check_gradebook(self) -> None:
        """Raise a ``failures.Fault`` saying what is wrong if the gradebook cannot be used.

        A damaged SQLite file is only read, never written.
        """
        check_gradebook(self.db_url)

    def gradebook(self) -> Gradebook:
        """Open the gradebook (use as a context manager)."""
        return Gradebook(self.db_url, self.course_id)

    def submitters(self, assignment: str) -> list[str]:
        """Learners with a folder under ``submitted/<learner>/<assignment>/``, sorted."""
        submitted = self.root / "submitted"
        if not submitted.is_dir():
            return []
        return sorted(
            learner.name
            for learner in submitted.iterdir()
            if (learner / assignment).is_dir() and not learner.name.startswith(".")
        )
