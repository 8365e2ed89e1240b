"""The sandbox learner code runs in at grading time: bubblewrap (``bwrap``) and resource limits.

Inside the sandbox a learner's code sees the operating system, the Python
installation and the course's own packages, all read-only, and a private
scratch folder in memory.  It does not see the course root (``source/``, other
learners' submissions, the gradebook), the home directory, or any network.
Each notebook runs with a time limit per cell, a CPU-time limit per cell, a
memory (address-space) limit and a cap on its output; see ``Limits``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

INSTALL_HINT = (
    "learner code is graded inside a bubblewrap sandbox, but `bwrap` is not installed: "
    "install it (Debian/Ubuntu: `sudo apt-get install bubblewrap`; Fedora: "
    "`sudo dnf install bubblewrap`) or, only for code you trust, grade with --no-sandbox"
)

#: Where the scratch folder of the sandbox is (a tmpfs of its own).
SCRATCH = "/tmp"
#: Packages the runner itself needs inside the sandbox.
RUNNER_PACKAGES = ("autograder", "IPython", "traitlets", "matplotlib_inline")


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot be used on this machine (the message says why and what to do)."""


@dataclass
class Limits:
    """What one notebook may use while it is graded."""

    timeout: float = 30.0  #: wall-clock seconds per cell before it is interrupted
    notebook: float = 600.0  #: wall-clock seconds per notebook, all its cells together
    call: float = 10.0  #: wall-clock seconds per call of a learner's function by the judge
    cpu: int = 30  #: CPU seconds per cell
    memory: int = 2 << 30  #: bytes of address space of the process running the notebook
    output: int = 4 << 20  #: bytes of output per notebook; the rest is dropped
    scratch: int = 512 << 20  #: bytes of the sandbox's scratch folder (held in memory)
    files: int = 64 << 20  #: bytes of a submission's data files copied into the sandbox

    def for_child(self) -> dict:
        keep = ("timeout", "notebook", "cpu", "memory", "output", "scratch")
        return {k: v for k, v in asdict(self).items() if k in keep}


def find_bwrap() -> str | None:
    return shutil.which("bwrap")


def _package_dirs(names) -> list[Path]:
    """The folders of top-level packages ``names`` that are importable here."""
    found = []
    for name in names:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is None:
            continue
        if spec.submodule_search_locations:
            found += [Path(p) for p in spec.submodule_search_locations]
        elif spec.origin and spec.origin not in ("built-in", "frozen"):
            found.append(Path(spec.origin))
    return found


def readable_paths(packages) -> list[Path]:
    """Everything the sandbox binds read-only: Python, the venv, and the course's own packages.

    A package installed outside the Python prefixes (an editable install, such
    as ``course`` here) is bound by itself, never the folder around it, so the
    repository's exercises (with their hidden tests) stay out of reach.
    """
    prefixes = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()}
    paths = set(prefixes)
    for directory in _package_dirs({*packages, *RUNNER_PACKAGES}):
        directory = directory.resolve()
        if not any(directory.is_relative_to(prefix) for prefix in prefixes):
            paths.add(directory)
    # the venv's interpreter may be a symlink into another installation
    paths.add(Path(sys.executable).resolve().parent.parent)
    return sorted(paths)


SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC_FILES = (
    "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
    "/etc/timezone", "/etc/nsswitch.conf", "/etc/passwd", "/etc/group", "/etc/hosts",
    "/etc/mime.types", "/etc/fonts", "/etc/matplotlibrc",
)  # fmt: skip


def bwrap_command(bwrap: str, packages, limits: Limits, env: dict[str, str]) -> list[str]:
    """The ``bwrap`` command line that starts the zygote in a fresh sandbox."""
    cmd = [
        bwrap,
        "--unshare-all",  # user, ipc, pid, net, uts, cgroup namespaces: no network at all
        "--unshare-user",
        "--disable-userns",
        "--uid", "65534", "--gid", "65534",
        "--die-with-parent",
        "--new-session",
        # The zygote is the sandbox's first process (no other process of bwrap's is inside),
        # and holds capabilities in the sandbox's own user namespace only, so that it can
        # seal each notebook off in namespaces of its own (see ``autograder.runner.seal``).
        "--as-pid-1",
        "--cap-add", "ALL",
        "--clearenv",
        "--proc", "/proc",
        "--dev", "/dev",
        "--size", str(limits.scratch), "--tmpfs", SCRATCH,
        "--dir", f"{SCRATCH}/home",
        "--dir", f"{SCRATCH}/work",
    ]  # fmt: skip
    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            cmd += ["--symlink", os.readlink(path), path]
        elif os.path.exists(path):
            cmd += ["--ro-bind", path, path]
    for path in ETC_FILES:
        cmd += ["--ro-bind-try", path, path]
    for path in readable_paths(packages):
        cmd += ["--ro-bind", str(path), str(path)]
    for key, value in env.items():
        cmd += ["--setenv", key, value]
    cmd += ["--chdir", f"{SCRATCH}/work"]
    return cmd


def zygote_env(sandboxed: bool, scratch: str) -> dict[str, str]:
    env = {
        "PATH": os.pathsep.join(
            [str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]
        ),
        "HOME": f"{scratch}/home",
        "TMPDIR": scratch,
        "LANG": "C.UTF-8",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "MPLCONFIGDIR": f"{scratch}/home/.matplotlib",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        # one thread per worker: forking a process with a BLAS thread pool is unsafe
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MALLOC_ARENA_MAX": "2",
        "NBGRADER_EXECUTION": "autograde",
        "JPY_PARENT_PID": "1",
    }
    if sandboxed:
        env["TRIAD_SANDBOX"] = "1"
    return env


def matplotlib_cache() -> Path | None:
    """The host's matplotlib font cache, so that the sandbox need not rebuild it.

    It is looked for where ``matplotlib.get_cachedir`` puts it on Linux
    (``$MPLCONFIGDIR``, else ``$XDG_CACHE_HOME/matplotlib``, else
    ``~/.cache/matplotlib``), without importing matplotlib: that takes a fifth of
    a second, on the way of every sandbox started, in a process that will not
    plot.  Where matplotlib has never built its cache there is none to share.
    """
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    folder = Path(os.environ.get("MPLCONFIGDIR") or Path(xdg) / "matplotlib")
    caches = sorted(folder.glob("fontlist-v*.json"))
    return caches[-1] if caches else None


def check_bwrap(bwrap: str) -> None:
    """Raise ``SandboxUnavailable`` if ``bwrap`` cannot build a sandbox here."""
    result = subprocess.run(
        [bwrap, "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent",
         "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "true"],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    if result.returncode != 0:
        raise SandboxUnavailable(
            f"bwrap cannot create a sandbox here ({result.stderr.strip() or result.returncode}); "
            "user namespaces may be disabled. Fix that, or, only for code you trust, "
            "grade with --no-sandbox"
        )


def zygote_command(
    sandboxed: bool, packages, limits: Limits
) -> tuple[list[str], dict[str, str] | None]:
    """The command (and environment) that starts a zygote, sandboxed or not."""
    python = [sys.executable, "-I", "-m", "autograder.zygote"]
    if not sandboxed:
        env = dict(os.environ)
        env.update(zygote_env(False, env.get("TMPDIR", "/tmp")))
        env.pop("HOME")
        env.pop("MPLCONFIGDIR")
        env.pop("TMPDIR")
        return python, env
    bwrap = find_bwrap()
    if not bwrap:
        raise SandboxUnavailable(INSTALL_HINT)
    env = zygote_env(True, SCRATCH)
    cmd = bwrap_command(bwrap, packages, limits, env)
    cache = matplotlib_cache()
    if cache:
        cmd += ["--dir", env["MPLCONFIGDIR"], "--ro-bind", str(cache),
                f"{env['MPLCONFIGDIR']}/{cache.name}"]  # fmt: skip
    return cmd + python, None
