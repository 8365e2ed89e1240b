"""The critical path method against hand-computed plans and a brute-force longest path."""

from __future__ import annotations

import doctest
import math

import pandas as pd
import pytest

from course import planning, scenarios
from course.planning import (
    add_dependency,
    critical_path,
    dependency_graph,
    program_weeks,
    schedule,
    set_weeks,
)


def program(rows: list[tuple[str, int, list[str]]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["id", "weeks", "depends_on"])


def test_digitisation_schedule_matches_the_hand_computation():
    table = schedule(scenarios.digitisation_program())
    expected = pd.DataFrame(
        {
            # weeks, start, finish, latest start, latest finish, float
            "A": [6, 0, 6, 0, 6, 0],
            "B": [12, 6, 18, 6, 18, 0],
            "C": [6, 18, 24, 18, 24, 0],
            "D": [10, 24, 34, 24, 34, 0],
            "E": [8, 18, 26, 26, 34, 8],
            "F": [8, 34, 42, 34, 42, 0],
            "G": [4, 42, 46, 42, 46, 0],
        },
        index=["weeks", "start", "finish", "latest_start", "latest_finish", "float"],
    ).T
    assert table.index.tolist() == list("ABCDEFG")
    assert table.index.name == "id"
    assert list(table.columns) == planning.SCHEDULE_COLUMNS
    for column in expected.columns:
        assert table[column].dtype == "int64", column
        assert table[column].tolist() == expected[column].tolist(), column
    assert table["critical"].dtype == bool
    assert table.index[~table["critical"]].tolist() == ["E"]


def test_digitisation_critical_path_is_46_weeks_and_e_has_8_weeks_of_float():
    projects = scenarios.digitisation_program()
    assert critical_path(projects) == ["A", "B", "C", "D", "F", "G"]
    assert program_weeks(projects) == 46
    assert schedule(projects).at["E", "float"] == 8


def test_shared_integration_team_uses_e_float_until_e_slips_too_far():
    base = scenarios.digitisation_program()
    shared = add_dependency(base, "C", "E")
    table = schedule(shared)
    assert (table.at["E", "start"], table.at["E", "finish"], table.at["E", "float"]) == (24, 32, 2)
    assert program_weeks(shared) == 46
    assert critical_path(shared) == ["A", "B", "C", "D", "F", "G"]
    # E can grow by its remaining 2 weeks of float; one more week delays the whole program.
    assert program_weeks(set_weeks(shared, {"E": 10})) == 46
    assert program_weeks(set_weeks(shared, {"E": 11})) == 47
    assert critical_path(set_weeks(shared, {"E": 11})) == ["A", "B", "C", "E", "F", "G"]
    # Without the shared team E has 8 weeks of float.
    assert program_weeks(set_weeks(base, {"E": 16})) == 46
    assert program_weeks(set_weeks(base, {"E": 17})) == 47
    # The other order (E first, then C) pushes the critical project C back: week 54.
    assert program_weeks(add_dependency(base, "E", "C")) == 54


def test_add_dependency_and_set_weeks_leave_the_input_alone():
    base = scenarios.digitisation_program()
    before = base.copy(deep=True)
    shared = add_dependency(base, "C", "E")
    longer = set_weeks(base, {"E": 12})
    pd.testing.assert_frame_equal(base, before)
    assert base.loc[4, "depends_on"] == ["A", "B"]
    assert shared.loc[4, "depends_on"] == ["A", "B", "C"]
    assert longer.loc[4, "weeks"] == 12
    assert add_dependency(base, "B", "D").loc[3, "depends_on"] == ["B", "C"], "no duplicate"


def test_add_dependency_rejects_unknown_ids_and_cycles():
    base = scenarios.digitisation_program()
    with pytest.raises(ValueError, match="unknown project id 'X'"):
        add_dependency(base, "X", "E")
    with pytest.raises(ValueError, match="dependency cycle: A -> B -> C -> D -> F -> G -> A"):
        add_dependency(base, "G", "A")
    with pytest.raises(ValueError, match="unknown project id 'Q'"):
        set_weeks(base, {"Q": 3})


def test_unknown_dependency_is_named():
    projects = program([("A", 3, []), ("B", 2, ["A", "Z"])])
    with pytest.raises(ValueError, match=r"project 'B' depends on unknown id 'Z'"):
        dependency_graph(projects)
    with pytest.raises(ValueError, match="unknown id 'Z'"):
        schedule(projects)


def test_cycle_is_named_from_its_smallest_id():
    projects = program([("A", 1, []), ("D", 1, ["C"]), ("C", 1, ["B"]), ("B", 1, ["A", "D"])])
    with pytest.raises(ValueError) as error:
        dependency_graph(projects)
    assert str(error.value) == "dependency cycle: B -> C -> D -> B"
    with pytest.raises(ValueError, match="dependency cycle: A -> A"):
        critical_path(program([("A", 1, ["A"])]))


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("A", 1, []), ("A", 2, [])], "duplicate project id"),
        ([("A", 1.5, [])], "whole number"),
        ([("A", -1, [])], "whole number"),
        ([("A", "six", [])], "whole number"),
    ],
)
def test_bad_tables_are_refused(rows, message):
    with pytest.raises(ValueError, match=message):
        schedule(program(rows))


def test_missing_column_is_named():
    with pytest.raises(ValueError, match="needs the column.* depends_on"):
        schedule(pd.DataFrame({"id": ["A"], "weeks": [1]}))


def test_dependencies_may_be_written_as_text():
    projects = pd.DataFrame({"id": ["A", "B", "C"], "weeks": [2, 3, 4],
                             "depends_on": [math.nan, "A", "A, B"]})
    assert critical_path(projects) == ["A", "B", "C"]
    assert program_weeks(projects) == 9
    assert planning.parse_dependencies("-") == []
    assert planning.parse_dependencies(("A", "B")) == ["A", "B"]


def test_order_of_work_breaks_ties_by_id():
    projects = program([("C", 1, []), ("B", 5, ["D"]), ("A", 2, []), ("D", 1, [])])
    assert schedule(projects).index.tolist() == ["A", "C", "D", "B"]


def test_ties_between_critical_paths_are_broken_by_id_whatever_the_row_order():
    # Two chains of 5 weeks: A -> C and B -> C; then C -> D and C -> E both end in week 8.
    rows = [("A", 2, []), ("B", 2, []), ("C", 3, ["A", "B"]), ("D", 3, ["C"]), ("E", 3, ["C"])]
    for order in (rows, rows[::-1], rows[2:] + rows[:2]):
        assert critical_path(program(order)) == ["A", "C", "D"]
    assert schedule(program(rows))["critical"].all()


def test_empty_program():
    empty = program([])
    assert program_weeks(empty) == 0
    assert critical_path(empty) == []
    assert schedule(empty).empty


# --- Random programs against a brute-force longest path --------------------------------------


def all_chains(projects: pd.DataFrame) -> list[list[str]]:
    """Every chain of dependent projects from a project with no dependency to one nobody waits for.

    Written without networkx or the planning module, by plain recursion.
    """
    deps = dict(zip(projects["id"], projects["depends_on"], strict=True))
    successors = {pid: [other for other, d in deps.items() if pid in d] for pid in deps}

    def walk(pid: str) -> list[list[str]]:
        if not successors[pid]:
            return [[pid]]
        return [[pid, *rest] for nxt in successors[pid] for rest in walk(nxt)]

    return [chain for pid, d in deps.items() if not d for chain in walk(pid)]


@pytest.mark.parametrize("seed", range(40))
def test_random_programs_agree_with_brute_force(seed):
    projects = scenarios.random_program(2 + seed % 9, seed)
    weeks = dict(zip(projects["id"], projects["weeks"], strict=True))
    chains = all_chains(projects)
    length = {tuple(chain): sum(weeks[p] for p in chain) for chain in chains}
    longest = max(length.values())

    assert program_weeks(projects) == longest
    path = critical_path(projects)
    assert sum(weeks[p] for p in path) == longest
    assert tuple(path) in length, "the critical path is a chain of real dependencies"

    table = schedule(projects)
    for pid in projects["id"]:
        through = max(total for chain, total in length.items() if pid in chain)
        assert table.at[pid, "float"] == longest - through, pid
        assert table.at[pid, "critical"] == (through == longest), pid
        before = max((sum(weeks[p] for p in chain[: chain.index(pid)])
                      for chain in length if pid in chain), default=0)
        assert table.at[pid, "start"] == before, pid
    # The order of work respects every dependency.
    position = {pid: i for i, pid in enumerate(table.index)}
    for pid, deps in zip(projects["id"], projects["depends_on"], strict=True):
        assert all(position[d] < position[pid] for d in deps)


def test_docstring_examples():
    assert doctest.testmod(planning).failed == 0
