"""A cohort on a real JupyterHub, end to end on loopback, following deploy/README.md.

The hub runs ``deploy/jupyterhub_config.py`` with three changes for a test: it
listens on free loopback ports, uses JupyterHub's built-in shared-password
authenticator instead of NativeAuthenticator (no sign-up pages to click
through), and reads a roster of throwaway accounts.  The accounts are real Unix
users created by the test (an instructor and two learners, homes under a
temporary folder), because keeping learners apart is the file system's job:
each Jupyter server runs as its learner, and nbgrader's exchange hands work in
and feedback out without anyone listing the others' files.

Learners act through the hub's API (their own tokens, their own servers: the
Assignments panel's fetch, submit and fetch-feedback calls, and the contents
API to do the work); the instructor runs ``triad`` as their Unix account.
Everything (hub, proxy, servers, accounts, folders, the throwaway PostgreSQL
gradebook) is removed at the end.

Needs root (to create accounts), ``npm`` (the proxy, cached in
``~/.cache/triad/``) and, for the gradebook, PostgreSQL's ``initdb``.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import nbformat
import pytest
from sysdeps import missing, require

from autograder.paths import REPO

pytest.importorskip("jupyterhub", reason="pip install -e '.[test,hub]'")

ASSIGNMENT = "classify-responsibilities"
COURSE = "triad"
INSTRUCTOR = "triad-teach"
ADA, BO = "triad-ada", "triad-bo"
LEARNERS = (ADA, BO)
CY = "triad-cy"  # joins mid-term
TEACHERS = "triad-teachers"  # the instructors' group, which alone reads the sources
SERVICE_TOKEN = "triad-hub-test-" + os.urandom(8).hex()
BIN = Path(sys.executable).parent
WAIT = 60  # seconds, for the hub, each server, each instructor command


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def proxy_command() -> Path:
    """configurable-http-proxy from npm, installed once into ~/.cache/triad/."""
    npm = require("npm", "npm")
    require("node", "nodejs")
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    prefix = cache / "triad" / "configurable-http-proxy"
    program = prefix / "node_modules" / ".bin" / "configurable-http-proxy"
    if not program.exists():
        prefix.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--prefix", str(prefix),
             "configurable-http-proxy"],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        if result.returncode != 0 or not program.exists():
            missing(f"npm could not install configurable-http-proxy: {result.stderr[-500:]}")
    return program


def shared_install(root: Path) -> Path:
    """Step 3: Triad installed as a regular package into a venv every account can read.

    deploy/README.md runs ``pip install '/opt/triad/src[hub]'``; offline, the test
    gives a new venv the third-party packages of this environment (hard links where
    it can) and then installs the checkout with ``pip install --no-deps``: a regular
    install, never editable, so it works wherever the checkout lives (a private home
    too) and carries no exercise sources.  The venv's interpreter is this one's base
    interpreter, or a copy of it when other accounts cannot run that.  Returns the
    venv's ``bin`` folder.
    """
    base = Path(getattr(sys, "_base_executable", sys.executable)).resolve()
    python = base if runs_as_nobody(base) else relocated_python(root / "python")
    if not runs_as_nobody(python):
        missing(f"{python} cannot be run by other accounts: install Python where every account "
                "can read it (see deploy/README.md)")  # fmt: skip
    venv = root / "venv"
    step = run([str(python), "-m", "venv", "--without-pip", str(venv)])
    assert step.returncode == 0, step.stderr
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site = venv / "lib" / version / "site-packages"
    ours = Path(sysconfig.get_paths()["purelib"])
    for entry in ours.iterdir():  # every distribution but Triad (its editable hook)
        if entry.name.startswith(("__editable__", "triad-", "__pycache__")):
            continue
        link_tree(entry, site / entry.name)
    for shared in ("etc/jupyter", "share/jupyter"):  # Jupyter's config and data by sys.prefix
        if (Path(sys.prefix) / shared).is_dir():
            link_tree(Path(sys.prefix) / shared, venv / shared)
    for script in BIN.iterdir():
        target = venv / "bin" / script.name
        if target.exists() or not script.is_file() or script.name == "triad":
            continue
        with script.open("rb") as handle:
            first = handle.readline()
        if first.startswith(b"#!") and b"python" in first:
            rest = script.read_bytes()[len(first):]
            target.write_bytes(f"#!{venv / 'bin' / 'python'}\n".encode() + rest)
            target.chmod(0o755)
    # pip builds in the source folder: build from a copy, the checkout stays clean
    source = root / "build" / "triad"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "classroom", "workspace", "build", "*.egg-info", "__pycache__",
        "screenshots", ".pytest_cache", ".ruff_cache"))  # fmt: skip
    step = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-deps",
         "--no-build-isolation", "--no-index", str(source)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert step.returncode == 0, step.stdout + step.stderr
    shutil.rmtree(root / "build")
    return venv / "bin"


def runs_as_nobody(python: Path) -> bool:
    return run(["runuser", "-u", "nobody", "--", str(python), "-c", "pass"]).returncode == 0


def link_tree(src: Path, dest: Path) -> None:
    """Copy ``src`` to ``dest``, every account able to read it: hard links where possible."""

    def place(a: str, b: str) -> None:
        readable = os.stat(a).st_mode & 0o004
        try:
            if not readable:
                raise OSError("not readable by all")
            os.link(a, b)
        except OSError:
            shutil.copy2(a, b)
            os.chmod(b, os.stat(b).st_mode | 0o444)

    dest.parent.mkdir(parents=True, exist_ok=True)
    if src.is_dir() and not src.is_symlink():
        shutil.copytree(src, dest, symlinks=True, copy_function=place)
        for folder, _, _ in os.walk(dest):
            os.chmod(folder, 0o755)
    elif src.is_symlink():
        dest.symlink_to(os.readlink(src))
    else:
        place(str(src), str(dest))


def relocated_python(target: Path) -> Path:
    """Copy this interpreter (binary, shared library, standard library) to ``target``."""
    base = Path(sys.base_prefix)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    binary = Path(sys.executable).resolve()
    (target / "bin").mkdir(parents=True)
    data = binary.read_bytes()
    old = str(base / "lib").encode() + b"\0"
    if old in data:  # the library search path is absolute: make it relative to the binary
        new = b"$ORIGIN/../lib\0"
        if len(new) > len(old):
            missing("cannot relocate this interpreter's library path")
        data = data.replace(old, new.ljust(len(old), b"\0"))
    program = target / "bin" / version
    program.write_bytes(data)
    program.chmod(0o755)
    (target / "bin" / "python3").symlink_to(version)
    (target / "lib").mkdir()
    for library in base.joinpath("lib").glob("libpython*.so*"):
        shutil.copy2(library, target / "lib" / library.name, follow_symlinks=True)
    shutil.copytree(
        base / "lib" / version, target / "lib" / version,
        ignore=shutil.ignore_patterns("site-packages", "test", "__pycache__", "idlelib",
                                      "tkinter", "turtledemo"),
    )  # fmt: skip
    (target / "lib" / version / "site-packages").mkdir()
    target.chmod(0o755)
    return program


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=WAIT, **kwargs)


def as_user(user: str, cmd: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run ``cmd`` as the Unix account ``user`` with exactly ``env`` (plus HOME, USER)."""
    home = pwd.getpwnam(user).pw_dir
    envs = [f"{k}={v}" for k, v in {**env, "HOME": home, "USER": user}.items()]
    return run(["runuser", "-u", user, "--", "env", "-i", *envs, *cmd], cwd=home)


class Postgres:
    """A throwaway PostgreSQL cluster on a free loopback port, run by the ``postgres`` account."""

    def __init__(self, folder: Path):
        self.folder, self.port = folder, free_port()
        self.data = folder / "data"
        self.started = False

    def start(self, owner: str) -> str:
        initdb = require("initdb", "postgresql", path_hint="/usr/lib/postgresql/15/bin/initdb")
        self.pg_ctl = str(Path(initdb).with_name("pg_ctl"))
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            missing("PostgreSQL's 'postgres' account is missing: install 'postgresql'")
        self.folder.mkdir(mode=0o755)
        shutil.chown(self.folder, "postgres")
        env = {"PATH": os.environ["PATH"], "LC_ALL": "C.UTF-8"}
        step = as_user("postgres", [initdb, "-D", str(self.data), "-A", "trust", "-U", "postgres"],
                       env)  # fmt: skip
        assert step.returncode == 0, step.stderr
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder}"
        step = as_user("postgres", [self.pg_ctl, "-D", str(self.data), "-o", options, "-w",
                                    "-t", str(WAIT), "-l", str(self.folder / "log"), "start"],
                       env)  # fmt: skip
        assert step.returncode == 0, step.stderr + step.stdout
        self.started = True
        psql = [shutil.which("psql") or "psql", "-h", "127.0.0.1", "-p", str(self.port),
                "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-c"]  # fmt: skip
        for sql in (f'CREATE ROLE "{owner}" LOGIN', f'CREATE DATABASE triad OWNER "{owner}"'):
            step = run([*psql, sql])
            assert step.returncode == 0, step.stderr
        return f"postgresql://{owner}@127.0.0.1:{self.port}/triad"

    def tool(self, program: str, *args: str) -> subprocess.CompletedProcess:
        """Run PostgreSQL's ``program`` (``pg_dump``, ``dropdb``...) against this cluster."""
        beside = Path(self.pg_ctl).with_name(program)  # the cluster's own version first
        path = beside if beside.exists() else shutil.which(program) or program
        return run([str(path), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", *args])

    def stop(self) -> None:
        if self.started:
            env = {"PATH": os.environ["PATH"]}
            as_user("postgres", [self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop"],
                    env)  # fmt: skip


class Hub:
    """HTTP calls to the hub's REST API and, through its proxy, to the learners' servers."""

    def __init__(self, url: str):
        self.url = url

    def call(self, method: str, path: str, token: str, body=None) -> tuple[int, object]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.url + path, data=data, method=method,
            headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
        )  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=WAIT) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode(errors="replace")
        try:
            return status, json.loads(text) if text else None
        except json.JSONDecodeError:
            return status, text

    def answers(self) -> bool:
        try:
            return self.call("GET", "/hub/api/", SERVICE_TOKEN)[0] == 200
        except OSError:  # not listening yet
            return False

    def ok(self, method: str, path: str, token: str, body=None):
        status, answer = self.call(method, path, token, body)
        assert status < 300, f"{method} {path}: {status} {answer}"
        return answer

    def start_server(self, user: str) -> None:
        status, answer = self.call("POST", f"/hub/api/users/{user}/server", SERVICE_TOKEN)
        assert status in (201, 202), f"starting {user}'s server: {status} {answer}"
        deadline = time.monotonic() + WAIT
        while True:
            model = self.ok("GET", f"/hub/api/users/{user}", SERVICE_TOKEN)
            if model["servers"].get("", {}).get("ready"):
                return
            assert time.monotonic() < deadline, f"{user}'s server did not start: {model}"
            time.sleep(0.5)

    def token_for(self, user: str) -> str:
        answer = self.ok("POST", f"/hub/api/users/{user}/tokens", SERVICE_TOKEN,
                         {"note": "test", "expires_in": 3600})  # fmt: skip
        return answer["token"]

    def assignments(self, user: str, token: str, action: str | None = None) -> list:
        """nbgrader's Assignments panel calls: list, or fetch / submit / fetch_feedback."""
        query = f"course_id={COURSE}&assignment_id={ASSIGNMENT}"
        if action is None:
            answer = self.ok("GET", f"/user/{user}/assignments?course_id={COURSE}", token)
        else:
            answer = self.ok("POST", f"/user/{user}/assignments/{action}?{query}", token, {})
        assert isinstance(answer, dict | list), answer
        if isinstance(answer, dict):
            assert answer.get("success"), answer.get("value")
            return answer["value"]
        return answer


def processes_of(user: str) -> list[int]:
    uid = pwd.getpwnam(user).pw_uid
    return [int(p.name) for p in Path("/proc").iterdir()
            if p.name.isdigit() and _owner(p) == uid]  # fmt: skip


def _owner(path: Path) -> int | None:
    try:
        return path.stat().st_uid
    except OSError:
        return None


@pytest.fixture(scope="module")
def cohort():
    if os.geteuid() != 0 or not shutil.which("useradd"):
        missing("the hub test creates local accounts: run it as root on Debian (useradd)")
    proxy = proxy_command()  # Step 1: the system packages (here: the proxy)
    root = Path(tempfile.mkdtemp(prefix="triad-hub-"))
    root.chmod(0o755)  # every account must reach its home, the venv and the exchange below it
    created: list[str] = []
    group_made = False
    postgres = Postgres(root / "postgres")
    hub = log = None
    try:
        # Step 2: accounts from the roster, with private homes; instructors in a group.
        roster = root / "roster.txt"
        lines = [f"instructor {INSTRUCTOR}", *(f"learner {name}" for name in LEARNERS)]
        roster.write_text("\n".join(lines) + "\n")
        if run(["getent", "group", TEACHERS]).returncode == 0:
            run(["groupdel", TEACHERS])
        step = run(["groupadd", TEACHERS])
        assert step.returncode == 0, step.stderr
        group_made = True
        for name in (INSTRUCTOR, *LEARNERS):
            add_account(root, name, created)
        step = run(["usermod", "--append", "--groups", TEACHERS, INSTRUCTOR])
        assert step.returncode == 0, step.stderr
        # Step 3: the sources for instructors only; Triad installed for everyone, no sources.
        sources = root / "src"
        for folder in ("lessons", "exercises"):
            shutil.copytree(REPO / folder, sources / folder)
        for path in (sources, *sources.rglob("*")):
            shutil.chown(path, "root", TEACHERS)
        sources.chmod(0o750)
        bin_dir = shared_install(root)
        # Step 4: the exchange, open to all; the course root, the instructor's alone.
        exchange = root / "exchange"
        exchange.mkdir(mode=0o777)
        exchange.chmod(0o777)
        course = root / "classroom"
        course.mkdir(mode=0o700)
        shutil.chown(course, INSTRUCTOR, INSTRUCTOR)
        # Step 5: the gradebook on PostgreSQL.
        db = postgres.start(INSTRUCTOR)
        # Step 6: the hub.
        port, hub_port, api_port = free_port(), free_port(), free_port()
        hub_dir = root / "hub"
        hub_dir.mkdir()
        config = hub_dir / "test_config.py"
        config.write_text(
            "c = get_config()  # noqa: F821\n"
            f"load_subconfig({str(REPO / 'deploy' / 'jupyterhub_config.py')!r})  # noqa: F821\n"
            f"c.JupyterHub.hub_bind_url = 'http://127.0.0.1:{hub_port}'\n"
            f"c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{api_port}'\n"
            f"c.ConfigurableHTTPProxy.command = [{str(proxy)!r}]\n"
            "c.JupyterHub.authenticator_class = 'shared-password'\n"
            f"c.SharedPasswordAuthenticator.user_password = {os.urandom(12).hex()!r}\n"
            "c.JupyterHub.services = [{'name': 'cohort-test', 'api_token': "
            f"{SERVICE_TOKEN!r}}}]\n"
            "c.JupyterHub.load_roles = [{'name': 'cohort-test', 'services': ['cohort-test'],"
            " 'scopes': ['admin:users', 'admin:servers', 'tokens']}]\n"
        )
        env = dict(
            os.environ,
            TRIAD_ROSTER=str(roster), TRIAD_EXCHANGE=str(exchange), TRIAD_COURSE_DIR=str(course),
            TRIAD_DB=db, TRIAD_HUB_DIR=str(hub_dir), TRIAD_HUB_URL=f"http://127.0.0.1:{port}",
            TRIAD_SOURCES=str(sources), TRIAD_SPAWNER="local",  # no systemd here: no limits
        )  # fmt: skip
        log = (hub_dir / "hub.log").open("w")
        hub = subprocess.Popen(
            [str(bin_dir / "jupyterhub"), "-f", str(config)], cwd=hub_dir, env=env,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        client = Hub(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + WAIT
        while not client.answers():
            if hub.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"JupyterHub did not start:\n{(hub_dir / 'hub.log').read_text()}")
            time.sleep(0.5)
        instructor_env = {  # what the hub gives an instructor's server
            "PATH": f"{bin_dir}:/usr/bin:/bin", "TRIAD_COURSE_DIR": str(course),
            "TRIAD_EXCHANGE": str(exchange), "TRIAD_DB": db, "TRIAD_SOURCES": str(sources),
            "LC_ALL": "C.UTF-8",
        }  # fmt: skip
        yield {
            "hub": client, "root": root, "exchange": exchange, "course": course,
            "instructor_env": instructor_env, "log": hub_dir / "hub.log", "bin": bin_dir,
            "db": db.replace(f"{INSTRUCTOR}@", "postgres@"), "roster": roster,
            "sources": sources, "created": created, "postgres": postgres,
        }  # fmt: skip
    finally:
        if hub is not None:
            hub.send_signal(signal.SIGTERM)  # stops every learner's server and the proxy
            try:
                hub.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(hub.pid, signal.SIGKILL)
                hub.wait()
        if log is not None:
            log.close()
        postgres.stop()
        for name in created:
            for pid in processes_of(name):  # anything the test's accounts left running
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            run(["userdel", "--force", name])
        if group_made:
            run(["groupdel", TEACHERS])
        shutil.rmtree(root, ignore_errors=True)


def add_account(root: Path, name: str, created: list[str]) -> None:
    """``useradd`` with a private home under ``root/home`` (Step 2)."""
    if run(["id", name]).returncode == 0:
        run(["userdel", "--force", name])
    home = root / "home" / name
    home.parent.mkdir(exist_ok=True, mode=0o755)
    step = run(["useradd", "--create-home", "--home-dir", str(home), "--shell",
                "/bin/bash", "--user-group", name])  # fmt: skip
    assert step.returncode == 0, step.stderr
    created.append(name)
    home.chmod(0o700)


def instructor(cohort, *args: str) -> str:
    """Run ``triad ARGS`` as the instructor's account; return its output."""
    step = as_user(INSTRUCTOR, [str(cohort["bin"] / "triad"), *args], cohort["instructor_env"])
    assert step.returncode == 0, f"triad {' '.join(args)}:\n{step.stdout}\n{step.stderr}"
    return step.stdout


def sandbox_works(cohort) -> bool:
    """Whether `triad grade` can sandbox learner code as the instructor here.

    It cannot without bubblewrap and user namespaces, nor with the copied
    interpreter of ``relocated_python`` (its workers do not survive the
    sandbox); the test then grades unsandboxed, which a real install need not.
    """
    bwrap = shutil.which("bwrap")
    if not bwrap or (cohort["bin"].parent.parent / "python").exists():
        return False
    probe = as_user(INSTRUCTOR, [bwrap, "--unshare-all", "--unshare-user", "--die-with-parent",
                                 "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "true"],
                    {"PATH": "/usr/bin:/bin"})  # fmt: skip
    return probe.returncode == 0


def scores_in(out: str) -> dict[str, tuple[float, float]]:
    """``{learner: (score, max)}`` from the lines of `triad grade`."""
    return {
        m["learner"]: (float(m["score"]), float(m["max"]))
        for m in re.finditer(r"^(?P<learner>\S+)\s+(?P<score>[\d.]+) / (?P<max>[\d.]+)$", out, re.M)
    }


def answer_cell(cohort) -> tuple[str, str]:
    """The answer cell's grade id and the instructor's solution in it."""
    source = nbformat.read(
        cohort["course"] / "source" / ASSIGNMENT / "classify.ipynb", as_version=4
    )
    cell = next(c for c in source.cells if c.metadata.get("nbgrader", {}).get("solution"))
    text = "\n".join(
        line
        for line in cell.source.splitlines()
        if not line.lstrip().startswith(("### BEGIN", "### END"))
    )
    return cell.metadata["nbgrader"]["grade_id"], text


def test_a_cohort_gets_work_out_in_and_back_through_the_hub(cohort):
    hub, times = cohort["hub"], {}
    started = time.monotonic()

    # Step 7: the instructor hands the assignment out.
    out = instructor(cohort, "distribute", ASSIGNMENT)
    assert f"released {ASSIGNMENT}" in out
    times["distribute"] = time.monotonic() - started

    # Step 8: each learner logs in (here: a token), opens the Assignments panel, fetches,
    # works and submits.  Ada answers everything right, Bo gets two statements wrong.
    answer, solution = answer_cell(cohort)
    mistakes = '\nanswers["R05"] = "program"\nanswers["R13"] = "project"\n'
    work = {ADA: solution, BO: solution + mistakes}
    tokens = {}
    for learner in LEARNERS:
        mark = time.monotonic()
        hub.start_server(learner)
        tokens[learner] = token = hub.token_for(learner)
        listed = hub.assignments(learner, token)
        assert [(a["assignment_id"], a["status"]) for a in listed] == [(ASSIGNMENT, "released")]
        hub.assignments(learner, token, "fetch")
        path = f"/user/{learner}/api/contents/{ASSIGNMENT}/classify.ipynb"
        model = hub.ok("GET", f"{path}?content=1", token)
        cells = model["content"]["cells"]
        (cell,) = [c for c in cells if c["metadata"].get("nbgrader", {}).get("grade_id") == answer]
        cell["source"] = work[learner]
        notebook = {"type": "notebook", "format": "json", "content": model["content"]}
        hub.ok("PUT", path, token, notebook)
        listed = hub.assignments(learner, token, "submit")
        assert any(a["status"] == "submitted" for a in listed), listed
        times[f"{learner} fetch+work+submit"] = time.monotonic() - mark

    # Learners keep out of each other's servers and files.
    status, _ = hub.call("GET", f"/user/{ADA}/api/contents/{ASSIGNMENT}", tokens[BO])
    assert status == 403, f"Bo's token opened Ada's server ({status})"
    peek = as_user(BO, [str(cohort["bin"] / "python"), "-c", (
        "import os, sys\n"
        "for path in sys.argv[1:]:\n"
        "    try:\n"
        "        os.listdir(path); print('READ', path)\n"
        "    except PermissionError:\n"
        "        print('DENIED', path)\n"
    ), str(cohort["exchange"] / COURSE / "inbound"), str(cohort["root"] / "home" / ADA),
        str(cohort["course"]), str(cohort["sources"])], {"PATH": "/usr/bin:/bin"})  # fmt: skip
    assert peek.returncode == 0, peek.stderr
    assert "READ" not in peek.stdout and peek.stdout.count("DENIED") == 4, peek.stdout
    # The installed course carries no exercise sources: nothing to find through course.__file__.
    peek = as_user(BO, [str(cohort["bin"] / "python"), "-c", (
        "import pathlib, course, autograder\n"
        "for package in (course, autograder):\n"
        "    root = pathlib.Path(package.__file__).parent.parent\n"
        "    print(root, (root / 'exercises').exists(), (root / 'lessons').exists())\n"
    )], {"PATH": "/usr/bin:/bin"})  # fmt: skip
    assert peek.returncode == 0, peek.stderr
    assert peek.stdout.count("False False") == 2, peek.stdout
    assert str(cohort["bin"].parent) in peek.stdout, peek.stdout  # the shared venv, not REPO
    # Nor can a learner's `triad` read the sources; it says why in one sentence.
    step = as_user(BO, [str(cohort["bin"] / "triad"), "release", "--sources",
                        str(cohort["sources"]), "--course-dir", "mine"],
                   {"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"})  # fmt: skip
    assert step.returncode == 1 and "Traceback" not in step.stderr, step.stderr
    assert "cannot read the course's sources" in step.stderr, step.stderr

    # Step 9: the instructor collects, grades and returns the feedback.
    mark = time.monotonic()
    out = instructor(cohort, "collect", ASSIGNMENT)
    assert f"collected 2 submissions of {ASSIGNMENT}: {ADA}, {BO}" in out, out
    trusted = [] if sandbox_works(cohort) else ["--no-sandbox"]
    out = instructor(cohort, "grade", ASSIGNMENT, "--quiet", *trusted)
    scores = scores_in(out)
    assert set(scores) == set(LEARNERS), out
    assert scores[ADA][0] == scores[ADA][1] and scores[BO][0] < scores[BO][1], scores
    out = instructor(cohort, "return", ASSIGNMENT)
    assert f"returned feedback on {ASSIGNMENT} to 2" in out, out
    rows = run([shutil.which("psql") or "psql", cohort["db"], "-At", "-c",
                "SELECT student_id FROM submitted_assignment ORDER BY 1"])  # fmt: skip
    assert rows.stdout.split() == [ADA, BO], rows.stderr  # the gradebook is in PostgreSQL
    times["collect+grade+return"] = time.monotonic() - mark

    # Step 10: each learner fetches their own feedback, and only theirs.
    pages = {}
    for learner in LEARNERS:
        listed = hub.assignments(learner, tokens[learner], "fetch_feedback")
        submissions = [s for a in listed for s in a.get("submissions", [])]
        assert any(s.get("has_local_feedback") for s in submissions), listed
        base = f"/user/{learner}/api/contents/{ASSIGNMENT}/feedback"
        (stamp,) = hub.ok("GET", base, tokens[learner])["content"]
        page = hub.ok("GET", f"{base}/{quote(stamp['name'])}/classify.html?content=1",
                      tokens[learner])  # fmt: skip
        pages[learner] = page["content"]
    for learner, other in ((ADA, BO), (BO, ADA)):
        score, max_score = scores[learner]
        assert f"{score:g}" in pages[learner] and f"{max_score:g}" in pages[learner]
        assert other not in pages[learner]
    assert pages[ADA] != pages[BO]
    assert "R05" in pages[BO] or "R13" in pages[BO], "Bo's feedback does not name his mistakes"
    peek = as_user(BO, [str(cohort["bin"] / "python"), "-c", (
        "import os, sys\n"
        "try:\n"
        "    os.listdir(sys.argv[1]); print('READ')\n"
        "except PermissionError:\n"
        "    print('DENIED')\n"
    ), str(cohort["exchange"] / COURSE / "feedback")], {"PATH": "/usr/bin:/bin"})  # fmt: skip
    assert peek.stdout.strip() == "DENIED", peek.stdout + peek.stderr

    # During the term: a learner joins without a restart: an account, a line in the roster,
    # and "Add Users" on the hub's admin page (this same call).
    mark = time.monotonic()
    add_account(cohort["root"], CY, cohort["created"])
    with cohort["roster"].open("a") as roster:
        roster.write(f"learner {CY}\n")
    hub.ok("POST", f"/hub/api/users/{CY}", SERVICE_TOKEN)
    hub.start_server(CY)
    listed = hub.assignments(CY, hub.token_for(CY))
    assert [(a["assignment_id"], a["status"]) for a in listed] == [(ASSIGNMENT, "released")]
    times["a learner joins"] = time.monotonic() - mark

    # During the term: a key is fixed in the sources (R05 is now "program"); `triad release`
    # and `triad grade` again regrade everyone with it.
    mark = time.monotonic()
    key = cohort["sources"] / "exercises" / ASSIGNMENT / "classify.py"
    text = key.read_text(encoding="utf-8")
    fixed = text.replace('"R05": ("project",', '"R05": ("program",', 1)
    assert fixed != text, "the hidden key of R05 moved: update the test"
    key.write_text(fixed, encoding="utf-8")
    instructor(cohort, "release", ASSIGNMENT)
    regraded = scores_in(instructor(cohort, "grade", ASSIGNMENT, "--quiet", *trusted))
    assert regraded[BO][0] > scores[BO][0], (scores, regraded)  # his R05 is right now
    assert regraded[ADA][0] < scores[ADA][0], (scores, regraded)  # hers is wrong now
    times["key fixed, regraded"] = time.monotonic() - mark

    # During the term: back the gradebook up (pg_dump), lose it, restore it (pg_restore).
    mark = time.monotonic()
    before = cohort["course"] / "before.csv"
    instructor(cohort, "export", "--output", str(before))
    pg = cohort["postgres"]
    dump = cohort["root"] / "gradebook.dump"
    step = pg.tool("pg_dump", "--format=custom", f"--file={dump}", "triad")
    assert step.returncode == 0, step.stderr
    for command in (["dropdb", "--force", "triad"], ["createdb", "--owner", INSTRUCTOR, "triad"],
                    ["pg_restore", "--dbname=triad", str(dump)]):  # fmt: skip
        step = pg.tool(*command)
        assert step.returncode == 0, f"{command}: {step.stderr}"
    after = cohort["course"] / "after.csv"
    instructor(cohort, "export", "--output", str(after))
    assert after.read_text() == before.read_text()
    assert all(learner in after.read_text() for learner in LEARNERS)
    times["gradebook backed up, restored"] = time.monotonic() - mark

    times["total"] = time.monotonic() - started
    print("\n" + "\n".join(f"{step:<34} {seconds:5.1f} s" for step, seconds in times.items()))
    print(f"learner code graded {'in the sandbox' if not trusted else 'without the sandbox'}")


@pytest.mark.filterwarnings("ignore::DeprecationWarning:nativeauthenticator")
def test_the_deploy_config_signs_the_roster_in_with_nativeauthenticator(tmp_path, monkeypatch):
    """Without the test's changes the hub logs people in with NativeAuthenticator."""
    from jupyterhub.auth import Authenticator
    from traitlets.config import PyFileConfigLoader
    from traitlets.utils.importstring import import_item

    roster = tmp_path / "roster.txt"
    roster.write_text((REPO / "deploy" / "roster.example.txt").read_text())
    monkeypatch.setenv("TRIAD_ROSTER", str(roster))
    monkeypatch.setenv("TRIAD_HUB_DIR", str(tmp_path / "hub"))
    monkeypatch.setenv("TRIAD_EXCHANGE", str(tmp_path / "exchange"))
    config = PyFileConfigLoader("jupyterhub_config.py", path=str(REPO / "deploy")).load_config()
    authenticator = import_item(config.JupyterHub.authenticator_class)
    assert issubclass(authenticator, Authenticator)
    assert authenticator.__name__ == "NativeAuthenticator"
    assert config.NativeAuthenticator.open_signup is False
    assert config.Authenticator.admin_users == {"kim"}
    assert config.Authenticator.allowed_users == {"kim", "ada", "bo"}
    learner_config = (tmp_path / "hub" / "nbgrader" / "nbgrader_config.py").read_text()
    assert f"c.Exchange.root = {str(tmp_path / 'exchange')!r}" in learner_config
    assert config.Spawner.environment["JUPYTER_CONFIG_PATH"] == str(tmp_path / "hub" / "nbgrader")
    # Each server gets a memory and CPU cap, from a spawner that enforces them.
    spawner = import_item(config.JupyterHub.spawner_class)
    assert spawner.__name__ == "SystemdSpawner"
    assert config.Spawner.mem_limit == "2G" and config.Spawner.cpu_limit == 1.0


def test_the_deploy_config_gives_the_sources_to_instructors_only(tmp_path, monkeypatch):
    """The pre-spawn hook: an instructor's server learns the sources; a learner's does not."""
    from types import SimpleNamespace

    from traitlets.config import PyFileConfigLoader

    roster = tmp_path / "roster.txt"
    roster.write_text((REPO / "deploy" / "roster.example.txt").read_text())
    for name, value in (("ROSTER", roster), ("HUB_DIR", tmp_path / "hub"),
                        ("SOURCES", tmp_path / "src"), ("DB", "postgresql:///triad")):
        monkeypatch.setenv(f"TRIAD_{name}", str(value))
    config = PyFileConfigLoader("jupyterhub_config.py", path=str(REPO / "deploy")).load_config()
    hook, base = config.Spawner.pre_spawn_hook, dict(config.Spawner.environment)
    spawned = {}
    for name in ("kim", "ada"):
        spawner = SimpleNamespace(user=SimpleNamespace(name=name), environment=dict(base),
                                  mem_limit="2G", cpu_limit=1.0)  # fmt: skip
        hook(spawner)
        spawned[name] = spawner
    assert spawned["kim"].environment["TRIAD_SOURCES"] == str(tmp_path / "src")
    assert spawned["kim"].environment["TRIAD_DB"] == "postgresql:///triad"
    assert spawned["kim"].mem_limit == "8G" and spawned["kim"].cpu_limit is None
    assert not {"TRIAD_SOURCES", "TRIAD_DB", "TRIAD_COURSE_DIR"} & set(spawned["ada"].environment)
    assert (spawned["ada"].mem_limit, spawned["ada"].cpu_limit) == ("2G", 1.0)
