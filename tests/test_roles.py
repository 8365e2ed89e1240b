"""The scenario's roles table: complete, fresh on each call, consistent with the scenario."""

from __future__ import annotations

from course import roles, scenarios


def test_columns_and_rows_are_complete():
    table = roles.digitisation_roles()
    assert list(table.columns) == roles.ROLE_COLUMNS
    assert table["role"].is_unique
    for column in roles.ROLE_COLUMNS:
        assert all(isinstance(v, str) and v.strip() for v in table[column]), column


def test_every_role_the_curriculum_names_is_there():
    names = " ".join(roles.digitisation_roles()["role"]).lower()
    for role in ("sponsor", "senior responsible owner", "program manager", "project manager",
                 "business change manager", "change manager", "benefit owner", "product manager",
                 "product owner", "scrum master"):
        assert role in names, role


def test_sponsor_is_the_owner_of_the_efficiency_objective():
    table = roles.digitisation_roles()
    sponsor = table.loc[table["role"].str.startswith("Sponsor"), "held_by"].item()
    owner = scenarios.objectives().set_index("id").loc["O1", "owner"]
    assert owner.startswith(sponsor) and "sponsor" in owner


def test_benefit_owners_match_the_benefits_register():
    table = roles.digitisation_roles()
    listed = table.loc[table["role"] == "Benefit owner", "held_by"].item()
    assert {name.strip() for name in listed.split(",")} == set(scenarios.benefits()["owner"])


def test_each_call_builds_a_new_table():
    first = roles.digitisation_roles()
    first.loc[0, "held_by"] = "changed"
    assert roles.digitisation_roles().loc[0, "held_by"] == "Chief Operating Officer"
