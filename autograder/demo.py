"""``make demo``: a term in miniature on a built-in sample cohort, in its own course root.

It imports a roster, releases every assignment, hands in six sample
submissions of ``classify-responsibilities`` (right, partly wrong, blank,
broken, an endless loop, and one from someone not on the roster), grades them,
exports the grades in every format and writes the reports, then prints where
each result is.  It never touches ``classroom/``: the demo has a course root
of its own (``demo/`` by default).
"""

from __future__ import annotations

import argparse
import copy
import shutil
import sys
import time
from pathlib import Path

import nbformat

from .paths import REPO

ASSIGNMENT = "classify-responsibilities"
NOTEBOOK = "classify"
ROSTER = """id,name,email,lms_login,section
right,Ada Lovelace,ada@example.org,alovelace,Monday
partly,"Babbage, Charles",charles@example.org,cbabbage,Monday
blank,Grace Hopper,grace@example.org,ghopper,Tuesday
broken,Alan Turing,alan@example.org,aturing,Tuesday
loops,Edsger Dijkstra,edsger@example.org,edijkstra,Monday
absent,Emmy Noether,emmy@example.org,enoether,Tuesday
"""
#: Eight answers, three of them wrong (R05, R10, R13); the other statements are left blank.
PARTLY = """
answers.update({
    "R01": "project", "R02": "product", "R03": "program", "R04": "program",
    "R05": "program", "R06": "product", "R10": "project", "R13": "project",
})
"""
LOOP = """
answers.update({"R01": "project", "R02": "product"})
while True:  # never ends
    pass
"""


def _with_answers(nb, extra: str):
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "answers":
            kept = [line for line in cell.source.splitlines()
                    if line.strip() not in ("# YOUR CODE HERE", "raise NotImplementedError()")]
            cell.source = "\n".join(kept) + "\n" + extra
            return nb
    raise LookupError("the notebook has no answers cell")


def hand_in(classroom) -> dict[str, Path]:
    """The sample submissions, under ``submitted/<learner>/classify-responsibilities/``."""
    source = nbformat.read(classroom.folder("source", ASSIGNMENT) / f"{NOTEBOOK}.ipynb", 4)
    blank = nbformat.read(classroom.folder("release", ASSIGNMENT) / f"{NOTEBOOK}.ipynb", 4)
    cohort = {
        "right": source,
        "partly": _with_answers(blank, PARTLY),
        "blank": blank,
        "broken": '{"cells": [ this is not a notebook',
        "loops": _with_answers(blank, LOOP),
        "stranger": source,  # not on the roster: reported, not graded
    }
    folders = {}
    for learner, nb in cohort.items():
        folder = classroom.folder("submitted", ASSIGNMENT, learner)
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        path = folder / f"{NOTEBOOK}.ipynb"
        if isinstance(nb, str):
            path.write_text(nb, encoding="utf-8")
        else:
            nbformat.write(nb, path)
        folders[learner] = folder
    return folders


def run(root: Path, timeout: float = 5) -> int:
    from .cli import main

    root = Path(root).resolve()
    root.mkdir(parents=True, exist_ok=True)
    common = ["--course-dir", str(root)]
    timings: list[tuple[str, float]] = []

    def step(title: str, *argv: str, ok=(0,)) -> None:
        print(f"\n$ triad {' '.join(argv)}", flush=True)
        started = time.monotonic()
        status = main([*argv, *common])
        timings.append((title, time.monotonic() - started))
        if status not in ok:
            raise SystemExit(f"make demo: `triad {' '.join(argv)}` failed (exit status {status})")

    roster = root / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    step("roster import", "roster", "import", str(roster))
    step("roster list", "roster", "list")
    step("release", "release")
    from .classroom import Classroom

    hand_in(Classroom(root))
    print(f"\nsample submissions handed in under {root / 'submitted'}/<learner>/{ASSIGNMENT}/: "
          "right, partly (3 wrong, 18 blank), blank, broken, loops (an endless loop), "
          "stranger (not on the roster)")
    # broken and stranger make the exit status 3: that is the point of the demo
    step("grade", "grade", ASSIGNMENT, "--quiet", "--timeout", f"{timeout:g}", ok=(0, 3))
    for fmt in ("long", "canvas", "moodle"):
        step(f"export {fmt}", "export", "--format", fmt)
    step("report", "report")
    print("\nWhere each result is:")
    places = [
        ("roster", root / "roster.json"),
        ("gradebook", root / "gradebook.db"),
        ("outcomes of the grading run", root / "autograded" / f"{ASSIGNMENT}-outcomes.json"),
        ("feedback pages", root / "feedback" / "<learner>" / ASSIGNMENT / f"{NOTEBOOK}.html"),
        ("grades, one row per learner and assignment", root / "grades.csv"),
        ("grades for Canvas", root / "grades-canvas.csv"),
        ("grades for Moodle", root / "grades-moodle.csv"),
        ("cohort report", root / "reports" / ASSIGNMENT / "index.html"),
        ("course overview", root / "reports" / "index.html"),
    ]
    for what, where in places:
        print(f"  {what:<44} {where}")
    print("\nTimes:")
    for title, seconds in timings:
        print(f"  {title:<16} {seconds:6.1f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.demo", description=__doc__)
    parser.add_argument("--course-dir", type=Path,
                        default=REPO / "demo",
                        help="course root of the demo (default: demo/ in the repository)")
    parser.add_argument("--timeout", type=float, default=5,
                        help="seconds a cell may take (default: 5, to keep the demo short)")
    args = parser.parse_args(argv)
    return run(args.course_dir, args.timeout)


if __name__ == "__main__":
    sys.exit(main())
