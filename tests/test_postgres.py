"""The whole instructor flow (release, grade, export, report) on a real PostgreSQL server.

A throw-away server is started once per test session: its data folder is a
temporary folder, it listens on 127.0.0.1 on a free port only, trusts local
connections, and is stopped and deleted at the end of the session.  Debian's
``postgresql`` package is installed through ``sysdeps`` when it is missing.
"""

from __future__ import annotations

import csv
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest
from submissions import edited, release_notebook, source_notebook, submit
from sysdeps import missing, require
from test_classify import answers_cell, with_wrong
from test_report import row

from autograder.classroom import Classroom
from autograder.paths import database_url
from autograder.zygotes import default_jobs

A = "classify-responsibilities"
# learner -> expected score out of 31; "broken" is not graded at all
EXPECTED = {"solution": 31, "blank": 0, "three-wrong": 28, "example-wrong": 26}
GRADE_CELLS = 3  # check_format, check_examples, check_all


def _newest_initdb() -> str | None:
    """Debian keeps the server programs in /usr/lib/postgresql/<version>/bin/, off PATH."""
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")

    def version(path: str) -> tuple[int, ...]:
        return tuple(int(part) for part in Path(path).parts[-3].split(".") if part.isdigit())

    return max(found, key=version, default=None)


def postgres_bindir() -> Path:
    """The folder holding ``initdb`` and ``pg_ctl``, installing Debian's server if needed."""
    initdb = shutil.which("initdb") or _newest_initdb()
    if initdb is None:
        # pg_ctlcluster comes on PATH with the package, whatever its version.
        require("pg_ctlcluster", "postgresql")
        initdb = _newest_initdb()
    if initdb is None:
        missing("PostgreSQL's initdb is missing: install the Debian package 'postgresql'")
    return Path(initdb).resolve().parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """A private PostgreSQL server in ``folder``, run as ``postgres`` when we are root."""

    def __init__(self, bindir: Path, folder: Path):
        self.bindir, self.folder = bindir, folder
        self.data, self.log = folder / "data", folder / "server.log"
        self.port = _free_port()
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def run(self, program: str, *args: str) -> None:
        command = [*self.as_owner, str(self.bindir / program), *args]
        result = subprocess.run(command, capture_output=True, text=True, cwd=self.folder)
        if result.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr}{log}")

    def start(self) -> None:
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                 "--encoding=UTF8", "--no-sync")  # fmt: skip
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} "
            f"-c unix_socket_directories={self.folder} -c fsync=off"
        )
        self.run("pg_ctl", "start", "-w", "-D", str(self.data), "-l", str(self.log), "-o", options)

    def stop(self) -> None:
        self.run("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.data))

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url(), autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture(scope="session")
def postgres():
    """A running PostgreSQL server on 127.0.0.1, stopped and deleted after the session."""
    bindir = postgres_bindir()
    folder = Path(tempfile.mkdtemp(prefix="triad-postgres-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    server = PostgresServer(bindir, folder)
    try:
        server.start()
        yield server
    finally:
        try:
            if (server.data / "postmaster.pid").exists():
                server.stop()
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def triad(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "autograder.cli", *args], capture_output=True, text=True
    )


def parallel_grading() -> bool:
    return "--jobs" in triad("grade", "--help").stdout


def sql(url: str, query: str) -> list[tuple]:
    with psycopg.connect(url) as db:
        return db.execute(query).fetchall()


#: ``triad grade`` with its default number of grading processes, and with two where that
#: default is not two already (one core), so that parallel grading is always among them.
JOBS = [None] + ([2] if default_jobs() != 2 else [])
JOB_IDS = [f"jobs-{jobs}" if jobs else "default-jobs" for jobs in JOBS]


@pytest.fixture(scope="module", params=JOBS, ids=JOB_IDS)
def flow(request, postgres, tmp_path_factory):
    """Release, submit, grade twice, export and report with the gradebook on PostgreSQL."""
    jobs = request.param
    if jobs and not parallel_grading():
        pytest.skip("`triad grade` has no --jobs option")
    name = f"triad_jobs{jobs}" if jobs else "triad_default"
    url = postgres.create_database(name)
    root = tmp_path_factory.mktemp(name)
    common = ["--course-dir", str(root), "--db", url]

    released = triad("release", *common, A)
    assert released.returncode == 0, released.stderr

    classroom = Classroom(root, url)
    blank = release_notebook(classroom, A, "classify")
    notebooks = {
        "solution": source_notebook(classroom, A, "classify"),
        "blank": blank,
        "three-wrong": edited(blank, answers=answers_cell(with_wrong("R05", "R13", "R22"))),
        "example-wrong": edited(blank, answers=answers_cell(with_wrong("R02", "R10"))),
        "broken": '{"cells": [',
    }
    for learner, nb in notebooks.items():
        submit(classroom, A, learner, {"classify": nb})

    grade_args = ["grade", *common, A, "--quiet"] + (["--jobs", str(jobs)] if jobs else [])
    graded = [triad(*grade_args, *force) for force in ([], ["--force"])]  # no grade twice
    exported = triad("export", *common, "--output", str(root / "grades.csv"))
    reported = triad("report", *common, A)
    assert reported.returncode == 0, reported.stderr
    return url, root, graded, exported


def test_grade_reports_the_broken_submission(flow):
    _, _, graded, _ = flow
    for run in graded:
        assert run.returncode == 3, run.stderr
        assert "broken" in run.stdout and "NOT GRADED" in run.stdout
        assert "graded 4 of 5 submissions" in run.stdout


def test_exported_scores(flow):
    _, root, _, exported = flow
    assert exported.returncode == 0, exported.stderr
    with open(root / "grades.csv", newline="") as f:
        rows = {row["learner"]: row for row in csv.DictReader(f)}
    graded = {k: v for k, v in rows.items() if v["status"] == "graded"}
    assert {k: float(v["score"]) for k, v in graded.items()} == EXPECTED
    assert {float(v["max_score"]) for v in graded.values()} == {31}
    assert rows["broken"]["status"] == "broken" and rows["broken"]["score"] == ""


def test_the_gradebook_is_in_postgres_only(flow):
    url, root, _, _ = flow
    assert not (root / "gradebook.db").exists()
    assert database_url(url) in (root / "nbgrader_config.py").read_text()
    students = {row[0] for row in sql(url, "SELECT id FROM student")}
    assert students == set(EXPECTED) | {"broken"}  # a broken submission has its row


def test_report_reads_the_postgres_gradebook(flow):
    _, root, _, _ = flow
    page = (root / "reports" / A / "index.html").read_text(encoding="utf-8")
    assert "5 learners: 4 graded, 1 not gradeable, 0 did not submit." in page
    # R05 is right for solution and example-wrong, wrong for three-wrong; blank left it blank
    assert row(page, "item-R05")[2:6] == ["project", "2 of 3", "67 %", "1"]
    assert (root / "reports" / A / "scores.png").exists()


def test_every_grade_is_written_exactly_once(flow):
    url, _, _, _ = flow
    (total,) = sql(url, "SELECT count(*) FROM grade")[0]
    assert total == (len(EXPECTED) + 1) * GRADE_CELLS  # the broken one's, without a score
    duplicates = sql(
        url,
        "SELECT notebook_id, cell_id, count(*) FROM grade "
        "GROUP BY notebook_id, cell_id HAVING count(*) > 1",
    )
    assert duplicates == []
    assert sql(url, "SELECT count(*) FROM submitted_assignment")[0][0] == len(EXPECTED) + 1


def test_scores_in_the_gradebook(flow):
    url, _, _, _ = flow
    rows = sql(
        url,
        "SELECT s.student_id, sum(coalesce(g.manual_score, g.auto_score)) "
        "FROM grade g JOIN submitted_notebook n ON g.notebook_id = n.id "
        "JOIN submitted_assignment s ON n.assignment_id = s.id GROUP BY s.student_id",
    )
    assert {learner: float(score) for learner, score in rows if score is not None} == EXPECTED
    assert dict(rows)["broken"] is None  # in the gradebook, flagged, with no grade
    flags = sql(url, "SELECT n.flagged FROM submitted_notebook n JOIN submitted_assignment s "
                     "ON n.assignment_id = s.id WHERE s.student_id = 'broken'")  # fmt: skip
    assert flags == [(True,)]


def test_database_url_names_the_installed_driver():
    assert database_url("postgresql://ada@db/triad") == "postgresql+psycopg://ada@db/triad"
    assert database_url("postgres://ada@db/triad") == "postgresql+psycopg://ada@db/triad"
    assert database_url("postgresql+psycopg2://db/x") == "postgresql+psycopg2://db/x"
    assert database_url("sqlite:////tmp/g.db") == "sqlite:////tmp/g.db"


# --- faults and two runs at once on a PostgreSQL gradebook ------------------------------------


def test_two_grade_runs_on_one_assignment_postgres(postgres, tmp_path):
    from test_faults import concurrent_grade_runs

    url = postgres.create_database("triad_concurrent")
    root = tmp_path / "course"
    common = ["--course-dir", str(root), "--db", url]
    assert triad("release", A, *common).returncode == 0
    concurrent_grade_runs(root, common)


def test_the_database_lock_holds_across_machines(postgres, tmp_path):
    """Two course roots (two machines) sharing one gradebook: the database lock stops the second."""
    from test_faults import concurrent_grade_runs

    url = postgres.create_database("triad_two_machines")
    root = tmp_path / "machine-a"
    common = ["--course-dir", str(root), "--db", url]
    assert triad("release", A, *common).returncode == 0
    concurrent_grade_runs(root, common, other_root=tmp_path / "machine-b")


def test_a_refused_login_and_a_missing_database(postgres, tmp_path):
    from test_faults import assert_told

    url = postgres.create_database("triad_logins")
    root = tmp_path / "course"
    assert triad("release", A, "--course-dir", str(root), "--db", url).returncode == 0
    nobody = url.replace("postgres@", "nobody@")
    for command in (["grade", A], ["export"], ["release", A]):
        run = triad(*command, "--course-dir", str(root), "--db", nobody)
        assert_told(run, 1, "the database server refused the login", 'role "nobody" does not '
                    "exist", "~/.pgpass")  # fmt: skip
    run = triad("export", "--course-dir", str(root), "--db", postgres.url("no_such_db"))
    assert_told(run, 1, "the database server has no such database", "createdb")
