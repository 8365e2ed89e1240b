"""The judge: scores a notebook's answers in the grader's own process, out of learner code's reach.

An assignment's source notebook declares, in its metadata, what it collects
from the learner (``triad: {collect: {name: kind}}``, a kind being ``data`` or
``function``).  For such a notebook the runner (``autograder.runner``) runs
only the learner's cells and hands back those answers as plain data
(``autograder.plain``); it never receives a test cell.  The judge then

1. runs the source notebook's own set-up cells (locked cells that are not
   tests: the exercise's tables, written by the instructor) in a fresh
   namespace here;
2. binds each declared answer there: data as the plain value it decoded, a
   function as a ``RemoteFunction`` that calls the learner's function in a
   fresh sandboxed process of its own, with plain inputs and a plain result;
3. runs every test cell of the *source* notebook, visible and hidden, and
   records what it prints, what it returns and what it raises as the cell's
   outputs, so nbgrader's grading, gradebook and feedback work as ever.

So no point can come from an output learner code produced, no hidden test,
key or expected value ever enters the learner's process, and the scoring
code runs where learner code cannot reach it.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import copy
import io
import os
import traceback
import types
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .plain import decode, encode, is_missing

if TYPE_CHECKING:  # not imported here: a judging process of its own does without nbformat
    from nbformat import NotebookNode

KINDS = ("data", "function")
#: How much feedback says of a mistake; the policy reaches the checks in this variable.
FEEDBACK_POLICIES = ("hints", "answers")
FEEDBACK_VARIABLE = "TRIAD_FEEDBACK"


def declared(nb: NotebookNode) -> dict[str, str] | None:
    """The answers a notebook collects (``{name: kind}``), or ``None`` for a classic notebook.

    Raises ``ValueError`` when the declaration is malformed.
    """
    spec = (nb.metadata.get("triad") or {}).get("collect")
    if spec is None:
        return None
    if not isinstance(spec, dict) or not spec:
        raise ValueError("triad.collect must map each answer's name to 'data' or 'function'")
    for name, kind in spec.items():
        if not str(name).isidentifier() or kind not in KINDS:
            raise ValueError(f"triad.collect: {name!r} must be a name and {kind!r} one of "
                             f"{', '.join(KINDS)}")
    return {str(name): str(kind) for name, kind in spec.items()}


def _cell_kind(cell: NotebookNode) -> str:
    meta = cell.metadata.get("nbgrader", {})
    if meta.get("grade") and not meta.get("solution"):
        return "test"
    if meta.get("solution"):
        return "answer"
    return "setup"


def is_test_cell(cell: NotebookNode) -> bool:
    return cell.cell_type == "code" and _cell_kind(cell) == "test"


# --- calling a learner's function ----------------------------------------------------------


class CallTimeout(TimeoutError):
    """A learner's function did not return within its time."""


_BUILTIN_ERRORS = {
    name: getattr(builtins, name)
    for name in ("ValueError", "TypeError", "KeyError", "IndexError", "AttributeError",
                 "NameError", "NotImplementedError", "ZeroDivisionError", "RecursionError",
                 "AssertionError", "RuntimeError", "LookupError", "ArithmeticError",
                 "UnboundLocalError", "OverflowError", "MemoryError", "ImportError",
                 "ModuleNotFoundError", "StopIteration", "OSError", "FileNotFoundError",
                 "TimeoutError", "UnicodeError", "Exception")
}
_ERROR_CLASSES: dict[tuple[str, type], type] = {}


def learner_error(type_name: str, message: str) -> Exception:
    """An exception standing for the one a learner's function raised, by name and message only.

    A built-in error keeps its class (a ``ValueError`` is a ``ValueError``);
    any other becomes an ``Exception`` of the same name.  Its text is the
    learner's message, exactly.
    """
    name = type_name if str(type_name).isidentifier() else "Exception"
    base = _BUILTIN_ERRORS.get(name, Exception)
    key = (name, base)
    if key not in _ERROR_CLASSES:
        _ERROR_CLASSES[key] = type(name, (base,), {
            "__str__": lambda self: self.args[0] if self.args else "",
            "__module__": "learner",
        })
    return _ERROR_CLASSES[key](str(message))


class RemoteFunction:
    """A learner's function as the judge sees it: each call runs in a fresh sandboxed process.

    Arguments and results cross as plain data; a call that raises raises an
    error of the same name and message here; a call past its time raises
    ``CallTimeout``.  ``call_within(seconds, ...)`` sets the time of one call.
    """

    def __init__(self, name: str, caller, seconds: float):
        self.__name__ = self.__qualname__ = name
        self._caller = caller
        self._seconds = seconds
        self.calls = 0

    def __repr__(self) -> str:
        return f"<function {self.__name__}>"

    def __call__(self, *args, **kwargs):
        return self.call_within(self._seconds, *args, **kwargs)

    def call_within(self, seconds: float, *args, **kwargs):
        self.calls += 1
        reply = self._caller(self.__name__, [encode(a) for a in args],
                             {str(k): encode(v) for k, v in kwargs.items()},
                             float(min(seconds, self._seconds)))
        if "value" in reply:
            return decode(reply["value"])
        if "timeout" in reply:
            raise CallTimeout(f"{self.__name__} did not finish within {seconds:g} seconds")
        error = reply.get("error") or {}
        raise learner_error(str(error.get("type", "Exception")), str(error.get("message", "")))


# --- running the instructor's cells --------------------------------------------------------


def _no_display(*objects, **kwargs) -> None:
    """``display`` in the judge's namespace: set-up cells show nothing here."""


@dataclass
class CellRun:
    """What one cell run by the judge gave: nbformat outputs, its error, its checks' records."""

    outputs: list[dict]
    error: BaseException | None = None
    records: list[dict] = field(default_factory=list)


def run_source(source: str, namespace: dict, name: str) -> CellRun:
    """Run ``source`` as IPython would (the last expression is the cell's result).

    Returns the cell's outputs in nbformat form (stdout, stderr, result, error),
    the error it raised, if any, and the records of the check whose result the
    cell shows (see ``course.feedback.Score``).  Warnings are not shown: in a
    test cell nbgrader would count one on stderr as a failure.
    """
    outputs: list[dict] = []
    out, err = io.StringIO(), io.StringIO()
    result, error = None, None
    try:
        tree = ast.parse(source, filename=name)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        with (contextlib.redirect_stdout(out), contextlib.redirect_stderr(err),
              warnings.catch_warnings()):
            warnings.simplefilter("ignore")
            exec(compile(tree, name, "exec"), namespace)  # noqa: S102 - the instructor's code
            if last is not None:
                result = eval(compile(ast.Expression(last.value), name, "eval"), namespace)  # noqa: S307
    except KeyboardInterrupt:
        raise
    except BaseException as caught:  # a test cell may fail in any way; it is recorded
        error = caught
    for stream, buffer in (("stdout", out), ("stderr", err)):
        if buffer.getvalue():
            outputs.append({"output_type": "stream", "name": stream, "text": buffer.getvalue()})
    if error is not None:
        outputs.append({
            "output_type": "error",
            "ename": type(error).__name__,
            "evalue": str(error),
            "traceback": [line.rstrip("\n") for line in
                          traceback.format_exception_only(type(error), error)],
        })
    elif result is not None:
        outputs.append({"output_type": "execute_result", "execution_count": None,
                        "metadata": {}, "data": {"text/plain": repr(result)}})
    records = []
    for record in getattr(result, "records", ()) or ():
        with contextlib.suppress(Exception):
            records.append(record.as_dict())
    return CellRun(outputs, error, records)


def _copy_value(value: object) -> object:
    if isinstance(value, types.ModuleType | type | types.FunctionType | types.BuiltinFunctionType):
        return value
    try:
        return copy.deepcopy(value)
    except Exception:
        return value


@dataclass
class Judge:
    """The test cells of one source notebook and what they need, ready for many submissions."""

    spec: dict[str, str]
    around: str | None  # ``module:name`` of the context each learner function is called in
    feedback: str | None  # the notebook's own feedback policy, if it sets one
    setup: list[str]
    tests: dict[str, str]  # grade id -> source, in notebook order
    _base: dict | None = field(default=None, repr=False)

    @classmethod
    def from_source(cls, nb: NotebookNode) -> Judge | None:
        """The judge of a source notebook, or ``None`` when it declares no answers."""
        spec = declared(nb)
        if spec is None:
            return None
        setup, tests = [], {}
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            kind = _cell_kind(cell)
            if kind == "setup":
                setup.append(cell.source)
            elif kind == "test":
                tests[cell.metadata["nbgrader"]["grade_id"]] = cell.source
        meta = nb.metadata.get("triad") or {}
        around, feedback = meta.get("call_within"), meta.get("feedback")
        if feedback is not None and feedback not in FEEDBACK_POLICIES:
            raise ValueError(f"triad.feedback must be one of {', '.join(FEEDBACK_POLICIES)}")
        return cls(spec, str(around) if around else None, feedback, setup, tests)

    def base_namespace(self) -> dict:
        """The namespace the set-up cells leave, built once and copied for each submission."""
        if self._base is None:
            namespace = {"__name__": "__main__", "__builtins__": builtins, "display": _no_display}
            for index, source in enumerate(self.setup):
                run_source(source, namespace, f"<setup {index}>")  # what it shows is not needed
            self._base = namespace
        return {name: _copy_value(value) for name, value in self._base.items()}

    def namespace(self, collected: dict, caller, seconds: float) -> dict:
        """The set-up namespace with the learner's answers bound in it."""
        namespace = self.base_namespace()
        for name, kind in self.spec.items():
            data = collected.get(name, {"__missing__": True})
            if is_missing(data):
                namespace.pop(name, None)
            elif kind == "function" and data == {"__function__": name}:
                namespace[name] = RemoteFunction(name, caller, seconds)
            else:
                namespace[name] = decode(data)
        return namespace

    def run_tests(self, collected: dict, caller, seconds: float,
                  feedback: str | None = None) -> dict[str, CellRun]:
        """Run every test cell; what each gave, by grade id.

        ``feedback`` is the feedback policy for this run (``hints`` or
        ``answers``, see ``course.feedback``); without one the notebook's own
        (``triad: {feedback: ...}``) holds, else ``hints``.
        """
        namespace = self.namespace(collected, caller, seconds)
        previous = os.environ.get(FEEDBACK_VARIABLE)
        os.environ[FEEDBACK_VARIABLE] = feedback or self.feedback or "hints"
        try:
            return {grade_id: run_source(source, namespace, f"<test {grade_id}>")
                    for grade_id, source in self.tests.items()}
        finally:
            if previous is None:
                os.environ.pop(FEEDBACK_VARIABLE, None)
            else:
                os.environ[FEEDBACK_VARIABLE] = previous
