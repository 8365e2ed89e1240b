"""What a learner and an instructor read when a notebook hits a time or memory limit.

One place for the sentences, so the cell's error (and so the feedback page),
the outcome of ``triad grade`` and the report all say the same thing.
"""

from __future__ import annotations

from .zygote import NOTEBOOK_TIME_MESSAGE as NOTEBOOK_TIME  # noqa: F401 - one place for it
from .zygote import TIME_MESSAGE as TIME

MEMORY = ("stopped: it needed more than {mib:g} MiB of memory: does a list or a table grow "
          "without end?")
KILLED = ("stopped: the process running it was killed, most likely for using more than "
          "{mib:g} MiB of memory: does a list or a table grow without end?")
#: The error names the sandbox gives a cell it stopped.
TIMEOUT_ERROR = "CellTimeoutError"


def time_message(seconds: float) -> str:
    return TIME.format(seconds=seconds)


def limit_notes(cells, timeout: float, memory: int) -> list[str]:
    """The limits the cells of a run notebook hit, each said once (``memory`` in bytes)."""
    notes: list[str] = []
    mib = memory / (1 << 20)
    for cell in cells:
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            if output.get("output_type") != "error":
                continue
            name, value = output.get("ename"), str(output.get("evalue", ""))
            if name == TIMEOUT_ERROR:
                note = value if value.startswith("stopped") else time_message(timeout)
            elif name == "MemoryError":
                note = MEMORY.format(mib=mib)
            elif name == "DeadKernelError" and "killed" in value:
                note = KILLED.format(mib=mib)
            else:
                continue
            if note not in notes:
                notes.append(note)
    return notes
