"""Grade a synthetic cohort with stock nbgrader and with the fast executor, and compare.

    .venv/bin/python benchmarks/grade_cohort.py            # 200 submissions
    .venv/bin/python benchmarks/grade_cohort.py --small    # 24, for a quick check

Every assignment in ``exercises/`` is released into a temporary course root and
gets a cohort of submissions made from its own instructor and learner
versions: correct work, blank work, partly wrong work (answers changed at
random), and broken work (syntax errors, exceptions, missing names, a file
that is not JSON).  The cohort is graded twice, in two copies of the course
root: with ``executor="stock"`` (nbgrader's ``autograde`` and
``generate_feedback``, one kernel per notebook) and with the fast executor.
The scores must agree submission by submission; the script prints notebooks
per second for both and their ratio, and exits with status 1 if any score
differs.
"""

from __future__ import annotations

import argparse
import ast
import copy
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import nbformat
from nbgrader.apps import NbGraderAPI

from autograder.build import assignment_ids, release
from autograder.classroom import Classroom
from autograder.executor import shutdown
from autograder.grade import default_jobs, grade_assignment

KINDS = [("correct", 30), ("blank", 10), ("partly-wrong", 40), ("broken", 20)]


def solution_cells(nb) -> list:
    return [
        cell
        for cell in nb.cells
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution")
    ]


class Mutator(ast.NodeTransformer):
    """Change ``count`` constants of a solution: a string becomes another string of it, a
    number changes by one."""

    def __init__(self, rng: random.Random, strings: list[str], chosen: set[int]):
        self.rng, self.strings, self.chosen, self.seen = rng, strings, chosen, -1

    def visit_Constant(self, node):
        if isinstance(node.value, bool) or not isinstance(node.value, str | int | float):
            return node
        self.seen += 1
        if self.seen not in self.chosen:
            return node
        if isinstance(node.value, str) and self.rng.random() < 0.25:
            # the right answer, spelled carelessly
            return ast.copy_location(ast.Constant(f"  {node.value.upper()} "), node)
        if isinstance(node.value, str):
            others = [s for s in self.strings if s != node.value] or [node.value + "?"]
            return ast.copy_location(ast.Constant(self.rng.choice(others)), node)
        return ast.copy_location(ast.Constant(node.value + 1), node)


def constants(tree) -> list:
    return [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant)
        and not isinstance(n.value, bool)
        and isinstance(n.value, str | int | float)
    ]


def partly_wrong(source_nb, rng: random.Random):
    nb = copy.deepcopy(source_nb)
    for cell in solution_cells(nb):
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        values = constants(tree)
        if not values:
            continue
        strings = sorted({v for v in values if isinstance(v, str) and len(v) > 2})
        count = rng.randint(1, min(8, len(values)))
        chosen = set(rng.sample(range(len(values)), count))
        # ids (dict keys) are rarely mutated: change values, which is what learners get wrong
        cell.source = ast.unparse(Mutator(rng, strings, chosen).visit(tree))
    return nb


BROKEN = [
    ("syntax-error", lambda src: src + "\nthis is not python(\n"),
    ("exception", lambda src: src + "\nraise ValueError('not finished yet')\n"),
    ("missing-name", lambda src: "del " + "_undefined_name_\n" + src),
    ("wrong-type", lambda src: src + "\nanswers = None\n"),
    ("prints-to-stderr", lambda src: "import sys\nprint('debug', file=sys.stderr)\n" + src),
]


def broken(source_nb, blank_nb, rng: random.Random):
    if rng.random() < 0.1:
        return "garbled", '{"cells": [ this is not json'
    kind, change = rng.choice(BROKEN)
    nb = copy.deepcopy(source_nb if rng.random() < 0.7 else blank_nb)
    cells = solution_cells(nb)
    if cells:
        cell = rng.choice(cells)
        cell.source = change(cell.source)
    return kind, nb


def build_cohort(root: Path, size: int, seed: int = 1) -> dict[str, dict[str, str]]:
    """Release every assignment into ``root`` and write ``size`` submissions in all."""
    rng = random.Random(seed)
    classroom = Classroom(root)
    assignments = assignment_ids()
    release(classroom, assignments)
    made: dict[str, dict[str, str]] = {a: {} for a in assignments}
    weights = [w for _, w in KINDS]
    for index in range(size):
        assignment = assignments[index % len(assignments)]
        learner = f"learner{index:04d}"
        kind = rng.choices([k for k, _ in KINDS], weights)[0]
        folder = classroom.folder("submitted", assignment, learner)
        folder.mkdir(parents=True, exist_ok=True)
        for path in sorted(classroom.folder("source", assignment).glob("*.ipynb")):
            source_nb = nbformat.read(path, as_version=4)
            blank_nb = nbformat.read(classroom.folder("release", assignment) / path.name, 4)
            label = kind
            if kind == "correct":
                nb = source_nb
            elif kind == "blank":
                nb = blank_nb
            elif kind == "partly-wrong":
                nb = partly_wrong(source_nb, rng)
            else:
                label, nb = broken(source_nb, blank_nb, rng)
            target = folder / path.name
            if isinstance(nb, str):
                target.write_text(nb, encoding="utf-8")
            else:
                nbformat.write(nb, target)
        made[assignment][learner] = label
    return made


def grade_all(root: Path, assignments, **options) -> tuple[dict, float]:
    classroom = Classroom(root)
    scores = {}
    start = time.perf_counter()
    for assignment in assignments:
        for outcome in grade_assignment(classroom, assignment, progress=False, **options):
            scores[(assignment, outcome.learner)] = (outcome.status, outcome.score)
    return scores, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=200, help="submissions (default: 200)")
    parser.add_argument("--small", action="store_true", help="24 submissions, for a quick run")
    parser.add_argument("--jobs", type=int, default=default_jobs(), help="fast grading processes")
    parser.add_argument("--no-sandbox", action="store_true", help="fast path without bwrap")
    parser.add_argument("--keep", type=Path, help="build the course roots here and keep them")
    args = parser.parse_args(argv)
    size = 24 if args.small else args.size

    work = args.keep or Path(tempfile.mkdtemp(prefix="triad-bench-"))
    try:
        stock_root, fast_root = work / "stock", work / "fast"
        for folder in (stock_root, fast_root):
            if folder.exists():
                shutil.rmtree(folder)
        print(f"building {size} submissions in {work} ...", flush=True)
        made = build_cohort(stock_root, size)
        shutil.copytree(stock_root, fast_root)
        Classroom(fast_root)  # its nbgrader_config.py now points at its own gradebook
        mix = Counter(kind for per in made.values() for kind in per.values())
        print("cohort:", ", ".join(f"{n} {kind}" for kind, n in sorted(mix.items())))
        notebooks = sum(
            len(list(stock_root.joinpath("source", a).glob("*.ipynb"))) * len(per)
            for a, per in made.items()
        )

        print(f"grading with the fast executor ({args.jobs} jobs) ...", flush=True)
        fast, fast_time = grade_all(
            fast_root, made, jobs=args.jobs, sandbox=not args.no_sandbox
        )
        shutdown()  # its idle grading processes
        print("grading with stock nbgrader ...", flush=True)
        autograde_time = [0.0]
        original = NbGraderAPI.autograde

        def timed_autograde(self, *args, **kwargs):
            start = time.perf_counter()
            try:
                return original(self, *args, **kwargs)
            finally:
                autograde_time[0] += time.perf_counter() - start

        NbGraderAPI.autograde = timed_autograde
        try:
            stock, stock_time = grade_all(stock_root, made, executor="stock")
        finally:
            NbGraderAPI.autograde = original

        differ = [key for key in stock if stock[key] != fast.get(key)]
        for assignment, learner in differ[:20]:
            print(
                f"  DIFFERENT {assignment}/{learner} ({made[assignment][learner]}): "
                f"stock {stock[(assignment, learner)]}, fast {fast.get((assignment, learner))}"
            )
        graded = sum(status == "graded" for status, _ in stock.values())
        print(f"{len(stock)} submissions ({notebooks} notebooks), {graded} graded by stock, "
              f"{len(stock) - len(differ)} with the same score on both paths")  # fmt: skip
        stock_rate, fast_rate = notebooks / stock_time, notebooks / fast_time
        autograde_rate = notebooks / autograde_time[0]
        print(f"stock nbgrader (autograde + feedback): {stock_time:7.1f} s "
              f"{stock_rate:6.2f} notebooks/s")
        print(f"  of which nbgrader autograde alone:   {autograde_time[0]:7.1f} s "
              f"{autograde_rate:6.2f} notebooks/s")
        print(f"fast executor (autograde + feedback):  {fast_time:7.1f} s "
              f"{fast_rate:6.2f} notebooks/s")
        print(f"ratio (fast / stock): {fast_rate / stock_rate:.1f}x; "
              f"fast / stock autograde alone: {fast_rate / autograde_rate:.1f}x")
        return 1 if differ else 0
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
