"""Data and checks for the exercises on roles, RACI tables and benefit chains.

Used by the assignments ``who-decides``, ``benefits-map`` and ``capstone``.
As in ``course.checks``, nothing the learner hands in is trusted: answers are
copied into plain ``dict`` and ``str`` values before they are compared, and
answer keys live in the graded test cells, never here.

* ``check_*`` functions raise an ``AssertionError`` whose message teaches what
  to fix; the visible tests call them, and learners may call them too.
* ``score_*`` functions never raise: they print one sentence for each mistake
  and return the points earned (nbgrader's partial credit).
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Iterable, Mapping
from importlib import resources

import pandas as pd

from .checks import _sample, check_format, normalise_label
from .feedback import Score, accepted, mistake, reveal_answers, score_key, teaches

#: The roles a learner may name, in their normalised spelling.
ROLES = (
    "project manager",
    "program manager",
    "product manager",
    "product owner",
    "scrum master",
    "sponsor",
    "change manager",
)

#: The letters of a RACI table.
RACI = ("R", "A", "C", "I")

#: The links of MSP's benefit chain that a learner labels (objectives come last).
LAYERS = ("output", "capability", "outcome", "benefit")

_ROLE_SPELLINGS = {
    "program sponsor": "sponsor",
    "business change manager": "change manager",
}


# --------------------------------------------------------------------------- data


def _read_csv(name: str) -> pd.DataFrame:
    with resources.files("course").joinpath("data", name).open(encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=str, keep_default_na=False)


def situations() -> pd.DataFrame:
    """The decisions of the ``who-decides`` exercise, indexed by id."""
    return _read_csv("who_decides_situations.csv").set_index("id")


def raci_activities() -> pd.DataFrame:
    """The program activities whose RACI table the learner completes, indexed by id."""
    return _read_csv("who_decides_raci.csv").set_index("id")


def capstone_decisions() -> pd.DataFrame:
    """The decisions of the capstone's first part, indexed by id."""
    return _read_csv("capstone_decisions.csv").set_index("id")


def chain_items() -> pd.DataFrame:
    """The items to label as output, capability, outcome or benefit, indexed by id."""
    return _read_csv("benefit_chain_items.csv").set_index("id")


def online_services() -> dict[str, pd.DataFrame]:
    """The council's online-services program: ``projects``, ``benefits`` and ``objectives``.

    Each table is indexed by id.  The tables say what each project hands over
    and what each benefit measures, but not how they link: drawing the links
    is the exercise.
    """
    return {
        part: _read_csv(f"online_services_{part}.csv").set_index("id")
        for part in ("projects", "benefits", "objectives")
    }


def empty_raci(activities: Iterable[str], roles: Iterable[str] = ROLES) -> pd.DataFrame:
    """A RACI table to fill in: one row per activity, one column per role, all cells ``""``."""
    activities, roles = list(activities), list(roles)
    return pd.DataFrame("", index=pd.Index(activities, name="activity"), columns=roles)


# --------------------------------------------------------------------------- roles


def normalise_role(value: object) -> str | None:
    """A role name in its plain spelling, or ``None`` if ``value`` is not a string.

    Case, spaces, hyphens and underscores do not matter, and the British
    spelling is accepted: ``" Program-Manager"``, ``"program_manager"`` and
    ``"programme manager"`` all give ``"program manager"``.
    """
    label = normalise_label(value)
    if label is None:
        return None
    label = " ".join(label.replace("-", " ").replace("_", " ").split())
    return _ROLE_SPELLINGS.get(label, label)


def plain_roles(answers: object) -> dict[str, str | None] | None:
    """Copy ``{id: role}`` answers into a plain dict with normalised roles (``None`` if no dict)."""
    if not isinstance(answers, dict):
        return None
    plain: dict[str, str | None] = {}
    for key, value in dict.items(answers):
        if isinstance(key, str):
            plain[str.__str__(key).strip().upper()] = normalise_role(value)
    return plain


@teaches
def check_roles(answers: object, ids: Iterable[str], roles: Iterable[str] = ROLES) -> None:
    """Assert that ``answers`` maps every id in ``ids`` to one of ``roles``."""
    plain = plain_roles(answers)
    check_format(answers if plain is None else plain, ids, labels=roles)


#: Why a role does not fit, shown for a wrong role instead of naming the right one.
ROLE_HINTS = {
    "project manager": "The project manager runs one project's delivery within its agreed "
                       "limits: does this decision stay inside one project?",
    "program manager": "The program manager coordinates the projects of a program and "
                       "recommends to the sponsor: is this about coordinating across projects?",
    "product manager": "The product manager decides what the product should become for its "
                       "market, and why: is this that long-range choice?",
    "product owner": "The product owner orders one team's backlog for value: is this about "
                     "what that team builds next?",
    "scrum master": "The scrum master helps the team work well with Scrum and removes "
                    "impediments: is this about how the team works rather than what it builds?",
    "sponsor": "The sponsor owns the business case and takes the decisions beyond the "
               "program's authority: does this need that authority?",
    "change manager": "The change manager prepares the people affected to adopt the new way "
                      "of working: is this about adoption?",
}


def score_roles(answers: object, key: Mapping[str, tuple[str, str]]) -> Score:
    """One point per decision given to the right role; explains each mistake.

    ``key`` maps an id to ``(role, one-sentence explanation)``; ``role`` may
    be a tuple of roles when the decision has more than one defensible answer.
    What is said of a mistake follows the feedback policy (``course.feedback``).
    """
    plain = plain_roles(answers)
    if plain is None:
        print("The answers are not a dict, so no decision could be marked.")
        return Score(0)
    return score_key(plain, key, hints=ROLE_HINTS, article="the",
                     summary="{correct} of {total} decisions given to the right role.")


# --------------------------------------------------------------------------- RACI


def _letters(value: object) -> frozenset[str] | None:
    """The RACI letters in one cell: ``"A/R"`` gives ``{"A", "R"}``; ``None`` if unreadable.

    An empty cell (``""``, ``None`` or ``NaN``) gives no letter.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return frozenset()
    if not isinstance(value, str):
        return None
    text = str.__str__(value).upper()
    for separator in "/,;+& ":
        text = text.replace(separator, "")
    letters = frozenset(text)
    return letters if letters <= set(RACI) else None


def plain_raci(table: object) -> dict[str, dict[str, object]] | None:
    """Copy a RACI table into ``{activity: {role: cell}}`` with normalised role names.

    ``table`` may be a pandas ``DataFrame`` (rows are activities, columns are
    roles) or a dict of dicts ``{activity: {role: letters}}``.  Activity ids
    are stripped and upper-cased.  Returns ``None`` for anything else.
    """
    if isinstance(table, pd.DataFrame):
        table = pd.DataFrame.to_dict(table, orient="index")
    if not isinstance(table, dict):
        return None
    plain: dict[str, dict[str, object]] = {}
    for activity, row in dict.items(table):
        name = str.__str__(activity).strip().upper() if isinstance(activity, str) else activity
        if isinstance(row, pd.Series):
            row = pd.Series.to_dict(row)
        if not isinstance(row, dict):
            plain[name] = None
            continue
        plain[name] = {
            normalise_role(role) if isinstance(role, str) else role: cell
            for role, cell in dict.items(row)
        }
    return plain


def raci_problems(table: object, activities: Iterable[str], roles: Iterable[str] = ROLES
                  ) -> dict[str, str]:
    """What breaks the RACI rules, as ``{activity: problem}`` (``{"": problem}`` for the table).

    The rules: every activity has a row; cells hold only the letters R, A, C
    and I (``""`` for none, ``"A/R"`` when the accountable role also does the
    work); columns are known roles; each row has **exactly one** Accountable
    and **at least one** Responsible.
    """
    activities, roles = [str(a) for a in activities], tuple(roles)
    plain = plain_raci(table)
    if plain is None:
        return {"": (f"the RACI table must be a DataFrame or a dict of dicts, "
                     f"not {type(table).__name__}")}
    problems: dict[str, str] = {}
    missing = [a for a in activities if a not in plain]
    if missing:
        problems[""] = f"give a row for every activity; missing: {_sample(missing)}"
    unknown = [str(a) for a in plain if a not in activities]
    if unknown:
        problems[""] = f"these rows are not activities of this exercise: {_sample(unknown)}"
    for activity in activities:
        row = plain.get(activity)
        if activity not in plain:
            continue
        if row is None:
            problems[activity] = "the row must map roles to letters"
            continue
        strangers = sorted(str(r) for r in row if r not in roles)
        if strangers:
            problems[activity] = (f"{', '.join(strangers)} is not one of the roles "
                                  f"({', '.join(roles)})")
            continue
        cells = {role: _letters(cell) for role, cell in row.items()}
        bad = sorted(role for role, letters in cells.items() if letters is None)
        if bad:
            problems[activity] = (f"the cell of {', '.join(bad)} must hold only R, A, C or I "
                                  f"(or be empty)")
            continue
        accountable = sorted(role for role, letters in cells.items() if "A" in letters)
        responsible = [role for role, letters in cells.items() if "R" in letters]
        if not accountable:
            problems[activity] = ("nobody is Accountable: one role must own the outcome and "
                                  "answer for it")
        elif len(accountable) > 1:
            problems[activity] = (f"{len(accountable)} roles are Accountable "
                                  f"({', '.join(accountable)}): when several own a decision, "
                                  f"nobody does, so keep exactly one A")
        elif not responsible:
            problems[activity] = ("nobody is Responsible: mark with R the role or roles that "
                                  "do the work (the Accountable one may also be R, as 'A/R')")
    return problems


@teaches
def check_raci(table: object, activities: Iterable[str], roles: Iterable[str] = ROLES) -> None:
    """Assert that a RACI table follows the rules; the message lists every broken row.

    Rows are activities and columns are roles; each row needs exactly one
    ``"A"`` (Accountable) and at least one ``"R"`` (Responsible).  A role may
    hold two letters, such as ``"A/R"``.

    >>> table = empty_raci(["T1"], ["sponsor", "program manager"])
    >>> table.loc["T1"] = ["A", "R"]
    >>> check_raci(table, ["T1"])
    """
    problems = raci_problems(table, activities, roles)
    assert not problems, "Fix the RACI table:\n" + "\n".join(
        f"- {activity + ': ' if activity else ''}{problem}."
        for activity, problem in problems.items()
    )


def accountable(table: object) -> dict[str, str | None]:
    """The one Accountable role of each row, or ``None`` when a row has none or several."""
    plain = plain_raci(table) or {}
    found: dict[str, str | None] = {}
    for activity, row in plain.items():
        if not isinstance(activity, str):
            continue
        holders = [
            role for role, cell in (row or {}).items()
            if isinstance(role, str) and "A" in (_letters(cell) or ())
        ]
        found[activity] = holders[0] if len(holders) == 1 else None
    return found


def score_accountable(table: object, key: Mapping[str, tuple[str, str]]) -> int:
    """One point per activity whose single Accountable is the key's role; explains each miss.

    ``key`` maps an activity id to ``(role, one-sentence explanation)``;
    ``role`` may be a tuple of defensible roles.  A row with two or more A's
    earns nothing, whichever roles they are.
    """
    plain = plain_raci(table)
    if plain is None:
        print("The RACI table is not a DataFrame or a dict, so no row could be marked.")
        return 0
    chosen = accountable(table)
    correct = 0
    for activity, (role, why) in key.items():
        row = plain.get(activity) or {}
        holders = [r for r, cell in row.items() if "A" in (_letters(cell) or ())]
        if chosen.get(activity) is not None and chosen.get(activity) in accepted(role):
            correct += 1
        elif activity not in plain:
            print(f"{activity}: the row is missing." + (f" {why}" if reveal_answers() else ""))
        elif len(holders) > 1:
            print(f"{activity}: {len(holders)} roles are Accountable; only one can be."
                  + (f" {why}" if reveal_answers() else ""))
        elif not holders:
            print(f"{activity}: nobody is Accountable." + (f" {why}" if reveal_answers() else ""))
        else:
            print(mistake(activity, holders[0], why, ROLE_HINTS.get(holders[0], ""),
                          article="the"))
    print(f"{correct} of {len(key)} activities have the right Accountable role.")
    return correct


# --------------------------------------------------------------------------- benefit chains


def _plain_id(value: object) -> str | None:
    """An id as a stripped, upper-case plain ``str``; ``None`` for ``None`` or a non-string."""
    if not isinstance(value, str):
        return None
    text = str.__str__(value).strip().upper()
    return text or None


def _link(value: object) -> str | None:
    """One link target: ``None`` stays ``None``, a string is stripped and upper-cased.

    An empty string means no answer and stays ``""``; anything else becomes a
    text such as ``"<int>"``, which is no id.
    """
    if value is None:
        return None
    if isinstance(value, str):
        return str.__str__(value).strip().upper()
    return f"<{type(value).__name__}>"


def plain_links(links: object) -> dict[str, str | None] | None:
    """Copy ``{id: id or None}`` links into a plain dict of upper-case ids (``None`` if no dict)."""
    if not isinstance(links, dict):
        return None
    plain: dict[str, str | None] = {}
    for key, value in dict.items(links):
        if isinstance(key, str):
            plain[str.__str__(key).strip().upper()] = _link(value)
    return plain


@teaches
def check_links(links: object, sources: Iterable[str], targets: Iterable[str], *,
                name: str, allow_none: bool = False) -> None:
    """Assert that ``links`` maps every source id to one target id (or ``None`` if allowed).

    ``name`` is the variable's name, used in the messages.
    """
    sources, targets = [str(s) for s in sources], [str(t) for t in targets]
    plain = plain_links(links)
    example = f"{{'{sources[0]}': '{targets[0]}', ...}}"
    assert plain is not None, (
        f"`{name}` must be a dict such as {example}, not {type(links).__name__}."
    )
    missing = [s for s in sources if s not in plain]
    assert not missing, f"`{name}` needs an entry for every id; missing: {_sample(missing)}."
    unknown = [s for s in plain if s not in sources]
    assert not unknown, f"`{name}` has ids that are not in the table: {_sample(unknown)}."
    allowed = set(targets) | ({None} if allow_none else set())
    bad = [s for s, t in plain.items() if t not in allowed]
    choices = ", ".join(targets) + (", or None" if allow_none else "")
    assert not bad, f"In `{name}`, link each id to one of {choices}; check {_sample(bad)}."


def score_links(links: object, key: Mapping[str, tuple[str | None, str]], *, noun: str) -> int:
    """One point per source linked to the key's target; explains each wrong link.

    ``key`` maps a source id to ``(target id or None, one-sentence explanation)``;
    the target may be a tuple of ids when two links are defensible (many-to-many
    chains).  ``noun`` names the sources in the summary line (``"projects"``).
    """
    plain = plain_links(links)
    if plain is None:
        print(f"The links of the {noun} are not a dict, so none could be marked.")
        return 0
    return score_key(plain, key, none_is_an_answer=True,
                     summary="{correct} of {total} " + noun + " linked correctly.")


def random_register(projects: pd.DataFrame, seed: int) -> pd.DataFrame:
    """A random benefits register for ``projects`` that leaves one to three of them orphans.

    Columns ``id``, ``benefit``, ``objective`` and ``projects``; the same
    ``projects`` and ``seed`` always give the same register.  Which projects
    are the orphans is left for the caller to work out.
    """
    rng = random.Random(f"triad-register-{seed}")
    ids = [str(pid) for pid in projects["id"]]
    rng.shuffle(ids)
    n_orphans = rng.randint(1, min(3, max(1, len(ids) - 1)))
    serving = ids[n_orphans:]
    n_benefits = rng.randint(2, 4)
    rows = []
    for i in range(1, n_benefits + 1):
        chosen = sorted(rng.sample(serving, rng.randint(1, len(serving))))
        rows.append((f"B{i}", f"Benefit {i}", f"O{rng.randint(1, 2)}", chosen))
    listed = {pid for _, _, _, chosen in rows for pid in chosen}
    for pid in serving:  # every serving project appears at least once
        if pid not in listed:
            rows[rng.randrange(len(rows))][3].append(pid)
    for row in rows:
        row[3].sort()
    return pd.DataFrame(rows, columns=["id", "benefit", "objective", "projects"])


def _plain_ids(value: object) -> list[str] | None:
    """A learner's list (or set, tuple) of ids as sorted plain strings, ``None`` if unreadable."""
    if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
        return None
    items = list.__iter__(list(value)) if isinstance(value, list) else iter(value)
    ids = [_plain_id(item) for item in items]
    if any(item is None for item in ids):
        return None
    return sorted(set(ids))


def score_orphan_finder(
    finder: object,
    cases: Iterable[tuple[str, pd.DataFrame, pd.DataFrame, list[str]]],
) -> int:
    """Run a learner's ``finder(projects, register)`` on each case; one point per right answer.

    ``cases`` are ``(description, projects, register, expected orphan ids)``.
    Each call gets fresh copies; an exception or an answer that is not a list
    of ids earns nothing for that case and is explained in one sentence.
    """
    if not callable(finder):
        print("`find_orphans` is not a function, so it could not be tried.")
        return 0
    correct = total = 0
    for description, projects, register, expected in cases:
        total += 1
        expected = sorted(str(pid) for pid in expected)
        try:
            answer = finder(projects.copy(deep=True), register.copy(deep=True))
        except Exception as error:  # any failure of the learner's code costs this case only
            print(f"On {description}, find_orphans raised {type(error).__name__}: {error}")
            continue
        given = _plain_ids(answer)
        if given is None:
            print(f"On {description}, find_orphans returned {type(answer).__name__}, "
                  f"not a list of project ids.")
        elif given == expected:
            correct += 1
        else:
            extra = sorted(set(given) - set(expected))
            lost = sorted(set(expected) - set(given))
            parts = []
            if extra:
                parts.append(f"{', '.join(extra)} contribute(s) to a benefit")
            if lost:
                parts.append(f"{len(lost)} orphan(s) were missed")
            print(f"On {description}, the answer is wrong: {'; '.join(parts)}.")
    print(f"find_orphans was right on {correct} of {total} programs.")
    return correct


def score_number(value: object, expected: float, *, name: str, why: str,
                 tolerance: float = 0.005) -> int:
    """1 if ``value`` is a number within ``tolerance`` of ``expected``, else 0 with a reason."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        print(f"`{name}` is not a number. {why}")
        return 0
    value = float(value)
    if math.isfinite(value) and abs(value - expected) <= tolerance:
        return 1
    print(f"`{name}` is {value:.3g}, which is not right." + (f" {why}" if reveal_answers() else ""))
    return 0


def score_id_list(value: object, expected: list[str], *, name: str, why: str,
                  ordered: bool = True) -> int:
    """1 if ``value`` is a list of the ``expected`` ids (in order if ``ordered``), else 0."""
    if isinstance(value, str) or not isinstance(value, list | tuple):
        print(f"`{name}` is not a list of ids. {why}")
        return 0
    given = [_plain_id(item) for item in list(value)]
    right = given == expected if ordered else sorted(given, key=str) == sorted(expected)
    if right:
        return 1
    print(f"`{name}` is not right." + (f" {why}" if reveal_answers() else ""))
    return 0
