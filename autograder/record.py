"""The record of grading runs: every learner's last outcome, and what it was graded from.

``autograded/<assignment>-outcomes.json`` holds one entry per learner that
``triad grade`` has seen: its status (``graded``, ``broken`` or ``unlisted``),
score, message and, for a graded submission, the *fingerprints* of what it was
graded from.  A run that grades some learners (``--student``) or some
notebooks (``--notebook``) updates their entries and keeps the others, so the
export and the report always show everyone's last outcome.

A fingerprint is a digest of everything a notebook's grade depends on: the
learner's notebook, the other files of the submission (its timestamp
included), the assignment's source folder (a key fixed there changes it),
the course's own configuration (a late-penalty method, say), the due date
and the grading settings (executor, limits, feedback policy).  A submission
whose fingerprints are all unchanged has nothing new to grade, and
``triad grade`` leaves it as it is unless told ``--force``.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .files import regular_files


def path(root: Path, assignment: str) -> Path:
    return Path(root) / "autograded" / f"{assignment}-outcomes.json"


def read(root: Path, assignment: str) -> dict[str, dict]:
    """Each learner's last outcome, by id (empty when nothing was graded, or unreadable)."""
    record = path(root, assignment)
    try:
        entries = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {entry["learner"]: entry for entry in entries if isinstance(entry, dict)}


def write(root: Path, assignment: str, entries: list[dict]) -> None:
    """Record ``entries`` (this run's), keeping the last outcome of everyone else.

    All or nothing: a run stopped while writing leaves the previous record.
    """
    merged = read(root, assignment)
    merged.update({entry["learner"]: entry for entry in entries})
    record = path(root, assignment)
    record.parent.mkdir(parents=True, exist_ok=True)
    partial = record.with_name(f".{record.name}.{os.getpid()}")
    try:
        partial.write_text(json.dumps(list(merged.values()), indent=1), encoding="utf-8")
        os.replace(partial, record)
    finally:
        partial.unlink(missing_ok=True)


def digest_folder(folder: Path, ignore: list[str], *, notebooks: bool = False) -> str:
    """A digest of the regular files under ``folder`` (names and contents; links not followed).

    Notebooks (``*.ipynb``) are left out unless ``notebooks``.
    """
    patterns = ignore + ([] if notebooks else ["*.ipynb"])
    try:  # each file is read before the next is opened; the order is the names'
        files = sorted((name, hashlib.sha256(handle.read()).digest())
                       for name, handle in regular_files(folder, patterns))
    except OSError:  # the folder is gone
        files = []
    digest = hashlib.sha256()
    for name, content in files:
        digest.update(name.encode() + b"\0" + content)
    return digest.hexdigest()


def fingerprints(submitted: Path, notebooks: list[str], common: str,
                 ignore: list[str]) -> dict[str, str]:
    """One digest per notebook of a submission: its own bytes, its folder's other files, ``common``.

    ``common`` is what every submission shares (see ``context``); a notebook
    the learner did not hand in gets the digest of its absence.
    """
    rest = digest_folder(submitted, ignore)
    result = {}
    for name in notebooks:
        notebook = submitted / f"{name}.ipynb"
        try:
            own = ("link" if notebook.is_symlink()
                   else hashlib.sha256(notebook.read_bytes()).hexdigest())  # fmt: skip
        except OSError:
            own = "absent"
        result[name] = hashlib.sha256(f"{own}\0{rest}\0{common}".encode()).hexdigest()
    return result


def context(source: Path, config_file: Path, ignore: list[str], **settings) -> str:
    """A digest of what every submission's grade depends on besides the submission itself."""
    try:
        config = config_file.read_bytes()
    except OSError:
        config = b""
    parts = {
        "source": digest_folder(source, ignore, notebooks=True) if source.is_dir() else "",
        "config": hashlib.sha256(config).hexdigest(),
        "grader": _version(),
        **{key: str(value) for key, value in settings.items()},
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def unchanged(entry: dict | None, now: dict[str, str], *folders: Path) -> bool:
    """Whether ``entry`` was graded from exactly ``now`` and its ``folders`` are still there.

    The folders are what grading wrote (the autograded notebooks, the feedback):
    one that was deleted is written again.
    """
    if not entry or entry.get("status") != "graded":
        return False
    before = entry.get("fingerprints") or {}
    if any(before.get(name) != value for name, value in now.items()):
        return False
    return all(folder.is_dir() for folder in folders)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("triad")
    except PackageNotFoundError:
        return "unknown"
