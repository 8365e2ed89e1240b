"""Grade a cohort: autograde every submission, write the gradebook and feedback, export grades."""

from __future__ import annotations

import json
import os
import shutil
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import nbformat
import pandas as pd
from nbgrader.api import MissingEntry
from sqlalchemy.exc import SAWarning
from tqdm import tqdm

from .classroom import Classroom
from .executor import Settings, grade_many, notebook_imports
from .roster import split_submitters
from .sandbox import INSTALL_HINT, Limits, SandboxUnavailable, find_bwrap
from .zygotes import default_jobs, stop_early

# nbgrader's gradebook triggers harmless SQLAlchemy autoflush warnings on every submission.
warnings.filterwarnings("ignore", category=SAWarning)
# No progress-bar monitor thread: grading processes are forked while a bar is shown.
tqdm.monitor_interval = 0


@dataclass
class Outcome:
    """What happened to one learner's submission."""

    learner: str
    status: str  # "graded", "broken" or "unlisted" (a folder of someone not on the roster)
    score: float | None = None
    max_score: float | None = None
    message: str = ""


def notebook_names(classroom: Classroom, assignment: str) -> list[str]:
    """The notebooks of a released assignment, as the gradebook knows them."""
    with classroom.gradebook() as gb:
        try:
            return [nb.name for nb in gb.find_assignment(assignment).notebooks]
        except MissingEntry:
            raise LookupError(
                f"assignment {assignment!r} is not in the gradebook: "
                f"run `triad release {assignment}`"
            ) from None


def inspect_submission(folder: Path, notebooks: list[str]) -> str | None:
    """Say what makes a submission folder ungradeable, or return ``None`` if it looks fine.

    A notebook that is a symbolic link is never read (it could point at anything
    the instructor may read); a submission folder that is one is not either.
    """
    for path in (folder.parent, folder):
        if path.is_symlink():
            return f"{path} is a symbolic link (to {os.readlink(path)}): it was not followed"
    present = sorted(folder.glob("*.ipynb"))
    if not present:
        return f"{folder} holds no notebook"
    for path in present:
        if path.stem not in notebooks:
            continue
        if path.is_symlink():
            return (
                f"{path.name} is a symbolic link (to {os.readlink(path)}), not a notebook: "
                "it was not read"
            )
        try:
            nbformat.read(path, as_version=4)
        except Exception as error:  # any reader error makes the notebook unreadable
            first_line = (
                str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            )
            return f"{path.name} is not a readable notebook: {first_line}"
    if not any(path.stem in notebooks for path in present):
        expected = ", ".join(f"{name}.ipynb" for name in notebooks)
        return f"{folder} holds none of the assignment's notebooks ({expected})"
    return None


def submission_score(classroom: Classroom, assignment: str, learner: str) -> tuple[float, float]:
    with classroom.gradebook() as gb:
        submission = gb.find_submission(assignment, learner)
        return float(submission.score), float(submission.max_score)


def _last_error(log: str | None) -> str:
    lines = [line for line in (log or "").splitlines() if "ERROR" in line or "Error" in line]
    return lines[-1].strip() if lines else "nbgrader could not grade it (see the log)"


def grade_one(classroom: Classroom, assignment: str, learner: str, notebooks: list[str]) -> Outcome:
    """Autograde one learner's submission and generate their feedback."""
    problem = inspect_submission(classroom.folder("submitted", assignment, learner), notebooks)
    if problem:
        return Outcome(learner, "broken", message=problem)
    result = classroom.api.autograde(assignment, learner, force=True, create=True)
    if not result["success"]:
        return Outcome(learner, "broken", message=_last_error(result.get("log")))
    feedback = classroom.api.generate_feedback(assignment, learner, force=True)
    score, max_score = submission_score(classroom, assignment, learner)
    message = "" if feedback["success"] else "graded, but its feedback could not be generated"
    return Outcome(learner, "graded", score, max_score, message)


EXECUTORS = ("fast", "stock")
NOT_ON_ROSTER = "not on the roster: not graded (triad roster import, or grade with --allow-new)"


def _write_record(classroom: Classroom, assignment: str, outcomes: list[Outcome]) -> None:
    record = classroom.root / "autograded" / f"{assignment}-outcomes.json"
    record.parent.mkdir(parents=True, exist_ok=True)
    partial = record.with_name(f".{record.name}.{os.getpid()}")
    try:  # all or nothing: a run stopped while writing leaves the previous record
        partial.write_text(json.dumps([asdict(o) for o in outcomes], indent=1), encoding="utf-8")
        os.replace(partial, record)
    finally:
        partial.unlink(missing_ok=True)


def grade_assignment(
    classroom: Classroom,
    assignment: str,
    learners: list[str] | None = None,
    *,
    progress: bool = True,
    jobs: int | None = None,
    executor: str = "fast",
    sandbox: bool = True,
    limits: Limits | None = None,
    feedback: str | None = None,
    allow_new: bool = False,
) -> list[Outcome]:
    """Grade every submission of ``assignment`` (or only ``learners``).

    A broken submission is reported in its ``Outcome`` and never stops the
    others.  The outcomes are also written to
    ``autograded/<assignment>-outcomes.json`` for the instructor report; the
    grades of submissions already graded stay in the gradebook if grading is
    interrupted.  The assignment's lock (``Classroom.lock``) is held throughout:
    a second run on the same assignment waits or raises ``locking.Busy``.

    ``executor="fast"`` (the default) runs ``jobs`` grading processes (default:
    the machine's cores), each with a warm worker that runs the learners' code
    in the sandbox of ``autograder.sandbox`` under ``limits``; ``sandbox=False``
    runs it without one (for trusted code only).  ``executor="stock"`` is
    nbgrader's own ``autograde``: one fresh kernel per notebook, no sandbox,
    and the test cells run in the learner's kernel.  ``feedback`` is the
    feedback policy (``hints`` or ``answers``, see ``course.feedback``; default:
    each assignment's own, else ``hints``).

    When the course has a roster (``triad roster import``), a folder under
    ``submitted/`` of someone not on it is not graded: its outcome is
    ``unlisted``.  ``allow_new`` grades it anyway, adding the learner to the
    gradebook.
    """
    if executor not in EXECUTORS:
        raise ValueError(f"executor must be one of {', '.join(EXECUTORS)}, not {executor!r}")
    with classroom.lock(assignment, "triad grade"):
        notebooks = notebook_names(classroom, assignment)
        if executor == "fast" and not python_only(classroom, assignment):
            executor = "stock"  # the fast executor runs Python; nbgrader's runs any kernel
        if executor == "stock":
            stop_early()  # zygotes started for a fast run that will not be one
        learners = learners if learners is not None else classroom.submitters(assignment)
        learners, unlisted = split_submitters(classroom, learners, allow_new)
        outcomes: list[Outcome] = []
        if executor == "fast" and sandbox and learners:
            require_sandbox()
        with tqdm(total=len(learners), unit="submission", disable=not progress,
                  desc=assignment) as bar:  # fmt: skip
            try:
                if executor == "stock":
                    for learner in learners:
                        outcomes.append(grade_one(classroom, assignment, learner, notebooks))
                        bar.update()
                else:
                    _grade_fast(classroom, assignment, learners, notebooks, outcomes, bar,
                                jobs or default_jobs(), sandbox, limits or Limits(), feedback)
            finally:
                order = {learner: i for i, learner in enumerate(learners)}
                outcomes.sort(key=lambda o: order.get(o.learner, len(order)))
                for outcome in outcomes:
                    _explain(classroom, assignment, outcome)
                outcomes += [Outcome(x, "unlisted", message=NOT_ON_ROSTER) for x in unlisted]
                _write_record(classroom, assignment, outcomes)
    return outcomes


FEEDBACK_FAILED = "graded, but its feedback could not be generated"


def _explain(classroom: Classroom, assignment: str, outcome: Outcome) -> None:
    """Say plainly why a submission has no grade or no feedback when the cause is known."""
    folder = classroom.folder("submitted", assignment, outcome.learner)
    if outcome.status != "graded" and not folder.is_dir():
        outcome.message = (
            f"its submission folder {folder} disappeared while it was being graded, so it was "
            f"not graded (grades recorded for it before are kept); put the folder back and run "
            f"`triad grade {assignment}` again"
        )
    elif outcome.status == "graded" and outcome.message == FEEDBACK_FAILED:
        feedback = classroom.root / "feedback"
        if _disk_full(feedback):
            outcome.message = (
                f"graded; its feedback was not written: the disk holding {feedback} is full"
            )


def _disk_full(folder: Path, room: int = 1 << 20) -> bool:
    """Whether the file system holding ``folder`` has less than ``room`` bytes free."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        return shutil.disk_usage(folder).free < room
    except OSError:
        return False


def feedback_problem(classroom: Classroom, assignment: str, outcomes: list[Outcome]) -> str | None:
    """One sentence when graded submissions got no feedback page, or ``None``."""
    missing = [o.learner for o in outcomes if o.status == "graded" and "feedback" in o.message]
    if not missing:
        return None
    feedback = classroom.root / "feedback"
    reason = (f"the disk holding {feedback} is full" if _disk_full(feedback)
              else f"see {classroom.root / 'autograded' / f'{assignment}-errors.log'}")  # fmt: skip
    return (
        f"the grades are recorded, but the feedback of {len(missing)} submission(s) "
        f"({', '.join(missing)}) could not be written: {reason}. Free some space and run "
        f"`triad grade {assignment}` again (the scores come out the same)."
    )


def python_only(classroom: Classroom, assignment: str) -> bool:
    """Whether every source notebook of ``assignment`` is for a Python kernel."""
    for path in classroom.folder("source", assignment).glob("*.ipynb"):
        try:  # only its metadata is read: nbformat's validation is not needed for that
            with path.open(encoding="utf-8") as handle:
                spec = json.load(handle).get("metadata", {}).get("kernelspec") or {}
        except Exception:  # an unreadable source is nbgrader's to report
            continue
        if not isinstance(spec, dict):
            continue
        language = spec.get("language") or ("python" if "python" in spec.get("name", "") else "")
        if language.lower() != "python":
            return False
    return True


def require_sandbox() -> None:
    """Raise ``SandboxUnavailable`` (saying how to install it) when ``bwrap`` is missing."""
    if not find_bwrap():
        raise SandboxUnavailable(INSTALL_HINT)


def _grade_fast(classroom, assignment, learners, notebooks, outcomes, bar, jobs, sandbox, limits,
                feedback=None):
    if not learners:
        return
    source = classroom.folder("source", assignment)
    settings = Settings(
        root=str(classroom.root),
        db_url=classroom.db_url,
        assignment=assignment,
        notebooks=notebooks,
        sandboxed=sandbox,
        limits=limits,
        preload=notebook_imports(sorted(source.glob("*.ipynb"))),
        feedback=feedback,
    )

    log = classroom.root / "autograded" / f"{assignment}-errors.log"
    log.unlink(missing_ok=True)

    def on_result(result: dict) -> None:
        detail = result.pop("detail", None)
        if detail:  # what went wrong, for the instructor: the outcome has only its first line
            log.parent.mkdir(parents=True, exist_ok=True)
            with log.open("a", encoding="utf-8") as handle:
                handle.write(f"--- {result['learner']}\n{detail}\n")
        outcomes.append(Outcome(**result))
        bar.update()

    def on_wait(slow: list[tuple[str, float]]) -> None:
        bar.set_postfix_str(", ".join(f"{learner} running for {seconds:.0f} s"
                                      for learner, seconds in slow[:3]), refresh=True)

    grade_many(settings, learners, jobs, on_result, on_wait)


def grades_table(classroom: Classroom) -> pd.DataFrame:
    """One row per learner and assignment, with its status (see ``autograder.export``).

    It waits for (or, without ``Classroom.wait``, refuses to read during) a run
    that is changing an assignment's grades, so that no half-written grade is read.
    """
    from .export import grades_table

    with classroom.gradebook() as gb:
        names = [assignment.name for assignment in gb.assignments]
    with classroom.lock(names, "triad export", shared=True):
        return grades_table(classroom)


def export_grades(classroom: Classroom, output: Path | str) -> pd.DataFrame:
    """Write ``grades_table`` as CSV to ``output`` (all at once) and return it."""
    table = grades_table(classroom)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.name}.{os.getpid()}")
    try:
        table.to_csv(partial, index=False)
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)
    return table
