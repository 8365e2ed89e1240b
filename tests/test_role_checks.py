"""The checks behind the who-decides, benefits-map and capstone exercises."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from course import role_checks as rc
from course.scenarios import benefits, digitisation_program, random_program

KEY = {
    "S01": ("sponsor", "The sponsor owns the business case."),
    "S02": ("program manager", "Dependencies across projects are the program's."),
    "S03": ("product owner", "The backlog is the product owner's."),
}


class EqualsEverything(str):
    def __eq__(self, other):
        return True

    __hash__ = str.__hash__


# ------------------------------------------------------------------ data


def test_the_exercise_tables_load_with_unique_ids():
    assert list(rc.situations().index) == [f"S{i:02d}" for i in range(1, 17)]
    assert list(rc.raci_activities().index) == ["T1", "T2", "T3", "T4", "T5"]
    assert list(rc.chain_items().index) == [f"I{i:02d}" for i in range(1, 17)]
    assert list(rc.capstone_decisions().index) == [f"Q{i}" for i in range(1, 8)]
    council = rc.online_services()
    assert list(council["projects"].index) == [f"P{i}" for i in range(1, 8)]
    assert list(council["benefits"].index) == [f"B{i}" for i in range(1, 6)]
    assert list(council["objectives"].index) == ["O1", "O2", "O3"]
    for table in [rc.situations(), rc.chain_items(), *council.values()]:
        assert not table.isna().any().any() and (table != "").all().all()


# ------------------------------------------------------------------ roles


@pytest.mark.parametrize("spelling", [
    "program manager", " Program-Manager ", "PROGRAM_MANAGER", "programme manager",
    "program  manager",
])  # fmt: skip
def test_role_spellings_are_normalised(spelling):
    assert rc.normalise_role(spelling) == "program manager"


def test_non_strings_are_no_role():
    assert rc.normalise_role(None) is None and rc.normalise_role(3) is None
    assert rc.plain_roles(["sponsor"]) is None


def test_check_roles_accepts_loose_spellings_and_names_what_is_wrong():
    rc.check_roles({"S01": "Sponsor", "s02": "program-manager", "S03": "product_owner"}, KEY)
    with pytest.raises(AssertionError, match="missing: S03"):
        rc.check_roles({"S01": "sponsor", "S02": "sponsor"}, KEY)
    with pytest.raises(AssertionError, match="Use only the labels.*check S02"):
        rc.check_roles({"S01": "sponsor", "S02": "boss", "S03": "sponsor"}, KEY)
    with pytest.raises(AssertionError, match="must be a dict"):
        rc.check_roles("sponsor", KEY)


def test_score_roles_counts_and_explains_only_mistakes(capsys, monkeypatch):
    monkeypatch.setenv("TRIAD_FEEDBACK", "answers")
    earned = rc.score_roles({"S01": "SPONSOR", "S02": "project manager"}, KEY)
    out = capsys.readouterr().out
    assert earned == 1
    assert "S02: not the project manager. Dependencies" in out
    assert "S03: not answered. The backlog" in out
    assert "S01" not in out and "1 of 3 decisions given to the right role" in out
    assert [r.verdict for r in earned.records] == ["right", "wrong", "blank"]


def test_by_default_a_mistake_gets_a_hint_and_never_the_key(capsys):
    earned = rc.score_roles({"S01": "SPONSOR", "S02": "project manager"}, KEY)
    out = capsys.readouterr().out
    assert earned == 1
    assert f"S02: not the project manager. {rc.ROLE_HINTS['project manager']}" in out
    assert "S03: not answered.\n" in out
    assert "Dependencies" not in out and "The backlog" not in out


def test_score_roles_gives_nothing_to_cheats_and_never_raises(capsys):
    assert rc.score_roles({k: EqualsEverything("x") for k in KEY}, KEY) == 0
    assert rc.score_roles(None, KEY) == 0
    assert "not a dict" in capsys.readouterr().out


# ------------------------------------------------------------------ RACI

ACTIVITIES = ["T1", "T2"]


def good_raci() -> pd.DataFrame:
    table = rc.empty_raci(ACTIVITIES)
    table.loc["T1", ["sponsor", "program manager"]] = ["A", "R"]
    table.loc["T2", ["program manager", "project manager"]] = ["A/R", "c"]
    return table


def test_empty_raci_has_every_role_and_empty_cells():
    table = rc.empty_raci(ACTIVITIES)
    assert list(table.columns) == list(rc.ROLES) and list(table.index) == ACTIVITIES
    assert (table == "").all().all()


@pytest.mark.parametrize("cell, letters", [
    ("A/R", {"A", "R"}), ("ar", {"A", "R"}), (" r ", {"R"}), ("", set()), (None, set()),
    (math.nan, set()), ("X", None), (1, None),
])  # fmt: skip
def test_cells_are_read_as_sets_of_letters(cell, letters):
    found = rc._letters(cell)
    assert (found is None and letters is None) or set(found) == letters


def test_a_good_table_passes_as_dataframe_and_as_dict():
    rc.check_raci(good_raci(), ACTIVITIES)
    rc.check_raci({"t1": {"Sponsor": "A", "program-manager": "R"},
                   "T2": {"program manager": "A/R"}}, ACTIVITIES)
    with_nan = good_raci().replace("", np.nan)
    rc.check_raci(with_nan, ACTIVITIES)


@pytest.mark.parametrize("change, message", [
    ({"T1": {"sponsor": "A", "program manager": "A/R"}},
     "T1: 2 roles are Accountable .program manager, sponsor."),
    ({"T1": {"sponsor": "R"}}, "T1: nobody is Accountable"),
    ({"T1": {"sponsor": "A", "program manager": "C"}}, "T1: nobody is Responsible"),
    ({"T1": {"sponsor": "A", "boss": "R"}}, "T1: boss is not one of the roles"),
    ({"T1": {"sponsor": "A", "program manager": "X"}}, "the cell of program manager"),
    ({"T3": {"sponsor": "A/R"}}, "not activities of this exercise: T3"),
])  # fmt: skip
def test_broken_rows_are_named_with_the_rule_they_break(change, message):
    table = {"T1": {"sponsor": "A", "program manager": "R"}, "T2": {"program manager": "A/R"}}
    table.update(change)
    with pytest.raises(AssertionError, match=message):
        rc.check_raci(table, ACTIVITIES)


def test_missing_rows_and_wrong_types_are_reported():
    with pytest.raises(AssertionError, match="missing: T2"):
        rc.check_raci({"T1": {"sponsor": "A/R"}}, ACTIVITIES)
    with pytest.raises(AssertionError, match="DataFrame or a dict of dicts, not list"):
        rc.check_raci([], ACTIVITIES)


def test_every_problem_is_listed_at_once():
    problems = rc.raci_problems({"T1": {"sponsor": "R"}, "T2": {"sponsor": "A"}}, ACTIVITIES)
    assert set(problems) == {"T1", "T2"}


def test_score_accountable_counts_single_right_accountables(capsys):
    key = {"T1": ("sponsor", "The sponsor owns the case."),
           "T2": ("program manager", "The roadmap is the program's."),
           "T3": ("project manager", "Delivery is the project's.")}
    table = {"T1": {"sponsor": "A", "program manager": "A"},
             "T2": {"Program_Manager": "a/r"}}
    assert rc.score_accountable(table, key) == 1
    out = capsys.readouterr().out
    assert "T1: 2 roles are Accountable" in out and "T3: the row is missing" in out
    assert "T2:" not in out
    assert "1 of 3 activities have the right Accountable role" in out
    assert rc.score_accountable(good_raci(), {k: key[k] for k in ACTIVITIES}) == 2
    assert rc.score_accountable("T1: sponsor", key) == 0


def test_accountable_ignores_rows_with_several_or_no_a():
    assert rc.accountable({"T1": {"sponsor": "A", "program manager": "A"},
                           "T2": {"sponsor": "R"}, "T3": {"sponsor": "A"}}) == {
        "T1": None, "T2": None, "T3": "sponsor"}


# ------------------------------------------------------------------ benefit chains


def orphans(projects: pd.DataFrame, register: pd.DataFrame) -> list[str]:
    """The reference answer, kept here so that learners cannot import it."""
    listed = {pid for ids in register["projects"] for pid in ids}
    return sorted(pid for pid in projects["id"] if pid not in listed)


def orphan_case(description: str, program: pd.DataFrame, seed: int) -> tuple:
    register = rc.random_register(program, seed)
    return description, program, register, orphans(program, register)

CHAIN_KEY = {"P1": ("B1", "P1 serves take-up."), "P2": (None, "P2 is the orphan.")}


def test_check_links_wants_every_source_linked_to_a_known_target():
    rc.check_links({"P1": "b1", "P2": None}, ["P1", "P2"], ["B1"], name="chain", allow_none=True)
    with pytest.raises(AssertionError, match="link each id to one of B1, or None; check P2"):
        rc.check_links({"P1": "B1", "P2": ""}, ["P1", "P2"], ["B1"], name="chain",
                       allow_none=True)
    with pytest.raises(AssertionError, match="one of O1; check B1"):
        rc.check_links({"B1": None}, ["B1"], ["O1"], name="benefit_objective")
    with pytest.raises(AssertionError, match="missing: P2"):
        rc.check_links({"P1": "B1"}, ["P1", "P2"], ["B1"], name="chain")
    with pytest.raises(AssertionError, match="`chain` must be a dict"):
        rc.check_links([("P1", "B1")], ["P1"], ["B1"], name="chain")


def test_score_links_tells_no_answer_from_none(capsys, monkeypatch):
    monkeypatch.setenv("TRIAD_FEEDBACK", "answers")
    assert rc.score_links({"P1": "B1", "P2": None}, CHAIN_KEY, noun="projects") == 2
    assert rc.score_links({"P1": "", "P2": ""}, CHAIN_KEY, noun="projects") == 0
    out = capsys.readouterr().out
    assert "P2: not answered. P2 is the orphan." in out
    assert rc.score_links({"P1": "B2", "P2": "B1"}, CHAIN_KEY, noun="projects") == 0
    out = capsys.readouterr().out
    assert "P1: not B2" in out and "P2: not B1" in out and "0 of 2 projects" in out
    assert rc.score_links({"P1": 1, "P2": None}, CHAIN_KEY, noun="projects") == 1
    assert rc.score_links(None, CHAIN_KEY, noun="projects") == 0


def test_the_scenario_has_no_orphan_and_a_project_outside_the_register_is_one():
    program = digitisation_program()
    assert orphans(program, benefits()) == []
    extra = pd.concat([program, pd.DataFrame([{"id": "H", "weeks": 3, "depends_on": []}])])
    assert orphans(extra, benefits()) == ["H"]


@pytest.mark.parametrize("n, seed", [(3, 0), (6, 11), (9, 23), (12, 5), (30, 2)])
def test_random_registers_leave_some_orphans_and_are_reproducible(n, seed):
    program = random_program(n, seed=seed)
    register = rc.random_register(program, seed)
    assert register.equals(rc.random_register(program, seed))
    found = orphans(program, register)
    assert 1 <= len(found) <= 3
    listed = {pid for ids in register["projects"] for pid in ids}
    assert listed | set(found) == set(program["id"])
    assert all(ids == sorted(ids) and ids for ids in register["projects"])


def test_score_orphan_finder_tries_each_case_and_survives_errors(capsys):
    program = random_program(6, seed=1)
    cases = [orphan_case("case one", program, 1), orphan_case("case two", program, 2)]
    assert rc.score_orphan_finder(orphans, cases) == 2

    def broken(projects, register):
        raise KeyError("projects")

    assert rc.score_orphan_finder(broken, cases) == 0
    assert "raised KeyError" in capsys.readouterr().out
    assert rc.score_orphan_finder(lambda p, r: list(p["id"]), cases) == 0
    assert "contribute(s) to a benefit" in capsys.readouterr().out
    assert rc.score_orphan_finder(lambda p, r: "A", cases) == 0
    assert rc.score_orphan_finder("not a function", cases) == 0

    def tampering(projects, register):
        projects["id"] = "Z"
        register["projects"] = [[] for _ in range(len(register))]
        return []

    rc.score_orphan_finder(tampering, cases)
    assert list(program["id"]) == list("ABCDEF")  # each call gets its own copies
    assert rc.score_orphan_finder(orphans, cases) == 2


def test_score_number_and_score_id_list(capsys, monkeypatch):
    monkeypatch.setenv("TRIAD_FEEDBACK", "answers")
    assert rc.score_number(0.94, 0.9356, name="spi", why="EV / PV.") == 1
    assert rc.score_number(np.float64(0.9356), 0.9356, name="spi", why="") == 1
    assert rc.score_number(50, 50, name="weeks", why="", tolerance=0) == 1
    assert rc.score_number(0.96, 0.9356, name="spi", why="EV / PV.") == 0
    assert "`spi` is 0.96, which is not right. EV / PV." in capsys.readouterr().out
    assert rc.score_number("0.94", 0.94, name="spi", why="") == 0
    assert rc.score_number(True, 1, name="spi", why="") == 0
    assert rc.score_number(math.nan, 1, name="spi", why="") == 0
    assert rc.score_id_list(["A", " b"], ["A", "B"], name="path", why="") == 1
    assert rc.score_id_list(["B", "A"], ["A", "B"], name="path", why="") == 0
    assert rc.score_id_list(["B", "A"], ["A", "B"], name="path", why="", ordered=False) == 1
    assert rc.score_id_list("AB", ["A", "B"], name="path", why="order") == 0
    assert rc.score_id_list([EqualsEverything("Z")], ["A"], name="path", why="") == 0


def test_the_examples_in_the_docstrings_hold():
    import doctest

    assert doctest.testmod(rc).failed == 0


def test_british_and_american_spellings_earn_the_same_marks():
    from course.checks import check_format, score_labels

    key = {"R01": ("program", "why"), "R02": ("project", "why")}
    check_format({"R01": "Programme", "R02": "project"}, key)
    assert score_labels({"R01": " PROGRAMME ", "R02": "project"}, key) == 2
    assert score_labels({"R01": "programmes", "R02": "project"}, key) == 1
    assert rc.score_roles({"S01": "Programme-Manager"}, {"S01": ("program manager", "w")}) == 1
    assert rc.normalise_role("business change manager") == "change manager"


def test_a_key_may_accept_several_defensible_answers(capsys, monkeypatch):
    from course.checks import score_labels

    monkeypatch.setenv("TRIAD_FEEDBACK", "answers")
    key = {"P2": (("B2", "B3"), "Either benefit is defensible."), "P7": (None, "Orphan.")}
    assert rc.score_links({"P2": "b3", "P7": None}, key, noun="projects") == 2
    assert rc.score_links({"P2": "B2", "P7": None}, key, noun="projects") == 2
    assert rc.score_links({"P2": "B1", "P7": "B1"}, key, noun="projects") == 0
    assert "P2: not B1. Either benefit is defensible." in capsys.readouterr().out
    roles = {"Q4": (("product manager", "product owner"), "Either, by model.")}
    assert rc.score_roles({"Q4": "product owner"}, roles) == 1
    assert rc.score_roles({"Q4": "sponsor"}, roles) == 0
    assert score_labels({"X": "program"}, {"X": (("program", "product"), "w")}) == 1
    assert score_labels({"X": None}, {"X": ((None, "product"), "w")}) == 0, "no label is no answer"
    table = rc.empty_raci(["T3"])
    table.loc["T3", "program manager"] = "A"
    table.loc["T3", "project manager"] = "R"
    assert rc.score_accountable(table, {"T3": (("project manager", "program manager"), "w")}) == 1
    assert rc.score_accountable(table, {"T3": ("project manager", "w")}) == 0
