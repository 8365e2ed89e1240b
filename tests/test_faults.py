"""Faults and misuse end in a sentence, not a traceback, and lose nothing.

Each case runs the real ``triad`` command: two runs on one assignment, a
gradebook that is damaged or out of reach, a course root that is missing or
read-only, a full disk, an assignment never released, a submission that
vanishes while it is graded, and a run killed at a random moment.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from submissions import edited, release_notebook, source_notebook, submit
from sysdeps import require
from test_classify import answers_cell, with_wrong

from autograder import executor, locking
from autograder.build import release
from autograder.classroom import Classroom
from autograder.grade import grade_assignment

A = "classify-responsibilities"


def triad(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "autograder.cli", *args], capture_output=True, text=True, **kwargs
    )


def assert_told(run: subprocess.CompletedProcess, status: int, *fragments: str) -> None:
    """``run`` ended with ``status`` and a message holding ``fragments``, and no traceback."""
    said = run.stdout + run.stderr
    assert run.returncode == status, said
    assert "Traceback" not in said, said
    for fragment in fragments:
        assert fragment in said, said
    named = re.search(r"the details are in (\S+\.log)\)", run.stderr)
    if named:  # the traceback went to the log the message names
        assert "Traceback" in Path(named.group(1)).read_text(encoding="utf-8")


def digest(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*")) if path.is_file()
    }


def scores(csv_path: Path) -> dict[tuple[str, str], str]:
    with open(csv_path, newline="") as f:
        return {(r["learner"], r["assignment"]): r["score"] for r in csv.DictReader(f)}


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Classroom:
    classroom = Classroom(tmp_path_factory.mktemp("released"))
    release(classroom, [A])
    return classroom


def gated(classroom: Classroom, gate: Path):
    """The solution, with code that waits until the file ``gate`` exists (run unsandboxed)."""
    solution = source_notebook(classroom, A, "classify")
    answers = next(c for c in solution.cells
                   if c.metadata.get("nbgrader", {}).get("grade_id") == "answers")  # fmt: skip
    wait = f"import os, time\nwhile not os.path.exists({str(gate)!r}):\n    time.sleep(0.05)\n"
    return edited(solution, answers=answers.source + "\n" + wait)


def wait_for_holder(root: Path, process: subprocess.Popen) -> locking.Holder:
    """The holder of ``A``'s lock once ``process`` has taken it (fails if it ended first)."""
    path = locking.lock_path(root, A)
    while process.poll() is None:
        holder = locking.read_holder(path)
        if holder and holder.pid == process.pid:
            return holder
        time.sleep(0.05)
    raise AssertionError(f"the first run ended early: {process.communicate()}")


def concurrent_grade_runs(root: Path, common: list[str], other_root: Path | None = None) -> None:
    """Two `triad grade` runs on one assignment: the second stops or waits, none breaks.

    With ``other_root`` (a second copy of the course root on "another machine", the same
    PostgreSQL gradebook) the second run is stopped by the database's lock alone.
    """
    classroom = Classroom(root, common[common.index("--db") + 1] if "--db" in common else None)
    gate = root / "gate"
    submit(classroom, A, "solution", {"classify": source_notebook(classroom, A, "classify")})
    submit(classroom, A, "waits", {"classify": gated(classroom, gate)})
    grade = ["grade", A, *common, "--quiet", "--no-sandbox", "--jobs", "1", "--timeout", "900"]
    first = subprocess.Popen([sys.executable, "-m", "autograder.cli", *grade],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        wait_for_holder(root, first)
        second_root = other_root or root
        if other_root:
            other_root.mkdir(exist_ok=True)
        args = [a if a != str(root) else str(second_root) for a in grade]
        assert_told(triad(*args), 4, "is in use by `triad grade`", f"process {first.pid}",
                    "--wait")  # fmt: skip
        export = ["export", *[a if a != str(root) else str(second_root) for a in common]]
        assert_told(triad(*export), 4, "is in use by `triad grade`", f"process {first.pid}")
        third = subprocess.Popen(
            [sys.executable, "-m", "autograder.cli", *grade, "--wait"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        said = ""
        while "waiting for" not in said:
            line = third.stderr.readline()
            assert line, f"the waiting run said nothing: {said}{third.communicate()}"
            said += line
        assert f"`triad grade` (process {first.pid}" in said
        gate.touch()
        out_first, err_first = first.communicate(timeout=900)
        out_third, err_third = third.communicate(timeout=900)
    finally:
        gate.touch()
        first.kill()
    for out, err, code in ((out_first, err_first, first.returncode),
                           (out_third, err_third, third.returncode)):  # fmt: skip
        assert code == 0, out + err
        assert "NOT GRADED" not in out and "Traceback" not in err
        assert re.search(r"solution\s+31 / 31", out) and re.search(r"waits\s+31 / 31", out)
    assert locking.read_holder(locking.lock_path(root, A)) is None  # released cleanly


def test_two_grade_runs_on_one_assignment_sqlite(tmp_path):
    root = tmp_path / "course"
    assert triad("release", A, "--course-dir", str(root)).returncode == 0
    concurrent_grade_runs(root, ["--course-dir", str(root)])


# --- the lock itself ---------------------------------------------------------------------------

HOLD = """
import os, signal, sys
from autograder import locking
with locking.hold(sys.argv[1], None, sys.argv[2], "triad grade", shared=sys.argv[3] == "shared"):
    print("held", flush=True)
    if sys.argv[4] == "crash":
        os.kill(os.getpid(), signal.SIGKILL)
    sys.stdin.read()
"""


def holding(root: Path, shared: bool = False, crash: bool = False) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(root), A, "shared" if shared else "exclusive",
         "crash" if crash else "hold"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout.readline() == "held\n" or crash
    return process


def test_a_lock_left_by_a_killed_run_is_taken_over(tmp_path):
    dead = holding(tmp_path, crash=True)
    dead.wait()
    assert dead.returncode == -signal.SIGKILL
    left = locking.read_holder(locking.lock_path(tmp_path, A))
    assert left and left.pid == dead.pid  # the crashed run's record is still there
    heard = []
    with locking.hold(tmp_path, None, A, "triad grade", say=heard.append):
        assert locking.read_holder(locking.lock_path(tmp_path, A)).pid == os.getpid()
    assert any(f"process {dead.pid}" in m and "taking over" in m for m in heard), heard


def test_readers_share_and_exclude_writers(tmp_path):
    reader = holding(tmp_path, shared=True)
    try:
        with locking.hold(tmp_path, None, A, "triad report", shared=True):
            pass  # readers do not exclude one another
        with pytest.raises(locking.Busy, match="reading command"):
            with locking.hold(tmp_path, None, A, "triad grade"):
                pass
    finally:
        reader.communicate("")
    writer = holding(tmp_path)
    try:
        with pytest.raises(locking.Busy, match=rf"`triad grade` \(process {writer.pid}"):
            with locking.hold(tmp_path, None, A, "triad export", shared=True):
                pass
    finally:
        writer.communicate("")
    with locking.hold(tmp_path, None, A, "triad grade"):
        with locking.hold(tmp_path, None, A, "triad release"):
            pass  # a command that calls another takes the lock once


# --- a run killed at a random moment -----------------------------------------------------------


def small_cohort(classroom: Classroom) -> None:
    blank = release_notebook(classroom, A, "classify")
    cohort = {
        "solution": source_notebook(classroom, A, "classify"),
        "blank": blank,
        "one-wrong": edited(blank, answers=answers_cell(with_wrong("R05"))),
        "three-wrong": edited(blank, answers=answers_cell(with_wrong("R05", "R13", "R22"))),
        "two-wrong": edited(blank, answers=answers_cell(with_wrong("R02", "R10"))),
        "broken": '{"cells": [',
    }
    for learner, nb in cohort.items():
        submit(classroom, A, learner, {"classify": nb})


def test_a_run_killed_at_a_random_moment_then_rerun_gives_the_same_scores(tmp_path):
    require("bwrap", "bubblewrap")
    roots = {}
    for name in ("whole", "killed"):
        roots[name] = tmp_path / name
        assert triad("release", A, "--course-dir", str(roots[name])).returncode == 0
        small_cohort(Classroom(roots[name]))
    grade = ["grade", A, "--quiet", "--jobs", "2"]
    started = time.monotonic()
    whole = triad(*grade, "--course-dir", str(roots["whole"]))
    duration = time.monotonic() - started
    assert whole.returncode == 3, whole.stdout + whole.stderr  # "broken" is reported

    killed = roots["killed"]
    before = digest(killed / "submitted")
    seed = random.randrange(1 << 30)
    moment = random.Random(seed).uniform(0, duration)
    run = subprocess.Popen([sys.executable, "-m", "autograder.cli", *grade, "--course-dir",
                            str(killed)], start_new_session=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    time.sleep(moment)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    print(f"killed after {moment:.2f} s of {duration:.2f} s (seed {seed})")
    with sqlite3.connect(killed / "gradebook.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    again = triad(*grade, "--course-dir", str(killed), "--wait")
    assert again.returncode == 3, again.stdout + again.stderr
    assert "Traceback" not in again.stderr
    for name in roots:
        assert_told(triad("export", "--course-dir", str(roots[name])), 0)
    assert scores(killed / "grades.csv") == scores(roots["whole"] / "grades.csv")
    assert digest(killed / "submitted") == before  # the learners' files are untouched


# --- faults told in a sentence -------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_database_server(released):
    url = f"postgresql://triad@127.0.0.1:{_free_port()}/gradebook"
    for command in (["grade", A], ["export"], ["report", A], ["release", A]):
        run = triad(*command, "--course-dir", str(released.root), "--db", url)
        assert_told(run, 1, "cannot reach the gradebook database", "Connection refused",
                    "Start the database server", "the details are in")  # fmt: skip


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_damaged_gradebook_is_never_overwritten(tmp_path, damage):
    root = tmp_path / "course"
    assert triad("release", A, "--course-dir", str(root)).returncode == 0
    classroom = Classroom(root)
    submit(classroom, A, "solution", {"classify": source_notebook(classroom, A, "classify")})
    path = root / "gradebook.db"
    if damage == "garbage":
        path.write_bytes(b"this is not a database\n" * 100)
    else:
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    damaged = path.read_bytes()
    for command in (["grade", A], ["export"], ["report", A], ["release", A]):
        run = triad(*command, "--course-dir", str(root))
        assert_told(run, 1, f"the gradebook {path} is damaged", "has not changed it",
                    "Restore it from a backup", "deploy/README.md")  # fmt: skip
        assert path.read_bytes() == damaged


def test_a_missing_course_root(tmp_path):
    for command in (["grade", A], ["export"], ["report", A]):
        run = triad(*command, "--course-dir", str(tmp_path / "nowhere"))
        assert_told(run, 1, f"there is no course root at {tmp_path / 'nowhere'}")
    assert not (tmp_path / "nowhere").exists()


def _bwrap(*mounts: str) -> list[str]:
    return [require("bwrap", "bubblewrap"), "--bind", "/", "/", "--dev", "/dev",
            "--proc", "/proc", *mounts]  # fmt: skip


def test_a_read_only_course_root(released, tmp_path):
    root = str(released.root)
    cli = [sys.executable, "-m", "autograder.cli"]
    run = subprocess.run(
        [*_bwrap("--ro-bind", root, root), *cli, "release", A, "--course-dir", root],
        capture_output=True, text=True,
    )  # fmt: skip
    assert_told(run, 1, f"cannot write {root}", "Read-only file system",
                "must be writable by you")  # fmt: skip


def test_a_full_disk_while_writing_feedback(tmp_path):
    root = tmp_path / "course"
    assert triad("release", A, "--course-dir", str(root)).returncode == 0
    classroom = Classroom(root)
    submit(classroom, A, "solution", {"classify": source_notebook(classroom, A, "classify")})
    (root / "feedback").mkdir()
    full = str(root / "feedback")  # an 8 KiB file system: no room for a feedback page
    cli = [sys.executable, "-m", "autograder.cli"]
    run = subprocess.run(
        [*_bwrap("--size", "8192", "--tmpfs", full), *cli, "grade", A, "--course-dir",
         str(root), "--quiet", "--no-sandbox"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert_told(run, 1, "the grades are recorded", f"the disk holding {full} is full",
                "run `triad grade classify-responsibilities` again")  # fmt: skip
    with classroom.gradebook() as gb:
        assert gb.find_submission(A, "solution").score == 31
    # as told: with room again, the same command writes the feedback (the submission did
    # not change, but its feedback is missing)
    run = triad("grade", A, "--course-dir", str(root), "--quiet", "--no-sandbox")
    assert run.returncode == 0, run.stderr
    assert "unchanged" not in run.stdout
    assert (root / "feedback" / "solution" / A / "classify.html").exists()


def test_an_assignment_never_released(released, tmp_path):
    for command in (["grade", "never-released"], ["report", "never-released"]):
        run = triad(*command, "--course-dir", str(released.root))
        assert_told(run, 1, "'never-released' is not in the gradebook",
                    "run `triad release never-released`")  # fmt: skip
    run = triad("release", "never-released", "--course-dir", str(tmp_path))
    assert_told(run, 1, "no exercise folder", "assignments: ")


def test_a_submission_folder_that_vanishes_mid_run(tmp_path, monkeypatch):
    classroom = Classroom(tmp_path / "course")
    release(classroom, [A])
    solution = source_notebook(classroom, A, "classify")
    for learner in ("ada", "bea"):
        submit(classroom, A, learner, {"classify": solution})
    first = {o.learner: o for o in grade_assignment(classroom, A, progress=False, jobs=1,
                                                      sandbox=False)}  # fmt: skip
    assert first["bea"].score == 31
    submit(classroom, A, "cyd", {"classify": solution})
    gone = [classroom.folder("submitted", A, "bea"), classroom.folder("submitted", A, "cyd")]
    data_files = executor.FastGrader.data_files

    def vanish(self, dest):  # the learner's folder goes while their notebook is graded
        for folder in gone:
            if folder.name == A and folder.parent.name == Path(dest).parent.name:
                for path in folder.iterdir():
                    path.unlink()
                folder.rmdir()
        return data_files(self, dest)

    executor.shutdown()  # fresh grading processes, forked with the patched method
    monkeypatch.setattr(executor.FastGrader, "data_files", vanish)
    try:
        again = {o.learner: o for o in grade_assignment(classroom, A, progress=False, jobs=1,
                                                          sandbox=False, force=True)}  # fmt: skip
    finally:
        executor.shutdown()
    assert again["ada"].status == "graded" and again["ada"].score == 31
    for learner in ("bea", "cyd"):
        assert again[learner].status == "broken"
        assert "disappeared while it was being graded" in again[learner].message
    with classroom.gradebook() as gb:
        assert gb.find_submission(A, "bea").score == 31  # its grade from before is kept
    record = json.loads((classroom.root / "autograded" / f"{A}-outcomes.json").read_text())
    assert {o["learner"] for o in record} == {"ada", "bea", "cyd"}


def test_the_help_documents_every_exit_status():
    run = triad("--help")
    for status, meaning in ((0, "done"), (1, "an error"), (2, "sandbox"), (3, "could not be"),
                            (4, "busy"), (130, "interrupted")):  # fmt: skip
        assert re.search(rf"^\s+{status}\s+.*{meaning}", run.stdout, re.M), run.stdout
    assert "exit status:" in triad("grade", "--help").stdout
