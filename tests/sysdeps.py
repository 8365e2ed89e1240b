"""System packages that some tests need, installed by the tests themselves where possible.

``require("bwrap", "bubblewrap")`` returns the path of a program.  When it is
missing and we are root on a Debian-like system, the Debian package is installed
with apt; otherwise the test is skipped with a message naming what to install,
except under ``CI=true``, where a missing system package fails the test.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
import threading

import pytest

_lock = threading.Lock()
_updated = False
#: apt refuses to run twice at once: test processes running side by side take turns here.
_LOCK_FILE = os.path.join(tempfile.gettempdir(), "triad-tests-apt.lock")


def _apt_install(*packages: str) -> str | None:
    """Install Debian packages; return an error message or None."""
    global _updated
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return "not root with apt-get"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    with _lock, open(_LOCK_FILE, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _updated:
            subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, check=False)
            _updated = True
        result = subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
            env=env,
            capture_output=True,
            text=True,
        )
    return None if result.returncode == 0 else result.stderr.strip()[-500:]


def missing(message: str):
    """Skip (or, under CI=true, fail) the current test because a system package is missing."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def require(program: str, package: str, *, path_hint: str | None = None) -> str:
    """The path of ``program``, installing Debian's ``package`` if needed and possible."""
    def locate() -> str | None:
        hint = path_hint if path_hint and os.path.exists(path_hint) else None
        return shutil.which(program) or hint

    found = locate()
    if found:
        return found
    problem = _apt_install(package)
    found = locate()
    if found:
        return found
    missing(f"{program} is missing: install the Debian package '{package}' ({problem})")
    raise AssertionError("unreachable")
