"""The runner: one notebook's own process, where learner code runs, and nothing else does.

The zygote (``autograder.zygote``) forks it for each notebook.  Before any
learner code runs, it seals itself off (``seal``: namespaces of its own, no
capabilities) and sets its limits; then it runs the code cells it is sent, one
by one, in an IPython shell, and records their outputs in nbformat form
(streams, display data, ``execute_result``, errors), exactly as nbclient
records a kernel's messages.  For a judged notebook it then hands back the
declared answers as plain data and answers calls of the learner's functions,
each in a fresh fork.  Everything here is untrusted once learner code has run:
the zygote and the grader read what it sends as plain data, within limits they
enforce themselves.

Only the standard library, IPython and the preloaded modules are used here.
"""

from __future__ import annotations

import base64
import builtins
import functools
import importlib
import io
import json
import os
import resource
import signal
import socket
import stat
import sys

from autograder.frames import error_output, read_frame, write_frame

DEFAULT_LIMITS = {
    "timeout": 30.0,  # wall-clock seconds per cell
    "cpu": 30,  # CPU seconds per cell
    "memory": 2 << 30,  # bytes of address space of the child
    "output": 4 << 20,  # bytes of output per notebook
    "grace": 3.0,  # seconds an interrupted cell gets before its child is killed
}


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
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_REMOUNT = 0x1, 0x2, 0x4, 0x8, 0x20
_MS_BIND, _MS_MOVE, _MS_REC, _MS_PRIVATE = 0x1000, 0x2000, 0x4000, 0x40000
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
    _fresh_tmp(libc, f"size={int(scratch_bytes)},mode=1777".encode())
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


def _mount_points_under(folder: str) -> list[str]:
    """The mount points below ``folder`` (the sandbox's read-only binds), outermost first."""
    with open("/proc/self/mounts", encoding="utf-8") as mounts:
        points = {line.split()[1] for line in mounts}
    points = sorted((p.replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\")
                     for p in points if p.startswith(folder + "/")), key=len)
    outermost: list[str] = []
    for point in points:  # a bind made recursive carries the mounts below it
        if not any(point.startswith(kept + "/") for kept in outermost):
            outermost.append(point)
    return outermost


def _fresh_tmp(libc, options: bytes) -> None:
    """An empty ``/tmp`` of this notebook's own, keeping what the sandbox binds inside ``/tmp``.

    A Python installation or the course can live under ``/tmp`` (a checkout in a
    temporary folder); those read-only binds are bound again into the new
    ``/tmp`` before it replaces the old one.
    """
    staging = "/tmp/.triad-next"
    os.makedirs(staging, exist_ok=True)
    _check(libc.mount(b"tmpfs", staging.encode(), b"tmpfs", _MS_NOSUID | _MS_NODEV, options),
           "mount /tmp")
    for point in _mount_points_under("/tmp"):
        if point == staging:
            continue
        target = staging + point[len("/tmp"):]
        if os.path.isdir(point):
            os.makedirs(target, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            open(target, "a").close()  # noqa: SIM115 - a mount point, closed at once
        _check(libc.mount(point.encode(), target.encode(), None, _MS_BIND | _MS_REC, None),
               f"bind {point}")
        libc.mount(None, target.encode(), None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY, None)
    _check(libc.mount(staging.encode(), b"/tmp", None, _MS_MOVE, None), "mount --move /tmp")


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


#: The exit status of a call's process once it has sent its reply.  Any other, such as the
#: ``os._exit(0)`` of a learner's function, means it sent none, and the call fails at once.
REPLIED = 86


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
    try:
        write_frame(sock_fd, reply)
    except BaseException:
        os._exit(1)
    os._exit(REPLIED)


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
        sys.path.insert(0, folder)  # as in a kernel started there: its own modules import
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
        elif "written" in message:
            write_frame(fd, written_files(folder, job.get("files", {}), message["written"]))
        elif "call" in message:
            pid = os.fork()
            if pid == 0:
                call_function(shell, message, fd, job.get("around"))
            if _wait(pid) != REPLIED:  # it ended without a reply: say so now, not at its time limit
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


#: Cells whose tracebacks run through the library code that learners' mistakes most often
#: end in: formatting one parses that code's (long) source, once here instead of once per
#: notebook.
_WARM_CELLS = (
    "pass",
    "import json as _json\n_json.loads('{')",
    "def _f(x):\n    return x[[1]]\n_f({})",
)
_WARM_PANDAS_CELLS = (
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
)


def _warm_cell(shell, code: str) -> None:
    shell.run_cell(code, store_history=False, silent=True)
    for name in ("_json", "_f", "_pd"):
        shell.user_ns.pop(name, None)
    for name in ("last_type", "last_value", "last_traceback", "last_exc"):
        if hasattr(sys, name):
            delattr(sys, name)
    RECORDER.take()


def _warm_table() -> None:
    import pandas as pd

    frame = pd.DataFrame({"a": ["x"], "b": [1.5]})
    frame._repr_html_()
    frame.style.set_properties(**{"text-align": "left"})._repr_html_()


def _warm_chart() -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure()
    FigureCanvasAgg(figure)
    figure.subplots().plot([1, 2], [1, 2], label="x")
    figure.legend()
    figure.savefig(io.BytesIO(), format="png", bbox_inches="tight")


def warm_up(shell, needs=("errors",)):
    """Fill, one step at a time, the caches every notebook would otherwise fill in its own process.

    A generator: each ``next`` takes one step, so the zygote can warm up while
    it waits for notebooks, never while one waits.  ``needs`` names what to warm
    (``WARMS``): first ``first_warms``, then what the notebooks show they need
    (``warms_needed``).  Nothing here touches the learner's namespace or pyplot's
    figures: compiled cells, formatted tracebacks, a table rendered to HTML and a
    chart rendered to PNG.
    """
    for need in needs:
        for step in _warm_steps(shell, need):
            try:
                step()
            except Exception:
                pass
            yield


def _warm_steps(shell, need: str) -> list:
    if need == "errors":
        return [functools.partial(_warm_cell, shell, code) for code in _WARM_CELLS]
    if need == "pandas-errors":
        return [functools.partial(_warm_cell, shell, f"import pandas as _pd\n{code}")
                for code in _WARM_PANDAS_CELLS]  # fmt: skip
    return {"tables": [_warm_table], "charts": [_warm_chart]}.get(need, [])


#: What ``warm_up`` can warm.
WARMS = ("errors", "pandas-errors", "tables", "charts")


def first_warms(speculate: bool = False) -> set[str]:
    """What a zygote warms before any notebook has shown a need (all of it if ``speculate``).

    IPython's tracebacks, and tables and charts where what the notebooks import
    loaded pandas or matplotlib already: a step each, shorter than a notebook.
    pandas' error paths take several seconds and wait for a notebook to show one.
    """
    if speculate:
        return set(WARMS)
    loaded = {"tables": "pandas", "charts": "matplotlib"}
    return {"errors"} | {need for need, module in loaded.items() if module in sys.modules}


def warms_needed(results: list[dict]) -> set[str]:
    """What the outputs of a notebook's cells (``results``) show its process had to warm itself.

    A traceback through pandas, a table (pandas' HTML) and a PNG chart: the next
    notebooks would fill the same caches again, so the zygote fills them once.
    The outputs are only read, as text, for those marks.
    """
    found: set[str] = set()
    for result in results if isinstance(results, list) else []:
        outputs = result.get("outputs") if isinstance(result, dict) else None
        for output in outputs if isinstance(outputs, list) else []:
            if not isinstance(output, dict):
                continue
            if output.get("output_type") == "error":
                trace = output.get("traceback")
                if isinstance(trace, list) and any("pandas" in str(line) for line in trace):
                    found.add("pandas-errors")
            data = output.get("data")
            if isinstance(data, dict):
                if "<table" in str(data.get("text/html", "")):
                    found.add("tables")
                if "image/png" in data:
                    found.add("charts")
    return found


#: At most this many files written (or changed) by a notebook are handed back to the grader.
MAX_WRITTEN_FILES = 500
#: ... and at most this many bytes of them, all together.
MAX_WRITTEN_BYTES = 16 << 20


def written_files(folder: str, given: dict[str, str], limits: dict) -> dict:
    """The files the notebook wrote or changed in ``folder``, and those it removed.

    Only regular files count (links, FIFOs and the like are passed over, and no
    link to a folder is followed), up to ``limits`` (``files``, ``bytes``);
    ``{"files": {path: base64}, "removed": [path], "skipped": n}``.  The grader
    checks all of it again: this runs where learner code ran.
    """
    max_files = int(limits.get("files", MAX_WRITTEN_FILES))
    budget = int(limits.get("bytes", MAX_WRITTEN_BYTES))
    found: dict[str, str] = {}
    seen: set[str] = set()
    skipped = 0
    for parent, dirs, names in os.walk(folder, followlinks=False):
        dirs.sort()
        for name in sorted(names):
            path = os.path.join(parent, name)
            rel = os.path.relpath(path, folder).replace(os.sep, "/")
            try:
                info = os.lstat(path)
                if not stat.S_ISREG(info.st_mode):
                    continue
                seen.add(rel)
                if info.st_size > budget or len(found) >= max_files:
                    skipped += 1
                    continue
                fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
                with os.fdopen(fd, "rb") as handle:
                    data = handle.read(budget + 1)
            except OSError:
                continue
            if len(data) > budget:
                skipped += 1
                continue
            encoded = base64.b64encode(data).decode()
            if given.get(rel) == encoded:
                continue
            budget -= len(data)
            found[rel] = encoded
    removed = sorted(rel for rel in given if rel not in seen)
    return {"files": found, "removed": removed, "skipped": skipped}


def write_files(folder: str, files: dict[str, str]) -> None:
    for relative, encoded in files.items():
        target = os.path.normpath(os.path.join(folder, relative))
        if not target.startswith(folder + os.sep):
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(base64.b64decode(encoded))
