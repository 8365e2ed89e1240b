"""A learner's folder, read and copied without ever following a symbolic link.

A submission is the learner's to shape, and the grader reads it with the
instructor's rights: a symbolic link in it to ``source/``, to another learner's
notebook or to the gradebook would be copied, by the instructor, into the
learner's own autograded and feedback folders.  Here every path below the root
is opened one component at a time, relative to its parent's open folder and
with ``O_NOFOLLOW``: a link (to a file or a folder) is never read or descended
into, only reported, even when it replaces a file between listing and reading.
Only regular files are read; FIFOs, sockets and devices are passed over.
"""

from __future__ import annotations

import contextlib
import errno
import fnmatch
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
_FOLDER = os.O_RDONLY | os.O_NOFOLLOW | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)


def ignored(name: str, patterns: Iterable[str] | None) -> bool:
    """Whether ``name`` matches one of nbgrader's ignore globs (``CourseDirectory.ignore``).

    The same match as ``nbgrader.utils.is_ignored`` (a glob in the file's
    folder): case-sensitive, and a pattern matches a name starting with a dot
    only when it starts with a dot itself.
    """
    return any(
        fnmatch.fnmatchcase(name, pattern) and (pattern.startswith(".") or not name.startswith("."))
        for pattern in patterns or ()
    )


def regular_files(
    root: Path | str, ignore: Iterable[str] | None = None, links: list[str] | None = None
) -> Iterator[tuple[str, BinaryIO]]:
    """Each regular file below ``root``: its path relative to ``root`` and the file, open to read.

    Names matching ``ignore`` are left out (a matching folder with all it holds).
    The relative path of every symbolic link met is appended to ``links``; a
    link is neither read nor, when it points to a folder, descended into.  Each
    file is closed when the next one is asked for.
    """
    ignore = list(ignore or ())
    links = links if links is not None else []
    top = os.open(root, _FOLDER & ~os.O_NOFOLLOW)  # the root itself is the caller's choice
    try:
        yield from _walk(top, "", ignore, links)
    finally:
        os.close(top)


def _walk(folder: int, prefix: str, ignore: list[str], links: list[str]):
    with os.scandir(folder) as scan:
        entries = sorted(scan, key=lambda entry: entry.name)
    for entry in entries:
        name, rel = entry.name, prefix + entry.name
        if ignored(name, ignore):
            continue
        try:
            info = os.stat(name, dir_fd=folder, follow_symlinks=False)
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(info.st_mode):
            links.append(rel)
        elif stat.S_ISDIR(info.st_mode):
            child = _open(name, _FOLDER, folder, rel, links)
            if child is not None:
                try:
                    yield from _walk(child, rel + "/", ignore, links)
                finally:
                    os.close(child)
        elif stat.S_ISREG(info.st_mode):
            fd = _open(name, _FILE, folder, rel, links)
            if fd is None:
                continue
            with os.fdopen(fd, "rb") as handle:
                if stat.S_ISREG(os.fstat(fd).st_mode):  # not swapped for a FIFO meanwhile
                    yield rel, handle


def _open(name: str, flags: int, folder: int, rel: str, links: list[str]) -> int | None:
    """Open ``name`` in ``folder``, or ``None`` if it is gone or became a link (reported)."""
    try:
        return os.open(name, flags, dir_fd=folder)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENOTDIR):  # a link now stands there
            links.append(rel)
        elif error.errno != errno.ENOENT:
            raise
        return None


def copy_regular_files(
    src: Path | str,
    dest: Path | str,
    ignore: Iterable[str] | None = None,
    *,
    include: Iterable[str] | None = None,
    max_size: int | None = None,
    exclude: Iterable[str] | None = None,
) -> list[str]:
    """Copy the regular files below ``src`` to the same places below ``dest``; return the links.

    ``dest`` and its folders are made as needed and a file already there is
    replaced; permission bits are copied (as ``shutil.copy`` does).  ``ignore``
    leaves names out as nbgrader's ``CourseDirectory.ignore`` does; ``include``
    (globs) and ``max_size`` (bytes) keep only the files that match one and are
    no larger, as nbgrader's exchange does; ``exclude`` names paths relative to
    ``src`` that are not copied (nbgrader's ``Autograde.exclude_overwriting``).
    Symbolic links are not followed:
    their paths relative to ``src`` are returned, in order.
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    include = list(include) if include is not None else None
    excluded = {os.path.normpath(path).replace(os.sep, "/") for path in exclude or ()}
    links: list[str] = []
    for rel, handle in regular_files(src, ignore, links):
        if rel in excluded:
            continue
        info = os.fstat(handle.fileno())
        name = rel.rsplit("/", 1)[-1]
        if include is not None and not any(fnmatch.fnmatch(name, glob) for glob in include):
            continue
        if max_size is not None and info.st_size > max_size:
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
        with open(target, "xb") as out:
            while chunk := handle.read(1 << 20):
                out.write(chunk)
        os.chmod(target, stat.S_IMODE(info.st_mode) & 0o777)
    return links


def safe_relative(name: object) -> str | None:
    """``name`` as a plain relative path (``a/b.txt``), or ``None`` if it is anything else.

    Anything that could climb out of a folder or name something odd is refused:
    an absolute path, ``..`` or ``.`` components, empty components, NUL bytes,
    backslashes, over-long names.
    """
    if not isinstance(name, str) or not name or len(name) > 1024 or "\0" in name:
        return None
    if name.startswith("/") or "\\" in name:
        return None
    parts = name.split("/")
    if any(part in ("", ".", "..") or len(part.encode(errors="replace")) > 255 for part in parts):
        return None
    return name


def write_regular_file(root: Path | str, rel: str, data: bytes) -> bool:
    """Write ``data`` to ``root/rel`` without ever following a link; return whether it was.

    ``rel`` must pass ``safe_relative``.  Each folder on the way is opened (or
    made) relative to its parent with ``O_NOFOLLOW``; the file replaces a
    regular file of that name, never a link, a folder or anything else.
    """
    rel = safe_relative(rel)
    if rel is None:
        return False
    *folders, name = rel.split("/")
    fd = os.open(root, _FOLDER & ~os.O_NOFOLLOW)
    try:
        for part in folders:
            try:
                child = os.open(part, _FOLDER, dir_fd=fd)
            except FileNotFoundError:
                os.mkdir(part, 0o755, dir_fd=fd)
                child = os.open(part, _FOLDER, dir_fd=fd)
            except OSError:
                return False  # a link or a file stands there
            os.close(fd)
            fd = child
        try:
            info = os.stat(name, dir_fd=fd, follow_symlinks=False)
        except FileNotFoundError:
            info = None
        if info is not None:
            if not stat.S_ISREG(info.st_mode):
                return False
            os.unlink(name, dir_fd=fd)
        out = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                      0o644, dir_fd=fd)
        with os.fdopen(out, "wb") as handle:
            handle.write(data)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def remove_regular_file(root: Path | str, rel: str) -> None:
    """Remove the regular file ``root/rel`` if it is one, never following a link."""
    rel = safe_relative(rel)
    if rel is None:
        return
    *folders, name = rel.split("/")
    fd = os.open(root, _FOLDER & ~os.O_NOFOLLOW)
    try:
        for part in folders:
            child = os.open(part, _FOLDER, dir_fd=fd)
            os.close(fd)
            fd = child
        if stat.S_ISREG(os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode):
            os.unlink(name, dir_fd=fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def skipped_message(links: list[str], shown: int = 10) -> str:
    """``"skipped 2 symbolic links: data.csv, x"``, or ``""`` when there are none."""
    if not links:
        return ""
    names = ", ".join(links[:shown])
    if len(links) > shown:
        names += f" and {len(links) - shown} more"
    noun = "symbolic link" if len(links) == 1 else "symbolic links"
    return f"skipped {len(links)} {noun}: {names}"
