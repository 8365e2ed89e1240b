"""Planning a program from its component projects: the critical path method.

A program table has one row per project with at least the columns ``id``,
``weeks`` (duration, a whole number of weeks) and ``depends_on`` (the ids that
must finish before the project starts).  See
``course.scenarios.digitisation_program()`` for the worked example.

The critical path method (CPM) works in two passes over the dependency network:

* the **forward pass** goes through the projects in an order of work and gives
  each one its earliest ``start`` (the latest ``finish`` of the projects it
  depends on, or week 0) and earliest ``finish`` (``start + weeks``); the
  largest finish is the program's length;
* the **backward pass** goes the other way and gives each project its
  ``latest_finish`` (the earliest ``latest_start`` of the projects that depend
  on it, or the program's end) and ``latest_start`` (``latest_finish - weeks``).

A project's **float** (or slack) is ``latest_start - start``: how many weeks it
can slip without delaying the program.  Projects with zero float are
**critical**; a chain of them from the first week to the last is a **critical
path**, the longest path through the network.

Weeks are counted from 0: a project with ``start == 6`` begins when week 6 has
ended, i.e. at the start of the seventh week.

>>> from course.scenarios import digitisation_program
>>> program = digitisation_program()
>>> critical_path(program)
['A', 'B', 'C', 'D', 'F', 'G']
>>> program_weeks(program)
46
>>> int(schedule(program).loc["E", "float"])
8
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping

import networkx as nx
import pandas as pd

SCHEDULE_COLUMNS = ["weeks", "start", "finish", "latest_start", "latest_finish", "float",
                    "critical"]


def parse_dependencies(value: object) -> list[str]:
    """Turn one ``depends_on`` cell into a list of ids.

    Accepts a list, tuple or set of ids, a text such as ``"B, C"`` (commas,
    semicolons or spaces separate ids, as in a CSV file), or an empty value
    (``None``, ``NaN``, ``""``, ``"-"``) for no dependency.

    >>> parse_dependencies("B, C")
    ['B', 'C']
    >>> parse_dependencies(None)
    []
    """
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in re.split(r"[,;\s]+", value.strip()) if part and part != "-"]
    if isinstance(value, float) and math.isnan(value):
        return []
    if hasattr(value, "__iter__"):
        return [str(item) for item in value]
    raise ValueError(f"cannot read dependencies from {value!r}: give a list of ids")


def _weeks(pid: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        try:
            value = float(value)  # numpy and pandas scalars
        except (TypeError, ValueError):
            raise ValueError(
                f"project {pid!r}: weeks must be a whole number, not {value!r}"
            ) from None
    if value != value or value < 0 or value != int(value):
        raise ValueError(f"project {pid!r}: weeks must be a whole number >= 0, not {value!r}")
    return int(value)


def _rows(projects: pd.DataFrame) -> list[tuple[str, int, list[str]]]:
    """Read ``(id, weeks, depends_on)`` from a program table, checking columns and ids."""
    if "id" not in projects.columns and projects.index.name == "id":
        projects = projects.reset_index()
    missing = [col for col in ("id", "weeks", "depends_on") if col not in projects.columns]
    if missing:
        raise ValueError(f"the program table needs the column(s) {', '.join(missing)}")
    ids = [str(pid) for pid in projects["id"]]
    duplicates = sorted({pid for pid in ids if ids.count(pid) > 1})
    if duplicates:
        raise ValueError(f"duplicate project id(s): {', '.join(duplicates)}")
    return [
        (pid, _weeks(pid, weeks), parse_dependencies(deps))
        for pid, weeks, deps in zip(ids, projects["weeks"], projects["depends_on"], strict=True)
    ]


def dependency_graph(projects: pd.DataFrame) -> nx.DiGraph:
    """The dependency network of a program as a directed graph.

    Nodes are project ids with a ``weeks`` attribute (and ``name`` when the
    table has that column); an edge ``u -> v`` means *u must finish before v
    starts*.

    Raises ``ValueError`` when the table cannot be planned: a duplicate id, a
    duration that is not a whole number of weeks, a dependency on an id that is
    not in the table (the message names the id), or a dependency cycle (the
    message names the ids on the cycle, e.g. ``"dependency cycle: B -> C -> B"``).

    >>> from course.scenarios import digitisation_program
    >>> graph = dependency_graph(digitisation_program())
    >>> sorted(graph.predecessors("D")), graph.nodes["D"]["weeks"]
    (['B', 'C'], 10)
    """
    rows = _rows(projects)
    graph = nx.DiGraph()
    names = projects["name"].tolist() if "name" in projects.columns else None
    for i, (pid, weeks, _) in enumerate(rows):
        graph.add_node(pid, weeks=weeks, **({"name": names[i]} if names else {}))
    for pid, _, deps in rows:
        for dep in deps:
            if dep not in graph:
                known = ", ".join(sorted(graph))
                raise ValueError(
                    f"project {pid!r} depends on unknown id {dep!r} (known ids: {known})"
                )
            graph.add_edge(dep, pid)
    try:
        cycle = [u for u, _ in nx.find_cycle(graph)]
    except nx.NetworkXNoCycle:
        return graph
    first = cycle.index(min(cycle))  # start the message at the smallest id, for a stable text
    cycle = cycle[first:] + cycle[:first]
    raise ValueError("dependency cycle: " + " -> ".join([*cycle, cycle[0]]))


def _order(graph: nx.DiGraph) -> list[str]:
    """A topological order of the projects; among projects free to go next, the smallest id."""
    return list(nx.lexicographical_topological_sort(graph))


def schedule(projects: pd.DataFrame) -> pd.DataFrame:
    """Earliest and latest dates, float and criticality of every project (CPM).

    Returns a table indexed by ``id``, in an order of work (a topological
    order; when several projects could come next, the smallest id first), with
    ``int`` columns ``weeks``, ``start``, ``finish``, ``latest_start``,
    ``latest_finish``, ``float`` and the ``bool`` column ``critical``
    (``float == 0``).  All dates are in weeks from the program's start.

    >>> from course.scenarios import digitisation_program
    >>> table = schedule(digitisation_program())
    >>> table.loc[["C", "E"], ["start", "finish", "float"]]  # doctest: +NORMALIZE_WHITESPACE
        start  finish  float
    id
    C      18      24      0
    E      18      26      8
    """
    graph = dependency_graph(projects)
    order = _order(graph)
    weeks = nx.get_node_attributes(graph, "weeks")
    start: dict[str, int] = {}
    finish: dict[str, int] = {}
    for pid in order:  # forward pass
        start[pid] = max((finish[dep] for dep in graph.predecessors(pid)), default=0)
        finish[pid] = start[pid] + weeks[pid]
    end = max(finish.values(), default=0)
    latest_start: dict[str, int] = {}
    latest_finish: dict[str, int] = {}
    for pid in reversed(order):  # backward pass
        latest_finish[pid] = min((latest_start[nxt] for nxt in graph.successors(pid)),
                                 default=end)
        latest_start[pid] = latest_finish[pid] - weeks[pid]
    table = pd.DataFrame(
        {
            "weeks": [weeks[pid] for pid in order],
            "start": [start[pid] for pid in order],
            "finish": [finish[pid] for pid in order],
            "latest_start": [latest_start[pid] for pid in order],
            "latest_finish": [latest_finish[pid] for pid in order],
        },
        index=pd.Index(order, name="id", dtype=object),
        dtype="int64",
    )
    table["float"] = table["latest_start"] - table["start"]
    table["critical"] = table["float"] == 0
    return table


def program_weeks(projects: pd.DataFrame) -> int:
    """The program's length in weeks: the latest earliest-finish of its projects.

    An empty program lasts 0 weeks.
    """
    table = schedule(projects)
    return int(table["finish"].max()) if len(table) else 0


def critical_path(projects: pd.DataFrame) -> list[str]:
    """One critical path: the ids of a longest chain of dependent projects, in order.

    Its weeks add up to ``program_weeks(projects)``.  The path is found by
    walking back from the project that finishes last, each time to the
    predecessor that finishes last.  When there is a tie, the smallest id wins,
    so the answer never depends on the row order of the table.  Other chains
    may be just as long: ``schedule(projects)["critical"]`` marks every
    project with zero float.

    >>> from course.scenarios import random_program
    >>> program = random_program(8, seed=3)
    >>> sum(program.set_index("id").loc[critical_path(program), "weeks"]) == program_weeks(program)
    True
    """
    graph = dependency_graph(projects)
    if not len(graph):
        return []
    table = schedule(projects)
    finish = table["finish"].to_dict()

    def last(ids: Iterable[str]) -> str:
        return min(ids, key=lambda pid: (-finish[pid], pid))

    path = [last(graph)]
    while preds := list(graph.predecessors(path[-1])):
        path.append(last(preds))
    return path[::-1]


def add_dependency(projects: pd.DataFrame, before: str, after: str) -> pd.DataFrame:
    """A copy of the program table in which ``after`` also waits for ``before``.

    Use it to model a constraint that is not in the original plan, such as
    two projects sharing one team: ``add_dependency(program, "C", "E")`` makes
    the integration team finish the electronic signature work before it starts
    the data migration.  The input table is left unchanged.

    Raises ``ValueError`` if either id is unknown or if the new dependency
    would close a cycle.

    >>> from course.scenarios import digitisation_program
    >>> shared = add_dependency(digitisation_program(), "C", "E")
    >>> program_weeks(shared), int(schedule(shared).loc["E", "float"])
    (46, 2)
    """
    rows = _rows(projects)
    ids = [pid for pid, _, _ in rows]
    for pid in (before, after):
        if pid not in ids:
            raise ValueError(f"unknown project id {pid!r} (known ids: {', '.join(sorted(ids))})")
    table = projects.copy()
    new_deps = [list(deps) for _, _, deps in rows]
    position = ids.index(after)
    if before not in new_deps[position]:
        new_deps[position].append(before)
    table["depends_on"] = pd.Series(new_deps, index=table.index, dtype=object)
    dependency_graph(table)  # raises if the new edge closes a cycle
    return table


def set_weeks(projects: pd.DataFrame, weeks: Mapping[str, int]) -> pd.DataFrame:
    """A copy of the program table with new durations for some projects.

    ``weeks`` maps ids to their new duration, e.g. ``{"E": 12}``.  Unknown ids
    raise ``ValueError``; the input table is left unchanged.
    """
    table = projects.copy()
    ids = [str(pid) for pid in table["id"]]
    new_weeks = [int(w) for w in table["weeks"]]
    for pid, value in weeks.items():
        if str(pid) not in ids:
            raise ValueError(f"unknown project id {pid!r} (known ids: {', '.join(sorted(ids))})")
        new_weeks[ids.index(str(pid))] = _weeks(str(pid), value)
    table["weeks"] = pd.Series(new_weeks, index=table.index, dtype="int64")
    return table
