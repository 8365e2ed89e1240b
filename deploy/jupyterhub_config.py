"""JupyterHub for one cohort of the Triad course: one instructor (or a few), many learners.

Start it as root from the environment the course is installed in::

    jupyterhub -f deploy/jupyterhub_config.py

What it sets up (see deploy/README.md for the steps around it):

* **Accounts.** Every person has a Unix account on the machine (created from the
  roster, see ``roster.example.txt``); their Jupyter server runs as that account,
  so the file system keeps learners apart: homes are private (mode 0700) and
  nbgrader's exchange lets a learner hand work in without reading anyone else's
  submission or feedback.
* **Limits.** ``SystemdSpawner`` (jupyterhub-systemdspawner) starts each server
  as a systemd unit of its own, which enforces ``mem_limit`` and ``cpu_limit``
  (cgroups): one learner's runaway loop cannot starve the class.  Where systemd
  does not run (a container, the test suite), ``TRIAD_SPAWNER=local`` uses
  JupyterHub's ``LocalProcessSpawner``, which enforces no limit.
* **The course.** Triad is installed as a regular package (``pip install``, never
  editable) in a venv every account can read; it carries no exercise sources.
  The sources (``lessons/``, ``exercises/``, with solutions and hidden tests)
  stay in ``TRIAD_SOURCES``, readable by instructors only.
* **Log-in.** NativeAuthenticator: each person on the roster signs up once with the
  Unix user name the instructor gave them and a password of their choosing; the
  instructor approves them at ``/hub/authorize``.  Names not on the roster cannot
  sign up.  (The test suite swaps in JupyterHub's built-in shared-password
  authenticator, which is fit for a one-day workshop or a test and nothing else.)
* **Assignments.** nbgrader's exchange at ``TRIAD_EXCHANGE`` carries the course
  ``triad``: the instructor runs ``triad distribute / collect / grade / return``;
  learners use the Assignments panel in JupyterLab (Nbgrader > Assignment List).
* **Gradebook.** ``TRIAD_DB`` (PostgreSQL in a real cohort) is handed to the
  instructor's server, so ``triad`` and nbgrader's formgrader use it without ``--db``.

Settings come from the environment, with these defaults:

===================== ===================================== ===========================
variable              default                               meaning
===================== ===================================== ===========================
TRIAD_ROSTER          /srv/triad/roster.txt                 ``instructor NAME`` or
                                                            ``learner NAME`` per line
TRIAD_EXCHANGE        /srv/nbgrader/exchange                nbgrader's exchange (0777)
TRIAD_COURSE_DIR      /srv/triad/classroom                  the instructor's course root
TRIAD_SOURCES         /opt/triad/src                        the course's sources (the git
                                                            checkout), instructors only
TRIAD_DB              sqlite in TRIAD_COURSE_DIR            gradebook URL, e.g.
                                                            postgresql://triad@localhost/triad
TRIAD_HUB_DIR         /srv/triad/hub                        the hub's own database, secrets
                                                            and the learners' nbgrader config
TRIAD_HUB_URL         http://127.0.0.1:8000                 where the hub listens (put
                                                            HTTPS in front of it)
TRIAD_SPAWNER         systemd                               ``systemd``: limits enforced;
                                                            ``local``: no limits
TRIAD_MEM_LIMIT       2G                                    memory per learner server
TRIAD_CPU_LIMIT       1                                     CPU cores per learner server
TRIAD_INSTRUCTOR_MEM  8G                                    memory per instructor server
                                                            (``triad grade`` runs there)
===================== ===================================== ===========================
"""

import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821

COURSE_ID = "triad"
ROSTER = Path(os.environ.get("TRIAD_ROSTER", "/srv/triad/roster.txt"))
EXCHANGE = Path(os.environ.get("TRIAD_EXCHANGE", "/srv/nbgrader/exchange"))
COURSE_DIR = Path(os.environ.get("TRIAD_COURSE_DIR", "/srv/triad/classroom"))
SOURCES = Path(os.environ.get("TRIAD_SOURCES", "/opt/triad/src"))
DB = os.environ.get("TRIAD_DB", "")
HUB_DIR = Path(os.environ.get("TRIAD_HUB_DIR", "/srv/triad/hub"))
BIN = Path(sys.executable).parent  # the environment Triad is installed in


def read_roster(path: Path) -> dict[str, set[str]]:
    """``{"instructor": {...}, "learner": {...}}`` from lines ``ROLE NAME`` (``#`` comments)."""
    roster: dict[str, set[str]] = {"instructor": set(), "learner": set()}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            words = line.split("#", 1)[0].split()
            if len(words) == 2 and words[0] in roster:
                roster[words[0]].add(words[1])
    return roster


roster = read_roster(ROSTER)
INSTRUCTORS, LEARNERS = roster["instructor"], roster["learner"]

# -- the hub itself ------------------------------------------------------------
HUB_DIR.mkdir(parents=True, exist_ok=True)
c.JupyterHub.bind_url = os.environ.get("TRIAD_HUB_URL", "http://127.0.0.1:8000")
c.JupyterHub.db_url = f"sqlite:///{HUB_DIR / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(HUB_DIR / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(HUB_DIR / "jupyterhub-proxy.pid")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops everyone's server

# -- who may log in ------------------------------------------------------------
c.JupyterHub.authenticator_class = "nativeauthenticator.NativeAuthenticator"
try:  # the sign-up and authorisation pages
    import nativeauthenticator

    c.JupyterHub.template_paths = [str(Path(nativeauthenticator.__file__).parent / "templates")]
except ImportError:  # pip install jupyterhub-nativeauthenticator
    pass
c.Authenticator.allowed_users = INSTRUCTORS | LEARNERS
c.Authenticator.admin_users = set(INSTRUCTORS)
c.NativeAuthenticator.open_signup = False  # the instructor approves each sign-up
c.NativeAuthenticator.minimum_password_length = 10
c.NativeAuthenticator.check_common_password = True
c.NativeAuthenticator.allowed_failed_logins = 5
c.NativeAuthenticator.seconds_before_next_try = 60

# -- one Jupyter server per person, running as their Unix account ---------------
SPAWNER = os.environ.get("TRIAD_SPAWNER", "systemd")
if SPAWNER == "systemd":  # pip install jupyterhub-systemdspawner (the `hub` extra)
    c.JupyterHub.spawner_class = "systemdspawner.SystemdSpawner"
    c.SystemdSpawner.unit_name_template = "triad-{USERNAME}"
    c.SystemdSpawner.isolate_tmp = True  # a private /tmp per server
    c.SystemdSpawner.isolate_devices = True
    c.SystemdSpawner.disable_user_sudo = True
elif SPAWNER == "local":
    c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
else:
    raise ValueError(f"TRIAD_SPAWNER must be 'systemd' or 'local', not {SPAWNER!r}")
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.ip = "127.0.0.1"
c.Spawner.notebook_dir = "~"
c.Spawner.default_url = "/lab"
c.Spawner.http_timeout = 60
c.Spawner.start_timeout = 60
c.Spawner.mem_limit = os.environ.get("TRIAD_MEM_LIMIT", "2G")  # enforced by SystemdSpawner
c.Spawner.cpu_limit = float(os.environ.get("TRIAD_CPU_LIMIT", "1"))
INSTRUCTOR_MEM = os.environ.get("TRIAD_INSTRUCTOR_MEM", "8G")

# Learners' nbgrader reads HUB_DIR/nbgrader/nbgrader_config.py (course id, exchange).
LEARNER_CONFIG = HUB_DIR / "nbgrader"
LEARNER_CONFIG.mkdir(parents=True, exist_ok=True)
(LEARNER_CONFIG / "nbgrader_config.py").write_text(
    "c = get_config()  # noqa: F821\n"
    f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
    f"c.Exchange.root = {str(EXCHANGE)!r}\n",
    encoding="utf-8",
)
os.chmod(HUB_DIR, 0o755)
os.chmod(LEARNER_CONFIG, 0o755)
c.Spawner.environment = {
    "JUPYTER_CONFIG_PATH": str(LEARNER_CONFIG),
    "TRIAD_EXCHANGE": str(EXCHANGE),
    "PATH": f"{BIN}:/usr/local/bin:/usr/bin:/bin",
}


def instructor_environment(spawner):
    """Instructors also get the course root, the sources and the gradebook, so `triad` needs
    no options, and room for `triad grade` (no CPU limit, more memory)."""
    if spawner.user.name in INSTRUCTORS:
        extra = {"TRIAD_COURSE_DIR": str(COURSE_DIR), "TRIAD_SOURCES": str(SOURCES)}
        extra |= {"TRIAD_DB": DB} if DB else {}
        spawner.environment = {**spawner.environment, **extra}  # a copy: learners never get it
        spawner.mem_limit, spawner.cpu_limit = INSTRUCTOR_MEM, None


c.Spawner.pre_spawn_hook = instructor_environment
