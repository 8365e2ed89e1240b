"""`triad grade` against stock nbgrader at class size, start-up included; `triad check` too.

    .venv/bin/python benchmarks/class_size.py              # cohorts of 30 and 120
    .venv/bin/python benchmarks/class_size.py --sizes 10 40

For each size, a cohort of ``classify-responsibilities`` (correct, blank, partly
wrong and broken work, as in ``grade_cohort.py``) is graded twice from the
command line, as an instructor would run it, in two copies of one course root:
``triad grade --executor stock`` (nbgrader's autograde and feedback, one kernel
per notebook) and ``triad grade`` (the sandboxed fast executor and its judge).
The scores must agree learner by learner.  The script prints both times, their
ratio, and the fixed and per-notebook cost of each path (a straight line
through the two sizes).  Then it times a learner's ``triad check`` against
``nbgrader validate`` on the same notebook.  Exit status 1 if any score
differs.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from grade_cohort import KINDS, broken, partly_wrong

from autograder.build import release
from autograder.classroom import Classroom

A = "classify-responsibilities"
BIN = Path(sys.executable).parent


def build(root: Path, size: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    classroom = Classroom(root)
    release(classroom, [A])
    source = nbformat.read(classroom.folder("source", A) / "classify.ipynb", 4)
    blank = nbformat.read(classroom.folder("release", A) / "classify.ipynb", 4)
    weights = [w for _, w in KINDS]
    for index in range(size):
        kind = rng.choices([k for k, _ in KINDS], weights)[0]
        nb = {"correct": source, "blank": blank}.get(kind)
        if kind == "partly-wrong":
            nb = partly_wrong(source, rng)
        elif nb is None:
            _, nb = broken(source, blank, rng)
        folder = classroom.folder("submitted", A, f"learner{index:04d}")
        folder.mkdir(parents=True)
        target = folder / "classify.ipynb"
        if isinstance(nb, str):
            target.write_text(nb, encoding="utf-8")
        else:
            nbformat.write(nb, target)


def timed(command: list[str], **kwargs) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=False, capture_output=True, **kwargs)
    return time.perf_counter() - start


def scores(root: Path) -> dict[str, str]:
    out = subprocess.run([str(BIN / "triad"), "export", "--course-dir", str(root),
                          "--output", str(root / "scores.csv")], capture_output=True, text=True)
    if out.returncode != 0:
        return {}
    rows = csv.DictReader(io.StringIO((root / "scores.csv").read_text()))
    return {row["learner"]: row["score"] for row in rows if row["assignment"] == A}


def grade_both(base: Path, size: int) -> tuple[float, float, bool]:
    stock, fast = base / f"stock-{size}", base / f"fast-{size}"
    build(stock, size)
    shutil.copytree(stock, fast)
    triad = [str(BIN / "triad"), "grade", A, "--quiet"]
    t_stock = timed([*triad, "--executor", "stock", "--course-dir", str(stock)])
    t_fast = timed([*triad, "--course-dir", str(fast)])
    return t_stock, t_fast, scores(stock) == scores(fast) != {}


def check_against_validate(base: Path) -> tuple[float, float]:
    workspace = base / "workspace"
    env = dict(os.environ, TRIAD_WORKSPACE=str(workspace))
    subprocess.run([str(BIN / "triad"), "lab", "--prepare-only"], env=env, check=True,
                   capture_output=True)
    notebook = workspace / A / "classify.ipynb"
    subprocess.run([str(BIN / "triad"), "check", A], env=env, capture_output=True)  # warm disk
    t_check = timed([str(BIN / "triad"), "check", A], env=env)
    t_validate = timed([str(BIN / "nbgrader"), "validate", str(notebook)], cwd=workspace)
    return t_check, t_validate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[30, 120], metavar="N")
    args = parser.parse_args(argv)
    small, large = args.sizes
    base = Path(tempfile.mkdtemp(prefix="triad-class-size-"))
    ok = True
    try:
        times = {}
        for size in (small, large):
            t_stock, t_fast, same = grade_both(base, size)
            ok &= same
            times[size] = (t_stock, t_fast)
            print(f"{size:>4} learners: stock {t_stock:7.1f} s   triad {t_fast:6.1f} s   "
                  f"ratio {t_stock / t_fast:5.1f}x   scores {'the same' if same else 'DIFFER'}",
                  flush=True)  # fmt: skip
        for name, column in (("stock", 0), ("triad", 1)):
            per = (times[large][column] - times[small][column]) / (large - small)
            fixed = times[small][column] - small * per
            print(f"{name}: {fixed:5.1f} s fixed + {per:.3f} s per notebook")
        t_check, t_validate = check_against_validate(base)
        print(f"triad check {t_check:.1f} s   nbgrader validate {t_validate:.1f} s   "
              f"ratio {t_validate / t_check:.1f}x")
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
