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

CLASSES = ("project", "program", "product")

#: British spellings of the course's labels, mapped to the course's own spelling.
#: The course writes "program" (PMI's spelling); MSP and British English write
#: "programme".  Either earns the same marks, in every label and role.
_SPELLINGS = {"programme": "program", "programmes": "programs"}
_WORD = re.compile(r"[a-z]+")


def accepted(expected: object) -> tuple:
    """The answers a key accepts: one label, or every label of a tuple, list or set.

    Keys normally hold one label; an item with two defensible answers holds a
    tuple of them, and its explanation says why each is accepted.
    """
    if isinstance(expected, tuple | list | set | frozenset):
        return tuple(expected)
    return (expected,)


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


def check_examples(answers: object, examples: Mapping[str, tuple[str, str]]) -> None:
    """Assert the learner's labels for a few worked examples.

    ``examples`` maps an id to ``(label, explanation)``; the explanation is the
    assertion message, so a wrong example teaches why.
    """
    plain = plain_answers(answers) or {}
    for key, (label, why) in examples.items():
        assert plain.get(key) == label, f"{key}: {why}"


def score_labels(answers: object, key: Mapping[str, tuple[str, str]]) -> int:
    """Count the correct labels, print why each wrong one is wrong, return the count.

    ``key`` maps each id to ``(label, one-sentence explanation)``; ``label``
    may be a tuple of labels when an item has more than one defensible answer
    (see ``accepted``).  Only the explanations of the learner's own mistakes
    are printed; the correct label of an item is never printed on its own.
    """
    plain = plain_answers(answers)
    if plain is None:
        print("`answers` is not a dict, so no statement could be marked.")
        return 0
    correct = 0
    for item, (label, why) in key.items():
        given = plain.get(item)
        if given is not None and given in accepted(label):
            correct += 1
        elif not given:
            print(f"{item}: no label given. {why}")
        else:
            print(f"{item}: not {given}. {why}")
    print(f"{correct} of {len(key)} statements labelled correctly.")
    return correct
