"""A warm worker that runs notebooks' code cells the way a fresh IPython kernel would.

``python -m autograder.zygote`` is started once per grading worker (inside the
sandbox when there is one).  It imports what the notebooks import, builds an
IPython shell, then waits on stdin for notebooks.  For each one it forks a
child, which runs the code cells one by one in the shell and records their
outputs in nbformat form (streams, display data, ``execute_result``, errors),
exactly as nbclient records a kernel's messages.  The zygote supervises the
child: a cell that runs past its time is interrupted and then killed, a child
that dies gets an error in the cell it was running and in every cell after it.

Only the standard library, IPython and the preloaded modules are used here:
this module runs where the course files, the gradebook and nbgrader are out
of reach.

Messages on stdin/stdout and between zygote and child are frames: an 8-byte
big-endian length followed by that many bytes of UTF-8 JSON.
"""

from __future__ import annotations

import atexit
import base64
import builtins
import gc
import importlib
import io
import json
import os
import resource
import select
import shutil
import signal
import socket
import struct
import sys
import tempfile
import time

HEADER = struct.Struct(">Q")
#: A frame larger than this is never accepted from a child (its outputs are capped far below).
MAX_FRAME = 256 << 20
DEFAULT_LIMITS = {
    "timeout": 30.0,  # wall-clock seconds per cell
    "cpu": 30,  # CPU seconds per cell
    "memory": 2 << 30,  # bytes of address space of the child
    "output": 4 << 20,  # bytes of output per notebook
    "grace": 3.0,  # seconds an interrupted cell gets before its child is killed
}


class Timeout(Exception):
    pass


# --- framing -------------------------------------------------------------------------------


def read_exact(fd: int, size: int, deadline: float | None = None) -> bytes:
    """Read ``size`` bytes from ``fd``; ``EOFError`` at the end, ``Timeout`` past ``deadline``."""
    chunks, remaining = [], size
    while remaining:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise Timeout()
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise EOFError()
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, deadline: float | None = None, limit: int = MAX_FRAME) -> dict:
    (size,) = HEADER.unpack(read_exact(fd, HEADER.size, deadline))
    if size > limit:
        raise EOFError(f"frame of {size} bytes")
    return json.loads(read_exact(fd, size, deadline))


def write_frame(fd: int, message: dict) -> None:
    data = json.dumps(message, default=repr).encode("utf-8", "surrogatepass")
    view = memoryview(HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def error_output(ename: str, evalue: str, traceback: list[str] | None = None) -> dict:
    return {
        "output_type": "error",
        "ename": ename,
        "evalue": evalue,
        "traceback": traceback if traceback is not None else [f"{ename}: {evalue}"],
    }


# --- the child: one notebook in the IPython shell --------------------------------------------


class Recorder:
    """The outputs of the cell being run, capped in total size per notebook."""

    def __init__(self, budget: int):
        self.outputs: list[dict] = []
        self.budget = budget
        self.truncated = False
        self.clear_pending = False

    def _spend(self, size: int) -> bool:
        if size > self.budget:
            self.budget = 0
            self.truncated = True
            return False
        self.budget -= size
        return True

    def _clear_if_pending(self) -> None:
        if self.clear_pending:
            self.outputs.clear()
            self.clear_pending = False

    def stream(self, name: str, text: str) -> None:
        if not text:
            return
        self._clear_if_pending()
        if not self._spend(len(text)):
            text = text[: max(self.budget, 0)]
            if not text:
                return
        last = self.outputs[-1] if self.outputs else None
        if last and last["output_type"] == "stream" and last["name"] == name:
            last["text"] += text
        else:
            self.outputs.append({"output_type": "stream", "name": name, "text": text})

    def add(self, output: dict) -> None:
        self._clear_if_pending()
        size = len(json.dumps(output, default=repr))
        if self._spend(size):
            self.outputs.append(output)

    def take(self) -> list[dict]:
        outputs, self.outputs = self.outputs, []
        self.clear_pending = False
        return outputs


RECORDER = Recorder(DEFAULT_LIMITS["output"])


class CaptureStream(io.TextIOBase):
    """``sys.stdout``/``sys.stderr`` of the child: text goes into the cell's outputs."""

    def __init__(self, name: str):
        self.name = name

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        RECORDER.stream(self.name, text)
        return len(text)

    def flush(self) -> None:
        pass

    @property
    def encoding(self) -> str:
        return "utf-8"


def clean_data(data: dict) -> dict:
    """Display data as the kernel sends it: bytes (images) base64-encoded, JSON-safe."""
    cleaned = {}
    for mime, value in (data or {}).items():
        if isinstance(value, bytes):
            value = base64.b64encode(value).decode("ascii")
        cleaned[str(mime)] = value
    return json.loads(json.dumps(cleaned, default=repr))


def make_shell():
    """An IPython shell whose displays, results and tracebacks become nbformat outputs."""
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kw):
            output = {
                "output_type": "display_data",
                "data": clean_data(data),
                "metadata": clean_data(metadata or {}),
            }
            display_id = (transient or {}).get("display_id")
            if update:
                for existing in RECORDER.outputs:
                    if display_id and existing.get("_display_id") == display_id:
                        existing["data"], existing["metadata"] = output["data"], output["metadata"]
                return
            if display_id:
                output["_display_id"] = display_id
            RECORDER.add(output)

        def clear_output(self, wait=False):
            if wait:
                RECORDER.clear_pending = True
            else:
                RECORDER.outputs.clear()

    class Hook(DisplayHook):
        def start_displayhook(self):
            self._result = None

        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            self._result = (format_dict, md_dict)

        def finish_displayhook(self):
            if self._result is not None:
                data, metadata = self._result
                RECORDER.add(
                    {
                        "output_type": "execute_result",
                        "data": clean_data(data),
                        "metadata": clean_data(metadata or {}),
                        "execution_count": self.prompt_count,
                    }
                )
            self._result = None

    class GradingShell(InteractiveShell):
        displayhook_class = Hook
        display_pub_class = Publisher

        def _showtraceback(self, etype, evalue, stb):
            try:
                ename, text = str(etype.__name__), str(evalue)
            except Exception:
                ename, text = "Exception", "(the error could not be shown)"
            RECORDER.add(error_output(ename, text, [str(line) for line in stb]))

        def enable_gui(self, gui=None):
            pass

    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    config.InteractiveShell.colors = "Linux"
    return GradingShell.instance(config=config)


def no_input(prompt="", *args, **kwargs):
    from IPython.core.error import StdinNotImplementedError

    raise StdinNotImplementedError(
        "raw_input was called, but this frontend does not support input requests."
    )


class CPUTimeExceeded(Exception):
    """The cell used more CPU time than it is allowed."""


def _on_cpu_limit(signum, frame):
    raise CPUTimeExceeded("the cell used more CPU time than it is allowed")


def run_child(shell, sock: socket.socket, limits: dict) -> None:
    """Run the cells the zygote sends on ``sock``, reply with their outputs; never returns."""
    fd = sock.fileno()
    os.setpgid(0, 0)
    null = os.open(os.devnull, os.O_RDWR)
    for target in (0, 1, 2):
        os.dup2(null, target)
    os.close(null)
    os.closerange(3, fd)
    os.closerange(fd + 1, 1 << 16)
    for limit, value in [
        (resource.RLIMIT_AS, limits["memory"]),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_FSIZE, 256 << 20),
    ]:
        try:
            resource.setrlimit(limit, (value, value))
        except (ValueError, OSError):
            pass
    signal.signal(signal.SIGXCPU, _on_cpu_limit)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    RECORDER.budget = int(limits["output"])
    sys.stdout, sys.stderr = CaptureStream("stdout"), CaptureStream("stderr")
    sys.stdin = open(os.devnull)  # noqa: SIM115
    builtins.input = no_input
    import getpass

    getpass.getpass = no_input
    cpu = int(limits["cpu"])
    used = int(resource.getrusage(resource.RUSAGE_SELF).ru_utime
               + resource.getrusage(resource.RUSAGE_SELF).ru_stime)
    # The hard limit is for the whole notebook; each cell gets ``cpu`` more seconds of soft limit.
    hard = used + cpu * int(limits.get("cells", 1)) + 5
    while True:
        try:
            message = read_frame(fd)
        except (EOFError, OSError):
            os._exit(0)
        if "source" not in message:
            os._exit(0)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        soft = min(int(usage.ru_utime + usage.ru_stime) + cpu + 1, hard)
        try:
            resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
        except (ValueError, OSError):
            pass
        count = shell.execution_count
        try:
            shell.run_cell(message["source"], store_history=True, silent=False)
        except BaseException as error:  # a cell must never stop the runner
            RECORDER.add(error_output(type(error).__name__, str(error)))
        outputs = RECORDER.take()
        for output in outputs:
            output.pop("_display_id", None)
        if RECORDER.truncated:
            RECORDER.truncated = False
            outputs.append(
                {
                    "output_type": "stream",
                    "name": "stdout",
                    "text": f"\n[output truncated: more than {limits['output']} bytes]\n",
                }
            )
        write_frame(fd, {"outputs": outputs, "execution_count": count})


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


def warm_up(shell) -> None:
    """Fill the caches that every notebook would otherwise fill again in its own process.

    Nothing here touches the learner's namespace or pyplot's figures: a
    compiled cell, a table rendered to HTML and a chart rendered to PNG.
    """
    shell.run_cell("pass", store_history=False, silent=True)
    # a formatted traceback through library code: loads what IPython's tracebacks need
    shell.run_cell("import json\njson.loads('{')", store_history=False, silent=True)
    shell.run_cell("def _f(x):\n    return x[[1]]\n_f({})", store_history=False, silent=True)
    if "pandas" in sys.modules:
        # the pandas modules that learners' mistakes most often end in: tracebacks through
        # them parse their (long) source once here instead of once per notebook
        for code in (
            "_pd.DataFrame({'a': [1]})['zz']",
            "_pd.DataFrame({'a': [1]}).loc['zz']",
            "_pd.DataFrame({'a': [1]}).loc[:, 'zz']",
            "_pd.Series([1]).zz",
            "_pd.Series([1])['zz']",
            "_pd.DataFrame({'a': [1]}).merge(_pd.DataFrame({'b': [1]}), on='a')",
            "_pd.DataFrame({'a': [1]}).groupby('zz')",
            "_pd.DataFrame({'a': [1]}).sort_values('zz')",
            "_pd.DataFrame({'a': [1]}).set_index('zz')",
            "_pd.DataFrame({'a': [1]}).astype({'a': 'zz'})",
            "_pd.to_datetime('zz')",
        ):
            shell.run_cell(f"import pandas as _pd\n{code}", store_history=False, silent=True)
        shell.user_ns.pop("_pd", None)
    for name in ("json", "_f"):
        shell.user_ns.pop(name, None)
    for name in ("last_type", "last_value", "last_traceback", "last_exc"):
        if hasattr(sys, name):
            delattr(sys, name)
    RECORDER.take()
    try:
        import pandas as pd

        frame = pd.DataFrame({"a": ["x"], "b": [1.5]})
        frame._repr_html_()
        frame.style.set_properties(**{"text-align": "left"})._repr_html_()
    except Exception:
        pass
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        figure = Figure()
        FigureCanvasAgg(figure)
        figure.subplots().plot([1, 2], [1, 2], label="x")
        figure.legend()
        figure.savefig(io.BytesIO(), format="png", bbox_inches="tight")
    except Exception:
        pass


def kill_strays(keep: set[int]) -> None:
    """Kill every process of the sandbox but ``keep`` (only inside a PID namespace)."""
    for _ in range(3):
        found = False
        for entry in os.listdir("/proc"):
            if entry.isdigit() and int(entry) not in keep:
                found = True
                try:
                    os.kill(int(entry), signal.SIGKILL)
                except OSError:
                    pass
        if not found:
            return
        time.sleep(0.01)


def reap(pid: int, timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return
        if done:
            return
        time.sleep(0.005)
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (OSError, ChildProcessError):
        pass


def write_files(folder: str, files: dict[str, str]) -> None:
    for relative, encoded in files.items():
        target = os.path.normpath(os.path.join(folder, relative))
        if not target.startswith(folder + os.sep):
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(base64.b64decode(encoded))


def run_notebook(shell, job: dict, scratch_root: str, in_sandbox: bool) -> dict:
    """Fork a child for one notebook, feed it the cells, supervise it, return the outputs."""
    limits = dict(DEFAULT_LIMITS, **job.get("limits", {}))
    cells: list[str] = job["cells"]
    limits["cells"] = len(cells)
    folder = tempfile.mkdtemp(prefix="nb-", dir=scratch_root)
    write_files(folder, job.get("files", {}))
    ours, theirs = socket.socketpair()
    pid = os.fork()
    if pid == 0:  # the child
        try:
            ours.close()
            os.chdir(folder)
            run_child(shell, theirs, limits)
        finally:
            os._exit(1)
    theirs.close()
    fd = ours.fileno()
    results: list[dict] = []
    status = "ok"
    limit = int(limits["output"]) * 2 + (1 << 20)
    for source in cells:
        try:
            write_frame(fd, {"source": source})
            try:
                reply = read_frame(fd, time.monotonic() + float(limits["timeout"]), limit)
            except Timeout:
                os.kill(pid, signal.SIGINT)
                try:
                    reply = read_frame(fd, time.monotonic() + float(limits["grace"]), limit)
                except Timeout:
                    reply = None
                timeout_error = error_output(
                    "CellTimeoutError",
                    f"the cell ran for more than {limits['timeout']:g} seconds",
                    [
                        "\x1b[0;31mCellTimeoutError\x1b[0m: No reply from kernel before timeout",
                    ],
                )
                if reply is None:
                    results.append({"outputs": [timeout_error], "execution_count": None})
                    status = "killed"
                    break
                if not any(o["output_type"] == "error" for o in reply["outputs"]):
                    reply["outputs"].append(timeout_error)
            results.append(reply)
        except (EOFError, OSError, ValueError):
            results.append(
                {
                    "outputs": [
                        error_output(
                            "DeadKernelError", "the kernel died while running this cell"
                        )
                    ],
                    "execution_count": None,
                }
            )
            status = "died"
            break
    while len(results) < len(cells):
        results.append(
            {
                "outputs": [
                    error_output("DeadKernelError", "not run: the kernel died in an earlier cell")
                ],
                "execution_count": None,
            }
        )
    try:
        write_frame(fd, {"exit": True})
    except OSError:
        pass
    ours.close()
    reap(pid, 0.5)
    if in_sandbox:
        kill_strays({1, os.getpid()})
        while True:
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break
    shutil.rmtree(folder, ignore_errors=True)
    return {"results": results, "status": status}


def main() -> None:
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stdin, stdout = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    in_sandbox = os.environ.get("TRIAD_SANDBOX") == "1"
    try:  # no other process of the sandbox may read or write this one's memory
        import ctypes

        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 4
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
    warm_up(shell)
    # Objects that exist now are never collected in a child: the children's collections
    # then do not touch (and copy) the zygote's memory.
    gc.collect()
    gc.freeze()
    write_frame(stdout, {"ready": True, "language_info": language_info(), "failed": failed})
    while True:
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
        try:
            answer = run_notebook(shell, job, scratch_root, in_sandbox)
        except Exception as error:  # report, never die: the grader restarts us otherwise
            answer = {"results": None, "status": "error", "message": repr(error)}
        write_frame(stdout, answer)


if __name__ == "__main__":
    main()
