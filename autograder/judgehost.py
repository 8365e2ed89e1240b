"""A process of the grader's own that judges, started before the grader imports nbgrader.

Most of a cold ``triad check`` is importing: nbgrader, nbconvert and SQLAlchemy
in the command, then, once the learner's cells have run, the judge's own
modules in the grading process (the set-up cells' pandas and the course's
checks).  Those come one after the other on one core while the other core,
once the zygote is ready, waits.  ``launch`` forks a judging process as the
command starts, before any of those imports: it reads the assignment's source
notebooks, runs their judges' set-up cells (``Judge.base_namespace``) and
imports what their test cells import, alongside the command.  The grading
process (given it by ``hand_over``) then sends it each judged notebook's
collected answers and gets back what every test cell gave, serving, from its
own zygote, the calls the tests make to the learner's functions.

It stands where the grading process stands: a fork of the grader that talks
to nothing but the grading process, and the learner's answers reach it as the
same plain data.  When it cannot answer (it died, or was never started), the
grading process judges in its own process, as it does without one.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
from pathlib import Path

from .frames import read_frame, write_frame


class JudgeHost:
    """The grader's end of a judging process (``launch``)."""

    def __init__(self, pid: int, sock: socket.socket):
        self.pid = pid
        self.sock = sock

    def run_tests(self, source: Path, collected: dict, caller, seconds: float,
                  feedback: str | None) -> dict | None:
        """``Judge.run_tests`` of the judge of ``source``, there; ``None`` if it cannot answer.

        Each call of a learner's function it asks for goes to ``caller``
        (``Zygote.call``) here.  What each test cell gave comes back as
        ``CellRun`` (its outputs and records; the error is in the outputs).
        """
        from .judge import CellRun

        fd = self.sock.fileno()
        message = {"source": str(source), "collected": collected, "seconds": seconds,
                   "feedback": feedback}  # fmt: skip
        while True:
            try:
                write_frame(fd, message)
                message = read_frame(fd)
                call = message.get("call")
                if call is None:
                    break
                name, args, kwargs = str(call["name"]), list(call["args"]), dict(call["kwargs"])
                within = float(call["seconds"])
            except (OSError, EOFError, ValueError, KeyError, TypeError, AttributeError):
                self.close()  # gone, or not making sense: the grading process judges
                return None
            message = {"reply": caller(name, args, kwargs, within)}
        try:
            return {str(grade_id): CellRun(list(run["outputs"]), None, list(run["records"]))
                    for grade_id, run in message["runs"].items()}
        except (KeyError, TypeError, AttributeError):
            return None  # it could not judge this notebook: the grading process does

    def close(self) -> None:
        """Stop using it from this process (it ends when its last user closes)."""
        with contextlib.suppress(OSError):
            self.sock.close()

    def stop(self) -> None:
        """In the process that launched it: end it and wait for it."""
        self.close()
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.waitpid(self.pid, 0)


#: Started by ``launch``, waiting for ``hand_over``.
_EARLY: JudgeHost | None = None


def launch(root: Path | str, assignment: str) -> JudgeHost | None:
    """Fork the judging process of ``assignment`` of course root ``root`` (see the module).

    Nothing is started when the assignment has no source notebook that declares
    what it collects.  Inherited handles that are not its own (the zygotes'
    pipes) are closed in it; it ends with the process that launched it.
    """
    global _EARLY
    from .zygotes import forget_early

    stop_early()  # one at a time
    sources = sorted(Path(root).joinpath("source", assignment).glob("*.ipynb"))
    if not any(_declares_answers(path) for path in sources):
        return None
    ours, theirs = socket.socketpair()
    pid = os.fork()
    if pid == 0:  # the judging process: never returns into the caller's code
        status = 1
        try:
            ours.close()
            forget_early()
            _serve(theirs, sources)
            status = 0
        finally:
            os._exit(status)
    theirs.close()
    _EARLY = JudgeHost(pid, ours)
    return _EARLY


def hand_over() -> JudgeHost | None:
    """The judging process ``launch`` started, for the first grading process forked next."""
    global _EARLY
    host, _EARLY = _EARLY, None
    return host


def stop_early() -> None:
    """End the judging process ``launch`` started, if it was never handed over."""
    host = hand_over()
    if host is not None:
        host.stop()


def _declares_answers(path: Path) -> bool:
    """Whether the notebook at ``path`` declares what it collects (read as plain JSON)."""
    import json

    try:
        with open(path, encoding="utf-8") as handle:
            metadata = json.load(handle).get("metadata", {})
        return bool((metadata.get("triad") or {}).get("collect"))
    except (OSError, ValueError, AttributeError):
        return False


def _serve(sock: socket.socket, sources: list[Path]) -> None:
    """The judging process: warm every judge up, then judge what the grading process sends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the command says what an interrupt did
    with contextlib.suppress(OSError):  # the command's own imports come first
        os.nice(10)
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: end with the launcher
    judges: dict[tuple[str, int], object] = {}
    for path in sources:
        _judge_of(judges, str(path))
    fd = sock.fileno()
    while True:
        try:
            request = read_frame(fd)
        except (OSError, EOFError, ValueError):
            return
        judge = _judge_of(judges, str(request.get("source")))
        if judge is None:
            write_frame(fd, {"runs": None})
            continue

        def caller(name, args, kwargs, seconds):
            write_frame(fd, {"call": {"name": name, "args": args, "kwargs": kwargs,
                                      "seconds": seconds}})  # fmt: skip
            return read_frame(fd)["reply"]

        try:
            runs = judge.run_tests(request.get("collected") or {}, caller,
                                   float(request.get("seconds", 10)), request.get("feedback"))
        except Exception:  # the grading process judges it, and says what is wrong
            write_frame(fd, {"runs": None})
            continue
        write_frame(fd, {"runs": {grade_id: {"outputs": run.outputs, "records": run.records}
                                  for grade_id, run in runs.items()}})  # fmt: skip


class _Node(dict):
    """A notebook's JSON object with attribute access, as ``nbformat.NotebookNode`` has."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _read_notebook(path: str):
    """The notebook at ``path`` as ``Judge.from_source`` reads it.

    A version 4 notebook is read as plain JSON (its multi-line sources joined, as
    nbformat joins them): importing nbformat and its schema checks would take
    longer than the rest of this process's start.  The grading process reads the
    same notebook with nbformat, and says what is wrong with one that is not valid.
    """
    import json

    with open(path, encoding="utf-8") as handle:
        nb = json.load(handle, object_hook=_Node)
    if nb.get("nbformat") != 4:
        import nbformat

        return nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if isinstance(cell.get("source"), list):
            cell["source"] = "".join(cell["source"])
        cell.setdefault("metadata", _Node())
    nb.setdefault("metadata", _Node())
    return nb


def _judge_of(judges: dict, path: str):
    """The warm judge of the source notebook at ``path`` (``None`` if it has none)."""
    try:
        key = (path, os.stat(path).st_mtime_ns)
        if key not in judges:
            from .judge import Judge
            from .zygotes import source_imports

            judge = Judge.from_source(_read_notebook(path))
            if judge is not None:
                judge.base_namespace()
                for module in source_imports(judge.tests.values()):
                    with contextlib.suppress(Exception):
                        __import__(module)
            judges[key] = judge
        return judges[key]
    except Exception:  # the grading process judges it, and says what is wrong
        return None
