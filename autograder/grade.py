"""Grade a cohort: autograde every submission, write the gradebook and feedback, export grades."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import warnings
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat
from nbgrader.api import MissingEntry
from sqlalchemy.exc import SAWarning
from tqdm import tqdm

from . import record
from .classroom import Classroom
from .executor import FEEDBACK_FAILED, Settings, grade_many, notebook_imports
from .roster import split_submitters
from .sandbox import INSTALL_HINT, Limits, SandboxUnavailable, find_bwrap
from .zygotes import default_jobs, stop_early

if TYPE_CHECKING:  # pandas is imported for exports only: grading never needs it
    import pandas as pd

# nbgrader's gradebook triggers harmless SQLAlchemy autoflush warnings on every submission.
warnings.filterwarnings("ignore", category=SAWarning)
# No progress-bar monitor thread: grading processes are forked while a bar is shown.
tqdm.monitor_interval = 0


@dataclass
class Outcome:
    """What happened to one learner's submission."""

    learner: str
    #: "graded", "broken", "unlisted" (a folder of someone not on the roster) or "excluded"
    #: (named in the course's ``CourseDirectory.student_id_exclude``)
    status: str
    score: float | None = None
    max_score: float | None = None
    message: str = ""
    #: graded before and left as it was: nothing it depends on changed (see ``autograder.record``)
    unchanged: bool = False
    #: what each notebook was graded from (``record.fingerprints``)
    fingerprints: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_record(cls, entry: dict) -> Outcome:
        names = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in entry.items() if key in names})


def notebook_names(classroom: Classroom, assignment: str) -> list[str]:
    """The notebooks of a released assignment, as the gradebook knows them."""
    return _released(classroom, assignment)[0]


def _released(classroom: Classroom, assignment: str) -> tuple[list[str], object]:
    """The notebooks and the due date of a released assignment, read in one go."""
    with classroom.gradebook() as gb:
        try:
            found = gb.find_assignment(assignment)
        except MissingEntry:
            raise LookupError(
                f"assignment {assignment!r} is not in the gradebook: "
                f"run `triad release {assignment}`"
            ) from None
        return [nb.name for nb in found.notebooks], found.duedate


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
    """What went wrong, from nbgrader's log of an autograde that failed."""
    kernel = re.search(r"No such kernel named (\S+)", log or "")
    if kernel:  # nbgrader's last line only says to see the traceback above
        return (f"its kernel, {kernel[1]}, is not installed here (see `jupyter kernelspec "
                f"list`): nbgrader's executor, which grades notebooks for kernels other than "
                f"Python, could not start it")
    lines = [line for line in (log or "").splitlines() if "ERROR" in line or "Error" in line]
    return lines[-1].strip() if lines else "nbgrader could not grade it (see the log)"


def grade_one(classroom: Classroom, assignment: str, learner: str, notebooks: list[str],
              selected: list[str] | None = None) -> Outcome:
    """Autograde one learner's submission (or its ``selected`` notebooks) and its feedback."""
    problem = inspect_submission(classroom.folder("submitted", assignment, learner), notebooks)
    if problem:
        return Outcome(learner, "broken", message=problem)
    coursedir = classroom.coursedir
    feedback_ok = True
    try:
        for glob in selected or ["*"]:  # nbgrader's --notebook: one name (or glob) at a time
            coursedir.notebook_id = glob
            result = classroom.api.autograde(assignment, learner, force=True, create=True)
            if not result["success"]:
                return Outcome(learner, "broken", message=_last_error(result.get("log")))
            feedback = classroom.api.generate_feedback(assignment, learner, force=True)
            feedback_ok &= bool(feedback["success"])
    finally:
        coursedir.notebook_id = "*"
    score, max_score = submission_score(classroom, assignment, learner)
    message = "" if feedback_ok else FEEDBACK_FAILED
    return Outcome(learner, "graded", score, max_score, message)


EXECUTORS = ("fast", "stock")




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
    notebooks: list[str] | None = None,
    force: bool = False,
) -> list[Outcome]:
    """Grade every submission of ``assignment`` (or only ``learners``).

    A broken submission is reported in its ``Outcome`` and never stops the
    others; it gets a gradebook row (flagged, and needing a manual grade in the
    formgrader) so that it is not taken for one never handed in.  The outcomes
    are also written to ``autograded/<assignment>-outcomes.json`` (see
    ``autograder.record``) for the export and the report; the grades of
    submissions already graded stay in the gradebook if grading is
    interrupted.  The assignment's lock (``Classroom.lock``) is held
    throughout: a second run on the same assignment waits or raises
    ``locking.Busy``.

    A submission graded before, when nothing its grade depends on has changed
    since (its files, the assignment's sources, the course's configuration, the
    due date, these settings), is left as it is, with ``unchanged`` set in its
    outcome; ``force`` grades it again.  ``notebooks`` (names or globs) grades
    only those notebooks of each submission and keeps the grades of the others.
    Learners named in the course's ``CourseDirectory.student_id_exclude`` are
    not graded (outcome ``excluded``).

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
    limits = limits or Limits()
    with classroom.lock(assignment, "triad grade"):
        names, duedate = _released(classroom, assignment)
        selected = select_notebooks(assignment, names, notebooks) if notebooks else None
        if executor == "fast" and not python_only(classroom, assignment):
            executor = "stock"  # the fast executor runs Python; nbgrader's runs any kernel
        if executor == "stock":
            stop_early()  # zygotes started for a fast run that will not be one
        learners = learners if learners is not None else classroom.submitters(assignment)
        excluded = excluded_learners(classroom)
        learners, left_out = ([x for x in learners if x not in excluded],
                              [x for x in learners if x in excluded])  # fmt: skip
        learners, unlisted = split_submitters(classroom, learners, allow_new)
        before = record.read(classroom.root, assignment)
        common = record.context(classroom.folder("source", assignment),
                                classroom.root / "nbgrader_config.py", classroom.coursedir.ignore,
                                duedate=duedate, executor=executor, sandbox=sandbox,
                                limits=limits, feedback=feedback)
        now = {learner: record.fingerprints(classroom.folder("submitted", assignment, learner),
                                            selected or names, common,
                                            classroom.coursedir.ignore)
               for learner in learners}  # fmt: skip
        kept = [] if force else _in_gradebook(classroom, assignment, [
            learner for learner in learners
            if record.unchanged(before.get(learner), now[learner],
                                classroom.folder("autograded", assignment, learner),
                                classroom.folder("feedback", assignment, learner))
        ], before)
        to_grade = [learner for learner in learners if learner not in kept]
        outcomes: list[Outcome] = []
        if executor == "fast" and sandbox and to_grade:
            require_sandbox()
        with tqdm(total=len(to_grade), unit="submission", disable=not progress or not to_grade,
                  desc=assignment) as bar:  # fmt: skip
            try:
                if executor == "stock":
                    for learner in to_grade:
                        outcomes.append(grade_one(classroom, assignment, learner, names, selected))
                        bar.update()
                else:
                    _grade_fast(classroom, assignment, to_grade, names, outcomes, bar,
                                jobs or default_jobs(), sandbox, limits, feedback, selected)
            finally:
                for outcome in outcomes:
                    _explain(classroom, assignment, outcome)
                    if outcome.status == "graded" and not _no_feedback(outcome):
                        earlier = before.get(outcome.learner, {})
                        outcome.fingerprints = {**earlier.get("fingerprints", {}),
                                                **now[outcome.learner]}
                _mark_broken(classroom, assignment, outcomes, before)
                unlisted_outcomes = [Outcome(x, "unlisted", message=NOT_ON_ROSTER)
                                     for x in unlisted]  # fmt: skip
                record.write(classroom.root, assignment,
                             [asdict(o) for o in outcomes + unlisted_outcomes])
        outcomes += [Outcome.from_record({**before[x], "unchanged": True}) for x in kept]
        order = {learner: i for i, learner in enumerate(learners)}
        outcomes.sort(key=lambda o: order.get(o.learner, len(order)))
        outcomes += unlisted_outcomes
        outcomes += [Outcome(x, "excluded", message=EXCLUDED) for x in left_out]
    return outcomes


NOT_ON_ROSTER = "not on the roster: not graded (triad roster import, or grade with --allow-new)"
EXCLUDED = "named in the course's CourseDirectory.student_id_exclude: not graded"


def select_learners(classroom: Classroom, assignment: str, patterns: list[str]) -> list[str]:
    """The learners with a submission of ``assignment`` whose ids match one of ``patterns``.

    A pattern is an id or a glob (``team-*``); one that matches no submission
    raises ``LookupError`` saying so.
    """
    submitters = classroom.submitters(assignment)
    chosen = []
    for pattern in patterns:
        matches = fnmatch.filter(submitters, pattern)
        if not matches:
            raise LookupError(
                f"no submission of {assignment} from {pattern!r} under "
                f"{classroom.root / 'submitted'}/<learner>/{assignment}/"
            )
        chosen += [m for m in matches if m not in chosen]
    return chosen


def select_notebooks(assignment: str, names: list[str], patterns: list[str]) -> list[str]:
    """The notebooks of ``assignment`` among ``names`` that match ``patterns`` (names or globs)."""
    chosen = []
    for pattern in patterns:
        pattern = pattern.removesuffix(".ipynb")
        matches = fnmatch.filter(names, pattern)
        if not matches:
            raise LookupError(f"{assignment} has no notebook {pattern!r} "
                              f"(it has {', '.join(names)})")  # fmt: skip
        chosen += [m for m in matches if m not in chosen]
    return chosen


def excluded_learners(classroom: Classroom) -> set[str]:
    """The ids in the course's ``CourseDirectory.student_id_exclude`` (comma-separated)."""
    text = classroom.coursedir.student_id_exclude or ""
    return {part.strip() for part in text.split(",") if part.strip()}


def _in_gradebook(classroom: Classroom, assignment: str, learners: list[str],
                  before: dict[str, dict]) -> list[str]:
    """Those of ``learners`` whose gradebook score is still the one recorded for them.

    A gradebook restored from a backup, or changed by hand, lacks the grades
    given since or holds others: those submissions are graded again.
    """
    if not learners:
        return []
    kept = []
    with classroom.gradebook() as gb:
        for learner in learners:
            try:
                score = float(gb.find_submission(assignment, learner).score)
            except MissingEntry:
                continue
            if score == before[learner].get("score"):
                kept.append(learner)
    return kept


def _mark_broken(classroom: Classroom, assignment: str, outcomes: list[Outcome],
                 before: dict[str, dict]) -> None:
    """Give each broken submission a gradebook row, flagged; unflag the ones now graded.

    A broken submission's grades from before, if any, are kept (the export
    shows it as broken, without a score); a new row has no grade, so the
    formgrader lists it as needing a manual grade.  Only the flags this
    function set are taken off again.
    """
    broken = [o.learner for o in outcomes if o.status == "broken"
              and classroom.folder("submitted", assignment, o.learner).is_dir()]
    mended = [o.learner for o in outcomes if o.status == "graded"
              and before.get(o.learner, {}).get("status") == "broken"]
    if not broken and not mended:
        return
    def timestamp(folder: Path):
        try:
            return classroom.coursedir.get_existing_timestamp(str(folder))
        except Exception:  # a timestamp.txt that is not a date: the row gets none
            return None

    with classroom.gradebook() as gb:
        for learner in broken + mended:
            gb.update_or_create_student(learner)
            try:
                submission = gb.find_submission(assignment, learner)
            except MissingEntry:
                folder = classroom.folder("submitted", assignment, learner)
                submission = gb.add_submission(assignment, learner, timestamp=timestamp(folder))
            for notebook in submission.notebooks:
                notebook.flagged = learner in broken
        gb.db.commit()


def _explain(classroom: Classroom, assignment: str, outcome: Outcome) -> None:
    """Say plainly why a submission has no grade or no feedback when the cause is known."""
    folder = classroom.folder("submitted", assignment, outcome.learner)
    if outcome.status != "graded" and not folder.is_dir():
        outcome.message = (
            f"its submission folder {folder} disappeared while it was being graded, so it was "
            f"not graded (grades recorded for it before are kept); put the folder back and run "
            f"`triad grade {assignment}` again"
        )
    elif outcome.status == "graded" and FEEDBACK_FAILED in outcome.message:
        feedback = classroom.root / "feedback"
        if _disk_full(feedback):
            outcome.message = outcome.message.replace(
                FEEDBACK_FAILED,
                f"graded; its feedback was not written: the disk holding {feedback} is full")


def _no_feedback(outcome: Outcome) -> bool:
    """Whether ``outcome`` is a graded submission whose feedback page was not written."""
    return outcome.status == "graded" and "its feedback" in outcome.message


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
    missing = [o.learner for o in outcomes if _no_feedback(o)]
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
    """Whether every source notebook of ``assignment`` is for a Python kernel.

    One that names no kernel is: nbgrader's executor starts Python's for it.
    """
    for path in classroom.folder("source", assignment).glob("*.ipynb"):
        try:  # only its metadata is read: nbformat's validation is not needed for that
            with path.open(encoding="utf-8") as handle:
                spec = json.load(handle).get("metadata", {}).get("kernelspec") or {}
        except Exception:  # an unreadable source is nbgrader's to report
            continue
        if not isinstance(spec, dict) or not spec:
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
                feedback=None, selected=None):
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
        selected=selected,
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
