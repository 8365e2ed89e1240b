"""The instructor's side of nbgrader's exchange: hand assignments out, take them in, give back.

On a shared machine (a JupyterHub for a cohort) nbgrader moves files through an
*exchange* folder that every account can reach::

    EXCHANGE/triad/outbound/<assignment>/          released, readable by all
    EXCHANGE/triad/inbound/<learner>+<assignment>+<time>+<random>/
                                                   submissions: learners may write,
                                                   only the instructor may list
    EXCHANGE/triad/feedback/<hash>.html            feedback: found only by the learner
                                                   holding the notebook it was made from

``distribute`` releases an assignment into it, ``collect`` copies the newest
submission of every learner into ``COURSE_DIR/submitted/``, and ``give_back``
releases the feedback pages made by ``triad grade``.

Any account may write into ``inbound/``, under any learner's name: ``collect``
takes in only the folders made by the account they are named after (see
``VettedCollect``).  Learners use nbgrader's
own commands (``nbgrader fetch_assignment``, ``submit``, ``fetch_feedback``) or
the Assignments panel of JupyterLab, configured by ``learner_config_text``.
"""

from __future__ import annotations

import os
import pwd
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.utils import capture_log, temp_attrs

from .build import nbgrader_errors, release
from .classroom import Classroom
from .config import COURSE_ID, nbgrader_config
from .files import copy_regular_files, skipped_message

#: nbgrader's own default exchange location.
DEFAULT_EXCHANGE = "/srv/nbgrader/exchange"


def default_exchange() -> Path:
    """The exchange root: ``$TRIAD_EXCHANGE``, else ``/srv/nbgrader/exchange`` (nbgrader's)."""
    return Path(os.environ.get("TRIAD_EXCHANGE") or DEFAULT_EXCHANGE)


def exchange_api(classroom: Classroom, exchange: Path | str) -> NbGraderAPI:
    """nbgrader's API for ``classroom`` with its exchange at ``exchange``."""
    config = nbgrader_config(classroom.root, classroom.db_url)
    config.Exchange.root = str(Path(exchange).resolve())
    return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)


def _check(result: dict, what: str) -> str:
    if not result or not result.get("success"):
        log = (result or {}).get("log") or ""
        reasons = [line for line in log.splitlines() if "[ERROR]" in line or "Error" in line]
        reasons = reasons or nbgrader_errors(result or {}).strip().splitlines()
        raise RuntimeError(f"{what} failed: " + "\n".join(reasons[-5:] or ["no reason given"]))
    return result.get("log") or ""


def distribute(
    classroom: Classroom, assignment: str, exchange: Path | str, *, force: bool = False
) -> Path:
    """Build ``assignment`` and release it to the exchange; return its outbound folder.

    With ``force`` an assignment already in the exchange is replaced (learners who
    fetched it keep their copies).
    """
    with classroom.lock(assignment, "triad distribute"):
        release(classroom, [assignment])
        api = exchange_api(classroom, exchange)
        if force:
            api.unrelease(assignment)
        _check(api.release_assignment(assignment), f"releasing {assignment} to {exchange}")
    return Path(exchange).resolve() / COURSE_ID / "outbound" / assignment


def _account_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def not_made_by(folder: Path, account: str) -> str | None:
    """Why the inbound ``folder`` was not handed in by the Unix ``account``, or ``None``.

    The folder, and everything in it (links included, never followed), must be
    owned by that account; an unknown account made none.
    """
    try:
        uid = pwd.getpwnam(account).pw_uid
    except KeyError:
        return f"no account is named {account!r}"
    try:
        info = os.lstat(folder)
    except OSError as error:
        return f"it cannot be read: {error}"
    if not stat.S_ISDIR(info.st_mode):
        return "it is not a folder"
    if info.st_uid != uid:
        return f"it is owned by {_account_name(info.st_uid)}, not by {account}"
    unreadable: list[OSError] = []
    for parent, folders, files in os.walk(folder, onerror=unreadable.append):
        for name in folders + files:
            path = Path(parent, name)
            try:
                owner = os.lstat(path).st_uid
            except OSError as error:
                return f"it cannot be read: {error}"
            if owner != uid:
                rel = path.relative_to(folder)
                return f"{rel} in it is owned by {_account_name(owner)}, not by {account}"
    if unreadable:
        return f"it cannot be read: {unreadable[0]}"
    return None


class VettedCollect(ExchangeCollect):
    """nbgrader's collect, taking in only the submissions a learner's own account made.

    nbgrader names an inbound folder after the learner the submitting account
    says it is, and when the folder's owner is another account it only logs a
    warning: any account could hand in work under a learner's name and replace
    theirs.  Here a folder that is not wholly owned by the account it is named
    after is refused (listed in ``refused``, never copied) and that learner's
    own newest submission is collected instead.  The copy never follows a
    symbolic link (the instructor's account could read through one what the
    learner may not); the links left out are listed in ``skipped``.
    ``ExchangeCollect.check_owner = False`` turns the ownership check off.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.refused: dict[str, str] = {}  # inbound folder name -> why it was refused
        self.skipped: dict[str, list[str]] = {}  # learner -> the symbolic links not copied

    def _path_to_record(self, path):
        record = super()._path_to_record(path)
        why = not_made_by(Path(path), record["username"]) if self.check_owner else None
        record["refused"] = why
        if why:
            self.refused[record["filename"]] = why
            self.log.error("Refused %s: %s", record["filename"], why)
        return record

    def _sort_by_timestamp(self, records):
        genuine = [record for record in records if not record["refused"]]
        return super()._sort_by_timestamp(genuine or records)

    def init_src(self):
        super().init_src()
        self.src_records = [record for record in self.src_records if not record["refused"]]

    def do_copy(self, src, dest, log=None):
        """nbgrader's copy (ignore, include and size limits), of a copy made without links."""
        if self.get_size(src) > 1000 * self.coursedir.max_dir_size:
            return super().do_copy(src, dest, log)  # refused by nbgrader, with its message
        with tempfile.TemporaryDirectory(prefix="triad-collect-") as vetted:
            links = copy_regular_files(src, vetted)
            os.chmod(vetted, stat.S_IMODE(os.lstat(src).st_mode) & 0o777)
            super().do_copy(vetted, dest, log)
        if links:
            learner = Path(dest).parent.name
            self.skipped[learner] = links
            self.log.warning("%s of %s: %s", learner, Path(src).name, skipped_message(links))


@dataclass
class Collected:
    """What ``collect`` did: the learners with a submission, and what it would not take in."""

    learners: list[str]
    refused: dict[str, str] = field(default_factory=dict)  # inbound folder name -> why
    skipped: dict[str, list[str]] = field(default_factory=dict)  # learner -> links left out


def collect(classroom: Classroom, assignment: str, exchange: Path | str) -> Collected:
    """Copy each learner's newest genuine submission into ``submitted/`` (see ``VettedCollect``)."""
    with classroom.lock(assignment, "triad collect"):
        api = exchange_api(classroom, exchange)
        with temp_attrs(api.coursedir, assignment_id=assignment):  # as ``NbGraderAPI.collect``
            app = VettedCollect(coursedir=api.coursedir, authenticator=api.authenticator,
                                parent=api)
            app.update = True
            result = capture_log(app)
        _check(result, f"collecting {assignment} from {exchange}")
        return Collected(classroom.submitters(assignment), app.refused, app.skipped)


def give_back(classroom: Classroom, assignment: str, exchange: Path | str) -> list[str]:
    """Release the feedback of every graded submission of ``assignment``; return the learners.

    Feedback missing for a graded submission is generated first (``triad grade``
    normally makes it).
    """
    with classroom.lock(assignment, "triad return"):
        return _give_back(classroom, assignment, exchange)


def _give_back(classroom: Classroom, assignment: str, exchange: Path | str) -> list[str]:
    api = exchange_api(classroom, exchange)
    learners = []
    for learner in classroom.submitters(assignment):
        if not classroom.folder("autograded", assignment, learner).is_dir():
            continue
        if not any(classroom.folder("feedback", assignment, learner).glob("*.html")):
            _check(
                classroom.api.generate_feedback(assignment, learner, force=True),
                f"feedback for {learner}",
            )
        _check(api.release_feedback(assignment, learner), f"returning feedback to {learner}")
        learners.append(learner)
    return learners


LEARNER_CONFIG = '''\
"""nbgrader settings for the learners of the Triad course (written by `triad`)."""
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = {course!r}
c.Exchange.root = {root!r}
'''


def learner_config_text(exchange: Path | str) -> str:
    """The ``nbgrader_config.py`` that points learners' nbgrader at ``exchange``."""
    return LEARNER_CONFIG.format(course=COURSE_ID, root=str(Path(exchange).resolve()))


def write_learner_config(folder: Path | str, exchange: Path | str) -> Path:
    """Write ``folder/nbgrader_config.py`` for learners (a Jupyter config folder or a home)."""
    path = Path(folder) / "nbgrader_config.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(learner_config_text(exchange), encoding="utf-8")
    return path
