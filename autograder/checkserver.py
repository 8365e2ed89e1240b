"""A warm ``triad check``: one process per workspace that stays ready between checks.

Most of a cold ``triad check`` is starting up: importing nbgrader, nbconvert
and the judge's checks, starting the sandboxed zygote, compiling the feedback
page.  After a check, ``triad check`` (and ``triad lab``) leave this server
running in the background, with all of that done; the next check sends it the
workspace and the assignment over a Unix socket and prints its answer.  It
grades exactly as a cold check does (``workspace.self_check``: the learner's
code in the sandbox, the judge in the server), one check at a time.

The socket is in the owner's cache (``user_cache_dir()/servers``, mode 0700),
named after the workspace, the Python running Triad, the course sources and a
stamp of Triad's own code: a change to any of them means another server, and a
server whose code changed, or that has had nothing to do for ``IDLE`` seconds,
ends by itself.  ``TRIAD_CHECK_SERVER=0`` turns it off (every check is cold).
Whatever goes wrong with a server, the check is made the cold way.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

from .paths import user_cache_dir

#: Seconds without a check after which the server ends.
IDLE = 20 * 60
#: How long a check may take through the server before the client gives up on it.
ANSWER_SECONDS = 600
#: The most a request or an answer may hold.
MOST = 4 << 20
_PACKAGES = ("autograder", "course")


def enabled() -> bool:
    return os.environ.get("TRIAD_CHECK_SERVER", "1") != "0"


def code_stamp() -> str:
    """A digest of Triad's own code files (names, sizes and times of change)."""
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent.parent
    for package in _PACKAGES:
        for path in sorted((here / package).glob("*.py")):
            info = path.stat()
            digest.update(f"{path.name}:{info.st_size}:{info.st_mtime_ns};".encode())
    return digest.hexdigest()[:16]


def address(workspace: Path | str) -> Path:
    """The socket of the server of ``workspace`` for this Python, these sources and this code."""
    key = json.dumps([str(Path(workspace).resolve()), sys.executable,
                      os.environ.get("TRIAD_SOURCES", ""), code_stamp()])  # fmt: skip
    return user_cache_dir() / "servers" / f"{hashlib.sha256(key.encode()).hexdigest()[:20]}.sock"


def _send(sock: socket.socket, message: dict) -> None:
    sock.sendall(json.dumps(message).encode() + b"\n")


def _receive(sock: socket.socket, deadline: float) -> dict:
    data = b""
    while not data.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or len(data) > MOST:
            raise TimeoutError("no answer in time")
        sock.settimeout(left)
        chunk = sock.recv(1 << 16)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        data += chunk
    return json.loads(data)


def _exchange(workspace: Path | str, message: dict, seconds: float) -> dict | None:
    """Send ``message`` to the workspace's server and return its answer, or ``None``."""
    path = address(workspace)
    if not path.exists():
        return None
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        try:
            sock.settimeout(2)
            sock.connect(str(path))
            _send(sock, message)
            reply = _receive(sock, time.monotonic() + seconds)
        except (OSError, ValueError, TimeoutError):
            return None
    return reply if isinstance(reply, dict) else None


def ask(workspace: Path | str, assignment: str, answers: bool) -> tuple[str, int] | None:
    """The check's text and exit status from the workspace's server, or ``None`` (check cold)."""
    reply = _exchange(workspace, {"workspace": str(Path(workspace).resolve()),
                                  "assignment": assignment, "answers": answers},
                      ANSWER_SECONDS)  # fmt: skip
    if reply is None or not isinstance(reply.get("text"), str):
        return None
    return reply["text"], int(reply.get("status", 1))


def stop(workspace: Path | str) -> bool:
    """Ask the workspace's server to end; whether one was there to ask."""
    return _exchange(workspace, {"stop": True}, 30) is not None


def start(workspace: Path | str, assignment: str | None = None) -> None:
    """Start the workspace's server in the background, unless it runs (or is turned off).

    With ``assignment``, the server grades it once first (as it stands), so that
    its grading process and sandbox are warm for the next check.
    """
    if not enabled() or address(workspace).exists():
        return
    with contextlib.suppress(OSError):
        subprocess.Popen([sys.executable, "-m", "autograder.checkserver", str(workspace),
                          *([assignment] if assignment else [])],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True,
                         cwd=str(Path(workspace).resolve()))  # fmt: skip


def serve(workspace: Path, assignment: str | None = None) -> None:
    """Answer checks of ``workspace`` until idle for ``IDLE`` seconds or Triad's code changes."""
    path = address(workspace)
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder, 0o700)
    if folder.stat().st_uid != os.getuid():
        return
    lock = os.open(path.with_suffix(".lock"), os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # one server per socket
    except OSError:
        os.close(lock)
        return
    stamp = code_stamp()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        path.unlink(missing_ok=True)
        old = os.umask(0o177)
        try:
            server.bind(str(path))
        finally:
            os.umask(old)
        server.listen(8)
        try:
            _warm(workspace, assignment)
            last = time.monotonic()
            while time.monotonic() - last < IDLE and code_stamp() == stamp:
                ready, _, _ = select.select([server], [], [], 30)
                if not ready:
                    continue
                connection, _ = server.accept()
                with connection:
                    if not _answer(connection, workspace):
                        break
                last = time.monotonic()
        finally:
            path.unlink(missing_ok=True)
            os.close(lock)


def _warm(workspace: Path, assignment: str | None) -> None:
    """Import what a check needs, and grade ``assignment`` once, before the first check comes.

    Its zygotes speculate: between checks they also import what a learner's cell may import.
    """
    from .workspace import self_check
    from .zygotes import Zygote

    Zygote.speculate = True

    if assignment:
        with contextlib.suppress(Exception):
            self_check(workspace, assignment, force=True)


def _answer(connection: socket.socket, workspace: Path) -> bool:
    """Answer one request; ``False`` when told to stop."""
    try:
        request = _receive(connection, time.monotonic() + 30)
    except (OSError, ValueError, TimeoutError):
        return True
    if request.get("stop"):
        with contextlib.suppress(OSError):
            _send(connection, {"stopped": True})
        return False
    if request.get("workspace") != str(workspace.resolve()):
        return True  # not this server's workspace: the client checks cold
    from .workspace import self_check

    try:
        result = self_check(workspace, str(request.get("assignment")),
                            answers=bool(request.get("answers")))  # fmt: skip
        reply = {"text": result.summary(), "status": 0 if result.outcome.status == "graded" else 1}
    except Exception:  # the client checks cold, and says what is wrong
        return True
    with contextlib.suppress(OSError):
        _send(connection, reply)
    return True


if __name__ == "__main__":
    serve(Path(sys.argv[1]).resolve(), sys.argv[2] if len(sys.argv) > 2 else None)
