"""The zygote: a warm process that forks one sealed process per notebook.

``python -m autograder.zygote`` is started once per grading worker (inside the
sandbox when there is one).  It imports what the notebooks import, builds an
IPython shell, then waits on stdin for notebooks.  For each one it forks the
notebook's process (``autograder.runner``), feeds it the cells and supervises
it: a cell that runs past its time is interrupted and then killed, a process
that dies gets an error in the cell it was running and in every cell after it,
and output past the notebook's budget is cut here, where learner code cannot
reach.  No learner code ever runs in the zygote itself.

Messages on stdin/stdout and between zygote and notebook are frames
(``autograder.frames``).
"""

from __future__ import annotations

import atexit
import gc
import importlib
import json
import os
import select
import shutil
import signal
import socket
import sys
import tempfile
import time

from autograder.frames import HEADER, Timeout, error_output, read_exact, read_frame, write_frame
from autograder.runner import (
    _PR_SET_CHILD_SUBREAPER,
    _PR_SET_DUMPABLE,
    DEFAULT_LIMITS,
    MAX_WRITTEN_BYTES,
    MAX_WRITTEN_FILES,
    WARMS,
    IsolationError,
    _libc,
    first_warms,
    make_shell,
    run_child,
    truncated_notice,
    unshare_pid_namespace,
    warm_up,
    warms_needed,
)

# --- the zygote ------------------------------------------------------------------------------


def language_info() -> dict:
    return {
        "codemirror_mode": {"name": "ipython", "version": 3},
        "file_extension": ".py",
        "mimetype": "text/x-python",
        "name": "python",
        "nbconvert_exporter": "python",
        "pygments_lexer": "ipython3",
        "version": ".".join(map(str, sys.version_info[:3])),
    }


def preload(modules: list[str]) -> list[str]:
    """Import what the notebooks import, so that each child starts warm."""
    failed = []
    for name in modules:
        try:
            importlib.import_module(name)
        except BaseException:
            failed.append(name)
    return failed


def _dead(evalue: str) -> dict:
    return {"outputs": [error_output("DeadKernelError", evalue)], "execution_count": None}


#: What a cell stopped at its time limit says (``autograder.limits`` reads these too).
TIME_MESSAGE = "stopped after {seconds:g} s: does every loop end?"
NOTEBOOK_TIME_MESSAGE = "stopped: the notebook ran past its {seconds:g} s: does every loop end?"


class Session:
    """One notebook: its process, its cells, and then calls of its functions by the judge.

    In the sandbox the notebook's process is the first process of a PID
    namespace of its own (see ``seal``): killing it ends every process the
    notebook started, however they fork, and it sees none of the zygote's.
    The zygote counts what the notebook sends back: past the output budget
    its cells' outputs are cut, and a reply larger than what is left ends it.
    """

    def __init__(self, shell, job: dict, scratch_root: str, isolated: bool):
        self.shell = shell
        self.job = job
        self.scratch_root = scratch_root
        self.isolated = isolated
        self.limits = dict(DEFAULT_LIMITS, **job.get("limits", {}))
        self.limits["cells"] = len(job["cells"])
        self.pid: int | None = None
        self.sock: socket.socket | None = None
        self.folder: str | None = None
        self.budget = int(self.limits["output"])
        self.status = "ok"
        self.replayed = False

    # the process

    def start(self) -> None:
        ours, theirs = socket.socketpair()
        folder = None if self.isolated else tempfile.mkdtemp(prefix="nb-", dir=self.scratch_root)
        if self.isolated:
            relay_read, relay_write = os.pipe()
            middle = os.fork()
            if middle == 0:  # only here to make the notebook's process first of a new namespace
                try:
                    unshare_pid_namespace()
                    pid = os.fork()
                    if pid == 0:
                        os.close(relay_read)
                        os.close(relay_write)
                        ours.close()
                        run_child(self.shell, theirs, self.job, self.limits, True, None)
                    os.write(relay_write, str(pid).encode())
                finally:
                    os._exit(0)
            os.close(relay_write)
            pid = int(os.read(relay_read, 32) or b"0")
            os.close(relay_read)
            os.waitpid(middle, 0)
        else:
            pid = os.fork()
            if pid == 0:
                try:
                    ours.close()
                    run_child(self.shell, theirs, self.job, self.limits, False, folder)
                finally:
                    os._exit(1)
        theirs.close()
        self.pid, self.sock, self.folder = pid, ours, folder
        hello = read_frame(ours.fileno(), time.monotonic() + 30, 1 << 16)
        if not hello.get("sealed"):
            self.stop()
            raise IsolationError(hello.get("message", "the notebook could not be sealed off"))

    def stop(self) -> None:
        """End the notebook's process and every process it started."""
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        if self.pid:
            for kill in (os.kill, os.killpg):
                try:
                    kill(self.pid, signal.SIGKILL)
                except OSError:
                    pass
            _reap_all(self.pid)
            self.pid = None
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    # talking to it

    def _read(self, seconds: float) -> dict:
        """The notebook's next reply; one larger than its output budget is read and dropped."""
        fd, deadline = self.sock.fileno(), time.monotonic() + seconds
        (size,) = HEADER.unpack(read_exact(fd, HEADER.size, deadline))
        if size <= max(self.budget, 0) + (64 << 10):
            return json.loads(read_exact(fd, size, deadline))
        while size:  # the learner's process made its own cap bigger: this one holds
            size -= len(read_exact(fd, min(size, 1 << 20), deadline))
        self.budget = 0
        return {"outputs": [], "execution_count": None, "over_budget": True}

    def _spend(self, reply: dict) -> dict:
        """Charge a cell's outputs to the notebook's output budget, cutting what is over it."""
        kept, over = [], bool(reply.pop("over_budget", False))
        for output in reply.get("outputs", []):
            size = len(json.dumps(output, default=repr))
            if size > self.budget:
                over = True
                continue
            self.budget -= size
            kept.append(output)
        if over:
            self.budget = 0
            kept.append(truncated_notice(self.limits))
        reply["outputs"] = kept
        return reply

    def run_cells(self, record: bool = True) -> list[dict]:
        results: list[dict] = []
        fd = self.sock.fileno()
        deadline = time.monotonic() + float(self.limits.get("notebook", 600))
        for source in self.job["cells"]:
            if time.monotonic() > deadline:
                self.status = "killed"
                results.append({"outputs": [error_output(
                    "CellTimeoutError", NOTEBOOK_TIME_MESSAGE.format(
                        seconds=float(self.limits.get("notebook", 600))))],
                    "execution_count": None})  # fmt: skip
                break
            try:
                write_frame(fd, {"source": source})
                try:
                    reply = self._read(float(self.limits["timeout"]))
                except Timeout:
                    reply = self._interrupt()
                results.append(self._spend(reply) if record else reply)
                if self.status == "killed":
                    break
            except (EOFError, OSError, ValueError):
                results.append(_dead("the kernel died while running this cell"))
                self.status = "died"
                break
        while len(results) < len(self.job["cells"]):
            results.append(_dead("not run: the kernel died in an earlier cell"))
        return results

    def _interrupt(self) -> dict:
        """A cell ran past its time: interrupt it, and kill the notebook if that is not enough."""
        message = TIME_MESSAGE.format(seconds=float(self.limits["timeout"]))
        timeout_error = error_output("CellTimeoutError", message,
                                     [f"\x1b[0;31mCellTimeoutError\x1b[0m: {message}"])
        os.kill(self.pid, signal.SIGINT)
        try:
            reply = self._read(float(self.limits["grace"]))
        except Timeout:
            self.status = "killed"
            self.stop()
            return {"outputs": [timeout_error], "execution_count": None}
        # the learner's code was interrupted: say why, not "KeyboardInterrupt"
        reply["outputs"] = [o for o in reply["outputs"] if not (
            o["output_type"] == "error" and o.get("ename") == "KeyboardInterrupt")]
        if not any(o["output_type"] == "error" for o in reply["outputs"]):
            reply["outputs"].append(timeout_error)
        return reply

    def run(self) -> dict:
        """Run the notebook's cells; collect its answers when the job asks for them."""
        self.start()
        answer = {"results": self.run_cells(), "status": self.status}
        if "collect" in self.job:
            answer["collected"] = self.collect() if self.status == "ok" else {}
            answer["written"] = self.written() if self.status == "ok" else {}
        else:  # a notebook without declared answers: what it wrote, for its autograded folder
            answer["collected"] = self.written() if self.status == "ok" else {}
        return answer

    def written(self) -> dict:
        """What the notebook wrote in its folder (see ``runner.written_files``), within limits."""
        limits = {"files": MAX_WRITTEN_FILES, "bytes": MAX_WRITTEN_BYTES}
        most = MAX_WRITTEN_BYTES * 4 // 3 + (1 << 20)  # base64, and the names
        try:
            write_frame(self.sock.fileno(), {"written": limits})
            reply = read_frame(self.sock.fileno(), time.monotonic() + 10, most)
        except (Timeout, EOFError, OSError, ValueError):
            return {}  # the files are not kept; the grades are
        return reply if isinstance(reply, dict) else {}

    def collect(self) -> dict:
        try:
            write_frame(self.sock.fileno(), {"collect": self.job["collect"]})
            reply = read_frame(self.sock.fileno(), time.monotonic() + 30, MAX_COLLECTED)
            collected = reply.get("collected")
            return collected if isinstance(collected, dict) else {}
        except (Timeout, EOFError, OSError, ValueError):
            self.status = "died"
            return {}

    def call(self, message: dict) -> dict:
        """Call a learner's function once, in a fresh process forked from the notebook's."""
        seconds = float(message.get("timeout", self.limits["timeout"]))
        if self.sock is None:  # an earlier call was stopped: run the notebook again, silently
            if self.status != "ok" or self.replayed:
                return {"error": {"type": "DeadKernelError",
                                  "message": "the notebook's process is no longer running"}}
            self.replayed = True
            try:
                self.start()
                self.run_cells(record=False)
            except (OSError, EOFError, Timeout):
                self.stop()
                return {"error": {"type": "DeadKernelError",
                                  "message": "the notebook could not be run again"}}
        request = {"call": str(message.get("name")), "args": message.get("args", []),
                   "kwargs": message.get("kwargs", {}), "cpu": max(1, round(seconds))}
        try:
            write_frame(self.sock.fileno(), request)
            return read_frame(self.sock.fileno(), time.monotonic() + seconds, MAX_COLLECTED)
        except Timeout:
            self.stop()
            self.replayed = False
            return {"timeout": seconds}
        except (EOFError, OSError, ValueError):
            self.stop()
            return {"error": {"type": "DeadKernelError",
                              "message": "the function's process died or answered too much"}}


#: The most plain data a notebook's answers, or one function's result, may take.
MAX_COLLECTED = 16 << 20


def _reap_all(pid: int) -> None:
    """Reap ``pid`` and every process of its namespace that was re-parented to this one."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            done, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if done == 0:
            try:
                os.kill(pid, 0)
            except OSError:
                return  # gone; any process left behind is reaped with the next notebook
            time.sleep(0.002)


def main() -> None:
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stdin, stdout = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    in_sandbox = os.environ.get("TRIAD_SANDBOX") == "1"
    try:
        libc = _libc()
        libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)  # nothing may read or write this one's memory
        libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)  # notebooks' orphans come back here
    except Exception:
        pass
    setup = read_frame(stdin)
    scratch_root = setup.get("scratch")
    if not scratch_root:  # started by hand: a folder of its own, removed when it exits
        scratch_root = tempfile.mkdtemp(prefix="triad-scratch-")
        atexit.register(shutil.rmtree, scratch_root, True)
    os.makedirs(scratch_root, exist_ok=True)
    shell = make_shell()
    failed = preload(setup.get("preload", []))
    write_frame(stdout, {"ready": True, "language_info": language_info(), "failed": failed})
    warmed = first_warms(bool(setup.get("speculate")))
    warming = _warming(shell, warmed, setup.get("later", []))
    while True:
        # Warm up while no notebook is waiting; objects that exist once a step is done are
        # never collected in a child, so the children's collections do not copy them.
        while warming is not None and not select.select([stdin], [], [], 0)[0]:
            if next(warming, StopIteration) is StopIteration:
                warming = None
            gc.collect()
            gc.freeze()
        try:
            job = read_frame(stdin)
        except EOFError:
            return
        if job.get("op") == "exit":
            return
        if job.get("op") == "preload":  # another assignment: import what its notebooks import
            gc.unfreeze()
            preload(job["modules"])
            gc.collect()
            gc.freeze()
            write_frame(stdout, {"ready": True})
            continue
        session = Session(shell, job, scratch_root, in_sandbox)
        try:
            answer = session.run()
            write_frame(stdout, answer)
            needed = warms_needed(answer["results"]) - warmed
            if needed:  # the next notebooks will need these too: warmed once, here
                warmed |= needed
                warming = _chain(warming, _warming(shell, needed, []))
            if "collect" in job:
                serve_calls(session, stdin, stdout)
        except Exception as error:  # report, never die: the grader restarts us otherwise
            write_frame(stdout, {"results": None, "status": "error", "message": repr(error)})
        finally:
            session.stop()


def _warming(shell, needs, later: list[str]):
    """Warm-up steps (``runner.warm_up``), then the imports no notebook needed first, one each."""
    yield from warm_up(shell, [need for need in WARMS if need in needs])
    for name in later:
        preload([name])
        yield


def _chain(first, then):
    """``first`` (a warm-up under way, or ``None``), then ``then``."""
    if first is not None:
        yield from first
    yield from then


def serve_calls(session: Session, stdin: int, stdout: int) -> None:
    """Answer the judge's calls of the notebook's functions until it says it is done."""
    while True:
        message = read_frame(stdin)
        if message.get("op") != "call":
            write_frame(stdout, {"ended": True})
            return
        write_frame(stdout, session.call(message))


if __name__ == "__main__":
    main()
