"""Text sources -> notebooks -> nbgrader ``source/`` -> ``release/``.

Lessons are MyST Markdown notebooks (``lessons/NN-name.md``); exercises are
py:percent scripts carrying nbgrader cell metadata
(``exercises/<assignment>/<notebook>.py``).  Both are converted with jupytext;
the cell ids are derived from the source so that builds are reproducible.

The sources are found by ``autograder.paths.sources_dir``: ``--sources DIR`` or
``$TRIAD_SOURCES``, else the checkout Triad is installed editable from.  A
regular install carries no sources (they hold the solutions and hidden tests).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from .paths import exercises_dir as default_exercises
from .paths import lessons_dir as default_lessons


def nbgrader_errors(result: dict) -> str:
    """The error lines of an nbgrader API result's log (or its traceback if the log has none)."""
    lines = [line for line in (result.get("log") or "").splitlines() if line.startswith("[ERROR]")]
    return "\n".join(lines) or result.get("error") or "nbgrader gave no reason"


TEXT_SUFFIXES = {".md", ".py"}


def read_text_notebook(path: Path | str) -> NotebookNode:
    """Read a lesson (``.md``) or exercise (``.py``) source as an nbformat 4 notebook."""
    import jupytext  # here: a third of a second, and `triad check` rarely builds anything

    path = Path(path)
    fmt = "md:myst" if path.suffix == ".md" else "py:percent"
    nb = jupytext.read(path, fmt=fmt)
    nb.metadata.pop("jupytext", None)
    nb.metadata.setdefault(
        "kernelspec",
        {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
    )
    nb.metadata.setdefault("language_info", {"name": "python"})
    nb.nbformat, nb.nbformat_minor = 4, 5
    used: set[str] = set()
    for index, cell in enumerate(nb.cells):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        cell_id = grade_id if grade_id and grade_id not in used else f"cell-{index}"
        used.add(cell_id)
        cell.id = cell_id
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.validate(nb)
    return nb


def write_notebook(nb: NotebookNode, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def lesson_sources(lessons_dir: Path | None = None) -> list[Path]:
    """The lesson sources in course order (their names are zero-padded)."""
    return sorted((lessons_dir or default_lessons()).glob("[0-9][0-9]-*.md"))


def build_lessons(
    out_dir: Path, lessons_dir: Path | None = None, *, overwrite: bool = True
) -> list[Path]:
    """Build every lesson into ``out_dir/NN-name.ipynb``.

    With ``overwrite=False`` a notebook that exists and is newer than its source
    is kept, so a learner's notes in a lesson survive a rebuild.
    """
    built = []
    for source in lesson_sources(lessons_dir):
        target = out_dir / f"{source.stem}.ipynb"
        if overwrite or not target.exists() or target.stat().st_mtime < source.stat().st_mtime:
            write_notebook(read_text_notebook(source), target)
        built.append(target)
    return built


def assignment_ids(exercises_dir: Path | None = None) -> list[str]:
    """Every assignment that has an exercise folder, sorted."""
    exercises_dir = exercises_dir or default_exercises()
    return sorted(p.name for p in exercises_dir.iterdir() if p.is_dir() and any(p.glob("*.py")))


def build_source(course_dir: Path, assignment: str, exercises_dir: Path | None = None) -> Path:
    """Write nbgrader's ``source/<assignment>/`` from the exercise's text files.

    Each ``*.py`` becomes a notebook; any other file (data) is copied as it is.
    """
    exercises_dir = exercises_dir or default_exercises()
    src = exercises_dir / assignment
    if not src.is_dir():
        known = ", ".join(assignment_ids(exercises_dir)) or "none"
        raise FileNotFoundError(f"no exercise folder {src} (assignments: {known})")
    dest = Path(course_dir) / "source" / assignment
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for path in sorted(src.iterdir()):
        if path.name.startswith((".", "__")):
            continue
        if path.suffix == ".py":
            write_notebook(read_text_notebook(path), dest / f"{path.stem}.ipynb")
        elif path.is_file():
            shutil.copy2(path, dest / path.name)
    return dest


def is_released(classroom, assignment: str, exercises_dir: Path | None = None) -> bool:
    """Whether ``release/<assignment>/`` is newer than every text source of the exercise."""
    src = (exercises_dir or default_exercises()) / assignment
    released = classroom.folder("release", assignment)
    if not src.is_dir() or not released.is_dir() or not any(released.glob("*.ipynb")):
        return False
    built = min(path.stat().st_mtime for path in released.glob("*.ipynb"))
    return all(path.stat().st_mtime < built for path in src.iterdir() if path.is_file())


def release(classroom, assignments: list[str] | None = None) -> list[Path]:
    """Build ``source/`` and generate nbgrader's ``release/`` for ``assignments`` (default: all).

    The gradebook learns each assignment, its notebooks and its test cells,
    hidden tests included; ``release/`` gets the learner version without
    solutions or hidden tests.  Raises ``RuntimeError`` with nbgrader's log if
    generation fails.  Each assignment's lock is held while it is released.
    """
    released = []
    for assignment in assignments or assignment_ids():
        with classroom.lock(assignment, "triad release"):
            build_source(classroom.root, assignment)
            result = classroom.api.generate_assignment(assignment, force=True, create=True)
            if not result["success"]:
                raise RuntimeError(f"could not release {assignment}:\n{nbgrader_errors(result)}")
        released.append(classroom.folder("release", assignment))
    return released
