"""Where the course's text sources, the nbgrader course root and the learner workspace live."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

#: The folder the packages ``course`` and ``autograder`` were imported from.  For an
#: editable install from a git checkout that is the repository, with ``lessons/`` and
#: ``exercises/``; for a regular install it is ``site-packages``, which holds neither.
REPO = Path(__file__).resolve().parent.parent
LESSONS = REPO / "lessons"
EXERCISES = REPO / "exercises"

#: The setting that says where the course's sources are (``--sources DIR`` on the command line).
SOURCES_SETTING = "TRIAD_SOURCES"


class SourcesNotFound(FileNotFoundError):
    """The course's sources (``lessons/`` and ``exercises/``) are not where the settings say."""


def _holds_sources(folder: Path) -> bool:
    try:
        return (folder / "lessons").is_dir() and (folder / "exercises").is_dir()
    except PermissionError as error:
        raise SourcesNotFound(
            f"cannot read the course's sources in {folder}: {error.strerror} "
            f"(they are for instructors only; set {SOURCES_SETTING} or --sources to a copy you "
            "can read)"
        ) from None


def installed_from_checkout() -> bool:
    """Whether Triad is installed editable from a git checkout (which holds the sources)."""
    return (REPO / "pyproject.toml").is_file() and _holds_sources(REPO)


def sources_dir(explicit: Path | str | None = None) -> Path:
    """The folder holding ``lessons/`` and ``exercises/``, with solutions and hidden tests.

    ``explicit`` (``--sources DIR``), else ``$TRIAD_SOURCES``, else the checkout
    Triad is installed editable from.  A regular install (``pip install .``, as on
    a hub) carries no sources, so it needs one of the settings.  Raises
    ``SourcesNotFound``, whose message names the setting, when there are none.
    """
    chosen = explicit or os.environ.get(SOURCES_SETTING)
    if chosen:
        folder = Path(chosen).expanduser().resolve()
        if not _holds_sources(folder):
            raise SourcesNotFound(
                f"{folder} holds no lessons/ and exercises/: point --sources or "
                f"{SOURCES_SETTING} at the course's sources (its git checkout)"
            )
        return folder
    if installed_from_checkout():
        return REPO
    raise SourcesNotFound(
        "cannot find the course's sources (lessons/ and exercises/): give --sources DIR or "
        f"set {SOURCES_SETTING} to the course's git checkout"
    )


def lessons_dir(explicit: Path | str | None = None) -> Path:
    """``lessons/`` in :func:`sources_dir`."""
    return sources_dir(explicit) / "lessons"


def exercises_dir(explicit: Path | str | None = None) -> Path:
    """``exercises/`` in :func:`sources_dir`."""
    return sources_dir(explicit) / "exercises"


def _home() -> Path:
    """The checkout Triad is installed editable from, else the current folder."""
    return REPO if (REPO / "pyproject.toml").is_file() else Path.cwd()


def default_course_dir() -> Path:
    """The nbgrader course root: ``$TRIAD_COURSE_DIR``, else ``classroom/`` in the repository.

    (For a regular install, not from a checkout: ``classroom/`` in the current folder.)
    """
    return Path(os.environ.get("TRIAD_COURSE_DIR") or _home() / "classroom").resolve()


def default_workspace() -> Path:
    """The learner's own copies: ``$TRIAD_WORKSPACE``, else ``workspace/`` in the repository.

    (For a regular install, not from a checkout: ``workspace/`` in the current folder.)
    """
    return Path(os.environ.get("TRIAD_WORKSPACE") or _home() / "workspace").resolve()


def user_cache_dir() -> Path:
    """Triad's per-user cache: ``$XDG_CACHE_HOME/triad`` (``~/.cache/triad`` by default)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "triad"


def check_course_dir(workspace: Path | str) -> Path:
    """Where ``triad check`` keeps the private course root of ``workspace`` (see
    ``autograder.workspace.workspace_classroom``)."""
    workspace = Path(workspace).resolve()
    digest = hashlib.sha256(str(workspace).encode()).hexdigest()[:16]
    return user_cache_dir() / "check" / f"{workspace.name}-{digest}"


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
