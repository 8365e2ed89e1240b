"""What graded checks say about a mistake, and the records they return.

**Policy.** By default feedback names the items a learner got wrong and says
why their answer does not fit, without naming the right one, and says nothing
about an item left blank beyond "not answered": a learner can try again
without being handed the key.  After the deadline an instructor releases the
full explanations, right answers included, by grading with
``triad grade --feedback answers`` (a self-paced learner: ``triad check
--answers``).  The grader passes the policy in the ``TRIAD_FEEDBACK``
environment variable; checks read it with ``reveal_answers()``.

**Records.** A ``score_*`` check returns a ``Score``: an ``int`` (the points,
which nbgrader reads as the cell's partial credit) that also carries one
``Record`` per item marked (item, the learner's answer, verdict, points,
explanation).  Feedback, ``triad check`` and reports are views of those
records; nothing needs to read the sentences a check prints.
"""

from __future__ import annotations

import functools
import os
from dataclasses import asdict, dataclass

POLICIES = ("hints", "answers")
ENVIRONMENT = "TRIAD_FEEDBACK"


def policy() -> str:
    """``"hints"`` (the default) or ``"answers"``."""
    chosen = os.environ.get(ENVIRONMENT, "hints")
    return chosen if chosen in POLICIES else "hints"


def reveal_answers() -> bool:
    return policy() == "answers"


@dataclass(frozen=True)
class Record:
    """One item as a check marked it."""

    item: str
    given: object
    verdict: str  # "right", "wrong" or "blank"
    points: float
    max_points: float
    explanation: str = ""  # why the right answer is right (names it)
    hint: str = ""  # why the learner's answer does not fit (never names the right one)
    answer: object = None  # the right answer, for the instructor's report

    def as_dict(self) -> dict:
        data = asdict(self)
        for name in ("given", "answer"):
            if not isinstance(data[name], str | int | float | bool | type(None)):
                data[name] = repr(data[name])
        return data


class Score(int):
    """Points earned, with the ``Record`` of each item behind them (``records``)."""

    records: tuple[Record, ...]

    def __new__(cls, points: int, records=()):
        score = super().__new__(cls, int(points))
        score.records = tuple(records)
        return score

    def __repr__(self) -> str:  # nbgrader reads the points from the cell's result
        return str(int(self))


def mistake(item: str, given: object, explanation: str, hint: str = "", *,
            article: str = "") -> str:
    """The sentence for one item a learner missed, following the feedback policy.

    ``given`` is the learner's answer (falsy when blank); ``article`` goes
    before it ("the" for roles: "not the sponsor").
    """
    if not given:
        return f"{item}: not answered." + (f" {explanation}" if reveal_answers() else "")
    said = f"{article} {given}" if article else str(given)
    if reveal_answers():
        return f"{item}: not {said}. {explanation}"
    return f"{item}: not {said}." + (f" {hint}" if hint else "")


_BLANK = object()


def accepted(expected: object) -> tuple:
    """The answers a key accepts: one answer, or every answer of a tuple, list or set.

    Keys normally hold one answer; an item with two defensible answers holds a
    tuple of them, and its explanation says why each is accepted.
    """
    if isinstance(expected, tuple | list | set | frozenset):
        return tuple(expected)
    return (expected,)


def score_key(answers: dict, key, *, summary: str | None = None, hints=None, article: str = "",
              none_is_an_answer: bool = False) -> Score:
    """One point per item of ``key`` that ``answers`` gets right; the sentence for each miss.

    ``key`` maps an item to ``(right answer, explanation, ...)``; ``answers`` is
    the learner's plain answers.  ``hints`` maps a wrong answer to why it does
    not fit (shown by default instead of the explanation).  ``summary``, if
    given, is printed last, with ``{correct}`` and ``{total}`` filled in.  With
    ``none_is_an_answer``, ``None`` is an answer (a project that serves no
    objective) and only a missing or empty entry is blank.
    """
    hints = hints or {}
    records, correct = [], 0
    for item, entry in key.items():
        right, why = entry[0], entry[1]
        given = answers.get(item, _BLANK)
        blank = given is _BLANK or given == "" or (given is None and not none_is_an_answer)
        if not blank and given in accepted(right):
            correct += 1
            records.append(Record(item, given, "right", 1, 1, why, answer=right))
            continue
        shown = None if blank else ("None" if given is None else given)
        hint = "" if blank else hints.get(given, "")
        print(mistake(item, shown, why, hint, article=article))
        records.append(Record(item, None if blank else given, "blank" if blank else "wrong",
                              0, 1, why, hint, answer=right))
    if summary:
        print(summary.format(correct=correct, total=len(key)))
    return Score(correct, records)



class CheckFailed(AssertionError):
    """A visible check's teaching message; IPython shows the message, not a traceback.

    IPython (so the notebook, and nbgrader's Validate) renders an exception
    with ``_render_traceback_`` by calling it: the learner reads which check
    failed and why, not the course's frames.  It is an ``AssertionError`` and
    is named so in the cell's output.
    """

    def _render_traceback_(self) -> list[str]:
        return ["\x1b[0;31mAssertionError\x1b[0m: " + line if i == 0 else line
                for i, line in enumerate(str(self).splitlines() or [""])]


CheckFailed.__name__ = CheckFailed.__qualname__ = "AssertionError"


def teaches(check):
    """A visible check whose failure shows its message, not a traceback into the course.

    A ``check_*`` function raises ``AssertionError`` with a sentence that
    teaches; through this wrapper it is raised again as ``CheckFailed``,
    which IPython shows as ``AssertionError: <the sentence>`` alone.
    """

    @functools.wraps(check)
    def visible_check(*args, **kwargs):
        try:
            return check(*args, **kwargs)
        except AssertionError as error:
            message = str(error)
        raise CheckFailed(message) from None

    return visible_check
