"""``triad``: build, release, grade and export the course from the command line."""

from __future__ import annotations

import argparse
import atexit
import contextlib
import os
import shutil
import sys
import traceback
from pathlib import Path

from .failures import EXIT_ERROR, explain, write_log
from .locking import EXIT_BUSY, Busy
from .paths import default_course_dir, default_workspace

EXIT_SANDBOX = 2
EXIT_SOME_BROKEN = 3
EXIT_INTERRUPTED = 130

EXIT_STATUSES = f"""\
exit status:
  0    done
  {EXIT_ERROR}    an error, told in one sentence on stderr (database unreachable or refusing
       the login, gradebook damaged, course root missing or unwritable, disk full,
       assignment never released, ...); the full details go to COURSE_DIR/logs/
  {EXIT_SANDBOX}    `triad grade`: the bubblewrap sandbox is unavailable
  {EXIT_SOME_BROKEN}    `triad grade`: some submissions could not be graded (the rest were)
  {EXIT_BUSY}    busy: another run holds the assignment (it is named); try again or add --wait
  {EXIT_INTERRUPTED}  interrupted (Ctrl-C); what was finished is kept
"""


class _HelpFormatter(argparse.HelpFormatter):
    """Wraps one-paragraph texts; keeps the lines of a text that has several (the epilog)."""

    def _fill_text(self, text, width, indent):
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def _classroom(args, *, create: bool = False):
    """The course root of ``args``; it must exist unless ``create`` (release, distribute)."""
    from .classroom import Classroom

    def say(message: str) -> None:
        print(f"triad {args.command}: {message}", file=sys.stderr, flush=True)

    classroom = Classroom(args.course_dir, args.db, wait=args.wait, say=say, create=create)
    classroom.check_gradebook()
    return classroom


def cmd_release(args) -> int:
    from .build import release

    for folder in release(_classroom(args, create=True), args.assignments or None):
        print(f"released {folder.name} -> {folder}")
    return 0


def cmd_grade(args) -> int:
    from .sandbox import Limits
    from .zygotes import launch_early, stop_early

    limits = Limits(timeout=args.timeout, cpu=max(1, round(args.timeout)), memory=args.memory << 20)
    if args.executor == "fast":
        # first of all: the zygotes import what the notebooks need while this process imports
        # nbgrader and checks the course root (they see neither, and run nothing until graded)
        launch_early(args.course_dir, args.assignment, jobs=args.jobs,
                     sandboxed=not args.no_sandbox, limits=limits)
    try:
        return _grade(args, limits)
    finally:
        stop_early()  # those no grading process took (the run stopped before it graded)


def _grade(args, limits) -> int:
    from .grade import grade_assignment, select_learners
    from .sandbox import SandboxUnavailable

    classroom = _classroom(args)
    try:
        learners = (select_learners(classroom, args.assignment, args.student)
                    if args.student else None)  # fmt: skip
        outcomes = grade_assignment(
            classroom,
            args.assignment,
            learners,
            progress=not args.quiet,
            jobs=args.jobs,
            executor=args.executor,
            sandbox=not args.no_sandbox,
            limits=limits,
            feedback=args.feedback,
            allow_new=args.allow_new,
            notebooks=args.notebook,
            force=args.force,
        )
    except LookupError as error:  # a --student or --notebook that names nothing
        print(f"triad grade: {error.args[0]}", file=sys.stderr)
        return EXIT_ERROR
    except SandboxUnavailable as error:
        print(f"triad grade: {error}", file=sys.stderr)
        return EXIT_SANDBOX
    except KeyboardInterrupt:
        from .record import path as record_path

        record = record_path(classroom.root, args.assignment)
        print(f"triad grade: interrupted; the submissions graded so far keep their grades "
              f"(listed in {record})", file=sys.stderr)  # fmt: skip
        return EXIT_INTERRUPTED
    if not outcomes:
        print(f"no submissions under {classroom.root / 'submitted'}/<learner>/{args.assignment}/")
        return 0
    from .grade import feedback_problem

    unlisted = [o for o in outcomes if o.status == "unlisted"]
    excluded = [o for o in outcomes if o.status == "excluded"]
    outcomes = [o for o in outcomes if o.status not in ("unlisted", "excluded")]
    broken = [o for o in outcomes if o.status != "graded"]
    kept = [o for o in outcomes if o.unchanged]
    for outcome in outcomes:
        if outcome.status == "graded":
            notes = ["unchanged since it was graded" if outcome.unchanged else "",
                     outcome.message]
            note = "; ".join(filter(None, notes))
            note = f"  ({note})" if note else ""
            print(f"{outcome.learner:<24} {outcome.score:>6g} / {outcome.max_score:g}{note}")
        else:
            print(f"{outcome.learner:<24} NOT GRADED: {outcome.message}")
    done = len(outcomes) - len(broken) - len(kept)
    print(
        f"graded {done} of {len(outcomes)} submissions"
        + (f" ({len(kept)} unchanged since they were graded, left as they were: "
           "--force grades them again)" if kept else "")
        + f"; feedback in {classroom.root / 'feedback'}"
    )
    if excluded:
        print(f"left out by the course's student_id_exclude ({len(excluded)}): "
              f"{', '.join(o.learner for o in excluded)}")
    if unlisted:
        print(f"not on the roster, not graded ({len(unlisted)}): "
              f"{', '.join(o.learner for o in unlisted)}; add them with `triad roster import` "
              "or grade them with --allow-new")
    problem = feedback_problem(classroom, args.assignment, outcomes)
    if problem:
        print(f"triad grade: {problem}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_SOME_BROKEN if broken or unlisted else 0


def cmd_export(args) -> int:
    from .export import export

    classroom = _classroom(args)
    name = "grades.csv" if args.format == "long" else f"grades-{args.format}.csv"
    output = args.output or classroom.root / name
    rows = export(classroom, output, args.format)
    print(f"wrote {rows} rows ({args.format}) to {output}")
    return 0


def cmd_roster_import(args) -> int:
    from .roster import RosterError, import_roster

    classroom = _classroom(args)
    try:
        added, updated = import_roster(classroom, args.file)
    except RosterError as error:
        print(f"triad roster import: {error}", file=sys.stderr)
        return 1
    print(f"roster: {len(added)} learners added, {len(updated)} updated "
          f"(in the gradebook and {classroom.root / 'roster.json'})")
    return 0


def cmd_roster_list(args) -> int:
    from .roster import format_roster, load

    learners = load(_classroom(args))
    if not learners:
        print("no roster: import one with `triad roster import FILE.csv`")
        return 0
    print(format_roster(learners))
    print(f"{len(learners)} learners")
    return 0


def cmd_distribute(args) -> int:
    from .exchange import distribute

    classroom = _classroom(args, create=True)
    outbound = distribute(classroom, args.assignment, args.exchange, force=args.force)
    print(f"released {args.assignment} to learners -> {outbound}")
    return 0


def cmd_collect(args) -> int:
    from .exchange import collect
    from .files import skipped_message

    collected = collect(_classroom(args, create=True), args.assignment, args.exchange)
    learners = collected.learners
    print(f"collected {len(learners)} submissions of {args.assignment}: {', '.join(learners)}")
    for learner, links in collected.skipped.items():
        print(f"triad collect: {learner}: {skipped_message(links)}", file=sys.stderr)
    for folder, why in collected.refused.items():
        print(f"triad collect: REFUSED {folder}: {why}", file=sys.stderr)
    return EXIT_SOME_BROKEN if collected.refused else 0


def cmd_return(args) -> int:
    from .exchange import give_back

    learners = give_back(_classroom(args), args.assignment, args.exchange)
    print(f"returned feedback on {args.assignment} to {len(learners)}: {', '.join(learners)}")
    return 0


def cmd_report(args) -> int:
    from .report_page import write_overview, write_report

    if args.assignment is None:
        page, reports = write_overview(_classroom(args), args.output)
        for report in reports:
            print(f"{report.assignment}: {report.summary()}")
        print(f"course overview in {page}")
        return 0
    page, report = write_report(_classroom(args), args.assignment, args.output)
    print(report.summary())
    print(f"report in {page}")
    return 0


def cmd_check(args) -> int:
    from . import checkserver

    if checkserver.enabled():  # a warm server of this workspace answers at once
        answer = checkserver.ask(args.workspace, args.assignment, args.answers)
        if answer is not None:
            text, status = answer
            print(text)
            return status
    from . import judgehost
    from .paths import check_course_dir
    from .sandbox import find_bwrap
    from .zygotes import launch_early, stop_early

    # the zygote imports what the notebook needs, and the judging process what its tests
    # need, while this process imports the grader
    root = check_course_dir(args.workspace)
    launch_early(root, args.assignment, learners=1, sandboxed=find_bwrap() is not None)
    judgehost.launch(root, args.assignment)
    try:
        from .workspace import self_check

        result = self_check(args.workspace, args.assignment, answers=args.answers)
    finally:
        stop_early()
        judgehost.stop_early()
    print(result.summary(), flush=True)
    checkserver.start(args.workspace, args.assignment)  # for the next check
    return 0 if result.outcome.status == "graded" else 1


def cmd_lab(args) -> int:
    from .workspace import prepare_workspace

    workspace = Path(args.workspace)
    prepare_workspace(workspace)
    print(f"lessons and assignments are in {workspace}")
    if args.prepare_only:
        return 0
    from . import checkserver

    checkserver.start(workspace)  # so that the first `triad check` is warm too
    jupyter = shutil.which("jupyter", path=str(Path(sys.executable).parent)) or "jupyter"
    command = [jupyter, "lab", f"--ServerApp.root_dir={workspace}"]
    if os.geteuid() == 0:
        # Jupyter refuses to start as root unless told; containers and CI often are root.
        command.append("--allow-root")
    if args.no_browser:
        command.append("--no-browser")
    command += args.lab_args
    os.chdir(workspace)
    os.execv(jupyter, command)
    return 0  # not reached


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="triad",
        description="Build, release and grade the Triad course (project, program, product).",
        epilog=EXIT_STATUSES,
        formatter_class=_HelpFormatter,
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--course-dir",
        type=Path,
        default=default_course_dir(),
        help="nbgrader course root (default: $TRIAD_COURSE_DIR or classroom/ in the repository)",
    )
    common.add_argument(
        "--db",
        default=os.environ.get("TRIAD_DB") or None,
        help="gradebook database URL (default: $TRIAD_DB or sqlite:///COURSE_DIR/gradebook.db)",
    )
    common.add_argument(
        "--wait",
        action="store_true",
        help="if another run is using the assignment, wait for it to finish instead of "
        f"stopping with exit status {EXIT_BUSY}",
    )
    learner = argparse.ArgumentParser(add_help=False)
    learner.add_argument(
        "--workspace",
        type=Path,
        default=default_workspace(),
        help="the learner's folder (default: $TRIAD_WORKSPACE or workspace/ in the repository)",
    )
    sources = argparse.ArgumentParser(add_help=False)
    sources.add_argument(
        "--sources", type=Path, metavar="DIR",
        help="the course's sources, a folder with lessons/ and exercises/ (default: "
        "$TRIAD_SOURCES, else the checkout Triad is installed editable from)",
    )  # fmt: skip
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "release", parents=[common, sources], help="build source/ and release/ from exercises/"
    )
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: all")
    p.set_defaults(func=cmd_release)

    p = sub.add_parser(
        "grade",
        parents=[common],
        help="autograde every submission of an assignment and generate feedback",
        description=(
            "Autograde every submission under COURSE_DIR/submitted/<learner>/ASSIGNMENT/, "
            "write the gradebook and the feedback pages. Broken submissions are reported and "
            f"the rest are graded; the exit status is {EXIT_SOME_BROKEN} when any was broken. "
            "Learner code runs in a bubblewrap sandbox (Debian/Ubuntu: apt-get install "
            "bubblewrap): no network, no course files but its own, limited time and memory."
        ),
    )
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--jobs", "-j", type=int, default=None, metavar="N",
        help="submissions graded side by side (default: the machine's cores)",
    )
    p.add_argument(
        "--executor", choices=["fast", "stock"], default="fast",
        help="fast: warm sandboxed workers (default); stock: nbgrader autograde, "
        "one kernel per notebook, no sandbox",
    )
    p.add_argument(
        "--no-sandbox", action="store_true",
        help="run learner code without the bubblewrap sandbox (only for code you trust)",
    )
    p.add_argument(
        "--timeout", type=float, default=30, metavar="SECONDS",
        help="time (and CPU time) a cell may take (default: 30)",
    )
    p.add_argument(
        "--memory", type=int, default=2048, metavar="MIB",
        help="memory a notebook may use, in MiB (default: 2048)",
    )
    p.add_argument(
        "--feedback", choices=["hints", "answers"], default=None,
        help="hints: say why a wrong answer does not fit, never name the right one (the "
        "default, unless an assignment sets its own); answers: explain every item with its "
        "right answer (release after the deadline)",
    )
    p.add_argument(
        "--allow-new", action="store_true",
        help="also grade folders under submitted/ of learners not on the roster",
    )
    p.add_argument(
        "--student", action="append", metavar="ID",
        help="grade only this learner's submission (a glob such as 'team-*' works too; "
        "repeat for several)",
    )
    p.add_argument(
        "--notebook", action="append", metavar="NAME",
        help="grade only this notebook of each submission (a name or glob; repeat for "
        "several); the others keep their grades",
    )
    p.add_argument(
        "--force", action="store_true",
        help="grade again submissions graded before that have not changed since (by default "
        "they are left as they are: nothing they depend on, sources and settings included, "
        "changed)",
    )
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser(
        "export", parents=[common], help="write all grades as CSV, or as an LMS gradebook",
        description=(
            "Write every learner's grade in every assignment, with a status: graded, late, "
            "broken (could not be graded) or not submitted. long: one row per learner and "
            "assignment; canvas: Canvas's gradebook import CSV (Student, ID, SIS User ID, "
            "SIS Login ID, Section, one column per assignment); moodle: a CSV for Moodle's "
            "grade import (Username, Email address, ID number, one column per assignment)."
        ),
    )
    p.add_argument("--format", choices=["long", "canvas", "moodle"], default="long",
                   help="default: long")
    p.add_argument("--output", type=Path,
                   help="CSV file (default: COURSE_DIR/grades.csv, or grades-FORMAT.csv)")
    p.set_defaults(func=cmd_export)

    roster = sub.add_parser("roster", help="import or list the learners of the course")
    roster_sub = roster.add_subparsers(dest="roster_command", required=True, metavar="ACTION")
    p = roster_sub.add_parser(
        "import", parents=[common], help="add or update learners from a CSV file",
        description=(
            "Read a CSV with a header row and the columns id (required), name, email, "
            "lms_login, section, and store each learner in the gradebook. Once a roster "
            "exists, triad grade grades only learners on it (unless --allow-new)."
        ),
    )
    p.add_argument("file", type=Path, metavar="FILE.csv")
    p.set_defaults(func=cmd_roster_import)
    p = roster_sub.add_parser("list", parents=[common], help="print the roster")
    p.set_defaults(func=cmd_roster_list)

    p = sub.add_parser(
        "report",
        parents=[common],
        help="write an HTML report on how the cohort did in an assignment, or in all of them",
        description=(
            "After `triad grade`: write a page with the score distribution, each test's and "
            "each item's share of correct answers among those who attempted it, its "
            "discrimination (likely key problems flagged), the misconceptions the wrong "
            "answers show, a confusion table per classification test, the coding mistakes "
            "of function answers, and every learner's status with a link to their feedback. "
            "Without ASSIGNMENT: a report for every assignment and a course overview."
        ),
    )
    p.add_argument("assignment", metavar="ASSIGNMENT", nargs="?", default=None)
    p.add_argument(
        "--output",
        type=Path,
        help="folder for index.html and its charts (default: COURSE_DIR/reports/ASSIGNMENT, "
        "or COURSE_DIR/reports for the overview)",
    )
    p.set_defaults(func=cmd_report)

    exchange = argparse.ArgumentParser(add_help=False, parents=[common])
    exchange.add_argument(
        "--exchange",
        type=Path,
        default=None,
        help="nbgrader exchange folder (default: $TRIAD_EXCHANGE or /srv/nbgrader/exchange)",
    )
    p = sub.add_parser(
        "distribute",
        parents=[exchange, sources],
        help="release an assignment to learners through nbgrader's exchange",
    )
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("--force", action="store_true", help="replace it if already released")
    p.set_defaults(func=cmd_distribute)

    p = sub.add_parser(
        "collect",
        parents=[exchange],
        help="copy every learner's newest submission from the exchange into submitted/",
        description=(
            "Copy every learner's newest submission from the exchange into submitted/. A "
            "submission not made by the account it is named after is refused and named on "
            "stderr (exit status 3); symbolic links in a submission are left out."
        ),
    )
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.set_defaults(func=cmd_collect)

    p = sub.add_parser(
        "return",
        parents=[exchange],
        help="release the feedback made by `triad grade` to each learner through the exchange",
    )
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.set_defaults(func=cmd_return)

    p = sub.add_parser(
        "check",
        parents=[learner, sources],
        help="grade your own copy of an assignment and write its feedback page",
        description=(
            "Grade WORKSPACE/ASSIGNMENT/ exactly as an instructor would, print the score "
            "with a hint for each mistake, and write the feedback page to "
            "WORKSPACE/feedback/ASSIGNMENT/. Hints never name the right answer; --answers "
            "shows the full explanations, right answers included."
        ),
    )
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("--answers", action="store_true",
                   help="explain every item with its right answer (the key)")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser(
        "lab",
        parents=[learner, sources],
        help="prepare the learner workspace and open it in JupyterLab",
        description=(
            "Build the lessons and the learner versions of the assignments into WORKSPACE "
            "(never overwriting your work) and start JupyterLab there. Arguments after -- "
            "go to JupyterLab."
        ),
    )
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.add_argument("--prepare-only", action="store_true", help="prepare the workspace and stop")
    p.add_argument("lab_args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_lab)
    for p in sub.choices.values():
        p.epilog, p.formatter_class = EXIT_STATUSES, _HelpFormatter
    return parser


def run() -> None:
    """The ``triad`` command: ``main``, then an exit that skips the interpreter's teardown.

    Once the exit handlers have run (the grading processes and zygotes are stopped,
    the logs closed) and the output is flushed, what is left is freeing memory,
    which the system does at once; tearing nbgrader's, SQLAlchemy's and
    nbconvert's modules down object by object takes most of a second.
    """
    status = main()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(status if isinstance(status, int) else 1)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    if getattr(args, "lab_args", None) and args.lab_args[0] == "--":
        args.lab_args = args.lab_args[1:]
    if getattr(args, "sources", None):  # read by autograder.paths.sources_dir
        os.environ["TRIAD_SOURCES"] = str(args.sources.resolve())
    try:
        if "exchange" in args and args.exchange is None:
            from .exchange import default_exchange

            args.exchange = default_exchange()
        return args.func(args)
    except Busy as error:
        print(f"triad {args.command}: {error}", file=sys.stderr)
        return EXIT_BUSY
    except KeyboardInterrupt:
        print(f"triad {args.command}: interrupted; what was finished is kept", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (LookupError, RuntimeError) as error:
        if type(error) in (LookupError, RuntimeError) or type(error).__module__.startswith(
            f"{__package__}."
        ):
            print(f"triad {args.command}: {error}", file=sys.stderr)
            return EXIT_ERROR
        return _report(args, argv, error)
    except Exception as error:
        return _report(args, argv, error)


def _report(args, argv: list[str], error: Exception) -> int:
    """Say what went wrong in a sentence; keep the traceback in a log file named there."""
    fault = explain(error, getattr(args, "db", None))
    course_dir = getattr(args, "course_dir", None)
    course_dir = course_dir if course_dir and Path(course_dir).is_dir() else None
    log = write_log(course_dir, argv, traceback.format_exc())
    where = f"the details are in {log}" if log else "no log could be written"
    if fault is None:
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        print(
            f"triad {args.command}: an unexpected error stopped it ({type(error).__name__}"
            f"{': ' + first if first else ''}); grades already recorded are kept. Please report "
            f"it to the course maintainers; {where}.",
            file=sys.stderr,
        )
        return EXIT_ERROR
    print(f"triad {args.command}: {fault} ({where})", file=sys.stderr)
    return fault.status


if __name__ == "__main__":
    sys.exit(main())
