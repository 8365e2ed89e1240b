"""Fast autograding: warm, sandboxed workers instead of one fresh kernel per notebook.

``FastGrader`` does for one submission what ``nbgrader autograde`` followed by
``nbgrader generate_feedback`` do, with nbgrader's own preprocessors in
nbgrader's order, so the scores are nbgrader's.  The one step it does
differently is running the code: nbgrader's ``Execute`` preprocessor starts a
kernel for every notebook, which is nearly all of its time; here a ``Zygote``
(see ``autograder.zygote``) that has already imported what the notebooks import
forks a fresh process per notebook, inside the sandbox of
``autograder.sandbox``.

``grade_many`` runs several grading processes side by side, each with its own
zygote, and keeps them warm for the next assignment of the same course root.
They share the gradebook, and a lock makes their uses of it one at a time, so
that SQLite never sees two writers; each use ends with a commit, so a
submission's grades are written as soon as it is graded.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import copy
import multiprocessing
import os
import re
import shutil
import signal
import sys
import time
import traceback
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path

import nbformat

from . import judgehost
from .files import (
    copy_regular_files,
    ignored,
    regular_files,
    remove_regular_file,
    safe_relative,
    skipped_message,
    write_regular_file,
)
from .judge import Judge, is_test_cell
from .limits import limit_notes
from .runner import MAX_WRITTEN_BYTES, MAX_WRITTEN_FILES
from .sandbox import Limits, SandboxUnavailable, check_bwrap, find_bwrap
from .zygotes import Zygote, ZygoteError, dead_cell, notebook_imports, take_early

__all__ = ["FastGrader", "Settings", "Zygote", "ZygoteError", "dead_cell",
           "grade_many", "notebook_imports", "shutdown"]

# --- one submission, nbgrader's way ----------------------------------------------------------


@dataclass
class Settings:
    """What a grading process needs to know; picklable."""

    root: str
    db_url: str
    assignment: str
    notebooks: list[str]
    sandboxed: bool = True
    limits: Limits = field(default_factory=Limits)
    preload: list[str] = field(default_factory=list)
    feedback: str | None = None  #: ``hints`` or ``answers``; None: each notebook's own policy
    selected: list[str] | None = None  #: the notebooks to grade (``--notebook``); None: all


class SharedGradebook:
    """Stands in for ``nbgrader.api.Gradebook`` in nbgrader's preprocessors: one session for all.

    Opening a ``Gradebook`` builds an engine and checks the schema each time, and
    nbgrader's preprocessors open one per notebook and step; here they all get
    the grading process's one open gradebook.
    """

    shared = None

    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return SharedGradebook.shared

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            SharedGradebook.shared.db.rollback()

    def __getattr__(self, name):
        return getattr(SharedGradebook.shared, name)


def _cache_metadata_schema() -> None:
    """Make nbgrader's cell-metadata checks build their JSON-schema validator once.

    ``jsonschema.validate`` checks the schema itself and builds a validator on
    every call, and nbgrader calls it for every cell, twice per notebook; this
    does the same validation with one validator per schema.
    """
    import json
    import types

    import jsonschema
    from nbgrader.nbgraderformat import common

    cache: dict[str, object] = {}

    def validate(instance, schema, cls=None, *args, **kwargs):
        key = json.dumps(schema, sort_keys=True)
        validator = cache.get(key)
        if validator is None:
            cls = cls or jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            validator = cache[key] = cls(schema, *args, **kwargs)
        error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
        if error is not None:
            raise error

    common.jsonschema = types.SimpleNamespace(validate=validate)


_IMG_WITHOUT_ALT = re.compile(r"<img(?![^>]*\salt=)")
_FOCUSABLE = re.compile(
    r'(<div\b[^>]*\bclass="[^"]*(?<![\w-])(?:jp-Cell-inputWrapper|jp-OutputArea-output)(?![\w-])'
    r'[^"]*")'
)


def _accessible(html: str) -> str:
    """What ``HTMLExporter`` does to every page with BeautifulSoup, done on the text.

    Images get a text alternative, cell inputs and outputs become focusable.
    Parsing and re-serialising a whole feedback page is most of the time it takes
    to write one; these two edits need neither.
    """
    html = _IMG_WITHOUT_ALT.sub('<img alt="No description has been provided for this image"', html)
    return _FOCUSABLE.sub(r'\1 tabindex="0"', html)


#: Triad's feedback page (``autograder/templates/triad_feedback``), built on nbgrader's.
FEEDBACK_TEMPLATE = "triad_feedback"


def feedback_template_dirs() -> list[str]:
    """Where the feedback templates are: Triad's own, and nbgrader's that it extends."""
    import nbgrader.server_extensions.formgrader as formgrader

    return [str(Path(__file__).parent / "templates"),
            str(Path(formgrader.__file__).parent / "templates")]


def private_cache(name: str) -> Path | None:
    """``user_cache_dir()/<name>``, the owner's only, made if need be; ``None`` if it cannot be.

    What is kept there is loaded as code, so a folder someone else owns is not used.
    """
    from .paths import user_cache_dir

    folder = user_cache_dir() / name
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(folder, 0o700)
        if folder.stat().st_uid != os.getuid():
            return None
    except OSError:
        return None
    return folder


def template_cache():
    """A disk cache of the feedback templates compiled by jinja, or ``None`` if it cannot be made.

    Compiling nbconvert's and nbgrader's templates is a third of a second in
    every grading process; jinja's ``FileSystemBytecodeCache`` keeps the
    compiled code in ``user_cache_dir()/templates`` (``private_cache``), keyed
    by template and checked against each template's source, so an edited
    template is compiled again.  A cache that cannot be written (a full disk, a
    read-only home) is simply not used.
    """
    from jinja2 import FileSystemBytecodeCache

    class QuietCache(FileSystemBytecodeCache):
        def dump_bytecode(self, bucket) -> None:
            with contextlib.suppress(OSError):
                super().dump_bytecode(bucket)

    folder = private_cache("templates")
    return None if folder is None else QuietCache(str(folder))


def compiled_schema(schema: dict):
    """``fastjsonschema.compile(schema)``, its compiled code kept in ``user_cache_dir()/schemas``.

    fastjsonschema writes a validating function as Python source, which Python
    then compiles: for nbformat's notebook schema, 50 to 75 ms, twice (the
    strict check a notebook is read with, the relaxed one nbconvert checks
    with) in every process that grades or writes feedback.  The compiled code
    is kept under a digest of the schema and the versions of fastjsonschema
    and Python, so loading it is the same function, in a millisecond.
    """
    import hashlib
    import json
    import marshal

    import fastjsonschema

    key = json.dumps([schema, fastjsonschema.VERSION, sys.version], sort_keys=True)
    folder = private_cache("schemas")
    path = folder / f"{hashlib.sha256(key.encode()).hexdigest()}.code" if folder else None
    code = None
    if path is not None and path.exists():
        with contextlib.suppress(OSError, ValueError, EOFError, TypeError):
            code = marshal.loads(path.read_bytes())
    if code is None:
        code = compile(fastjsonschema.compile_to_code(schema), "<notebook schema>", "exec")
        if path is not None:
            partial = path.with_name(f".{path.name}.{os.getpid()}")
            try:
                partial.write_bytes(marshal.dumps(code))
                os.replace(partial, path)
            except OSError:
                partial.unlink(missing_ok=True)
    namespace: dict = {}
    try:
        exec(code, namespace)  # defines the validating functions, runs nothing else
        return namespace["validate"]
    except Exception:
        return fastjsonschema.compile(schema)


def _cache_notebook_schemas() -> None:
    """Make nbformat's fastjsonschema checks come from ``compiled_schema``, in this process.

    nbformat builds a ``FastJsonSchemaValidator`` for each schema version the
    first time it checks a notebook of it; the class it builds is swapped for
    one whose function is loaded compiled.  Where nbformat is not laid out as
    expected, nothing changes.
    """
    from nbformat import json_compat

    base = getattr(json_compat, "FastJsonSchemaValidator", None)
    table = getattr(json_compat, "_VALIDATOR_MAP", None)
    if base is None or not isinstance(table, list):
        return

    class CachedFastJsonSchemaValidator(base):
        def __init__(self, schema):
            json_compat.JsonSchemaValidator.__init__(self, schema)
            self._validator = compiled_schema(schema)

    table[:] = [(name, module, CachedFastJsonSchemaValidator if cls is base else cls)
                for name, module, cls in table]


def _feedback_exporter_class():
    from nbconvert.exporters import HTMLExporter, TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class FeedbackExporter(HTMLExporter):
        """``HTMLExporter`` with its page post-processing done by ``_accessible``.

        Its templates are compiled once per machine, see ``template_cache``.
        """

        def _create_environment(self):
            environment = super()._create_environment()
            environment.bytecode_cache = template_cache()
            return environment

        def from_notebook_node(self, nb, resources=None, **kw):
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight_code = self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)
            )
            resources = self._init_resources(resources)
            filter_data_type = WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources
            )
            self.register_filter("highlight_code", highlight_code)
            self.register_filter("filter_data_type", filter_data_type)
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return _accessible(html), resources

    return FeedbackExporter


def _memoize_filters(exporter) -> None:
    """Render each distinct code and Markdown source of the feedback pages once.

    Most cells (instructions, tests) are the same in every learner's notebook;
    syntax highlighting and Markdown rendering are pure functions of the cell,
    so their results are reused from one feedback page to the next.
    """
    import json

    from jinja2 import pass_context
    from nbconvert.filters.highlight import Highlight2HTML

    highlight = Highlight2HTML(pygments_lexer="ipython3", parent=exporter)
    markdown = exporter.markdown2html
    highlighted: dict = {}
    rendered: dict = {}

    def cached_highlight(source, language=None, metadata=None):
        key = (source, language, json.dumps(metadata or {}, sort_keys=True, default=str))
        if key not in highlighted:
            highlighted[key] = highlight(source, language, metadata)
        return highlighted[key]

    @pass_context
    def cached_markdown(context, source):
        cell = context.get("cell", {})
        path = context.get("resources", {}).get("metadata", {}).get("path", "")
        attachments = json.dumps(cell.get("attachments", {}), sort_keys=True, default=str)
        key = (source, attachments, path)
        if key not in rendered:
            rendered[key] = markdown(context, source)
        return rendered[key]

    # HTMLExporter takes its highlighter from ``filters`` on every page
    exporter.filters = {**exporter.filters, "highlight_code": cached_highlight}
    exporter.register_filter("markdown2html", cached_markdown)


#: A notebook with a cell of each kind the feedback pages show, for ``FeedbackPages.warm_up``.
_WARM_NOTEBOOK = nbformat.from_dict({
    "nbformat": 4, "nbformat_minor": 5,
    "metadata": {"language_info": {"name": "python", "pygments_lexer": "ipython3"}},
    "cells": [
        {"cell_type": "markdown", "id": "m", "metadata": {}, "source": "# A *title*\n\n- `x`"},
        {"cell_type": "code", "id": "c", "metadata": {}, "execution_count": 1,
         "source": "import math\nprint(math.pi)\nmath.pi",
         "outputs": [{"output_type": "stream", "name": "stdout", "text": "3.14\n"},
                     {"output_type": "execute_result", "execution_count": 1, "metadata": {},
                      "data": {"text/plain": "3.14", "text/html": "<b>3.14</b>"}},
                     {"output_type": "error", "ename": "E", "evalue": "e",
                      "traceback": ["\x1b[0;31mE\x1b[0m: e"]}]},
    ],
})  # fmt: skip


#: A submission's note when its grades are in but its feedback pages could not be written.
FEEDBACK_FAILED = "graded, but its feedback could not be generated"


def _exporter(cls, app, preprocessors):
    """An exporter of class ``cls`` set up as ``app`` sets up its own, with ``preprocessors``."""
    made = cls(parent=app, config=app.config)
    for pp in preprocessors:
        made.register_preprocessor(pp)
    return made


def _not_copied(coursedir) -> list[str]:
    """What is left out when the files beside a learner's notebooks are copied."""
    return coursedir.ignore + ["*.ipynb"]


def _resources(settings: Settings, learner: str, notebook: str) -> dict:
    """What nbgrader's converters give their exporters for one notebook of one learner."""
    return {
        "unique_key": notebook,
        "output_files_dir": f"{notebook}_files",
        "nbgrader": {
            "student": learner,
            "assignment": settings.assignment,
            "notebook": notebook,
            "db_url": settings.db_url,
        },
    }


class FeedbackPages:
    """``nbgrader generate_feedback`` for one learner at a time, with a warm HTML exporter.

    A grading process has one (``FastGrader.pages``).  When a fresh pool grades
    a single submission (a ``triad check``), the command that waits for it has
    one too (see ``Pool.grade``): it warms up there, on the core the grading
    process leaves free, instead of before the grading.
    """

    def __init__(self, settings: Settings, coursedir=None, config=None):
        from nbgrader.converters import GenerateFeedback
        from nbgrader.coursedir import CourseDirectory

        from .config import nbgrader_config

        if config is None:
            config = nbgrader_config(settings.root, settings.db_url)
        if coursedir is None:
            coursedir = CourseDirectory(config=config)
        self.coursedir = coursedir
        app = GenerateFeedback(coursedir=coursedir, config=config)
        app.update_config(type(config)({"HTMLExporter": {
            "template_name": FEEDBACK_TEMPLATE,
            "extra_template_basedirs": feedback_template_dirs(),
            "extra_template_paths": feedback_template_dirs()[1:],  # for 'feedback/index.html.j2'
        }}))
        self.html = _exporter(_feedback_exporter_class(), app, app.preprocessors)
        _memoize_filters(self.html)
        self.permissions = int(str(app.permissions), 8)
        _cache_notebook_schemas()

    def warm_up(self) -> None:
        """Render a small page before the first submission needs one.

        The first page is several times slower than the next ones: it compiles
        nbformat's schema checks (the strict one a notebook is read with, the
        relaxed one a page is checked with), loads and compiles every template of
        the page (from ``template_cache`` when it can), and builds the syntax
        highlighter and the Markdown renderer.  This page skips the preprocessor
        that reads the gradebook (its scores are given here), so it touches
        neither the gradebook nor any file.
        """
        from nbgrader.preprocessors.getgrades import GetGrades

        with contextlib.suppress(Exception):
            nbformat.validate(_WARM_NOTEBOOK)
        preprocessors = self.html._preprocessors
        self.html._preprocessors = [pp for pp in preprocessors if not isinstance(pp, GetGrades)]
        scores = {"notebook": "warm-up", "score": 0, "max_score": 1, "late_penalty": 0}
        try:
            self.html.from_notebook_node(copy.deepcopy(_WARM_NOTEBOOK),
                                         resources={"nbgrader": scores})
        except Exception:
            pass  # the first real page does it, a little later
        finally:
            self.html._preprocessors = preprocessors

    def write(self, settings: Settings, learner: str, present: list[str]) -> bool:
        """The pages of ``present`` (notebook names) from ``learner``'s autograded folder."""
        a, coursedir = settings.assignment, self.coursedir
        dest = Path(coursedir.format_path(coursedir.autograded_directory, learner, a))
        out = Path(coursedir.format_path(coursedir.feedback_directory, learner, a))
        try:
            if out.exists() and not settings.selected:
                _rmtree(out)
            out.mkdir(parents=True, exist_ok=True)
            copy_regular_files(dest, out, _not_copied(coursedir))
            for name in present:
                html, _ = self.html.from_filename(str(dest / f"{name}.ipynb"),
                                                  resources=_resources(settings, learner, name))
                (out / f"{name}.html").write_text(html, encoding="utf-8")
            _chmod_files(out, self.permissions)
            return True
        except Exception:
            return False


class FastGrader:
    """Autograde and write feedback for submissions of one assignment, in this process.

    It is meant for a grading process of its own (see ``grade_many``): it points
    nbgrader's preprocessors at one shared gradebook for the life of the process.
    """

    def __init__(self, settings: Settings, lock=None, zygote: Zygote | None = None,
                 judge_host: judgehost.JudgeHost | None = None):
        from nbconvert.exporters import Exporter, NotebookExporter
        from nbgrader.api import Gradebook
        from nbgrader.converters import Autograde
        from nbgrader.coursedir import CourseDirectory
        from nbgrader.preprocessors import (
            getgrades,
            latesubmissions,
            overwritecells,
            overwritekernelspec,
            saveautogrades,
        )

        from .config import course_id, nbgrader_config

        self.settings = settings
        self.lock = lock if lock is not None else contextlib.nullcontext()
        config = nbgrader_config(settings.root, settings.db_url)
        self.coursedir = CourseDirectory(config=config)
        self.coursedir.assignment_id = settings.assignment
        self.autograde = Autograde(coursedir=self.coursedir, config=config)
        self.pages = FeedbackPages(settings, self.coursedir, config)
        self.Exporter = Exporter
        self.sanitizer = _exporter(NotebookExporter, self.autograde,
                                   self.autograde.sanitize_preprocessors)
        execute_names = {"Execute", "ExecutePreprocessor"}
        after = [pp for pp in self.autograde.autograde_preprocessors
                 if getattr(pp, "__name__", str(pp).rsplit(".", 1)[-1]) not in execute_names]
        self.finisher = _exporter(NotebookExporter, self.autograde, after)
        self.permissions = int(str(self.autograde.permissions), 8)
        SharedGradebook.shared = Gradebook(settings.db_url, course_id(config))
        for module in (getgrades, latesubmissions, overwritecells, overwritekernelspec,
                       saveautogrades):
            module.Gradebook = SharedGradebook
        self.gb = SharedGradebook.shared
        _cache_metadata_schema()
        _cache_notebook_schemas()  # idempotent: the grading process reads notebooks before pages
        # Only the steps that use the gradebook wait for the other grading processes.
        uses_gradebook = (
            getgrades.GetGrades, latesubmissions.AssignLatePenalties,
            overwritecells.OverwriteCells, overwritekernelspec.OverwriteKernelspec,
            saveautogrades.SaveAutoGrades)  # fmt: skip
        for made in (self.sanitizer, self.finisher, self.pages.html):
            for pp in made._preprocessors:
                if isinstance(pp, uses_gradebook):
                    pp.preprocess = self._locked(pp.preprocess)
        self.zygote = zygote or Zygote(settings.preload, settings.limits, settings.sandboxed)
        self.judges: dict[tuple[str, int], Judge | None] = {}
        self.judge_host = judge_host  # judges in a process of its own (``autograder.judgehost``)
        self.skipped_links: list[str] = []  # the symbolic links of the submission being graded
        self.limit_notes: list[str] = []  # the limits the submission being graded hit

    def warm_up(self) -> None:
        """Warm the feedback pages up (``FeedbackPages.warm_up``)."""
        self.pages.warm_up()

    def close(self) -> None:
        self.zygote.stop()
        if self.judge_host is not None:
            self.judge_host.close()
        with contextlib.suppress(Exception):
            self.gb.close()

    def _locked(self, preprocess):
        def locked(nb, resources):
            with self.gradebook():
                return preprocess(nb, resources)

        return locked

    @contextlib.contextmanager
    def gradebook(self):
        """The shared gradebook, used by one grading process at a time; commits at the end.

        nbgrader's gradebook commits after every change it makes, a dozen times
        per submission, and each commit waits for the disk (SQLite syncs it)
        while the other grading processes wait for the lock.  Within one use
        here its commits are flushes followed by expiring every loaded object,
        which is what a commit does but the sync: the same SQL in the same
        order, the same errors and rollbacks.  The use ends with one real
        commit, or a rollback of all of it.
        """
        db = self.gb.db

        def commit_later() -> None:
            db.flush()
            db.expire_all()

        with self.lock:
            db.commit = commit_later  # shadows the session's own ``commit`` for this use
            try:
                yield self.gb
                del db.commit
                db.commit()
            except BaseException:
                db.__dict__.pop("commit", None)
                db.rollback()
                raise

    def _ignore(self) -> list[str]:
        return _not_copied(self.coursedir)

    def prepare(self, learner: str) -> tuple[Path, Path, list[str]]:
        """``Autograde.init_assignment``: gradebook rows, fresh autograded folder, data files."""
        from nbgrader.api import MissingEntry

        a = self.settings.assignment
        submitted = Path(self.coursedir.format_path(self.coursedir.submitted_directory, learner, a))
        dest = Path(self.coursedir.format_path(self.coursedir.autograded_directory, learner, a))
        source = Path(self.coursedir.format_path(self.coursedir.source_directory, ".", a))
        timestamp = self.coursedir.get_existing_timestamp(str(submitted))
        selected = self.settings.selected or self.settings.notebooks
        present = [name for name in selected if (submitted / f"{name}.ipynb").exists()]
        if not submitted.is_dir():  # vanished since it was inspected: keep its recorded grades
            raise FileNotFoundError(2, "the submission folder vanished", str(submitted))
        with self.gradebook() as gb:
            gb.update_or_create_student(learner)
            if timestamp:
                gb.update_or_create_submission(a, learner, timestamp=timestamp)
            else:
                gb.update_or_create_submission(a, learner)
            for name in self.settings.notebooks:
                if (submitted / f"{name}.ipynb").exists():
                    continue
                try:
                    notebook = gb.find_submission_notebook(name, a, learner)
                except MissingEntry:
                    continue
                for grade in notebook.grades:
                    grade.auto_score = 0
                    grade.needs_manual_grade = False
        if self.settings.selected and dest.is_dir():  # the other notebooks keep their grades
            for name in self.settings.selected:
                (dest / f"{name}.ipynb").unlink(missing_ok=True)
        elif dest.exists():
            _rmtree(dest)
        dest.mkdir(parents=True, exist_ok=True)
        self.skipped_links = copy_regular_files(submitted, dest, self._ignore())
        # nbgrader's Autograde.exclude_overwriting: the learner's own version of these is kept
        kept = self.autograde.exclude_overwriting.get(a, [])
        copy_regular_files(source, dest, self._ignore(), exclude=kept)
        return submitted, dest, present

    def data_files(self, dest: Path) -> dict[str, bytes]:
        """The files (not notebooks) the learner's code may read while it runs."""
        files, total = {}, 0
        for name, handle in regular_files(dest, self._ignore()):
            size = os.fstat(handle.fileno()).st_size
            if total + size > self.settings.limits.files:
                continue
            total += size
            files[name] = handle.read()
        return files

    def run_cells(self, nb, files: dict[str, bytes], dest: Path | None = None,
                  name: str = "the notebook") -> None:
        """What nbgrader's ``Execute`` does to the notebook, with a zygote instead of a kernel.

        As nbgrader's kernel runs in the autograded folder, the files the notebook
        writes there are kept in ``dest`` (and in ``files``, for the next notebook).
        """
        code = [cell for cell in nb.cells if cell.cell_type == "code" and cell.source.strip()]
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
        results, status, _ = self.zygote.run([cell.source for cell in code], files)
        if status == "died":  # nbgrader does not grade a notebook whose kernel died either
            raise NotebookDied(
                f"the process running {name} died before "
                f"its last cell (os._exit(), a crash, or more than "
                f"{self.settings.limits.memory >> 20} MiB of memory), as a kernel that dies")
        self._record(code, results)
        nb.metadata["language_info"] = copy.deepcopy(self.zygote.language_info)
        if dest is not None:
            self.keep_written(dest, self.zygote.written, files)

    def keep_written(self, dest: Path, written, files: dict[str, bytes]) -> None:
        """Put the files a notebook wrote into ``dest``: regular files, within limits, no links.

        ``written`` comes from where learner code ran: every name is checked
        (``safe_relative``), the assignment's notebooks and nbgrader's ignored
        names are left out, and a file removed is removed only if the grader
        itself put it there.
        """
        if not isinstance(written, dict):
            return
        notebooks = {f"{name}.ipynb" for name in self.settings.notebooks}
        new = written.get("files") if isinstance(written.get("files"), dict) else {}
        count, total = 0, 0
        skipped = written.get("skipped") if isinstance(written.get("skipped"), int) else 0
        for name, encoded in new.items():
            rel = safe_relative(name)
            if (rel is None or rel in notebooks or not isinstance(encoded, str)
                    or any(ignored(part, self.coursedir.ignore) for part in rel.split("/"))):
                continue
            try:
                data = base64.b64decode(encoded, validate=True)
            except ValueError:
                continue
            if count >= MAX_WRITTEN_FILES or total + len(data) > MAX_WRITTEN_BYTES:
                skipped += 1
                continue
            if write_regular_file(dest, rel, data):
                files[rel] = data
                count, total = count + 1, total + len(data)
        removed = written.get("removed") if isinstance(written.get("removed"), list) else []
        for name in removed:
            if isinstance(name, str) and name in files:
                remove_regular_file(dest, name)
                files.pop(name)
        if skipped:
            note = (f"{skipped} file(s) it wrote were not kept: more than {MAX_WRITTEN_FILES} "
                    f"files or {MAX_WRITTEN_BYTES >> 20} MiB")
            if note not in self.limit_notes:
                self.limit_notes.append(note)

    @staticmethod
    def _record(cells, results) -> None:
        for cell, result in zip(cells, results, strict=True):
            cell.outputs = [nbformat.from_dict(output) for output in result["outputs"]]
            cell.execution_count = result["execution_count"]

    def source_of(self, name: str) -> Path:
        """The source notebook of notebook ``name`` of this assignment."""
        return Path(self.coursedir.format_path(self.coursedir.source_directory, ".",
                                               self.settings.assignment)) / f"{name}.ipynb"

    def judge_of(self, name: str) -> Judge | None:
        """The judge of notebook ``name`` of this assignment (from ``source/``), or ``None``."""
        path = self.source_of(name)
        key = (str(path), path.stat().st_mtime_ns)
        if key not in self.judges:
            self.judges[key] = Judge.from_source(nbformat.read(path, as_version=4))
        return self.judges[key]

    def run_judged(self, nb, files: dict[str, bytes], judge: Judge,
                   dest: Path | None = None, source: Path | None = None) -> None:
        """Run the learner's cells in the sandbox, then have the judge run every test cell here.

        The files the learner's cells wrote are kept in ``dest``, as ``run_cells`` keeps them.
        """
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
        code = [cell for cell in nb.cells if cell.cell_type == "code"]
        tests = [cell for cell in code if is_test_cell(cell)]
        learner = [cell for cell in code if not is_test_cell(cell) and cell.source.strip()]
        results, status, collected = self.zygote.run([cell.source for cell in learner], files,
                                                     collect=judge.spec, around=judge.around)
        try:
            self._record(learner, results)
            if dest is not None:
                self.keep_written(dest, self.zygote.written, files)
            runs = None
            args = (collected or {}, self.zygote.call, self.settings.limits.call,
                    self.settings.feedback)
            if self.judge_host is not None and source is not None:
                runs = self.judge_host.run_tests(source, *args)
            if runs is None:
                runs = judge.run_tests(*args)
        finally:
            self.zygote.end()
        count = max([cell.execution_count or 0 for cell in learner], default=0)
        for cell in tests:
            grade_id = cell.metadata["nbgrader"]["grade_id"]
            count += 1
            run = runs.get(grade_id)
            cell.outputs = [nbformat.from_dict(o) for o in (run.outputs if run else [])]
            cell.execution_count = count
            if run and run.records:  # the instructor's view: feedback pages show no metadata
                cell.metadata.setdefault("triad", {})["records"] = run.records
            for output in cell.outputs:
                if output.output_type == "execute_result":
                    output.execution_count = count
        nb.metadata["language_info"] = copy.deepcopy(self.zygote.language_info)

    def grade_notebook(self, learner: str, name: str, submitted: Path, dest: Path, files) -> None:
        resources = _resources(self.settings, learner, name)
        notebook = submitted / f"{name}.ipynb"
        if notebook.is_symlink():  # never read through a learner's link
            raise OSError(f"{notebook.name} is a symbolic link, not a notebook: it was not read")
        output, _ = self.sanitizer.from_filename(str(notebook), resources=copy.deepcopy(resources))
        nb = nbformat.reads(output, as_version=4)
        judge = self.judge_of(name)
        if judge is None:
            self.run_cells(nb, files, dest, f"{name}.ipynb")
        else:
            self.run_judged(nb, files, judge, dest, self.source_of(name))
        limits = self.settings.limits
        self.limit_notes += [note for note in limit_notes(nb.cells, limits.timeout, limits.memory)
                             if note not in self.limit_notes]
        nb, _ = self.Exporter.from_notebook_node(self.finisher, nb, resources=resources)
        path = dest / f"{name}.ipynb"
        path.write_text(nbformat.writes(nb), encoding="utf-8")

    def check_timestamp(self, submitted: Path) -> None:
        """Say plainly that ``timestamp.txt`` cannot be read (nbgrader's own check fails)."""
        try:
            self.coursedir.get_existing_timestamp(str(submitted))
        except Exception:  # nbgrader calls a method its CourseDirectory does not have
            raise ValueError(_bad_timestamp(submitted)) from None

    def grade(self, learner: str, pages: bool = True) -> dict:
        """Grade one learner; return the fields of an ``Outcome``.

        Without ``pages`` the feedback pages are not written: the result names
        the notebooks to write them for (``pages``), for ``with_pages``.
        """
        from .grade import inspect_submission

        a = self.settings.assignment
        submitted = Path(self.coursedir.format_path(self.coursedir.submitted_directory, learner, a))
        problem = inspect_submission(submitted, self.settings.notebooks)
        if problem:
            return {"learner": learner, "status": "broken", "message": problem}
        self.limit_notes: list[str] = []
        try:
            self.check_timestamp(submitted)
            submitted, dest, present = self.prepare(learner)
            files = self.data_files(dest)
            for name in present:
                self.grade_notebook(learner, name, submitted, dest, files)
            _chmod_files(dest, self.permissions)
        except Exception as error:
            out = Path(self.coursedir.format_path(self.coursedir.autograded_directory, learner, a))
            if out.exists():
                _rmtree(out)
            return {"learner": learner, "status": "broken",
                    "message": f"could not be graded: {_explained(error)}",
                    "detail": traceback.format_exc()}  # fmt: skip
        with self.gradebook() as gb:
            submission = gb.find_submission(a, learner)
            score, max_score = float(submission.score), float(submission.max_score)
        result = {"learner": learner, "status": "graded", "score": score, "max_score": max_score,
                  "message": "; ".join(filter(None, [*self.limit_notes,
                                                     skipped_message(self.skipped_links)]))}
        if not pages:
            return {**result, "pages": present}  # the caller writes them
        return with_pages(result, self.pages.write(self.settings, learner, present))


def with_pages(result: dict, written: bool) -> dict:
    """A graded ``result`` once its feedback pages were ``written``, or could not be."""
    result = {key: value for key, value in result.items() if key != "pages"}
    if not written:
        result["message"] = "; ".join(filter(None, [result["message"], FEEDBACK_FAILED]))
    return result


def _bad_timestamp(submitted: Path) -> str:
    try:  # never through a link: only the learner's own file is quoted
        fd = os.open(submitted / "timestamp.txt", os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as handle:
            text = handle.read(200).decode("utf-8", errors="replace")
    except OSError:
        text = ""
    return (f"its timestamp.txt ({text.strip()[:60]!r}) is not a date and time nbgrader can read; "
            "correct or remove it")


class NotebookDied(RuntimeError):
    """A classic notebook's process died while it ran: the submission is not graded."""


def _explained(error: BaseException) -> str:
    """The first line of ``error``, with what to do about it when that is known."""
    text = _one_line(error)
    if "schema version" in text.lower():
        return (f"{text}: its nbgrader metadata is from another version of nbgrader "
                "(`nbgrader update` upgrades older metadata)")
    return text


def _one_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _rmtree(path: Path) -> None:
    def writable(func, target, _):
        os.chmod(target, 0o700 if os.path.isdir(target) else 0o600)
        func(target)

    for parent, dirs, _ in os.walk(path):
        for d in dirs:
            with contextlib.suppress(OSError):
                os.chmod(os.path.join(parent, d), 0o755)
    shutil.rmtree(path, onerror=writable)


def _chmod_files(folder: Path, mode: int) -> None:
    for parent, _, files in os.walk(folder):
        for name in files:
            os.chmod(os.path.join(parent, name), mode)


# --- several grading processes ---------------------------------------------------------------


def _worker(conn, settings: Settings, lock, zygote: Zygote | None = None,
            others: tuple[Zygote, ...] = (),
            judge_host: judgehost.JudgeHost | None = None, warm: bool = True) -> None:
    """A grading process: receives learner ids, sends back outcomes, until told to stop.

    ``zygote``, when given, was started by the parent (``zygotes.launch_early``)
    and is this process's from now on; ``others`` are the parent's other early
    zygotes, whose pipes this process inherited and closes.  ``judge_host``, when
    given, judges for this process (``judgehost.launch``).  Without ``warm`` the
    feedback pages are not warmed up first (the first page does it).
    """
    global _POOL
    _POOL = None  # the parent's, copied by fork: not this process's to manage
    for other in others:
        other.forget()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(Exception):  # stop when the parent stops, however it stops
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    # terminated: undo the gradebook transaction under way (if any) and stop the zygote
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    if zygote is None:
        zygote = Zygote(settings.preload, settings.limits, settings.sandboxed)
    else:
        zygote.adopted = True  # the parent's child, not this process's
    try:
        if zygote.process is None:
            zygote.launch()  # it warms up while this process sets nbgrader up
        grader = FastGrader(settings, lock, zygote, judge_host)
        if warm:
            grader.warm_up()
        zygote.wait_ready()
    except Exception as error:
        zygote.stop()
        conn.send({"fatal": f"{type(error).__name__}: {error}"})
        return
    conn.send({"ready": True})
    try:
        while True:
            try:
                job = conn.recv()
            except EOFError:
                break
            if job is None:
                break
            settings, learner, pages = job
            if settings != grader.settings:  # the next assignment
                grader.settings = settings
                zygote.limits = settings.limits
                zygote.require(settings.preload)
            conn.send(grader.grade(learner, pages))
    finally:
        grader.close()


@dataclass
class _Slot:
    process: multiprocessing.Process
    conn: object
    learner: str | None = None
    since: float = 0.0  # when it was given its learner


class Pool:
    """Grading processes for one course root, kept warm from one assignment to the next."""

    def __init__(self, settings: Settings, jobs: int, early: list[Zygote] | None = None):
        self.key = self.key_of(settings, jobs)
        self.early = list(early or [])  # started by launch_early, one for each of the first slots
        self.handed_over: list[Zygote] = []
        self.judge_hosts: list[judgehost.JudgeHost] = []  # handed over, reaped by ``close``
        self.first = settings
        self.jobs = jobs
        self.context = multiprocessing.get_context("fork")
        self.lock = self.context.Lock()
        self.slots: list[_Slot] = []
        self.idle: list[_Slot] = []

    @staticmethod
    def key_of(settings: Settings, jobs: int) -> tuple:
        return (settings.root, settings.db_url, settings.sandboxed, jobs)

    def spawn(self, warm: bool = True) -> _Slot:
        ours, theirs = self.context.Pipe()
        zygote = self.early.pop(0) if self.early else None
        judge_host = judgehost.hand_over()  # the first process's, if one was launched
        process = self.context.Process(
            target=_worker,
            args=(theirs, self.first, self.lock, zygote, tuple(self.early), judge_host, warm),
            daemon=True,
        )
        process.start()
        theirs.close()
        if judge_host is not None:
            judge_host.close()  # the grading process's from now on
            self.judge_hosts.append(judge_host)
        if zygote is not None:
            zygote.hand_over()
            self.handed_over.append(zygote)
        slot = _Slot(process, ours, learner="")  # "" until it says it is ready
        self.slots.append(slot)
        return slot

    def close(self) -> None:
        for slot in self.slots:
            with contextlib.suppress(OSError):
                slot.conn.send(None)
        for slot in self.slots:
            slot.process.join(timeout=5)
            if slot.process.is_alive():
                slot.process.terminate()
                slot.process.join(timeout=5)
            if slot.process.is_alive():
                slot.process.kill()
        for zygote in self.early + self.handed_over:
            zygote.reap()
        for host in self.judge_hosts:
            host.stop()
        self.judge_hosts = []
        self.slots, self.idle, self.early, self.handed_over = [], [], [], []

    def grade(self, settings: Settings, learners: list[str], on_result, on_wait=None) -> None:
        pending = list(reversed(learners))
        wanted = max(1, min(self.jobs, len(learners)))
        remaining = len(learners)

        def feed(slot: _Slot, pages: bool = True) -> None:
            if pending:
                slot.learner = pending.pop()
                slot.since = time.monotonic()
                slot.conn.send((settings, slot.learner, pages))
            else:
                slot.learner = None
                self.idle.append(slot)

        # A command that started its zygote early and grades one submission (a cold
        # `triad check`) would only wait: the grading process is given its learner at once
        # and leaves the feedback pages to this process, which warms them up meanwhile on
        # the other core.  Everywhere else each grading process writes its own.
        pages = None
        if not self.slots and self.early and len(learners) == 1:
            feed(self.spawn(warm=False), pages=False)
            pages = FeedbackPages(settings)
            pages.warm_up()
        while len(self.slots) < wanted:
            self.spawn()

        for slot in list(self.idle):
            self.idle.remove(slot)
            feed(slot)
        while remaining:
            if not self.slots:
                raise ZygoteError("no grading process is left")
            by_conn = {slot.conn: slot for slot in self.slots}
            by_sentinel = {slot.process.sentinel: slot for slot in self.slots}
            ready = wait(list(by_conn) + list(by_sentinel), timeout=5)
            if on_wait is not None:  # who has been running for a while, longest first
                now = time.monotonic()
                slow = sorted(((s.learner, now - s.since) for s in self.slots
                               if s.learner and now - s.since >= SLOW), key=lambda x: -x[1])
                on_wait(slow)
            for item in ready:
                slot = by_conn.get(item) or by_sentinel.get(item)
                if slot not in self.slots:
                    continue
                try:
                    message = slot.conn.recv() if slot.conn.poll() else None
                except (EOFError, OSError):
                    message = None
                if message is None:
                    if not slot.process.is_alive() or item is slot.conn:
                        # the grading process died: report its learner, start another
                        self.slots.remove(slot)
                        if slot in self.idle:
                            self.idle.remove(slot)
                        slot.process.join(timeout=5)
                        if slot.learner:
                            remaining -= 1
                            on_result({"learner": slot.learner, "status": "broken",
                                       "message": "the grading process died on this submission"})
                        if pending and len(self.slots) < wanted:
                            self.spawn()
                    continue
                if "fatal" in message:
                    raise ZygoteError(f"the grading workers could not start: {message['fatal']}")
                if "ready" in message and slot.learner:
                    continue  # it was given its learner before it said so
                if "ready" not in message:
                    if "pages" in message:
                        written = pages.write(settings, message["learner"], message["pages"])
                        message = with_pages(message, written)
                    remaining -= 1
                    on_result(message)
                feed(slot)


_POOL: Pool | None = None
atexit.register(lambda: shutdown())


#: Seconds after which a submission still being graded is named in the progress line.
SLOW = 10.0


def grade_many(settings: Settings, learners: list[str], jobs: int, on_result,
               on_wait=None) -> None:
    """Grade ``learners`` with ``jobs`` grading processes; call ``on_result(dict)`` for each.

    ``on_wait`` hears, every few seconds, the submissions that have been running for
    ``SLOW`` seconds or more, as ``[(learner, seconds)]``, longest first.  The
    processes stay up afterwards, ready for another assignment of the same
    course root; they stop with this process, or when grading is interrupted.
    """
    global _POOL
    if settings.sandboxed:
        bwrap = find_bwrap()
        if not bwrap:
            from .sandbox import INSTALL_HINT

            raise SandboxUnavailable(INSTALL_HINT)
        check_bwrap(bwrap)
    if _POOL is not None and _POOL.key != Pool.key_of(settings, jobs):
        shutdown()
    if _POOL is None:
        early = take_early(settings.preload, settings.limits, settings.sandboxed)
        _POOL = Pool(settings, jobs, early)
    try:
        _POOL.grade(settings, learners, on_result, on_wait)
    except BaseException:
        shutdown()
        raise


def shutdown() -> None:
    """Stop the grading processes kept for the next assignment, if any."""
    global _POOL
    if _POOL is not None:
        pool, _POOL = _POOL, None
        pool.close()
