"""`triad grade` against stock nbgrader at class size, start-up included; `triad check` too.

    .venv/bin/python benchmarks/class_size.py                  # 30 and 120, the 200 cohort, check
    .venv/bin/python benchmarks/class_size.py --quick          # 10 and 40, a cohort of 24, check
    .venv/bin/python benchmarks/class_size.py --sizes 10 40 --cohort 0  # no cohort
    .venv/bin/python benchmarks/class_size.py --baseline /path/to/other/.venv/bin
    .venv/bin/python benchmarks/class_size.py --check-only     # triad check and validate only

For each size, a cohort of ``classify-responsibilities`` (correct, blank, partly
wrong and broken work, as in ``grade_cohort.py``) is graded from the command
line, as an instructor would run it, in copies of one course root: ``triad
grade --executor stock`` (nbgrader's autograde and feedback, one kernel per
notebook) and ``triad grade`` (the sandboxed fast executor and its judge).  The
scores must agree learner by learner.  The script prints the times (for Triad,
the median of ``--repeat`` runs), their ratio, and the fixed and per-notebook
cost of each path (a straight line through the two sizes).  Then the
cross-assignment cohort of ``grade_cohort.py`` (every assignment, stock against
fast, scores compared submission by submission), and a learner's ``triad
check`` against ``nbgrader validate`` on the same notebook, cold (no check server;
``--cold-runs`` rounds, each check followed by ``validate``) and warm (the median of
three runs each); the notebook is edited before each check, so that every check grades.

``--baseline BIN`` also times the ``triad`` of another installation (the
``bin`` folder of its virtual environment, e.g. one made from an earlier
commit) on the same cohorts and in the same run, so that a change is measured
against what it changes under the same load; its scores must agree too.  Exit
status 1 if any score differs.
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
from autograder.paths import check_course_dir

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


def grade_all(base: Path, size: int, paths: dict[str, list[str]],
              repeat: int = 1) -> tuple[dict[str, float], bool]:
    """Grade one cohort of ``size`` with each of ``paths`` (name: command); times, same scores.

    Each path but stock grades ``repeat`` fresh copies, taking turns, and its
    time is the median (stock takes minutes, the others seconds, so a moment of
    load elsewhere on the machine weighs on them most).
    """
    pristine = base / f"cohort-{size}"
    build(pristine, size)
    runs: dict[str, list[float]] = {name: [] for name in paths}
    results = []
    for turn in range(repeat):
        for name, command in paths.items():
            if name == "stock" and turn:
                continue
            root = base / f"{name}-{size}-{turn}"
            shutil.copytree(pristine, root)
            runs[name].append(timed([*command, A, "--quiet", "--course-dir", str(root)]))
            results.append(scores(root))
            shutil.rmtree(root, ignore_errors=True)
    times = {name: median(values) for name, values in runs.items()}
    return times, results[0] != {} and all(result == results[0] for result in results)


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def edit(notebook: Path, run: int) -> None:
    """Change the learner's notebook a little, as between two checks (a comment in a cell)."""
    nb = nbformat.read(notebook, 4)
    cell = next(c for c in nb.cells if c.cell_type == "code")
    cell.source = cell.source.split("\n# edit ")[0] + f"\n# edit {run}"
    nbformat.write(nb, notebook)


def check_against_validate(base: Path, checks: dict[str, Path], runs: int = 3,
                           cold_runs: int = 9) -> dict[str, float]:
    """Median times of ``triad check`` (each of ``checks``) and of ``nbgrader validate``.

    The notebook is edited before every check, as a learner's would be: a check of
    a notebook unchanged since the last one only reads back that result
    (``unchanged`` below, for comparison).  First ``cold_runs`` rounds of cold
    checks (``<name> cold``: no check server, ``TRIAD_CHECK_SERVER=0``, as from a
    terminal with none running), each round followed by ``validate`` on the same
    notebook, so that a moment of load weighs on both; ``cold ratio`` is the
    median of the rounds' ratios.  Then the warm checks: one check leaves a check
    server behind (``autograder.checkserver``), which the timed checks after it
    use, a few seconds later, as a learner's next check would.
    """
    times: dict[str, list[float]] = {"validate": [], "unchanged": []}
    ratios: dict[str, list[float]] = {}
    workspaces = {name: base / f"workspace-{name}" for name in checks}
    notebook = workspaces["triad"] / A / "classify.ipynb"

    def check(name: str, run: int, server: bool) -> float:
        env = dict(os.environ, TRIAD_WORKSPACE=str(workspaces[name]),
                   TRIAD_CHECK_SERVER="1" if server else "0")
        edit(workspaces[name] / A / "classify.ipynb", run)
        return timed([str(checks[name] / "triad"), "check", A], env=env)

    def validate() -> float:
        return timed([str(BIN / "nbgrader"), "validate", str(notebook)],
                     cwd=notebook.parent.parent)

    for name, bin_dir in checks.items():  # each its own workspace, so its own private course root
        subprocess.run([str(bin_dir / "triad"), "lab", "--prepare-only"], check=True,
                       capture_output=True, env=dict(os.environ, TRIAD_CHECK_SERVER="0",
                                                     TRIAD_WORKSPACE=str(workspaces[name])))
        check(name, -1, server=False)  # the private course root is built here, not timed
    for run in range(cold_runs):
        cold = {name: check(name, run, server=False) for name in checks}
        seconds = validate()
        for name, value in cold.items():
            times.setdefault(f"{name} cold", []).append(value)
            ratios.setdefault(name, []).append(seconds / value)
    for name in checks:
        check(name, -2, server=True)  # starts its server
    time.sleep(10)  # the learner reads the feedback; the server warms up
    for run in range(runs):
        for name in checks:
            times.setdefault(name, []).append(check(name, run, server=True))
        times["unchanged"].append(timed([str(BIN / "triad"), "check", A], env=dict(
            os.environ, TRIAD_WORKSPACE=str(workspaces["triad"]))))
        times["validate"].append(validate())
    result = {name: median(values) for name, values in times.items()}
    result.update({f"{name} cold ratio": median(values) for name, values in ratios.items()})
    return result


STOP_SERVER = "import sys\nfrom autograder import checkserver\ncheckserver.stop(sys.argv[1])"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=None, metavar="N",
                        help="the two cohorts of classify-responsibilities (default: 30 120)")
    parser.add_argument("--cohort", type=int, default=None, metavar="N",
                        help="submissions of the cross-assignment cohort of grade_cohort.py "
                        "(default: 200, or 24 with --quick or --sizes; 0: none)")
    parser.add_argument("--quick", action="store_true", help="sizes 10 40 and a cohort of 24")
    parser.add_argument("--repeat", type=int, default=3, metavar="N",
                        help="runs of each Triad path per cohort, the median is kept (default: 3)")
    parser.add_argument("--cold-runs", type=int, default=9, metavar="N",
                        help="rounds of a cold check and validate (default: 9)")
    parser.add_argument("--check-only", action="store_true",
                        help="only triad check against nbgrader validate")
    parser.add_argument("--baseline", type=Path, metavar="BIN",
                        help="also time the triad in this bin folder (another installation)")
    args = parser.parse_args(argv)
    small, large = args.sizes or ([10, 40] if args.quick else [30, 120])
    short = args.quick or args.sizes
    cohort = args.cohort if args.cohort is not None else (24 if short else 200)
    paths = {"stock": [str(BIN / "triad"), "grade", "--executor", "stock"],
             "triad": [str(BIN / "triad"), "grade"]}
    checks = {"triad": BIN}
    if args.baseline:
        paths["baseline"] = [str(args.baseline / "triad"), "grade"]
        checks["baseline"] = args.baseline
    base = Path(tempfile.mkdtemp(prefix="triad-class-size-"))
    ok = True
    try:
        times = {}
        for size in () if args.check_only else (small, large):
            times[size], same = grade_all(base, size, paths, max(1, args.repeat))
            ok &= same
            line = "   ".join(f"{name} {seconds:6.1f} s" for name, seconds in times[size].items())
            ratios = "   ".join(f"{name} {times[size]['stock'] / seconds:5.1f}x"
                               for name, seconds in times[size].items() if name != "stock")
            print(f"{size:>4} learners: {line}   ratio {ratios}   "
                  f"scores {'the same' if same else 'DIFFER'}", flush=True)
        for name in paths if times else ():
            per = (times[large][name] - times[small][name]) / (large - small)
            fixed = times[small][name] - small * per
            print(f"{name}: {fixed:5.1f} s fixed + {per:.3f} s per notebook", flush=True)
        if cohort and not args.check_only:
            import grade_cohort

            print(f"cross-assignment cohort (grade_cohort.py --size {cohort}):", flush=True)
            ok &= grade_cohort.main(["--size", str(cohort)]) == 0
        checked = check_against_validate(base, checks, cold_runs=args.cold_runs)
        for name in checks:
            print(f"{name} check, warm {checked[name]:.2f} s   cold {checked[f'{name} cold']:.2f} s"
                  f"   nbgrader validate {checked['validate']:.2f} s   ratio warm "
                  f"{checked['validate'] / checked[name]:.1f}x, cold "
                  f"{checked[f'{name} cold ratio']:.2f}x (median of {args.cold_runs} rounds)")
        print(f"triad check of a notebook unchanged since its last check "
              f"{checked['unchanged']:.2f} s")
    finally:
        for name, bin_dir in checks.items():  # the servers and private course roots
            workspace = base / f"workspace-{name}"
            # each installation names its server's socket after its own code: its own stop
            subprocess.run([str(bin_dir / "python"), "-c", STOP_SERVER, str(workspace)],
                           capture_output=True, check=False)
            shutil.rmtree(check_course_dir(workspace), ignore_errors=True)
        shutil.rmtree(base, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
