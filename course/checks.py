"""Checks used by the exercises' test cells.

The functions here never trust the learner's objects: they copy answers into
plain ``dict`` and ``str`` values before comparing, so an object that claims to
be equal to everything earns nothing.  Answer keys are never stored here; the
graded test cells pass them in.

Two kinds of checks exist:

* ``check_*`` functions are used by the visible tests: they raise an
  ``AssertionError`` whose message teaches what is wrong.
* ``score_*`` functions are used by the graded (hidden) tests: they never raise,
  print one sentence for each mistake and return the number of points earned,
  which nbgrader takes as partial credit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from course.feedback import Score, score_key, teaches

CLASSES = ("project", "program", "product")

#: British spellings of the course's labels, mapped to the course's own spelling.
#: The course writes "program" (PMI's spelling); MSP and British English write
#: "programme".  Either earns the same marks, in every label and role.
_SPELLINGS = {"programme": "program", "programmes": "programs"}
_WORD = re.compile(r"[a-z]+")


def normalise_label(value: object) -> str | None:
    """Return ``value`` as a lower-case, stripped plain ``str``, or ``None``.

    Only real strings count: ``"  Program "`` becomes ``"program"``, while a
    number, ``None`` or an object that merely behaves like a string gives ``None``.
    British spellings become the course's: ``"Programme"`` is ``"program"``.

    >>> normalise_label(" Programme "), normalise_label("programme manager")
    ('program', 'program manager')
    """
    if not isinstance(value, str):
        return None
    # str.__str__ on a str subclass returns an exact copy, without the subclass's methods.
    text = " ".join(str.__str__(value).split()).lower()
    return _WORD.sub(lambda word: _SPELLINGS.get(word.group(), word.group()), text)


def plain_answers(answers: object) -> dict[str, str | None] | None:
    """Copy a learner's ``answers`` into a plain ``{id: label}`` dict.

    Returns ``None`` when ``answers`` is not a dict.  Keys are stripped and
    upper-cased (``" r01"`` is ``"R01"``); values go through ``normalise_label``.
    """
    if not isinstance(answers, dict):
        return None
    plain: dict[str, str | None] = {}
    for key, value in dict.items(answers):
        if isinstance(key, str):
            plain[str.__str__(key).strip().upper()] = normalise_label(value)
    return plain


def _sample(items: Iterable[str], limit: int = 5) -> str:
    items = sorted(items)
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


@teaches
def check_format(answers: object, ids: Iterable[str], labels: Iterable[str] = CLASSES) -> None:
    """Assert that ``answers`` maps every id in ``ids`` to one of ``labels``.

    The message says what to fix: a missing id, an unknown id or a label that
    is not one of the allowed words.
    """
    ids = [str(i) for i in ids]
    labels = tuple(labels)
    plain = plain_answers(answers)
    assert plain is not None, (
        f"`answers` must be a dict such as {{'{ids[0]}': '{labels[0]}'}}, "
        f"not {type(answers).__name__}."
    )
    missing = set(ids) - set(plain)
    assert not missing, f"Give a label for every statement; missing: {_sample(missing)}."
    unknown = set(plain) - set(ids)
    assert not unknown, f"These ids are not statements of this exercise: {_sample(unknown)}."
    bad = {key for key, label in plain.items() if label not in labels}
    assert not bad, (
        f"Use only the labels {', '.join(repr(label) for label in labels)}; check {_sample(bad)}."
    )


@teaches
def check_examples(answers: object, examples: Mapping[str, tuple[str, str]]) -> None:
    """Assert the learner's labels for a few worked examples.

    ``examples`` maps an id to ``(label, explanation)``; the explanation is the
    assertion message, so a wrong example teaches why.
    """
    plain = plain_answers(answers) or {}
    for key, (label, why) in examples.items():
        assert plain.get(key) == label, f"{key}: {why}"


#: Why a label does not fit, shown for a wrong label instead of naming the right one.
LABEL_HINTS = {
    "project": "Project work delivers a defined result within an agreed time and budget and "
               "then ends: does this responsibility really end with one delivery?",
    "program": "Program work coordinates several interdependent projects towards shared "
               "benefits: does this responsibility really reach across several projects?",
    "product": "Product work decides what is offered to users or a market, and why, over the "
               "product's whole life: is this responsibility really that decision?",
}

#: Why a layer of the benefit chain does not fit.
LAYER_HINTS = {
    "output": "An output is something a project delivers: is this item delivered?",
    "capability": "A capability is what the organisation can newly do with outputs: is this "
                  "an ability?",
    "outcome": "An outcome is a change in how things are done once a capability is used: is "
               "this such a change?",
    "benefit": "A benefit is a measurable improvement that someone values, tied to an "
               "objective: is this measured as an improvement?",
}


def score_labels(answers: object, key: Mapping[str, tuple[str, str]], hints=None) -> Score:
    """Count the correct labels, say why each wrong one is wrong, return the count.

    ``key`` maps each id to ``(label, one-sentence explanation)``; ``label``
    may be a tuple of labels when an item has more than one defensible answer
    (see ``course.feedback.accepted``).  What is said of a mistake follows the
    feedback policy (``course.feedback``): by default the right label is never
    named.
    """
    plain = plain_answers(answers)
    if plain is None:
        print("`answers` is not a dict, so no statement could be marked.")
        return Score(0)
    return score_key(plain, key, hints={**LABEL_HINTS, **LAYER_HINTS} if hints is None else hints,
                     summary="{correct} of {total} statements labelled correctly.")
