"""A cold `triad check` judges in a process forked before nbgrader is imported.

That process (``autograder.judgehost``) must judge exactly as the grading
process does, the calls of the learner's functions included; when it is gone,
the grading process judges itself; and it never outlives the check.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from submissions import edited, solution_source
from sysdeps import require

from autograder import executor, judgehost
from autograder.judge import Judge
from autograder.paths import check_course_dir
from autograder.plain import decode, encode
from autograder.workspace import prepare_workspace, self_check

PLAN = "plan-a-program"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    workspace = tmp_path_factory.mktemp("learner") / "workspace"
    prepare_workspace(workspace, [PLAN])  # releases it into the check's own course root
    yield workspace
    shutil.rmtree(check_course_dir(workspace), ignore_errors=True)


def source_of(workspace: Path) -> Path:
    return check_course_dir(workspace) / "source" / PLAN / "plan.ipynb"


def solved(workspace: Path) -> nbformat.NotebookNode:
    """The learner's plan-a-program notebook with every answer cell solved."""
    source = nbformat.read(source_of(workspace), as_version=4)
    mine = nbformat.read(workspace / PLAN / "plan.ipynb", as_version=4)
    return edited(mine, **{grade_id: solution_source(source, grade_id)
                           for grade_id in answer_cells(source)})  # fmt: skip


def answer_cells(nb: nbformat.NotebookNode) -> list[str]:
    return [cell.metadata["nbgrader"]["grade_id"] for cell in nb.cells
            if cell.metadata.get("nbgrader", {}).get("solution")]  # fmt: skip


def solution_namespace(workspace: Path, judge: Judge) -> dict:
    """What the instructor's solution defines, run here after the set-up cells."""
    source = nbformat.read(source_of(workspace), as_version=4)
    namespace = judge.base_namespace()
    for grade_id in answer_cells(source):
        exec(solution_source(source, grade_id), namespace)  # noqa: S102 - the instructor's
    return namespace


def calling(namespace: dict | None, calls: list):
    """A stand-in for ``Zygote.call``: the function ``name`` of ``namespace``, or an error."""

    def call(name, args, kwargs, seconds):
        calls.append(name)
        if namespace is None:
            return {"error": {"type": "ValueError", "message": f"{name} is not done"}}
        try:
            value = namespace[name](*map(decode, args), **{k: decode(v) for k, v in kwargs.items()})
        except Exception as error:
            return {"error": {"type": type(error).__name__, "message": str(error)}}
        return {"value": encode(value)}

    return call


def as_compared(runs: dict) -> dict:
    return {grade_id: (run.outputs, run.records) for grade_id, run in runs.items()}


def failed(runs: dict) -> list[str]:
    return [grade_id for grade_id, run in runs.items()
            if any(output["output_type"] == "error" for output in run.outputs)]  # fmt: skip


@pytest.mark.parametrize("functions", ["solved", "failing"])
def test_it_judges_as_the_grading_process_does(workspace, functions):
    path = source_of(workspace)
    judge = Judge.from_source(nbformat.read(path, as_version=4))
    solution = solution_namespace(workspace, judge)
    collected = {name: {"__function__": name} if kind == "function" else encode(solution[name])
                 for name, kind in judge.spec.items()}  # fmt: skip
    namespace = solution if functions == "solved" else None
    here_calls: list[str] = []
    here = judge.run_tests(collected, calling(namespace, here_calls), 5.0, "answers")
    host = judgehost.launch(check_course_dir(workspace), PLAN)
    assert host is not None
    try:
        there_calls: list[str] = []
        there = host.run_tests(path, collected, calling(namespace, there_calls), 5.0, "answers")
    finally:
        judgehost.stop_early()
    assert there is not None, "the judging process did not answer"
    assert as_compared(there) == as_compared(here)
    assert there_calls == here_calls and here_calls, "the learner's functions are called alike"
    if functions == "solved":
        assert not failed(here)
    else:
        assert failed(here), "functions that fail fail their tests"


def test_a_notebook_it_cannot_judge_is_left_to_the_grading_process(workspace, tmp_path):
    host = judgehost.launch(check_course_dir(workspace), PLAN)
    try:
        assert host.run_tests(tmp_path / "none.ipynb", {}, calling(None, []), 1.0, None) is None
        path = source_of(workspace)  # and it answers the next one
        assert host.run_tests(path, {}, calling(None, []), 1.0, None)
    finally:
        judgehost.stop_early()


def test_no_judging_process_for_an_assignment_without_declared_answers(tmp_path):
    (tmp_path / "source" / "classic").mkdir(parents=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    nbformat.write(nb, tmp_path / "source" / "classic" / "classic.ipynb")
    assert judgehost.launch(tmp_path, "classic") is None
    assert judgehost.launch(tmp_path, "missing") is None


def test_when_it_is_gone_the_grading_process_judges(workspace, tmp_path, monkeypatch):
    """A check whose judging process died still grades, in full, and tells no difference."""
    require("bwrap", "bubblewrap")
    nbformat.write(solved(workspace), workspace / PLAN / "plan.ipynb")
    used = tmp_path / "used"
    original = judgehost.JudgeHost.run_tests

    def spy(self, *args, **kwargs):  # runs in the grading process: it reports through a file
        runs = original(self, *args, **kwargs)
        with open(used, "a") as handle:
            handle.write(f"{runs is not None}\n")
        return runs

    monkeypatch.setattr(judgehost.JudgeHost, "run_tests", spy)
    results = []
    try:
        for alive in (True, False):
            executor.shutdown()  # the next grading process is forked now, and handed the host
            host = judgehost.launch(check_course_dir(workspace), PLAN)
            if not alive:
                os.kill(host.pid, signal.SIGKILL)
            results.append(self_check(workspace, PLAN, force=True))
    finally:
        executor.shutdown()
        judgehost.stop_early()
    assert used.read_text() == "True\nFalse\n", "judged there, then here"
    with_host, without = results
    assert with_host.outcome.score == with_host.outcome.max_score == 33
    assert without.summary() == with_host.summary()


def test_a_cold_check_leaves_no_judging_process_behind(workspace):
    require("bwrap", "bubblewrap")
    nbformat.write(solved(workspace), workspace / PLAN / "plan.ipynb")
    command = [sys.executable, "-m", "autograder.cli", "check", "--workspace", str(workspace),
               PLAN]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=300,
                            env=dict(os.environ, TRIAD_CHECK_SERVER="0"))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Score: 33 of 33" in result.stdout
    deadline = time.monotonic() + 10
    while (left := processes_running(command)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, f"left running: {left}"


def processes_running(command: list[str]) -> list[int]:
    wanted = "\0".join(command).encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "cmdline").read_bytes().rstrip(b"\0") == wanted:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found
