"""The grader's side of a zygote (``autograder.zygote``): starting it and talking to it.

This module imports little, so that ``triad grade`` and ``triad check`` can
start the zygotes first thing (``launch_early``), while the rest of Triad,
nbgrader and nbconvert are still being imported: a zygote takes about as long
to import what the notebooks need as the command does to import its own.
"""

from __future__ import annotations

import ast
import atexit
import base64
import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from .frames import read_frame, write_frame
from .sandbox import Limits, find_bwrap, zygote_command

#: What every zygote imports before its first notebook, with what the notebooks import.
BASE_PRELOAD = ["IPython"]
#: What a speculating zygote (``Zygote.speculate``) also imports, once it is ready and while
#: it waits for notebooks: what a learner's cell may import that the source notebooks do not.
SPECULATIVE_PRELOAD = [
    "matplotlib_inline.backend_inline",
    "numpy",
    "pandas",
    "matplotlib",
    "matplotlib.pyplot",
]


def _code_sources(path) -> list[str]:
    """The code cells' sources of the notebook at ``path``, read as plain JSON (``[]`` if not one).

    It is only read for what it imports, so it is not validated: ``nbformat`` and
    its schema checks are most of the time this would otherwise take.
    """
    try:
        with open(path, encoding="utf-8") as handle:
            cells = json.load(handle).get("cells", [])
    except (OSError, ValueError, AttributeError):
        return []
    sources = []
    for cell in cells if isinstance(cells, list) else []:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            sources.append("".join(source) if isinstance(source, list) else str(source))
    return sources


def notebook_imports(paths) -> list[str]:
    """The modules the notebooks at ``paths`` import (from their source code, never run)."""
    return source_imports(source for path in paths for source in _code_sources(path))


def source_imports(sources) -> list[str]:
    """The modules the Python ``sources`` import (read, never run)."""
    found: list[str] = []
    for source in sources:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.append(node.module)
    return list(dict.fromkeys(found))


def needed_first(preload: list[str]) -> list[str]:
    """What a zygote imports before its first notebook: IPython, and what the notebooks import."""
    return list(dict.fromkeys(BASE_PRELOAD + list(preload)))


class ZygoteError(RuntimeError):
    pass


class Zygote:
    """A warm process (sandboxed or not) that runs notebooks' code cells on request."""

    #: Whether zygotes started from now on import ``SPECULATIVE_PRELOAD`` and warm up
    #: everything ``runner.warm_up`` can while idle, before any notebook needs it.  Off for
    #: ``triad grade``, whose zygotes are seldom idle: a step under way holds up the next
    #: notebook, and one no notebook needs is wasted (they warm what the notebooks turn out
    #: to need).  A check server, idle between a learner's checks, turns it on.
    speculate = False

    def __init__(self, preload: list[str], limits: Limits, sandboxed: bool = True):
        self.needed = needed_first(preload)
        extra = SPECULATIVE_PRELOAD if self.speculate else []
        self.preload = list(dict.fromkeys(self.needed + extra))
        #: started by another process (``launch_early``), which this one was forked from
        self.adopted = False
        self.pidfd: int | None = None
        self.limits = limits
        self.sandboxed = sandboxed
        self.process: subprocess.Popen | None = None
        self.scratch: str | None = None  # the unsandboxed zygote's working folders, removed by stop
        self.language_info: dict = {}
        self.serving = False  # a judged notebook's process is up, for calls of its functions
        #: what the last notebook run wrote in its folder (``runner.written_files``), if known
        self.written: dict | None = None
        self.log = tempfile.TemporaryFile()

    def start(self) -> None:
        self.launch()
        self.wait_ready()

    def launch(self) -> None:
        """Start the process; it imports and warms up while the caller does other work."""
        top_level = {name.split(".")[0] for name in self.preload}
        cmd, env = zygote_command(self.sandboxed, top_level, self.limits)
        self.process = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            env=env,
            start_new_session=True,
            bufsize=0,
        )
        with contextlib.suppress(AttributeError, OSError):  # to tell, once adopted, if it is up
            self.pidfd = os.pidfd_open(self.process.pid)
        self.scratch = None if self.sandboxed else tempfile.mkdtemp(prefix="triad-scratch-")
        scratch = "/tmp/work" if self.sandboxed else self.scratch
        later = [name for name in self.preload if name not in self.needed]
        write_frame(self.process.stdin.fileno(), {"preload": self.needed, "later": later,
                                                  "scratch": scratch, "speculate": self.speculate})

    def hand_over(self) -> None:
        """Called in the process that launched it once the grading process using it is forked.

        Only the grading process talks to it from then on: this one closes its ends
        of the pipes (so the zygote sees its grading process go), and keeps the
        ``Popen`` only to reap it (see ``reap``).
        """
        self._close_handles()

    def forget(self) -> None:
        """Called in a grading process for another one's zygote: close the pipes it inherited."""
        self._close_handles()
        self.process = None

    def _close_handles(self) -> None:
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                stream.close()
        if self.pidfd is not None:
            with contextlib.suppress(OSError):
                os.close(self.pidfd)
            self.pidfd = None

    def reap(self) -> None:
        """In the launching process, after ``hand_over``: end it if still up, and wait for it."""
        if self.process is None:
            return
        with contextlib.suppress(OSError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        self.process = None

    def wait_ready(self) -> None:
        try:
            hello = read_frame(self.process.stdout.fileno(), time.monotonic() + 120)
        except Exception as error:
            self.stop()
            why = self.stderr() or error
            raise ZygoteError(f"the grading worker did not start: {why}") from None
        self.language_info = hello["language_info"]

    def require(self, modules: list[str]) -> None:
        """Have the (running) zygote import ``modules`` too, for the notebooks to come."""
        missing = [name for name in modules if name not in self.preload]
        if not missing or not self.alive():
            self.preload += missing
            return
        self.preload += missing
        try:
            write_frame(self.process.stdin.fileno(), {"op": "preload", "modules": missing})
            read_frame(self.process.stdout.fileno(), time.monotonic() + 120)
        except Exception:
            self.stop()  # started again, with everything, for the next notebook

    def stderr(self) -> str:
        self.log.seek(0)
        return self.log.read()[-2000:].decode(errors="replace").strip()

    def alive(self) -> bool:
        if self.process is None:
            return False
        if self.adopted:  # not this process's child: ``poll`` cannot wait for it
            if self.pidfd is None:
                return True  # no pidfd (old kernel): a dead zygote shows as a broken pipe
            return not select.select([self.pidfd], [], [], 0)[0]
        return self.process.poll() is None

    def stop(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(OSError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.serving = False
        with contextlib.suppress(OSError):
            self.process.kill()
        self.process.wait()  # returns at once for an adopted one (its launcher reaps it)
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                stream.close()
        self.process = None
        self.adopted = False  # the next one is started here, as this process's own child
        if self.pidfd is not None:
            with contextlib.suppress(OSError):
                os.close(self.pidfd)
            self.pidfd = None
        if self.scratch:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None

    def run(self, cells: list[str], files: dict[str, bytes], collect: dict[str, str] | None = None,
            around: str | None = None) -> tuple[list[dict], str, dict | None]:
        """Run ``cells`` in a fresh process with ``files`` in its working folder.

        Returns one ``{"outputs": [...], "execution_count": n}`` per cell, a
        status (``ok``, or ``died``/``killed`` when the process running the
        notebook did not survive it; the cells it did not finish carry an
        error) and, when ``collect`` names the notebook's answers, those
        answers as plain data (else what the notebook wrote).  Then the
        notebook's process stays up for ``call``s of its functions until
        ``end``.  What the notebook wrote in its folder is kept in ``written``.
        """
        if not self.alive():
            self.start()
        job = {
            "cells": cells,
            "files": {name: base64.b64encode(data).decode() for name, data in files.items()},
            "limits": self.limits.for_child(),
        }
        if collect is not None:
            job["collect"] = collect
            job["around"] = around
        budget = min((self.limits.timeout + 5) * max(len(cells), 1), self.limits.notebook) + 30
        try:
            write_frame(self.process.stdin.fileno(), job)
            answer = read_frame(self.process.stdout.fileno(), time.monotonic() + budget,
                                self.frame_limit)
        except Exception:
            # the zygote itself was killed (by learner code or the deadline): start a new one
            self.stop()
            self.written = None
            return [dead_cell() for _ in cells], "died", {} if collect is not None else None
        if answer.get("results") is None:
            self.stop()
            raise ZygoteError(answer.get("message", "the grading worker failed"))
        self.serving = collect is not None
        self.written = answer.get("written" if collect is not None else "collected")
        return answer["results"], answer["status"], answer.get("collected")

    @property
    def frame_limit(self) -> int:
        """The largest answer taken from the zygote: its outputs are capped far below this."""
        return 2 * int(self.limits.output) + (32 << 20)

    def call(self, name: str, args: list, kwargs: dict, seconds: float) -> dict:
        """Call the function ``name`` of the notebook being served, on plain ``args``."""
        if not self.serving or not self.alive():
            return {"error": {"type": "DeadKernelError",
                              "message": "the notebook's process is no longer running"}}
        message = {"op": "call", "name": name, "args": args, "kwargs": kwargs, "timeout": seconds}
        try:
            write_frame(self.process.stdin.fileno(), message)
            return read_frame(self.process.stdout.fileno(), time.monotonic() + seconds + 15,
                              self.frame_limit)
        except Exception:
            self.stop()
            return {"timeout": seconds}

    def end(self) -> None:
        """The judge is done with the notebook being served: its processes end."""
        if not self.serving:
            return
        self.serving = False
        if not self.alive():
            return
        try:
            write_frame(self.process.stdin.fileno(), {"op": "end"})
            read_frame(self.process.stdout.fileno(), time.monotonic() + 30, 1 << 16)
        except Exception:
            self.stop()


def dead_cell() -> dict:
    evalue = "the process running this notebook was killed"
    return {
        "outputs": [{"output_type": "error", "ename": "DeadKernelError", "evalue": evalue,
                     "traceback": [f"DeadKernelError: {evalue}"]}],
        "execution_count": None,
    }  # fmt: skip


# --- zygotes started before the grading processes -------------------------------------------


def default_jobs() -> int:
    """The number of grading processes by default: the machine's cores."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


#: Zygotes started by ``launch_early``, waiting for ``take_early``.
_EARLY: list[Zygote] = []


def launch_early(root, assignment: str, *, jobs: int | None = None, sandboxed: bool = True,
                 limits: Limits | None = None, learners: int | None = None) -> list[Zygote]:
    """Start the zygotes of a coming ``grade_many`` of ``assignment`` in course root ``root``.

    One per grading process it will start (``jobs``, at most one per submission
    under ``submitted/``, or ``learners``).  They import what the notebooks
    of ``source/`` import while the caller imports and checks what it must;
    ``take_early`` hands them to the grading processes.  Nothing is started when
    the assignment has no source or no submission, or the sandbox is wanted and
    ``bwrap`` is missing (the caller says so); the ones never taken are stopped
    when this process exits.
    """
    root = Path(root)
    sources = sorted(root.joinpath("source", assignment).glob("*.ipynb"))
    if learners is None:
        submitted = root / "submitted"
        with contextlib.suppress(OSError):
            learners = sum(1 for learner in submitted.iterdir()
                           if (learner / assignment).is_dir() and not learner.name.startswith("."))
    count = min(jobs or default_jobs(), learners or 0)
    if not sources or count < 1 or (sandboxed and not find_bwrap()):
        return []
    preload = notebook_imports(sources)
    started = []
    for _ in range(count):
        zygote = Zygote(preload, limits or Limits(), sandboxed)
        try:
            zygote.launch()
        except Exception:  # the grading processes start their own, and say what is wrong
            zygote.stop()
            break
        started.append(zygote)
    _EARLY.extend(started)
    return started


def take_early(preload: list[str], limits: Limits, sandboxed: bool) -> list[Zygote]:
    """The zygotes ``launch_early`` started that fit these settings; the others are stopped."""
    fits = [z for z in _EARLY if z.sandboxed == sandboxed and z.alive()
            and z.needed == needed_first(preload)
            and z.limits.scratch == limits.scratch]
    for zygote in _EARLY:
        if zygote not in fits:
            zygote.stop()
    _EARLY.clear()
    for zygote in fits:
        zygote.limits = limits
    return fits


def forget_early() -> None:
    """In a process forked from the one that launched them: close the pipes it inherited."""
    for zygote in _EARLY:
        zygote.forget()


def stop_early() -> None:
    """Stop the zygotes ``launch_early`` started that were never taken."""
    for zygote in _EARLY:
        zygote.stop()
    _EARLY.clear()


atexit.register(stop_early)
