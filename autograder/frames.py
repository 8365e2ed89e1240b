"""Frames: how the grader, the zygote and a notebook's process talk.

A frame is an 8-byte big-endian length followed by that many bytes of UTF-8
JSON.  A reader gives a deadline and a largest size; nothing else is trusted.
"""

from __future__ import annotations

import json
import os
import select
import struct
import time

HEADER = struct.Struct(">Q")
#: A frame larger than this is never accepted from a child (its outputs are capped far below).
MAX_FRAME = 256 << 20


class Timeout(Exception):
    pass


# --- framing -------------------------------------------------------------------------------


def read_exact(fd: int, size: int, deadline: float | None = None) -> bytes:
    """Read ``size`` bytes from ``fd``; ``EOFError`` at the end, ``Timeout`` past ``deadline``."""
    chunks, remaining = [], size
    while remaining:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise Timeout()
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise EOFError()
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, deadline: float | None = None, limit: int = MAX_FRAME) -> dict:
    (size,) = HEADER.unpack(read_exact(fd, HEADER.size, deadline))
    if size > limit:
        raise EOFError(f"frame of {size} bytes")
    return json.loads(read_exact(fd, size, deadline))


def write_frame(fd: int, message: dict) -> None:
    data = json.dumps(message, default=repr).encode("utf-8", "surrogatepass")
    view = memoryview(HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def error_output(ename: str, evalue: str, traceback: list[str] | None = None) -> dict:
    return {
        "output_type": "error",
        "ename": ename,
        "evalue": evalue,
        "traceback": traceback if traceback is not None else [f"{ename}: {evalue}"],
    }
