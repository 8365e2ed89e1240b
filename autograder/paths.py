"""Where the course's text sources, the nbgrader course root and the learner workspace live."""

from __future__ import annotations

import os
import sys
from pathlib import Path

#: The repository holding ``lessons/`` and ``exercises/`` (this package is installed from it).
REPO = Path(__file__).resolve().parent.parent
LESSONS = REPO / "lessons"
EXERCISES = REPO / "exercises"


def default_course_dir() -> Path:
    """The nbgrader course root: ``$TRIAD_COURSE_DIR``, else ``classroom/`` in the repository."""
    return Path(os.environ.get("TRIAD_COURSE_DIR") or REPO / "classroom").resolve()


def default_workspace() -> Path:
    """The learner's own copies: ``$TRIAD_WORKSPACE``, else ``workspace/`` in the repository."""
    return Path(os.environ.get("TRIAD_WORKSPACE") or REPO / "workspace").resolve()


def sqlite_url(course_dir: Path) -> str:
    """The default gradebook: SQLite at ``COURSE_DIR/gradebook.db``."""
    return f"sqlite:///{Path(course_dir).resolve() / 'gradebook.db'}"


def database_url(url: str) -> str:
    """``url`` with PostgreSQL's driver spelled out: ``postgresql://`` uses psycopg (version 3).

    Triad installs psycopg 3; SQLAlchemy before 2.1 would read a bare
    ``postgresql://`` as psycopg2.  Other URLs are returned unchanged.
    """
    scheme, separator, rest = url.partition("://")
    if separator and scheme in ("postgresql", "postgres"):
        return f"postgresql+psycopg://{rest}"
    return url


def put_interpreter_on_path() -> None:
    """Make the tools installed beside this interpreter (``alembic``, ``jupyter``) findable.

    nbgrader runs ``alembic`` as a command when it creates a gradebook, which
    fails when ``triad`` is called as ``.venv/bin/triad`` without an activated
    virtual environment.
    """
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
