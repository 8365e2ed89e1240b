"""The self-paced learner's side: a workspace of copies, and grading one's own work."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .build import assignment_ids, build_lessons, is_released, release
from .classroom import Classroom
from .config import write_workspace_config
from .files import copy_regular_files, skipped_message
from .grade import Outcome, grade_assignment, notebook_names
from .paths import check_course_dir
from .sandbox import find_bwrap

LEARNER = "me"


def workspace_classroom(workspace: Path) -> Classroom:
    """The private course root behind a workspace, outside it: solutions and tests live there.

    It is ``$XDG_CACHE_HOME/triad/check/<workspace>`` (``~/.cache/...`` by
    default), readable by its owner only, so neither the workspace nor anything
    a learner shares from it carries the source notebooks.
    """
    root = check_course_dir(workspace)
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o700)
    return Classroom(root, wait=True)  # a check under way (a warm server's) is waited for


def prepare_workspace(workspace: Path, assignments: list[str] | None = None) -> list[Path]:
    """Fill ``workspace`` with lessons and released assignments, never overwriting a learner's work.

    Lessons go to ``workspace/lessons/`` (rebuilt only when their source is newer);
    each assignment's learner version goes to ``workspace/<assignment>/`` the
    first time only.  Returns the assignment folders.
    """
    workspace = Path(workspace)
    build_lessons(workspace / "lessons", overwrite=False)
    write_workspace_config(workspace)
    classroom = workspace_classroom(workspace)
    folders = []
    wanted = assignments or assignment_ids()
    stale = [a for a in wanted if not is_released(classroom, a)]
    if stale:  # built once, again only when their sources change
        release(classroom, stale)
    for released in (classroom.folder("release", a) for a in wanted):
        target = workspace / released.name
        if not target.exists():
            shutil.copytree(released, target)
        folders.append(target)
    return folders


@dataclass
class SelfCheck:
    """The result of grading a learner's own copy."""

    outcome: Outcome
    feedback: list[Path] = field(default_factory=list)
    parts: list[tuple[str, float, float, str]] = field(default_factory=list)
    manual_points: float = 0.0

    def summary(self) -> str:
        if self.outcome.status != "graded":
            return f"Could not grade your work: {self.outcome.message}"
        lines = [f"Score: {self.outcome.score:g} of {self.outcome.max_score:g}"]
        if self.outcome.message:
            lines.append(f"Note: {self.outcome.message}")
        if self.manual_points:
            lines[0] += f" ({self.manual_points:g} points are marked by hand by your instructor)"
        for name, score, max_score, text in self.parts:
            lines.append(f"  {name}: {score:g}/{max_score:g}")
            lines.extend(f"    {line}" for line in text.splitlines() if line.strip())
        lines.extend(f"Feedback page: {path}" for path in self.feedback)
        return "\n".join(lines)


def _test_cell_text(notebook: Path) -> dict[str, str]:
    """The printed output and error message of each test cell of an autograded notebook.

    The notebook is one the grader has just written, so it is read as plain
    JSON: nbformat's schema check would be compiled first, in this process,
    for longer than the rest of the reading takes.
    """
    texts = {}
    for cell in json.loads(notebook.read_text(encoding="utf-8")).get("cells", []):
        about = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") != "code" or not about.get("grade"):
            continue
        parts = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                text = output.get("text", "")
                parts.append("".join(text) if isinstance(text, list) else text)
            elif output.get("output_type") == "error":
                parts.append(f"{output.get('ename')}: {output.get('evalue')}")
        texts[about.get("grade_id")] = "".join(parts)
    return texts


def self_check(workspace: Path, assignment: str, *, answers: bool = False,
               force: bool = False) -> SelfCheck:
    """Grade ``workspace/<assignment>/`` as the instructor would and return score and feedback.

    The grader and its judge are the instructor's (inside the sandbox when
    bubblewrap is installed; it is the learner's own code on their own
    machine otherwise).  Feedback gives hints; ``answers`` explains every item
    with its right answer.
    """
    workspace = Path(workspace)
    classroom = workspace_classroom(workspace)
    if not is_released(classroom, assignment):  # built once, again only when the sources change
        release(classroom, [assignment])
    mine = workspace / assignment
    if not mine.is_dir():
        raise FileNotFoundError(f"{mine} does not exist; run `triad lab` or `make lab` first")
    submitted = classroom.folder("submitted", assignment, LEARNER)
    if submitted.exists():
        shutil.rmtree(submitted)
    links = copy_regular_files(mine, submitted, [".ipynb_checkpoints"])
    notebooks = notebook_names(classroom, assignment)
    (outcome,) = grade_assignment(classroom, assignment, [LEARNER], progress=False,
                                  sandbox=find_bwrap() is not None,
                                  feedback="answers" if answers else "hints", force=force)
    outcome.message = "; ".join(filter(None, [outcome.message, skipped_message(links)]))
    check = SelfCheck(outcome)
    if outcome.status != "graded":
        return check
    with classroom.gradebook() as gb:
        for name in notebooks:
            texts = _test_cell_text(
                classroom.folder("autograded", assignment, LEARNER) / f"{name}.ipynb"
            )
            for grade in gb.find_submission_notebook(name, assignment, LEARNER).grades:
                if grade.needs_manual_grade:
                    check.manual_points += grade.max_score
                elif grade.cell.cell_type == "code":
                    check.parts.append(
                        (grade.name, grade.score, grade.max_score, texts.get(grade.name, ""))
                    )
    out = workspace / "feedback" / assignment
    out.mkdir(parents=True, exist_ok=True)
    for page in sorted(classroom.folder("feedback", assignment, LEARNER).glob("*.html")):
        check.feedback.append(Path(shutil.copy2(page, out / page.name)))
    return check
