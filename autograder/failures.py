"""Faults a user can cause or meet, each told in a sentence that says what to do.

``explain`` turns an exception into a ``Fault`` (or ``None`` for a fault it
does not know); ``write_log`` keeps the full traceback in
``COURSE_DIR/logs/triad-<time>-<pid>.log`` for whoever has to look deeper.
``check_gradebook`` finds a gradebook that cannot be used before anything is
written to it: a damaged SQLite file is only ever read.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import tempfile
from datetime import datetime
from pathlib import Path

#: ``triad``'s exit status for an error that its message explains.
EXIT_ERROR = 1

BACKUP_HINT = "see 'Backing up the gradebook' in deploy/README.md"


class Fault(Exception):
    """A fault with a sentence for the user; ``status`` is ``triad``'s exit status."""

    status = EXIT_ERROR


class CourseRootMissing(Fault):
    def __init__(self, root: Path):
        super().__init__(
            f"there is no course root at {root}. Give --course-dir (or TRIAD_COURSE_DIR) the "
            f"folder where `triad release` was run, or run `triad release` to make one."
        )


class GradebookDamaged(Fault):
    def __init__(self, path: str, reason: str):
        self.path = path
        super().__init__(
            f"the gradebook {path} is damaged ({reason}); triad has not changed it. Restore it "
            f"from a backup ({BACKUP_HINT}), or move it aside and run `triad release` and "
            f"`triad grade` again to rebuild the autograded scores from the submissions "
            f"(grades given by hand are only in the backup)."
        )


class DatabaseUnavailable(Fault):
    pass


def redact(url: str | None) -> str:
    """``url`` without its password."""
    if not url:
        return "the gradebook"
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True).replace("+psycopg:", ":", 1)
    except Exception:
        return url


def _sqlite_path(db_url: str) -> str | None:
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    if url.get_backend_name() != "sqlite":
        return None
    return url.database or ":memory:"


def _first_reason(text: str) -> str:
    """The telling part of a driver's message: 'Connection refused', 'role "x" does not exist'."""
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    if not lines:
        return "no reason given"
    reason = lines[0]
    if reason.startswith("(") and ") " in reason:  # SQLAlchemy's "(psycopg.OperationalError) "
        reason = reason.split(") ", 1)[1]
    reason = reason.rsplit(" failed: ", 1)[-1]
    return reason.removeprefix("FATAL:").strip().rstrip(".")


def database_fault(text: str, db_url: str | None) -> DatabaseUnavailable:
    """The sentence for a database server that cannot be reached or refuses us."""
    reason = _first_reason(text)
    low = str(text).lower()
    where = redact(db_url)
    if "database" in low and "does not exist" in low:
        return DatabaseUnavailable(
            f"the database server has no such database ({reason}). Create it (for example "
            f"`createdb NAME` on the server) or correct --db (TRIAD_DB), now {where}."
        )
    refused = ("password authentication failed", "no pg_hba.conf entry", "authentication",
               "role", "permission denied", "no password supplied")  # fmt: skip
    if any(word in low for word in refused):
        return DatabaseUnavailable(
            f"the database server refused the login for {where} ({reason}). Check the user "
            f"name in --db (TRIAD_DB) and keep its password in ~/.pgpass."
        )
    return DatabaseUnavailable(
        f"cannot reach the gradebook database {where} ({reason}). Start the database server, "
        f"or correct the host and port in --db (TRIAD_DB); grades already recorded are kept "
        f"on the server."
    )


def check_gradebook(db_url: str) -> None:
    """Raise a ``Fault`` if the gradebook at ``db_url`` is damaged or cannot be reached."""
    path = _sqlite_path(db_url)
    if path is not None:
        if path == ":memory:" or not os.path.exists(path):
            return  # made on first use
        _check_sqlite(path)
        return
    from sqlalchemy import create_engine
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.pool import NullPool

    backend = db_url.split(":", 1)[0].split("+", 1)[0]
    connect_args = {"connect_timeout": 10} if backend in ("postgresql", "postgres") else {}
    try:
        engine = create_engine(db_url, poolclass=NullPool, connect_args=connect_args)
    except Exception as error:
        raise Fault(
            f"{redact(db_url)} is not a database URL triad can use ({_first_reason(error)}). "
            f"Give --db a URL such as postgresql://user@host/database."
        ) from error
    try:
        engine.connect().close()
    except SQLAlchemyError as error:
        raise database_fault(str(getattr(error, "orig", None) or error), db_url) from error
    finally:
        engine.dispose()


def _check_sqlite(path: str) -> None:
    try:
        # mode=rw never creates the file; a normal connection rolls back the journal a
        # crashed writer left, as nbgrader's own connection would.
        connection = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=30)
    except sqlite3.OperationalError:
        try:
            connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        except sqlite3.Error as error:
            raise Fault(f"cannot open the gradebook {path} ({error}). Check that you may read "
                        f"and write it and its folder.") from error  # fmt: skip
    try:
        result = connection.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.OperationalError as error:
        if "locked" in str(error):
            return  # another program is writing it: it is readable
        raise GradebookDamaged(path, str(error)) from error
    except sqlite3.DatabaseError as error:
        raise GradebookDamaged(path, str(error)) from error
    finally:
        connection.close()
    if result != "ok":
        raise GradebookDamaged(path, f"integrity check: {result}")


def os_fault(error: OSError) -> Fault:
    """The sentence for a file system error: disk full, no permission, missing file."""
    where = error.filename or "a file"
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return Fault(
            f"the disk is full: could not write {where}. Free some space and run the same "
            f"command again; grades recorded before are kept."
        )
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return Fault(
            f"cannot write {where} ({error.strerror}). The course root and everything in it "
            f"must be writable by you: check their owner and permissions, or --course-dir."
        )
    if error.errno == errno.ENOENT and error.filename:
        return Fault(
            f"{where} does not exist (moved or deleted while triad ran?). Check the path and "
            f"run the same command again."
        )
    if error.errno is None:  # raised by triad itself with a sentence
        return Fault(str(error))
    return Fault(f"{error.strerror or error}: {where}.")


def explain(error: BaseException, db_url: str | None = None) -> Fault | None:
    """The ``Fault`` that says what ``error`` means to a user, or ``None`` if it is unknown."""
    if isinstance(error, Fault):
        return error
    from sqlalchemy import exc

    if isinstance(error, exc.DBAPIError):
        orig = error.orig
        if isinstance(orig, sqlite3.Error):
            return _sqlite_fault(orig, db_url)
        if isinstance(error, (exc.OperationalError, exc.InterfaceError)):
            return database_fault(str(orig or error), db_url)
        return None
    if isinstance(error, (exc.ArgumentError, exc.NoSuchModuleError)):
        return Fault(f"{redact(db_url)} is not a database URL triad can use "
                     f"({_first_reason(error)}).")  # fmt: skip
    if isinstance(error, sqlite3.Error):
        return _sqlite_fault(error, db_url)
    if isinstance(error, OSError):
        return os_fault(error)
    return None


def _sqlite_fault(error: sqlite3.Error, db_url: str | None) -> Fault:
    path = (_sqlite_path(db_url) if db_url else None) or "gradebook.db"
    text = str(error)
    if isinstance(error, sqlite3.OperationalError):
        if "locked" in text:
            return Fault(f"the gradebook {path} stayed locked by another program ({text}). "
                         f"Run the same command again when it is done.")  # fmt: skip
        if "full" in text:
            return Fault(f"the disk holding the gradebook {path} is full. Free some space "
                         f"and run the same command again; grades recorded before are kept.")
        if "readonly" in text or "unable to open" in text:
            return Fault(f"cannot write the gradebook {path} ({text}). It and its folder must "
                         f"be writable by you.")  # fmt: skip
        return Fault(f"the gradebook {path} could not be used ({text}).")
    return GradebookDamaged(path, text)


def log_folder(course_dir: Path | None) -> Path:
    """``COURSE_DIR/logs`` when it can be written, else a ``triad-logs`` temporary folder."""
    for folder in ([Path(course_dir) / "logs"] if course_dir else []) + [
        Path(tempfile.gettempdir()) / "triad-logs"
    ]:
        try:
            if folder.parent.is_dir():
                folder.mkdir(exist_ok=True)
                if os.access(folder, os.W_OK):
                    return folder
        except OSError:
            continue
    return Path(tempfile.gettempdir())


def write_log(course_dir: Path | None, argv: list[str], details: str) -> Path | None:
    """Write ``details`` (a traceback) to a new log file; return its path, or ``None``."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = log_folder(course_dir) / f"triad-{stamp}-{os.getpid()}.log"
    try:
        path.write_text(f"triad {' '.join(argv)}\n\n{details}", encoding="utf-8")
    except OSError:
        return None
    return path
