"""The nbgrader configuration of a Triad course root, in one place.

``triad`` builds it in memory; ``write_config_file`` also leaves an
``nbgrader_config.py`` in the course root that loads the same settings, so that
nbgrader's own tools (``nbgrader ...``, the formgrader) agree with ``triad``.
"""

from __future__ import annotations

import os
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from .paths import database_url, sqlite_url

COURSE_ID = "triad"


def configure(c: Config, course_dir: Path | str, db_url: str | None = None) -> Config:
    """Fill ``c`` with the course's nbgrader settings for ``course_dir``."""
    course_dir = Path(course_dir).resolve()
    c.CourseDirectory.root = str(course_dir)
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.db_url = database_url(db_url) if db_url else sqlite_url(course_dir)
    c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"]
    # Collecting takes in only the submissions a learner's own account made.
    c.ExchangeFactory.collect = "autograder.exchange.VettedCollect"
    # A learner's code gets 30 s per cell and its output is capped.
    c.Execute.timeout = 30
    c.Execute.interrupt_on_timeout = True
    c.LimitOutput.max_lines = 200
    c.LimitOutput.max_traceback = 50
    # A test cell a learner deleted is put back from the source version and graded
    # (RestoreMissingCells: nbgrader's OverwriteCells, also when the cells around it are gone).
    c.OverwriteCells.add_missing_cells = True
    c.Autograde.sanitize_preprocessors = [
        "nbgrader.preprocessors.ClearOutput",
        "nbgrader.preprocessors.DeduplicateIds",
        "autograder.repair.DropClearedGradeMetadata",
        "nbgrader.preprocessors.OverwriteKernelspec",
        "autograder.repair.RestoreMissingCells",
        "nbgrader.preprocessors.CheckCellMetadata",
    ]
    c.OverwriteCells.missing_cell_notification = (
        "# This test cell ({cell_id}) was missing from the submission: it was put back.\n"
    )
    # What a late submission costs (nbgrader's LateSubmissionPlugin): "none" or "zero".
    c.LateSubmissionPlugin.penalty_method = os.environ.get("TRIAD_LATE_PENALTY") or "none"
    c.GenerateFeedback.preprocessors = [
        "nbgrader.preprocessors.GetGrades",
        "autograder.preprocessors.RedactHiddenTests",
        "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    ]
    return c


#: nbgrader's own course id, for a course root whose configuration sets none.
NBGRADER_DEFAULT_COURSE = "default_course"


def nbgrader_config(course_dir: Path | str, db_url: str | None = None) -> Config:
    """A fresh nbgrader ``Config`` for ``course_dir``.

    A course root with an ``nbgrader_config.py`` of its own (one that ``triad``
    did not write: an nbgrader course set up by hand) keeps its settings: they
    are read over Triad's, and only the course root and an explicit ``db_url``
    (``--db``) are Triad's.
    """
    config = configure(Config(), course_dir, db_url)
    own = own_config_file(course_dir)
    if own is not None:
        config.CourseDirectory.course_id = ""
        config.merge(PyFileConfigLoader(own.name, path=str(own.parent)).load_config())
        config.CourseDirectory.root = str(Path(course_dir).resolve())
        if db_url:
            config.CourseDirectory.db_url = database_url(db_url)
    return config


def course_id(config: Config) -> str:
    """The course id the gradebook files grades under, as nbgrader would."""
    return config.CourseDirectory.course_id or NBGRADER_DEFAULT_COURSE


CONFIG_FILE = '''\
"""nbgrader settings of this course root; written by `triad`, edit autograder/config.py instead."""
from pathlib import Path

from autograder.config import configure

c = get_config()  # noqa: F821
configure(c, Path(__file__).parent{db})
'''


def own_config_file(course_dir: Path | str) -> Path | None:
    """The course root's own ``nbgrader_config.py``, one ``triad`` did not write, if any."""
    path = Path(course_dir) / "nbgrader_config.py"
    if not path.is_file():
        return None
    try:
        first = path.read_text(encoding="utf-8").splitlines()[:1]
    except (OSError, UnicodeDecodeError):
        return path
    return None if first == CONFIG_FILE.splitlines()[:1] else path


def write_config_file(course_dir: Path | str, db_url: str | None = None) -> Path:
    """Write ``nbgrader_config.py`` into ``course_dir`` and return its path.

    A course's own configuration file is never rewritten.
    """
    path = Path(course_dir) / "nbgrader_config.py"
    if own_config_file(course_dir) is not None:
        return path
    text = CONFIG_FILE.format(db=f", {db_url!r}" if db_url else "")
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return path  # unchanged: a read-only course root can still be read
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.write_text(text, encoding="utf-8")
    except PermissionError:
        if not path.is_file():
            raise
        # Another account's copy (say, root's): triad itself reads its settings from
        # configure(), so only nbgrader's own tools keep the older settings.
    return path


WORKSPACE_CONFIG = '''\
"""nbgrader settings for Validate in this workspace; written by `triad lab`."""
import os
import tempfile

c = get_config()  # noqa: F821
# Validate's kernel talks over local sockets, not TCP: no "TCP without encryption"
# warning, nothing listening on a port. The sockets live in the temporary folder
# (a socket's path must be short), named after the user.
c.KernelManager.transport = "ipc"
c.KernelManager.ip = os.path.join(tempfile.gettempdir(), f"triad-validate-{os.getuid()}")
'''


def write_workspace_config(workspace: Path | str) -> Path:
    """Write the ``nbgrader_config.py`` that Validate reads in a learner's workspace.

    A configuration already there that ``triad lab`` did not write (one pointing
    nbgrader at a hub's exchange, say) is left as it is.
    """
    path = Path(workspace) / "nbgrader_config.py"
    if path.is_file() and not path.read_text(encoding="utf-8").startswith(
            WORKSPACE_CONFIG.splitlines()[0]):
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(WORKSPACE_CONFIG, encoding="utf-8")
    return path
