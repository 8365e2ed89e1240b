"""One writer per course root and assignment; readers wait for writers to finish.

``triad grade``, ``release``, ``distribute``, ``collect`` and ``return`` change
an assignment's folders and grades: each holds the assignment's lock
*exclusively* for as long as it runs.  ``triad export`` and ``report`` hold it
*shared*, so they never read grades that a run is in the middle of writing.

Two locks make one, taken in this order:

* a file lock (``flock``) on ``COURSE_DIR/.locks/<assignment>.lock``, which
  holds ``{command, pid, host, since}`` of the writer in JSON, so that a second
  run can say who is in the way;
* for a PostgreSQL gradebook, also ``pg_advisory_lock`` on a connection kept
  open for the run, so that two machines sharing the database (each with its own
  copy of the course root) cannot write the same assignment at once.

Both are released by the operating system or the database server when the
process holding them dies, however it dies (SIGKILL included): a lock left by
a crashed run is simply taken over by the next one, which says so.  The
grading processes forked by a run share its file lock, so the assignment stays
locked until every one of them has stopped.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import socket
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from .config import COURSE_ID

#: ``triad``'s exit status when another run holds the assignment.
EXIT_BUSY = 4

LOCK_DIR = ".locks"


@dataclass(frozen=True)
class Holder:
    """Who holds (or last held) an assignment's lock."""

    command: str
    pid: int
    host: str
    since: str

    def describe(self) -> str:
        where = "" if self.host == socket.gethostname() else f" on {self.host}"
        return f"`{self.command}` (process {self.pid}{where}, since {self.since})"

    @classmethod
    def here(cls, command: str) -> Holder:
        since = datetime.now().astimezone().isoformat(sep=" ", timespec="seconds")
        return cls(command, os.getpid(), socket.gethostname(), since)


class Busy(RuntimeError):
    """Another run holds the assignment: its ``holder`` if known."""

    def __init__(self, assignment: str, holder: Holder | None, shared: bool):
        self.assignment, self.holder = assignment, holder
        who = (
            holder.describe()
            if holder
            else "a reading command (`triad export` or `triad report`)"
        )
        verb = "read" if shared else "change"
        super().__init__(
            f"{assignment} is in use by {who}; this command would {verb} it at the same time. "
            f"Let that run finish and try again, or add --wait to wait for it."
        )


def lock_key(assignment: str) -> int:
    """The 64-bit key of ``assignment``'s PostgreSQL advisory lock (the same on every machine)."""
    digest = hashlib.blake2b(f"triad/{COURSE_ID}/{assignment}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_path(root: Path, assignment: str) -> Path:
    if not assignment or "/" in assignment or assignment.startswith("."):
        raise LookupError(f"{assignment!r} is not an assignment name")
    return Path(root) / LOCK_DIR / f"{assignment}.lock"


def read_holder(path: Path) -> Holder | None:
    """The writer recorded in a lock file, or ``None`` (no file, empty, unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "null")
        return Holder(str(data["command"]), int(data["pid"]), str(data["host"]),
                      str(data["since"]))  # fmt: skip
    except (OSError, ValueError, TypeError, KeyError):
        return None


def _running(holder: Holder | None) -> Holder | None:
    """``holder`` unless it is a process of this machine that no longer exists."""
    if holder is None or holder.host != socket.gethostname():
        return holder
    try:
        os.kill(holder.pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return holder


# Locks this process holds: (root, assignment) -> "exclusive" or "shared".  A command that
# calls another (``distribute`` releases first) takes each lock once.
_HELD: dict[tuple[str, str], str] = {}


class _FileLock:
    def __init__(self, path: Path, shared: bool):
        self.path, self.shared, self.fd, self.locked = path, shared, -1, False

    def open(self) -> bool:
        """Open the lock file; ``False`` when it cannot exist (a reader on a read-only root)."""
        try:
            self.path.parent.mkdir(exist_ok=True)
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as error:
            if not self.shared or error.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
                raise
            try:
                self.fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
            except OSError:
                return False
        return True

    def try_lock(self, block: bool) -> bool:
        mode = fcntl.LOCK_SH if self.shared else fcntl.LOCK_EX
        try:
            fcntl.flock(self.fd, mode | (0 if block else fcntl.LOCK_NB))
        except BlockingIOError:
            return False
        self.locked = True
        return True

    def record(self, holder: Holder) -> Holder | None:
        """Write ``holder`` into the file; return the one a crashed run left there, if any."""
        left = read_holder(self.path)
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, json.dumps(asdict(holder)).encode(), 0)
        return left

    def release(self) -> None:
        if self.fd < 0:
            return
        if self.locked:
            with contextlib.suppress(OSError):
                if not self.shared:
                    os.ftruncate(self.fd, 0)  # a clean end leaves no holder behind
                fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
        self.fd = -1


class _DatabaseLock:
    """PostgreSQL advisory locks on one connection kept open while they are held."""

    def __init__(self, db_url: str, holder: Holder, shared: bool):
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        name = f"triad {holder.command.removeprefix('triad ')} pid={holder.pid} host={holder.host}"
        self.engine = create_engine(
            db_url, poolclass=NullPool,
            connect_args={"application_name": name[:63], "connect_timeout": 10},
        )  # fmt: skip
        self.shared = shared
        self.connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        self.keys: list[int] = []

    def try_lock(self, key: int, block: bool) -> bool:
        from sqlalchemy import text

        kind = "_shared" if self.shared else ""
        if block:
            self.connection.execute(text(f"SELECT pg_advisory_lock{kind}(:k)"), {"k": key})
            got = True
        else:
            query = text(f"SELECT pg_try_advisory_lock{kind}(:k)")
            got = bool(self.connection.execute(query, {"k": key}).scalar())
        if got:
            self.keys.append(key)
        return got

    def holder(self, key: int) -> Holder | None:
        """The triad run holding ``key``, from the server's list of sessions."""
        from sqlalchemy import text

        row = self.connection.execute(
            text(
                "SELECT a.application_name, a.backend_start, a.pid FROM pg_locks l "
                "JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
                "AND l.classid::bigint = :hi AND l.objid::bigint = :lo "
                "AND l.mode = 'ExclusiveLock' LIMIT 1"
            ),
            {"hi": (key >> 32) & 0xFFFFFFFF, "lo": key & 0xFFFFFFFF},
        ).first()
        if row is None:
            return None
        name, started, backend = row
        fields = dict(part.split("=", 1) for part in (name or "").split() if "=" in part)
        command = " ".join(part for part in (name or "").split() if "=" not in part)
        since = started.astimezone().isoformat(sep=" ", timespec="seconds") if started else "?"
        if not command.startswith("triad"):
            return Holder(f"database session {backend}", backend, "the database server", since)
        return Holder(command, int(fields.get("pid", backend)), fields.get("host", "?"), since)

    def release(self) -> None:
        from sqlalchemy import text

        with contextlib.suppress(Exception):
            kind = "_shared" if self.shared else ""
            for key in self.keys:
                self.connection.execute(text(f"SELECT pg_advisory_unlock{kind}(:k)"), {"k": key})
        with contextlib.suppress(Exception):
            self.connection.close()
        self.engine.dispose()


def _is_postgres(db_url: str | None) -> bool:
    return bool(db_url) and db_url.split(":", 1)[0].split("+", 1)[0] in ("postgresql", "postgres")


@contextlib.contextmanager
def hold(
    root: Path,
    db_url: str | None,
    assignments: str | Iterable[str],
    command: str,
    *,
    shared: bool = False,
    wait: bool = False,
    say: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the locks of ``assignments`` (see the module's docstring) for the ``with`` block.

    Without ``wait`` a lock held by another run raises ``Busy``; with it, ``say``
    is told who is in the way and the call waits.  ``say`` also hears when a
    lock left by a crashed run is taken over.
    """
    say = say or (lambda message: None)
    names = [assignments] if isinstance(assignments, str) else sorted(set(assignments))
    root = Path(root).resolve()
    wanted = []
    for name in names:
        held = _HELD.get((str(root), name))
        if held == "exclusive" or (held == "shared" and shared):
            continue
        if held == "shared":
            raise RuntimeError(f"{name}: cannot change an assignment while reading it")
        wanted.append(name)
    me = Holder.here(command)
    files: list[_FileLock] = []
    database: _DatabaseLock | None = None
    try:
        for name in wanted:
            lock = _FileLock(lock_path(root, name), shared)
            if not lock.open():
                continue
            files.append(lock)
            if not lock.try_lock(block=False):
                holder = _running(read_holder(lock.path))
                if not wait:
                    raise Busy(name, holder, shared)
                say(_waiting(name, holder))
                lock.try_lock(block=True)
            if not shared:
                left = lock.record(me)
                if left is not None and left.pid != me.pid:
                    say(f"{name}: {left.describe()} stopped without finishing; "
                        f"taking over its lock (running again finishes its work)")  # fmt: skip
        if _is_postgres(db_url) and wanted:
            database = _DatabaseLock(db_url, me, shared)
            for name in wanted:
                key = lock_key(name)
                if database.try_lock(key, block=False):
                    continue
                holder = database.holder(key)
                if not wait:
                    raise Busy(name, holder, shared)
                say(_waiting(name, holder))
                database.try_lock(key, block=True)
        for name in wanted:
            _HELD[str(root), name] = "shared" if shared else "exclusive"
        yield
    finally:
        for name in wanted:
            _HELD.pop((str(root), name), None)
        if database is not None:
            database.release()
        for lock in reversed(files):
            lock.release()


def _waiting(assignment: str, holder: Holder | None) -> str:
    who = holder.describe() if holder else "a reading command (`triad export` or `triad report`)"
    return f"waiting for {who} to finish with {assignment}"
