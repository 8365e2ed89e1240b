"""Data and checks of the exercise "Plan a program from several projects".

The exercise's program is the organisation's *second* program, the digital
front door: customers ask for service online instead of on paper.  Its tables
come from the functions below; they are what learners see and hold no answer.

As in ``course.checks``, two kinds of checks exist:

* ``check_*`` functions are used by the visible tests: they raise an
  ``AssertionError`` whose message teaches what is wrong;
* ``score_*`` functions are used by the graded (hidden) tests: they never
  raise, print one sentence for each mistake and return the points earned.

Learners' functions are always run through ``run_learner``: on a fresh copy of
the data, with a time limit, with their printed output and warnings kept out of
the graded cell, and with the course's ready-made planning and health functions
switched off, so that only the learner's own code earns points.  Their results
are copied into plain ``dict``, ``list``, ``str`` and ``int`` values before
anything is compared.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import io
import math
import numbers
import re
import signal
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import networkx as nx
import pandas as pd

import course.health
import course.planning
import course.scenarios
from course.feedback import Record, Score, mistake, score_key, teaches


def _pristine(module, names: tuple[str, ...]):
    """``module``, reloaded if a notebook replaced one of its functions ``names`` with its own."""
    replaced = any(getattr(getattr(module, name, None), "__module__", None) != module.__name__
                   for name in names)
    return importlib.reload(module) if replaced else module


_planning = _pristine(course.planning, ("schedule", "critical_path", "program_weeks",
                                        "dependency_graph", "_order", "_rows", "_weeks",
                                        "parse_dependencies"))
_health = _pristine(course.health, ("earned_value", "program_health", "rag", "_latest",
                                    "_ratio", "_severity"))
random_program = _pristine(course.scenarios, ("random_program", "_project_ids",
                                              "_float_of")).random_program

# ---------------------------------------------------------------------------
# The exercise's data
# ---------------------------------------------------------------------------

_FRONT_DOOR = [
    # id, name, weeks, depends on, output, team
    ("H", "Service catalogue and online request forms", 4, (), "request catalogue",
     "service design"),
    ("J", "Customer portal: build and pilot", 10, ("H", "K"), "customer portal", "web"),
    ("K", "Customer identity and secure login", 5, (), "customer accounts", "security"),
    ("L", "Connect the portal to the workflow engine", 6, ("J",), "portal-workflow link",
     "integration"),
    ("M", "Contact-centre knowledge base", 7, ("H",), "knowledge base", "contact centre"),
    ("N", "Redesign of the staff intranet's news page", 3, (), "new intranet page",
     "communications"),
    ("P", "Training, launch campaign and go-live", 4, ("L", "M"), "launch and trained staff",
     "change"),
    ("Q", "Retire the paper request forms and the fax line", 2, ("P",), "retired channels",
     "it-operations"),
]


def front_door_program() -> pd.DataFrame:
    """The digital front door program: one row per component project.

    Columns ``id, name, weeks, depends_on, output, team``; ``weeks`` is an
    ``int`` and ``depends_on`` a Python ``list`` of ids (``[]`` for none).
    Rows are sorted by id, which is *not* an order of work.  A new table is
    built on every call.
    """
    rows = [(pid, name, weeks, list(deps), output, team)
            for pid, name, weeks, deps, output, team in _FRONT_DOOR]
    return pd.DataFrame(rows, columns=["id", "name", "weeks", "depends_on", "output", "team"])


def front_door_objectives() -> pd.DataFrame:
    """The strategic objectives behind the digital front door (columns ``id, objective, owner``)."""
    return pd.DataFrame(
        [
            ("O1", "Let customers get service online, at any hour", "Chief Customer Officer"),
            ("O2", "Answer customer requests faster and at lower cost",
             "Chief Operating Officer"),
            ("O3", "Keep customers' personal data safe", "Data Protection Officer"),
        ],
        columns=["id", "objective", "owner"],
    )


def front_door_benefits() -> pd.DataFrame:
    """The program's benefits register, one row per benefit.

    Columns ``id, benefit, measure, baseline, target, owner, objective,
    projects``; ``objective`` is an id of ``front_door_objectives()`` and
    ``projects`` a Python ``list`` of the component projects whose outputs
    contribute to the benefit.
    """
    rows = [
        ("B1", "More requests made online", "share of requests submitted online (%)", 15, 70,
         "Head of Customer Service", "O1", ["H", "J", "P"]),
        ("B2", "Service outside office hours",
         "requests completed outside office hours per week", 0, 400,
         "Head of Customer Service", "O1", ["J"]),
        ("B3", "Faster answers", "median hours from request to first answer", 48, 8,
         "Head of Contact Centre", "O2", ["L", "M"]),
        ("B4", "Fewer calls", "phone calls per 100 requests", 120, 60,
         "Head of Contact Centre", "O2", ["M"]),
        ("B5", "Lower running costs",
         "annual cost of paper forms and the fax line (thousand euros)", 45, 5,
         "Chief Financial Officer", "O2", ["Q"]),
        ("B6", "Protected customer accounts",
         "security incidents involving customer accounts per year", 6, 0,
         "Data Protection Officer", "O3", ["K"]),
    ]
    columns = ["id", "benefit", "measure", "baseline", "target", "owner", "objective",
               "projects"]
    return pd.DataFrame(rows, columns=columns)


# ---------------------------------------------------------------------------
# Running the learner's code safely
# ---------------------------------------------------------------------------

#: The message of the course's ready-made functions while a learner's code is checked.
SHORTCUT = ("this exercise asks for your own code: the course's ready-made planning and "
            "health functions are switched off while it is checked")


def _switched_off(*args, **kwargs):
    raise NotImplementedError("this exercise asks for your own code: the course's ready-made "
                              "planning and health functions are switched off while it is "
                              "checked")


def _shortcuts() -> list[Callable]:
    names = [(_planning, ("schedule", "critical_path", "program_weeks", "dependency_graph")),
             (_health, ("earned_value", "program_health", "rag"))]
    return [getattr(module, name) for module, group in names for name in group
            if getattr(getattr(module, name, None), "__closure__", 1) is None]


@contextlib.contextmanager
def no_shortcuts() -> Iterator[None]:
    """Switch off the course's reference functions, wherever the learner's code holds them."""
    saved = [(fn, fn.__code__) for fn in _shortcuts()]
    try:
        for fn, _ in saved:
            fn.__code__ = _switched_off.__code__
        yield
    finally:
        for fn, code in saved:
            fn.__code__ = code


class _TimeUp(BaseException):
    """Raised inside a learner's function that runs for too long."""


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    def stop(signum, frame):
        raise _TimeUp()

    try:
        previous = signal.signal(signal.SIGALRM, stop)
    except (ValueError, AttributeError):  # not the main thread, or no SIGALRM: no limit
        yield
        return
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.5)  # repeats if a bare except swallows it
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


#: Seconds a learner's function may run on a program (generous: slow code is not wrong code).
#: On a broken program a loop that never ends is the usual mistake, so the limit is shorter.
BROKEN_SECONDS = 1.5
_TIMED_OUT: set[str] = set()  # names of the functions that ran out of time (per graded cell)


@dataclass
class Call:
    """What happened when a learner's function was called."""

    value: object = None
    error: BaseException | None = None
    problem: str = ""  # one sentence when the call failed, else ""

    @property
    def ok(self) -> bool:
        return not self.problem


def fresh(table: pd.DataFrame) -> pd.DataFrame:
    """A deep copy of a table, lists in cells included, so the learner cannot change ours."""
    copy = table.copy(deep=True)
    for column in copy.columns:
        if copy[column].dtype == object:
            copy[column] = [list(v) if isinstance(v, list | tuple) else v for v in copy[column]]
    return copy


def run_learner(fn: object, name: str, *args, seconds: float = 5.0) -> Call:
    """Call the learner's ``fn(*args)``; never raises.

    ``problem`` says in one sentence what went wrong: ``fn`` is not a
    function, it is not written yet, it raised an error (``error`` holds it),
    it ran longer than ``seconds`` or it used the course's ready-made version.
    """
    if not callable(fn):
        return Call(problem=f"`{name}` is not a function: define it with `def {name}(...)`.")
    if name in _TIMED_OUT:  # it already ran out of time once: do not wait as long again
        seconds = min(seconds, BROKEN_SECONDS)
    # At grading time ``fn`` stands for the learner's function, which the grader runs in a
    # process of its own, under its own time limit and with the shortcuts switched off there.
    remote = getattr(fn, "call_within", None)
    out = io.StringIO()
    try:
        with (warnings.catch_warnings(), contextlib.redirect_stdout(out),
              contextlib.redirect_stderr(out),
              contextlib.nullcontext() if remote else no_shortcuts(),
              contextlib.nullcontext() if remote else _time_limit(seconds)):
            warnings.simplefilter("ignore")
            value = remote(seconds, *args) if remote else fn(*args)
    except (TimeoutError, _TimeUp) as error:
        if remote is None and not isinstance(error, _TimeUp):  # the learner's own TimeoutError
            return Call(error=error, problem=f"`{name}` raised TimeoutError: {_short(error)}")
        _TIMED_OUT.add(name)
        return Call(problem=f"`{name}` did not finish within {seconds:g} "
                            f"second{'' if seconds == 1 else 's'}: "
                            f"check that every loop ends, also when no project can go next.")
    except KeyboardInterrupt:
        raise
    except NotImplementedError as error:
        if str(error) == SHORTCUT:
            return Call(error=error, problem=f"`{name}` calls one of the course's ready-made "
                                             f"functions; write your own code to earn these "
                                             f"points.")
        return Call(error=error, problem=f"`{name}` is not written yet "
                                         f"(it raises NotImplementedError).")
    except BaseException as error:  # the learner's code may raise anything, even SystemExit
        return Call(error=error, problem=f"`{name}` raised {type(error).__name__}: "
                                         f"{_short(error)}")
    return Call(value=value)


def _short(error: BaseException, limit: int = 120) -> str:
    text = " ".join(str(error).split()) or "(no message)"
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---------------------------------------------------------------------------
# Plain copies of the learner's answers
# ---------------------------------------------------------------------------


def plain_int(value: object) -> int | None:
    """``value`` as an ``int`` if it is a whole number (``6``, ``np.int64(6)``, ``6.0``).

    Anything else (``True``, ``6.5``, ``"6"``) gives ``None``.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        return int(number) if math.isfinite(number) and number.is_integer() else None
    return None


def plain_frame(result: object) -> pd.DataFrame | None:
    """A plain ``DataFrame`` copy of the learner's table, or None when it is no DataFrame."""
    if not isinstance(result, pd.DataFrame):
        return None
    try:
        return pd.DataFrame(pd.DataFrame.copy(result, deep=True))
    except Exception:  # a DataFrame subclass that cannot be copied earns nothing
        return None


def plain_schedule(result: object) -> tuple[dict[str, tuple[int | None, int | None]], str]:
    """``({id: (start, finish)}, problem)`` read from a learner's schedule table.

    ``problem`` is ``""`` when the table has the expected shape: a DataFrame
    indexed by project id with ``start`` and ``finish`` columns.
    """
    frame = plain_frame(result)
    if frame is None:
        return {}, f"`schedule` must return a pandas DataFrame, not {type(result).__name__}."
    columns = [str(c) for c in frame.columns]
    missing = [c for c in ("start", "finish") if c not in columns]
    if missing:
        return {}, (f"the schedule needs the column(s) {', '.join(missing)}; "
                    f"it has {', '.join(columns) or 'none'}.")
    frame.columns = columns
    if "id" in columns and not isinstance(frame.index, pd.MultiIndex) and frame.index.name != "id":
        frame = frame.set_index("id")
    table = {}
    for pid, start, finish in zip(frame.index, frame["start"].tolist(),
                                  frame["finish"].tolist(), strict=True):
        table[str(pid)] = (plain_int(start), plain_int(finish))
    return table, ""


def plain_path(result: object) -> list[str] | None:
    """The learner's critical path as a list of ``str`` ids, or None if it is not a list of str."""
    if not isinstance(result, list | tuple):
        return None
    path = []
    for item in list(result):
        if not isinstance(item, str):
            return None
        path.append(str.__str__(item).strip())
    return path


def _word(pid: str, text: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(pid)}(?![A-Za-z0-9_])", text) is not None


# ---------------------------------------------------------------------------
# Diagnoses shared by the visible and the hidden checks
# ---------------------------------------------------------------------------


def _reference(projects: pd.DataFrame) -> tuple[pd.DataFrame, nx.DiGraph]:
    return _planning.schedule(projects), _planning.dependency_graph(projects)


def schedule_mistake(result: object, projects: pd.DataFrame) -> str:
    """One sentence about the first mistake in a learner's schedule, or ``""`` if it is right."""
    table, problem = plain_schedule(result)
    if problem:
        return problem
    expected, graph = _reference(projects)
    ids = [str(pid) for pid in expected.index]
    if table and not set(table) & set(ids):
        return (f"none of the schedule's rows ({', '.join(sorted(table)[:5])}) is a project of "
                f"this program ({', '.join(ids[:5])}...): index it by project id, and compute "
                f"it from the table `schedule` receives.")
    missing = sorted(set(ids) - set(table))
    if missing:
        return (f"the schedule has no row for {', '.join(missing[:5])}: index it by project "
                f"id, one row per project.")
    extra = sorted(set(table) - set(ids))
    if extra:
        return f"the schedule has rows that are not projects: {', '.join(extra[:5])}."
    weeks = expected["weeks"].to_dict()
    if all(s is not None and f is not None and f - s == weeks[p] - 1
           for p, (s, f) in table.items()):
        return ("every finish is start + weeks - 1: weeks are counted from 0 here, so a "
                "project of 4 weeks that starts at week 0 finishes at week 4.")
    for pid in ids:  # in an order of work, so the first wrong project is the cause
        start, finish = table[pid]
        good_start, good_finish = int(expected.at[pid, "start"]), int(expected.at[pid, "finish"])
        if start == good_start and finish == good_finish:
            continue
        deps = sorted(graph.predecessors(pid))
        if start != good_start:
            if not deps:
                why = "it depends on nothing, so it starts at week 0."
            else:
                ends = " and ".join(f"{d} (finish {int(expected.at[d, 'finish'])})" for d in deps)
                why = (f"it waits for {ends}, so it starts when the last of "
                       f"{'them' if len(deps) > 1 else 'these'} has finished.")
                if start == 0:
                    why += (" The rows are not in an order of work: schedule a project only "
                            "once everything it depends on has a finish.")
            return f"project {pid} should start at week {good_start}, not {start}: {why}"
        return (f"project {pid} starts at week {start} and lasts {weeks[pid]} weeks, so it "
                f"finishes at week {good_finish}, not {finish}.")
    return ""


def path_mistake(result: object, projects: pd.DataFrame) -> str:
    """One sentence about what is wrong with a learner's critical path, or ``""``."""
    path = plain_path(result)
    if path is None:
        return (f"`critical_path` must return a list of project ids (str), "
                f"not {type(result).__name__}.")
    expected, graph = _reference(projects)
    length = int(expected["finish"].max())
    weeks = expected["weeks"].to_dict()

    def longest(chain: list[str]) -> bool:
        return (bool(chain) and all(p in graph for p in chain)
                and all(graph.has_edge(a, b) for a, b in zip(chain, chain[1:], strict=False))
                and sum(weeks[p] for p in chain) == length)

    if longest(path):
        return ""
    if not path:
        return "the critical path is empty."
    unknown = [p for p in path if p not in graph]
    if unknown:
        return f"the critical path names ids that are not projects: {', '.join(unknown[:5])}."
    if longest(path[::-1]):
        return ("the critical path is listed backwards: give it in order of work, from the "
                "project that starts first to the one that finishes last.")
    for a, b in zip(path, path[1:], strict=False):
        if not graph.has_edge(a, b):
            return (f"in your path {b} comes right after {a}, but {b} does not depend on {a}: "
                    f"a path follows the dependencies.")
    total = sum(weeks[p] for p in path)
    return (f"your path {', '.join(path)} lasts {total} weeks, but the program lasts {length}: "
            f"the critical path is the longest chain; walk back from the project that finishes "
            f"last, each time to the predecessor that finishes last.")


def weeks_mistake(result: object, projects: pd.DataFrame) -> str:
    """One sentence about a wrong program length, or ``""``."""
    length = int(_planning.program_weeks(projects))
    given = plain_int(result)
    if given is None:
        return f"`program_weeks` must return a whole number, not {type(result).__name__}."
    if given == length:
        return ""
    total = int(_planning.schedule(projects)["weeks"].sum())
    if given == total:
        return (f"the program lasts {length} weeks, not {given}: adding up every duration "
                f"ignores that projects run in parallel.")
    return f"the program lasts {length} weeks (the latest finish), not {given}."


def error_mistake(call: Call, ids: list[str], what: str) -> str:
    """Did a call on a broken program raise a ``ValueError`` naming ``ids``? ``""`` if so."""
    if call.ok:
        return f"{what}: `schedule` returned a table instead of raising ValueError."
    if call.error is None or isinstance(call.error, NotImplementedError):
        return f"{what}: {call.problem}"
    if not isinstance(call.error, ValueError):
        return (f"{what}: `schedule` raised {type(call.error).__name__} instead of "
                f"ValueError (`raise ValueError(...)`).")
    message = str(call.error)
    named = [pid for pid in ids if _word(pid, message)]
    need = min(2, len(ids))
    if len(named) < need:
        return (f"{what}: the ValueError's message ({_short(call.error, 80)!r}) should name "
                f"{'the projects on the cycle' if len(ids) > 1 else ids[0]}.")
    return ""


# ---------------------------------------------------------------------------
# Broken programs
# ---------------------------------------------------------------------------


def with_cycle(projects: pd.DataFrame, seed: int = 0) -> tuple[pd.DataFrame, list[str]]:
    """A copy of ``projects`` with one added dependency that closes a cycle.

    Returns the table and the ids of the strongly connected part that now
    forms the cycle (every id on some cycle through the new dependency).
    """
    import random

    graph = _planning.dependency_graph(projects)
    edges = sorted(graph.edges)
    rng = random.Random(f"cycle-{seed}")
    before, after = edges[rng.randrange(len(edges))]  # before -> after; now before waits too
    table = fresh(projects)
    table["depends_on"] = [
        sorted({*deps, after}) if pid == before else deps
        for pid, deps in zip(table["id"], table["depends_on"], strict=True)
    ]
    cyclic = nx.DiGraph(graph)
    cyclic.add_edge(after, before)
    part = next(c for c in nx.strongly_connected_components(cyclic) if before in c)
    return table, sorted(part)


def with_unknown(projects: pd.DataFrame, unknown: str, seed: int = 0) -> pd.DataFrame:
    """A copy of ``projects`` in which one project also depends on the id ``unknown``."""
    import random

    table = fresh(projects)
    target = random.Random(f"unknown-{seed}").randrange(len(table))
    table["depends_on"] = [[*deps, unknown] if i == target else deps
                           for i, deps in enumerate(table["depends_on"])]
    return table


# ---------------------------------------------------------------------------
# Visible checks
# ---------------------------------------------------------------------------


def _called(fn: object, name: str, *args) -> object:
    call = run_learner(fn, name, *args)
    assert call.ok, call.problem
    return call.value


@teaches
def check_schedule(schedule: object, projects: pd.DataFrame,
                   expected: Mapping[str, tuple[int, int]]) -> None:
    """Assert that ``schedule(projects)`` gives the ``expected`` ``{id: (start, finish)}``."""
    result = _called(schedule, "schedule", fresh(projects))
    table, problem = plain_schedule(result)
    assert not problem, problem
    frame = plain_frame(result)
    for column in ("start", "finish"):
        assert pd.api.types.is_integer_dtype(frame[column]), (
            f"the column {column} should hold whole numbers (int), not {frame[column].dtype}."
        )
    assert set(table) == set(expected), (
        f"the schedule should have one row per project, indexed by id: "
        f"{', '.join(sorted(expected))}; it has {', '.join(sorted(table)) or 'none'}."
    )
    mistake = schedule_mistake(result, projects)
    assert not mistake, mistake
    for pid, dates in expected.items():  # the same, written out for the learner to read
        assert table[pid] == tuple(dates), f"project {pid}: expected (start, finish) {dates}."


@teaches
def check_critical_path(critical_path: object, program_weeks: object,
                        projects: pd.DataFrame) -> None:
    """Assert that the learner's critical path and program length are right for ``projects``."""
    mistake = path_mistake(_called(critical_path, "critical_path", fresh(projects)), projects)
    assert not mistake, mistake
    mistake = weeks_mistake(_called(program_weeks, "program_weeks", fresh(projects)), projects)
    assert not mistake, mistake


@teaches
def check_errors(schedule: object, projects: pd.DataFrame) -> None:
    """Assert that ``schedule`` rejects a cycle and an unknown id in ``projects``."""
    broken, ids = with_cycle(projects, seed=0)
    mistake = error_mistake(run_learner(schedule, "schedule", broken, seconds=BROKEN_SECONDS),
                            ids, f"with a cycle through {', '.join(ids)}")
    assert not mistake, mistake
    broken = with_unknown(projects, "X", seed=0)
    mistake = error_mistake(run_learner(schedule, "schedule", broken, seconds=BROKEN_SECONDS),
                            ["X"], "with a dependency on the unknown id X")
    assert not mistake, mistake


@teaches
def check_serves(serves: object, orphan: object, projects: pd.DataFrame,
                 objectives: pd.DataFrame) -> None:
    """Assert the shape of the benefits-map answers: every project mapped, the orphan a project."""
    ids = [str(pid) for pid in projects["id"]]
    goals = {str(gid) for gid in objectives["id"]}
    plain = plain_serves(serves)
    assert plain is not None, (
        f"`serves` must be a dict such as {{'{ids[0]}': 'O1'}}, not {type(serves).__name__}."
    )
    missing = sorted(set(ids) - set(plain))
    assert not missing, f"give an objective (or None) for every project; missing: {missing}."
    unknown = sorted(set(plain) - set(ids))
    assert not unknown, f"these keys are not project ids: {unknown}."
    bad = sorted(pid for pid, goal in plain.items() if goal is not None and goal not in goals)
    assert not bad, (f"use an objective id ({', '.join(sorted(goals))}) or None; check "
                     f"{', '.join(bad)}.")
    name = plain_id(orphan)
    assert name in ids, f"`orphan` must be the id of one project, as a str, not {orphan!r}."


def plain_id(value: object) -> str | None:
    """An id typed by the learner, stripped and upper-cased, or None if it is no str."""
    if not isinstance(value, str):
        return None
    return str.__str__(value).strip().upper()


def plain_serves(serves: object) -> dict[str, str | None] | None:
    """Copy ``serves`` into a plain ``{project: objective or None}`` dict (None if no dict).

    ``None``, ``""``, ``"none"`` and NaN all mean "serves no objective".
    """
    if not isinstance(serves, dict):
        return None
    plain: dict[str, str | None] = {}
    for key, value in dict.items(serves):
        pid = plain_id(key)
        if pid is None:
            continue
        goal = plain_id(value)
        plain[pid] = None if goal in (None, "", "NONE", "-", "NAN") else goal
    return plain


# ---------------------------------------------------------------------------
# Hidden (graded) checks: each returns the points earned
# ---------------------------------------------------------------------------


def graded(score: Callable[..., int]) -> Callable[..., int]:
    """Make a ``score_*`` function safe for a graded cell.

    nbgrader gives 0 points to a cell that writes to stderr or raises, so
    warnings are silenced, stderr is kept out of the cell and an unexpected
    error (in the checks themselves) costs the learner nothing it should not:
    the cell then prints why and gives 0.
    """

    @functools.wraps(score)
    def safe(*args, **kwargs) -> int:
        try:
            with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
                warnings.simplefilter("ignore")
                points = score(*args, **kwargs)
                return points if isinstance(points, Score) else int(points)
        except Exception as error:  # never let a graded cell fail with a traceback
            print(f"This part could not be checked ({type(error).__name__}: {_short(error)}); "
                  f"ask your teacher to look at it.")
            return 0

    return safe


def hidden_programs(seeds: Mapping[int, int]) -> list[pd.DataFrame]:
    """Random programs ``{seed: number of projects}`` for the graded tests.

    Each has two different longest chains where it can (``ties=True``), so a
    "critical path" that lists every zero-float project is not accepted,
    while any one longest chain is.
    """
    return [random_program(n, seed=seed, ties=True) for seed, n in seeds.items()]


@graded
def score_schedule(schedule: object, programs: list[pd.DataFrame]) -> int:
    """One point for each program whose schedule is entirely right."""
    points = 0
    for number, program in enumerate(programs, start=1):
        call = run_learner(schedule, "schedule", fresh(program))
        mistake = call.problem or schedule_mistake(call.value, program)
        if mistake:
            print(f"Program {number} ({len(program)} projects): {mistake}")
        else:
            points += 1
    print(f"schedule: {points} of {len(programs)} random programs right.")
    return points


@graded
def score_critical_path(critical_path: object, program_weeks: object,
                        programs: list[pd.DataFrame]) -> int:
    """Per program: one point for its critical path and one for its length."""
    points = 0
    for number, program in enumerate(programs, start=1):
        for fn, name, diagnose in ((critical_path, "critical_path", path_mistake),
                                   (program_weeks, "program_weeks", weeks_mistake)):
            call = run_learner(fn, name, fresh(program))
            mistake = call.problem or diagnose(call.value, program)
            if mistake:
                print(f"Program {number} ({len(program)} projects), {name}: {mistake}")
            else:
                points += 1
    print(f"critical_path and program_weeks: {points} of {2 * len(programs)} answers right.")
    return points


@graded
def score_errors(schedule: object, cycles: list[pd.DataFrame], unknown: list[str]) -> int:
    """One point for each broken program that ``schedule`` rejects with a helpful ValueError.

    ``cycles`` are programs to close a cycle in; ``unknown`` holds one unknown
    id for each of them, added as a dependency of another copy.
    """
    points = 0
    cases = []
    for number, program in enumerate(cycles, start=1):
        table, ids = with_cycle(program, seed=number)
        cases.append((table, ids, f"Random program {number} with a cycle through {', '.join(ids)}"))
    for number, (program, pid) in enumerate(zip(cycles, unknown, strict=True), start=1):
        table = with_unknown(program, pid, seed=number)
        cases.append((table, [pid], f"Random program {number} with a dependency on unknown "
                                    f"id {pid}"))
    for table, ids, what in cases:
        call = run_learner(schedule, "schedule", table, seconds=BROKEN_SECONDS)
        mistake = error_mistake(call, ids, what)
        if mistake:
            print(mistake)
        else:
            points += 1
    print(f"Broken programs: {points} of {len(cases)} rejected with a helpful ValueError.")
    return points


@graded
def score_serves(serves: object, orphan: object,
                 key: Mapping[str, tuple[str | None, str]],
                 orphan_key: tuple[str, str], orphan_points: int = 2) -> int:
    """One point per project mapped to the right objective, ``orphan_points`` for the orphan.

    ``key`` maps each project to ``(objective or None, one-sentence reason)``;
    only the reasons of the learner's own mistakes are printed.
    """
    points = 0
    plain = plain_serves(serves)
    if plain is None:
        print("`serves` is not a dict, so no project could be marked.")
        plain = {}
    records = list(score_key(plain, key, none_is_an_answer=True).records)
    points = sum(int(record.points) for record in records)
    name, why = orphan_key
    given = plain_id(orphan)
    if given == name:
        points += orphan_points
        records.append(Record("orphan", given, "right", orphan_points, orphan_points, why))
    else:
        print(mistake("orphan", given, why))
        records.append(Record("orphan", given, "wrong" if given else "blank", 0, orphan_points,
                              why))
    print(f"Benefits map: {points} of {len(key) + orphan_points} points.")
    return Score(points, records)
