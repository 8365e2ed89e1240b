"""A learner who shapes the files of a submission reaches nothing that is not theirs.

The grader and the exchange read submissions with the instructor's rights, so
a symbolic link in a submission (to ``source/``, to another learner's notebook,
to the gradebook) must never be followed, and an inbound folder planted by one
account under another learner's name must never replace that learner's work.
"""

from __future__ import annotations

import os
import pwd
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

import nbformat
import pytest
from submissions import edited, release_notebook, solution_source, source_notebook, submit
from sysdeps import missing, require

from autograder import executor
from autograder.build import release
from autograder.classroom import Classroom
from autograder.cli import main
from autograder.files import copy_regular_files
from autograder.grade import grade_assignment
from autograder.sandbox import Limits

A = "classify-responsibilities"
LIMITS = Limits(timeout=10, cpu=10, memory=1 << 30)
# nbgrader's own API misspells an argument when it releases feedback.
pytestmark = pytest.mark.filterwarnings("ignore:Passing unrecognized arguments:DeprecationWarning")


def files_under(folder: Path) -> dict[str, bytes]:
    """Every entry below ``folder`` (links are listed, never followed) with its bytes."""
    found = {}
    for parent, folders, files in os.walk(folder):
        for name in folders + files:
            path = Path(parent, name)
            rel = str(path.relative_to(folder))
            assert not path.is_symlink(), f"{rel} is a symbolic link"
            if path.is_file():
                found[rel] = path.read_bytes()
    return found


def test_copying_never_follows_a_link(tmp_path):
    src, outside = tmp_path / "src", tmp_path / "outside"
    (src / "data" / "deep").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret.txt").write_text("SECRET")
    (src / "notes.txt").write_text("mine")
    (src / "data" / "deep" / "table.csv").write_text("a,b\n")
    (src / ".ipynb_checkpoints").mkdir()
    (src / ".ipynb_checkpoints" / "old.txt").write_text("old")
    (src / "link.txt").symlink_to(outside / "secret.txt")
    (src / "data" / "deep" / "inner").symlink_to(outside / "secret.txt")
    (src / "folder").symlink_to(outside)  # a linked folder is not descended into
    os.mkfifo(src / "pipe")  # nor is anything but a regular file read

    links = copy_regular_files(src, tmp_path / "dest", [".ipynb_checkpoints"])

    assert links == ["data/deep/inner", "folder", "link.txt"]
    assert files_under(tmp_path / "dest") == {"notes.txt": b"mine", "data/deep/table.csv": b"a,b\n"}


@pytest.fixture(scope="module")
def linked(tmp_path_factory):
    """A cohort where "mallory" hands in a blank notebook with links to what is not hers."""
    require("bwrap", "bubblewrap")
    classroom = Classroom(tmp_path_factory.mktemp("classroom"))
    release(classroom, [A])
    source = source_notebook(classroom, A, "classify")
    blank = release_notebook(classroom, A, "classify")
    wrong = solution_source(source, "answers").replace('"program"', '"project"')
    partly = edited(blank, answers=wrong)  # every program responsibility called a project
    submit(classroom, A, "alice", {"classify": source})
    submit(classroom, A, "honest", {"classify": partly})
    folder = submit(classroom, A, "mallory", {"classify": partly})
    targets = {
        "answer-key.txt": classroom.folder("source", A) / "classify.ipynb",
        "friend.txt": classroom.folder("submitted", A, "alice") / "classify.ipynb",
        "data/grades.db": classroom.root / "gradebook.db",
        "course": classroom.root,
    }
    (folder / "data").mkdir()
    for name, target in targets.items():
        (folder / name).symlink_to(target)
    copycat = classroom.folder("submitted", A, "copycat")
    copycat.mkdir(parents=True)
    (copycat / "classify.ipynb").symlink_to(targets["friend.txt"])
    outcomes = {o.learner: o for o in grade_assignment(classroom, A, progress=False, limits=LIMITS)}
    return classroom, outcomes, targets


def test_links_in_a_submission_are_skipped_and_named(linked):
    classroom, outcomes, targets = linked
    mallory, honest = outcomes["mallory"], outcomes["honest"]
    assert mallory.status == "graded", mallory.message
    assert 0 < honest.score < honest.max_score  # a partly right notebook
    assert mallory.score == honest.score  # the links earn nothing
    secrets = [path.read_bytes() for path in targets.values() if path.is_file()]
    for step in ("autograded", "feedback"):
        written = files_under(classroom.folder(step, A, "mallory"))
        assert written, f"nothing in {step}/"
        for rel, data in written.items():
            assert data not in secrets, f"{step}/mallory/{A}/{rel} is a copy of a linked file"
            assert b"SQLite format 3" not in data, f"{step}/mallory/{A}/{rel} holds the gradebook"
        assert not set(written) & set(targets), f"a linked name reached {step}/"
    assert "skipped 4 symbolic links" in mallory.message
    for name in targets:
        assert name in mallory.message


def test_triad_grade_names_the_skipped_links(linked, capsys):
    classroom, _, _ = linked
    status = main(["grade", A, "--course-dir", str(classroom.root), "--quiet", "--jobs", "1"])
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("mallory "))
    assert "skipped 4 symbolic links: answer-key.txt, course, data/grades.db, friend.txt" in line
    copycat = next(line for line in out.splitlines() if line.startswith("copycat "))
    assert "NOT GRADED: classify.ipynb is a symbolic link" in copycat
    assert status == 3  # copycat's submission could not be graded


def test_a_notebook_that_is_a_link_is_not_graded(linked):
    classroom, outcomes, _ = linked
    assert outcomes["alice"].score == outcomes["alice"].max_score
    copycat = outcomes["copycat"]
    assert copycat.status == "broken", f"graded as alice's notebook: {copycat.score}"
    assert "classify.ipynb is a symbolic link" in copycat.message
    assert not classroom.folder("autograded", A, "copycat").exists()


# --- the exchange, with two real accounts ---------------------------------------------------


@pytest.fixture
def accounts():
    """Two throwaway Unix accounts, removed afterwards."""
    if os.geteuid() != 0 or not shutil.which("useradd"):
        missing("the exchange test creates local accounts: run it as root on Debian (useradd)")
    names = ["triad-hf-alice", "triad-hf-bob"]
    created = []
    try:
        for name in names:
            if subprocess.run(["id", name], capture_output=True).returncode == 0:
                subprocess.run(["userdel", "--force", name], capture_output=True)
            step = subprocess.run(["useradd", "--no-create-home", "--user-group", name],
                                  capture_output=True, text=True)  # fmt: skip
            assert step.returncode == 0, step.stderr
            created.append(name)
        yield names
    finally:
        for name in created:
            subprocess.run(["userdel", "--force", name], capture_output=True)


def hand_in(account: str, inbound: Path, folder: str, files: dict[str, bytes],
            links: dict[str, Path] | None = None) -> None:  # fmt: skip
    """Write ``inbound/folder/`` as nbgrader's submit run by the Unix ``account`` would."""
    user = pwd.getpwnam(account)
    target = inbound / folder
    stage = Path(tempfile.mkdtemp(prefix="triad-stage-"))
    stage.chmod(0o755)
    commands = [f"mkdir -m 755 {shlex.quote(str(target))}"]
    for name, data in files.items():
        (stage / name).write_bytes(data)
        commands.append(f"cat {shlex.quote(str(stage / name))} > {shlex.quote(str(target / name))}")
    for name, pointee in (links or {}).items():
        commands.append(f"ln -s {shlex.quote(str(pointee))} {shlex.quote(str(target / name))}")
    try:
        step = subprocess.run(["sh", "-c", " && ".join(commands)], user=user.pw_uid,
                              group=user.pw_gid, extra_groups=[], capture_output=True, text=True)
    finally:
        shutil.rmtree(stage)
    assert step.returncode == 0, step.stderr


def test_collect_refuses_a_submission_made_by_another_account(accounts, capsys):
    alice, bob = accounts
    root = Path(tempfile.mkdtemp(prefix="triad-hostile-"))
    root.chmod(0o755)  # the accounts reach the exchange below it
    try:
        course, exchange = root / "course", root / "exchange"
        exchange.mkdir(mode=0o777)
        exchange.chmod(0o777)
        options = ["--course-dir", str(course), "--exchange", str(exchange)]
        assert main(["distribute", A, *options]) == 0
        inbound = exchange / "triad" / "inbound"
        classroom = Classroom(course)
        blank = release_notebook(classroom, A, "classify")
        genuine = nbformat.writes(source_notebook(classroom, A, "classify")).encode()
        forged = nbformat.writes(blank).encode()
        early, late = "2030-01-01 10:00:00.000000 UTC", "2030-01-02 10:00:00.000000 UTC"
        # with alice's own link to the gradebook, which collect could read and she may not
        hand_in(alice, inbound, f"{alice}+{A}+{early}+aaaa",
                {"classify.ipynb": genuine, "timestamp.txt": early.encode()},
                links={"grades.db": course / "gradebook.db"})  # fmt: skip
        impostor = f"{alice}+{A}+{late}+bbbb"
        hand_in(bob, inbound, impostor, {"classify.ipynb": forged, "timestamp.txt": late.encode()})
        nobody = f"triad-hf-nobody+{A}+{late}+cccc"
        hand_in(bob, inbound, nobody, {"classify.ipynb": forged, "timestamp.txt": late.encode()})

        status = main(["collect", A, *options])
        err = capsys.readouterr().err

        mine = classroom.folder("submitted", A, alice)
        assert (mine / "classify.ipynb").read_bytes() == genuine, "alice's work was replaced"
        assert (mine / "timestamp.txt").read_text() == early
        assert not (mine / "grades.db").exists() and not (mine / "grades.db").is_symlink()
        assert "skipped 1 symbolic link: grades.db" in err
        assert classroom.submitters(A) == [alice]
        assert f"REFUSED {impostor}: it is owned by {bob}, not by {alice}" in err
        assert f"REFUSED {nobody}: no account is named 'triad-hf-nobody'" in err
        assert status == 3
    finally:
        shutil.rmtree(root, ignore_errors=True)


# --- grading without the sandbox ------------------------------------------------------------


def test_grading_without_the_sandbox_leaves_no_scratch_folder(tmp_path, monkeypatch):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    for name in ("TMPDIR", "TMP", "TEMP"):
        monkeypatch.setenv(name, str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", None)
    classroom = Classroom(tmp_path / "classroom")
    release(classroom, [A])
    source = source_notebook(classroom, A, "classify")
    answers = solution_source(source, "answers")
    submit(classroom, A, "solution", {"classify": edited(
        source, answers=answers + "import os\nprint('WORKING IN', os.getcwd())\n")})  # fmt: skip
    try:
        (outcome,) = grade_assignment(classroom, A, progress=False, sandbox=False, jobs=1)
    finally:
        executor.shutdown()  # the grading processes stop, and their workers with them
    assert outcome.score == outcome.max_score, outcome.message
    graded = nbformat.read(classroom.folder("autograded", A, "solution") / "classify.ipynb", 4)
    printed = "".join(o.get("text", "") for cell in graded.cells for o in cell.get("outputs", []))
    assert f"WORKING IN {scratch}/triad-scratch-" in printed  # the scratch folder was there
    assert not list(scratch.glob("triad-scratch-*"))
