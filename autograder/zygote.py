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
#: What a cell stopped at its time limit says (``autograder.limits`` reads these too).
TIME_MESSAGE = "stopped after {seconds:g} s: does every loop end?"
NOTEBOOK_TIME_MESSAGE = "stopped: the notebook ran past its {seconds:g} s: does every loop end?"
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


# --- sealing a notebook off: namespaces of its own, no capabilities -------------------------

_CLONE_NEWNS, _CLONE_NEWIPC, _CLONE_NEWPID = 0x00020000, 0x08000000, 0x20000000
_MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_REC, _MS_PRIVATE = 0x2, 0x4, 0x8, 0x4000, 0x40000
_PR_SET_DUMPABLE, _PR_CAPBSET_DROP, _PR_SET_NO_NEW_PRIVS = 4, 24, 38
_PR_SET_CHILD_SUBREAPER = 36
#: Processes a notebook may have at once (its own included).
MAX_PROCESSES = 64


class IsolationError(OSError):
    """The notebook's process could not be sealed off (the sandbox lacks what it needs)."""


def _libc():
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                           ctypes.c_char_p]
    return libc


def _check(result: int, what: str) -> None:
    if result != 0:
        import ctypes

        number = ctypes.get_errno()
        raise IsolationError(number, f"{what}: {os.strerror(number)}")


def unshare_pid_namespace() -> None:
    """Make this process's next child the first process of a new PID namespace."""
    _check(_libc().unshare(_CLONE_NEWPID), "unshare(CLONE_NEWPID)")


def seal(scratch_bytes: int) -> str:
    """Seal the calling process (the first of a fresh PID namespace) off; return its folder.

    It gets a mount and IPC namespace of its own, a ``/proc`` that shows only its
    own processes, an empty ``/tmp`` and ``/dev/shm`` in memory (``scratch_bytes``
    at most), and then gives up every capability for good: from here on nothing
    of the zygote, of the grader or of an earlier notebook is in reach.
    """
    import ctypes

    libc = _libc()
    _check(libc.unshare(_CLONE_NEWNS | _CLONE_NEWIPC), "unshare(CLONE_NEWNS | CLONE_NEWIPC)")
    _check(libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None), "mount --make-rprivate")
    # A /proc of the new PID namespace's own: where the kernel refuses it (the sandbox's /proc
    # is partly covered by bubblewrap), the old one stays, which shows the zygote's number but
    # nothing of it (it is not dumpable) and lets nothing outside this namespace be signalled.
    libc.mount(b"proc", b"/proc", b"proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC, None)
    size = f"size={int(scratch_bytes)},mode=1777".encode()
    _check(libc.mount(b"tmpfs", b"/tmp", b"tmpfs", _MS_NOSUID | _MS_NODEV, size), "mount /tmp")
    if os.path.isdir("/dev/shm"):
        libc.mount(b"tmpfs", b"/dev/shm", b"tmpfs", _MS_NOSUID | _MS_NODEV, b"size=1m")
    for folder in ("/tmp/home", "/tmp/work"):
        os.makedirs(folder, exist_ok=True)
    for cap in range(64):
        libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0)

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    _check(libc.capset(ctypes.byref(Header(0x20080522, 0)), (Data * 2)()), "capset")
    _check(libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "PR_SET_NO_NEW_PRIVS")
    return "/tmp/work"


# --- the child: one notebook in the IPython shell --------------------------------------------


def _limit(kind: int, value: int) -> None:
    try:
        resource.setrlimit(kind, (value, value))
    except (ValueError, OSError):
        pass


def _cpu_limit(seconds: int, hard: int | None = None) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = int(usage.ru_utime + usage.ru_stime)
    soft = used + int(seconds) + 1
    hard = max(soft, hard if hard is not None else soft + 5)
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
    except (ValueError, OSError):
        pass


def run_cell(shell, source: str, run) -> None:
    """Run one cell; a failed cell always leaves an error output, as nbgrader makes sure.

    ``run`` is ``InteractiveShell.run_cell`` as it was before any learner code
    ran; its result, not what the cell printed, says whether the cell failed, so
    a notebook that silences ``showtraceback`` still fails the cell it broke.
    """
    outputs_before = len(RECORDER.outputs)
    try:
        result = run(shell, source, store_history=True, silent=False)
        error = result.error_in_exec or result.error_before_exec
    except BaseException as caught:  # a cell must never stop the runner
        error = caught
    if error is None and getattr(result, "success", True) is False:
        error = RuntimeError("the cell failed")
    if error is not None:
        ename = type(error).__name__ if isinstance(type(error), type) else "Exception"
        recorded = any(o.get("output_type") == "error"
                       for o in RECORDER.outputs[outputs_before:])
        if not recorded:
            try:
                text = str(error)
            except BaseException:
                text = ""
            RECORDER.add(error_output(str(ename), text[:1000],
                                      ["ERROR: the cell failed while its traceback was hidden"]))


def collect_values(shell, spec: dict) -> dict:
    """The declared answers as plain data: ``spec`` maps a name to ``"data"`` or ``"function"``."""
    from autograder.plain import MISSING, encode

    namespace = shell.user_ns
    collected = {}
    for name, kind in spec.items():
        if name not in namespace:
            collected[name] = MISSING
        elif kind == "function" and callable(namespace[name]):
            collected[name] = {"__function__": name}
        else:
            collected[name] = encode(namespace[name])
    return collected


def _around(hook: str | None):
    """The context a course asks its learners' functions to be called in (``module:name``)."""
    import contextlib

    if not hook:
        return contextlib.nullcontext()
    module, _, name = hook.partition(":")
    return getattr(importlib.import_module(module), name)()


def call_function(shell, message: dict, sock_fd: int, around: str | None) -> None:
    """In a fresh fork: call the learner's function on plain inputs, reply with a plain result."""
    from autograder.plain import decode, encode

    _cpu_limit(int(message.get("cpu", 10)))
    try:
        function = shell.user_ns.get(message["call"])
        args = [decode(a) for a in message.get("args", [])]
        kwargs = {str(k): decode(v) for k, v in dict(message.get("kwargs", {})).items()}
        if not callable(function):
            raise TypeError(f"{message['call']} is not a function")
        with _around(around):
            value = function(*args, **kwargs)
        reply = {"value": encode(value)}
    except BaseException as error:  # the learner's code may raise anything, SystemExit too
        try:
            name, text = str(type(error).__name__), str(error)
        except BaseException:
            name, text = "Exception", ""
        reply = {"error": {"type": name[:80], "message": text[:1000]}}
    RECORDER.take()
    write_frame(sock_fd, reply)
    os._exit(0)


def run_child(shell, sock: socket.socket, job: dict, limits: dict, isolated: bool,
              folder: str | None) -> None:
    """Run the cells the zygote sends on ``sock``, reply with their outputs; never returns.

    When ``isolated``, the process first seals itself off (see ``seal``); that
    happens before any learner code runs, so nothing learner code does can
    undo it.
    """
    from IPython.core.interactiveshell import InteractiveShell

    fd = sock.fileno()
    os.setpgid(0, 0)
    null = os.open(os.devnull, os.O_RDWR)
    for target in (0, 1, 2):
        os.dup2(null, target)
    os.close(null)
    os.closerange(3, fd)
    os.closerange(fd + 1, 1 << 16)
    try:
        if isolated:
            folder = seal(int(limits.get("scratch", 512 << 20)))
        write_files(folder, job.get("files", {}))
        os.chdir(folder)
    except OSError as error:
        write_frame(fd, {"sealed": False, "message": str(error)})
        os._exit(1)
    _limit(resource.RLIMIT_AS, int(limits["memory"]))
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_FSIZE, 256 << 20)
    if isolated:
        _limit(resource.RLIMIT_NPROC, MAX_PROCESSES)
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
    run = InteractiveShell.run_cell  # as it is now, before any learner code
    cpu = int(limits["cpu"])
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # The hard limit is for the whole notebook; each cell gets ``cpu`` more seconds of soft limit.
    hard = int(usage.ru_utime + usage.ru_stime) + cpu * int(limits.get("cells", 1)) + 5
    write_frame(fd, {"sealed": True})
    while True:
        try:
            message = read_frame(fd)
        except (EOFError, OSError):
            os._exit(0)
        if "source" in message:
            _cpu_limit(cpu, hard)
            count = shell.execution_count
            run_cell(shell, message["source"], run)
            write_frame(fd, {"outputs": cell_outputs(limits), "execution_count": count})
        elif "collect" in message:
            write_frame(fd, {"collected": collect_values(shell, message["collect"])})
        elif "call" in message:
            pid = os.fork()
            if pid == 0:
                call_function(shell, message, fd, job.get("around"))
            status = _wait(pid)
            if status != 0:
                write_frame(fd, {"error": {"type": "SystemExit",
                                           "message": "the function stopped its process"}})
        else:
            os._exit(0)


def _wait(pid: int) -> int:
    """Wait for ``pid``, reaping any orphan that ends meanwhile; return its exit status."""
    while True:
        try:
            done, status = os.waitpid(-1, 0)
        except ChildProcessError:
            return 1
        except InterruptedError:
            continue
        if done == pid:
            return os.waitstatus_to_exitcode(status)


def cell_outputs(limits: dict) -> list[dict]:
    outputs = RECORDER.take()
    for output in outputs:
        output.pop("_display_id", None)
    if RECORDER.truncated:
        RECORDER.truncated = False
        outputs.append(truncated_notice(limits))
    return outputs


def truncated_notice(limits: dict) -> dict:
    return {"output_type": "stream", "name": "stdout",
            "text": f"\n[output truncated: more than {limits['output']} bytes]\n"}


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


def write_files(folder: str, files: dict[str, str]) -> None:
    for relative, encoded in files.items():
        target = os.path.normpath(os.path.join(folder, relative))
        if not target.startswith(folder + os.sep):
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(base64.b64decode(encoded))


def _dead(evalue: str) -> dict:
    return {"outputs": [error_output("DeadKernelError", evalue)], "execution_count": None}


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
        return answer

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
        session = Session(shell, job, scratch_root, in_sandbox)
        try:
            write_frame(stdout, session.run())
            if "collect" in job:
                serve_calls(session, stdin, stdout)
        except Exception as error:  # report, never die: the grader restarts us otherwise
            write_frame(stdout, {"results": None, "status": "error", "message": repr(error)})
        finally:
            session.stop()


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
