"""Item analysis for the cohort report: difficulty, discrimination, confusions, mistakes.

Plain functions of plain data, so each can be checked by hand:

* ``point_biserial(correct, rest)``: the correlation between getting one item
  right (1 or 0) and the rest-score (the learner's score without that item).
  Near 0: the item does not tell strong from weak learners; negative: strong
  learners get it "wrong" more often than weak ones, which usually means the
  key, not the learners, is wrong.
* ``first_clause(sentence)``: what a function check's problem sentence says,
  without the program it happened on and its numbers, so that the same
  coding mistake made on different inputs is counted once.
"""

from __future__ import annotations

import math
import re
import statistics

#: A discrimination at or below this flags an item as a likely key problem.
KEY_PROBLEM = -0.2
#: Fewer learners than this and discrimination is not computed.
MIN_LEARNERS = 4

_PREFIX = re.compile(
    r"^(?:Random )?(?:program|report set|case)\s+\d+[^:]*:\s*", re.IGNORECASE)
_TALLY = re.compile(r"^[^:]{0,80}:\s*\d+ of \d+\b|^\d+ of \d+ ")
_CLAUSE_END = re.compile(r"[:;]\s|\.\s|\.$|, (?:so|but|not)\b")
_NUMBER = re.compile(r"(?<![A-Za-z_])-?\d+(?:\.\d+)?")
_ID = re.compile(r"(?<![A-Za-z0-9_`])[A-Z]{1,2}\d{0,2}(?![A-Za-z0-9_`])")


def point_biserial(correct: list[int], rest: list[float]) -> float | None:
    """The point-biserial correlation of ``correct`` (1/0) with ``rest``, or ``None``.

    ``None`` when there are fewer than ``MIN_LEARNERS`` learners or when
    either list does not vary (everyone right, or every rest-score equal).
    """
    if len(correct) != len(rest) or len(correct) < MIN_LEARNERS:
        return None
    right = [r for c, r in zip(correct, rest, strict=True) if c]
    wrong = [r for c, r in zip(correct, rest, strict=True) if not c]
    if not right or not wrong:
        return None
    spread = statistics.pstdev(rest)
    if spread == 0:
        return None
    p = len(right) / len(correct)
    return (statistics.fmean(right) - statistics.fmean(wrong)) / spread * math.sqrt(p * (1 - p))


def is_tally(line: str) -> bool:
    """A check's closing count ("schedule: 3 of 5 random programs right."), not a mistake."""
    return bool(_TALLY.match(line.strip()))


def first_clause(sentence: str) -> str:
    """The mistake a problem sentence names, with its program, ids and numbers masked.

    ``"Program 2 (10 projects): project J should start at week 5, not 4: it waits..."``
    -> ``"project X should start at week N"``.
    """
    text = _PREFIX.sub("", sentence.strip())
    text = _PREFIX.sub("", text)  # "Program 1 (8 projects), critical_path: ..." has one more
    if re.match(r"^`?\w+`?:\s", text) and not text.startswith("`"):
        text = text.split(":", 1)[1].strip()  # "critical_path: the path is empty."
    match = _CLAUSE_END.search(text)
    clause = text[: match.start()] if match else text
    clause = _ID.sub("X", clause)
    clause = _NUMBER.sub("N", clause)
    return " ".join(clause.split()).rstrip(".,")


def problem_lines(text: str) -> list[str]:
    """The sentences a function check printed about mistakes (its tally line left out)."""
    return [line.strip() for line in text.splitlines()
            if line.strip() and not is_tally(line)]
