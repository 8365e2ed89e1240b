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
releases the feedback pages made by ``triad grade``.  Learners use nbgrader's
own commands (``nbgrader fetch_assignment``, ``submit``, ``fetch_feedback``) or
the Assignments panel of JupyterLab, configured by ``learner_config_text``.
"""

from __future__ import annotations

import os
from pathlib import Path

from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory

from .build import nbgrader_errors, release
from .classroom import Classroom
from .config import COURSE_ID, nbgrader_config

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


def collect(classroom: Classroom, assignment: str, exchange: Path | str) -> list[str]:
    """Copy each learner's newest submission into ``submitted/``; return the learners."""
    with classroom.lock(assignment, "triad collect"):
        _check(
            exchange_api(classroom, exchange).collect(assignment, update=True),
            f"collecting {assignment} from {exchange}",
        )
        return classroom.submitters(assignment)


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
