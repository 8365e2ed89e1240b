"""The warm `triad check` server: the same answers as a cold check, sooner, and out of the way.

A learner's first check is cold and leaves a server behind; the next checks are
answered by it, and must say exactly what a cold check says, right and wrong
work alike.  It never answers for another workspace, and ends when told to.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import nbformat
import pytest
from submissions import edited
from sysdeps import require

from autograder import checkserver
from autograder.paths import check_course_dir

A = "classify-responsibilities"


def check(workspace, *extra, server=True):
    env = dict(os.environ, TRIAD_WORKSPACE=str(workspace),
               TRIAD_CHECK_SERVER="1" if server else "0")  # fmt: skip
    return subprocess.run([sys.executable, "-m", "autograder.cli", "check", A, *extra],
                          env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory, monkeypatch_module):
    require("bwrap", "bubblewrap")
    workspace = tmp_path_factory.mktemp("learner") / "workspace"
    monkeypatch_module.setenv("TRIAD_CHECK_SERVER", "1")
    env = dict(os.environ, TRIAD_WORKSPACE=str(workspace))
    subprocess.run([sys.executable, "-m", "autograder.cli", "lab", "--prepare-only"], env=env,
                   check=True, capture_output=True)  # fmt: skip
    yield workspace
    checkserver.stop(workspace)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def wait_for_server(workspace, seconds=120):
    deadline = time.monotonic() + seconds
    while not checkserver.address(workspace).exists():
        assert time.monotonic() < deadline, "no check server came up"
        time.sleep(0.2)


def test_a_warm_check_says_what_a_cold_check_says(workspace):
    cold = check(workspace, server=False)
    assert cold.returncode == 0 and "Score: 0 of 31" in cold.stdout
    first = check(workspace)  # cold again, and it leaves a server behind
    assert first.stdout == cold.stdout
    wait_for_server(workspace)
    notebook = workspace / A / "classify.ipynb"
    nb = nbformat.read(notebook, 4)
    everything_a_project = 'answers = {f"R{i:02d}": "project" for i in range(1, 27)}'
    nbformat.write(edited(nb, answers=everything_a_project), notebook)
    served = checkserver.ask(workspace, A, False)
    assert served is not None, "the server did not answer"
    text, status = served
    cold = check(workspace, server=False)
    assert (text, status) == (cold.stdout.rstrip("\n"), cold.returncode)
    assert text != first.stdout.rstrip("\n")  # the edit was graded, not read back
    warm = check(workspace)
    assert warm.stdout == cold.stdout and warm.returncode == cold.returncode


def test_it_answers_only_for_its_own_workspace(workspace, tmp_path):
    wait_for_server(workspace)
    assert checkserver.ask(tmp_path, A, False) is None  # no server there: the check goes cold


def test_its_socket_and_folder_are_the_owners_only(workspace):
    wait_for_server(workspace)
    path = checkserver.address(workspace)
    assert path.stat().st_mode & 0o077 == 0
    assert path.parent.stat().st_mode & 0o077 == 0
    assert not str(path).startswith(str(check_course_dir(workspace)))  # nothing in the root


def test_it_ends_when_told(workspace):
    wait_for_server(workspace)
    assert checkserver.stop(workspace)
    deadline = time.monotonic() + 30
    while checkserver.address(workspace).exists():
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert checkserver.ask(workspace, A, False) is None
