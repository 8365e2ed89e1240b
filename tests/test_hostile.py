"""A determined learner attacks the grade: every attack scores what its honest answers earn.

Each hostile submission is an honest answer with an attack added.  Its *twin*,
the same honest answer without the attack, is graded in the same cohort, one
submission after another in one sandbox (``jobs=1``), between two learners
who hand in the solution.  Every test asserts that the attacker scores exactly
what the twin scores, that the learners graded after it keep full marks, and
that nothing of the key reached anything a learner receives.

The classes of attack: forging through modules, the import system, builtins,
trace functions, display formatters, IPython's hooks and the runner's output
path; reading the key; cross-learner attacks through ``/proc``, signals and
processes that outlive their notebook; output floods.  Symbolic links and
impersonation in the exchange are attacked in ``test_hostile_files.py``.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell
from submissions import edited, release_notebook, solution_source, source_notebook, submit
from sysdeps import require

from autograder.build import release
from autograder.classroom import Classroom
from autograder.grade import grade_assignment
from autograder.sandbox import Limits

CLASSIFY, PLAN = "classify-responsibilities", "plan-a-program"

# Every statement labelled "project": 8 right answers and the format, not the examples.
HONEST_LABELS = 'answers = {statement_id: "project" for statement_id in statements.index}\n'
FAKE_CHECKS = (
    "class _Fake:\n"
    "    @staticmethod\n"
    "    def score_labels(*args, **kwargs):\n"
    "        print('26 of 26 statements labelled correctly.')\n"
    "        return 26\n"
    "    check_format = check_examples = staticmethod(lambda *args, **kwargs: None)\n"
)
FORGERIES = {
    "reload": FAKE_CHECKS + "import importlib\nimportlib.reload = lambda module: _Fake\n",
    "module-class": (
        "import types, course.checks\n"
        "class _Lying(types.ModuleType):\n"
        "    score_labels = property(lambda self: (lambda *a, **k: 26))\n"
        "    check_examples = property(lambda self: (lambda *a, **k: None))\n"
        "course.checks.__class__ = _Lying\n"
    ),
    "import-hook": FAKE_CHECKS + (
        "import sys, importlib.abc, importlib.util\n"
        "class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name == 'course.checks':\n"
        "            return importlib.util.spec_from_loader(name, self)\n"
        "    def create_module(self, spec):\n"
        "        return None\n"
        "    def exec_module(self, module):\n"
        "        module.score_labels = _Fake.score_labels\n"
        "        module.check_format = module.check_examples = _Fake.check_format\n"
        "sys.meta_path.insert(0, _Finder())\n"
        "sys.modules.pop('course.checks', None)\n"
    ),
    "builtins-import": FAKE_CHECKS + (
        "import builtins\n"
        "_real_import = builtins.__import__\n"
        "def _import(name, *args, **kwargs):\n"
        "    module = _real_import(name, *args, **kwargs)\n"
        "    if name.startswith('course'):\n"
        "        import course.checks\n"
        "        course.checks.score_labels = _Fake.score_labels\n"
        "        course.checks.check_examples = _Fake.check_format\n"
        "    return module\n"
        "builtins.__import__ = _import\n"
    ),
    "settrace": (
        "import sys\n"
        "def _tracer(frame, event, arg):\n"
        "    if frame.f_code.co_name in ('score_labels', 'score_key') and event == 'return':\n"
        "        frame.f_locals['correct'] = 26\n"
        "    return _tracer\n"
        "sys.settrace(_tracer)\n"
    ),
    "int-formatter": (
        "get_ipython().display_formatter.formatters['text/plain'].for_type(\n"
        "    int, lambda value, printer, cycle: printer.text('26'))\n"
    ),
    "silenced-tracebacks": (
        "import IPython.core.interactiveshell as _shell\n"
        "_shell.InteractiveShell.showtraceback = lambda *args, **kwargs: None\n"
        "_ip = get_ipython()\n"
        "_ip.showtraceback = _ip._showtraceback = lambda *args, **kwargs: None\n"
    ),
    "output-writer": (
        "import sys\n"
        "_runner = type(sys.stdout).write.__globals__  # the runner's own module\n"
        "_write = _runner['write_frame']\n"
        "def _forged(fd, message):\n"
        "    for output in message.get('outputs', []):\n"
        "        output.update(output_type='execute_result', data={'text/plain': '26'},\n"
        "                      metadata={}, execution_count=1)\n"
        "    _write(fd, message)\n"
        "_runner['write_frame'] = _forged\n"
    ),
    "rewrites-the-checker": (
        "import course.checks\n"
        "class _Answers(dict):\n"
        "    def items(self):\n"
        "        course.checks.score_labels = lambda *a, **k: 26\n"
        "        return super().items()\n"
        "    def get(self, key, default=None):\n"
        "        course.checks.score_labels = lambda *a, **k: 26\n"
        "        return super().get(key, default)\n"
        "    def __eq__(self, other):\n"
        "        return True\n"
        "answers = _Answers(answers)\n"
    ),
    "lying-strings": (
        "class _Label(str):\n"
        "    def __eq__(self, other):\n"
        "        return True\n"
        "    __hash__ = str.__hash__\n"
        "answers = {key: _Label(value) for key, value in answers.items()}\n"
    ),
    "private-checks": (
        "import importlib.util, sys, course\n"
        "_spec = importlib.util.spec_from_file_location(\n"
        "    'course.checks', course.__path__[0] + '/checks.py')\n"
        "_copy = importlib.util.module_from_spec(_spec)\n"
        "_spec.loader.exec_module(_copy)\n"
        "_copy.score_labels = lambda *a, **k: 26\n"
        "sys.modules['course.checks'] = _copy\n"
    ),
}
CROSS_LEARNER = {
    "writes-to-proc": (
        "import os\n"
        "for _fd in range(12):\n"
        "    try:\n"
        "        with open(f'/proc/1/fd/{_fd}', 'wb') as _out:\n"
        "            _out.write(b'\\x00' * 8 + b'{\"results\": []}')\n"
        "        print('WROTE', _fd)\n"
        "    except Exception as _error:\n"
        "        print('BLOCKED', type(_error).__name__)\n"
        "try:\n"
        "    print('ENVIRON', open('/proc/1/environ').read()[:80])\n"
        "except Exception as _error:\n"
        "    print('BLOCKED', type(_error).__name__)\n"
    ),
    "signals-everyone": (
        "import os, signal\n"
        "_seen = [int(p) for p in os.listdir('/proc') if p.isdigit()]\n"
        "for _pid in sorted(set(_seen) | set(range(2, 64))):\n"
        "    if _pid != os.getpid():\n"
        "        for _sig in (signal.SIGSTOP, signal.SIGKILL):\n"
        "            try:\n"
        "                os.kill(_pid, _sig)\n"
        "            except OSError:\n"
        "                pass\n"
    ),
    "process-hopper": (
        "import ctypes, os, time\n"
        "if os.fork() == 0:\n"
        "    ctypes.CDLL(None).prctl(15, b'triadhopper', 0, 0, 0)\n"
        "    while True:\n"
        "        try:\n"
        "            if os.fork():\n"
        "                os._exit(0)\n"
        "        except OSError:\n"
        "            pass\n"
        "        for _name in os.listdir('/tmp'):\n"
        "            try:\n"
        "                open(os.path.join('/tmp', _name, 'planted.txt'), 'w').write('x')\n"
        "            except OSError:\n"
        "                pass\n"
        "        time.sleep(0.005)\n"
        "time.sleep(0.2)\n"
    ),
    "lifts-the-output-cap": (
        "import sys\n"
        "type(sys.stdout).write.__globals__['RECORDER'].budget = 1 << 40\n"
        "for _ in range(32):  # 32 MiB: eight times the cap, well past the size asserted below\n"
        "    print('x' * (1 << 20))\n"
    ),
}
# A cell added after the hidden tests, as a learner would add it to read the key.
KEY_READER = (
    "print('KEY', globals().get('KEY'))\n"
    "import inspect, sys\n"
    "print('FRAMES', [frame.filename for frame in inspect.stack()])\n"
)
# A sentence of the hidden key that no learner may ever see (from R07's explanation).
KEY_SENTENCE = "has no planned end and answers what and why"


def _attacked(nb, grade_id: str, code: str):
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = cell.source + "\n" + code
    return nb


@pytest.fixture(scope="module")
def classify(tmp_path_factory):
    require("bwrap", "bubblewrap")
    classroom = Classroom(tmp_path_factory.mktemp("hostile-classify"))
    release(classroom, [CLASSIFY])
    blank = release_notebook(classroom, CLASSIFY, "classify")
    honest = edited(blank, answers=HONEST_LABELS)
    submit(classroom, CLASSIFY, "a-solution", {"classify": source_notebook(classroom, CLASSIFY,
                                                                           "classify")})
    submit(classroom, CLASSIFY, "honest", {"classify": honest})
    submit(classroom, CLASSIFY, "blank", {"classify": blank})
    for name, attack in {**FORGERIES, **CROSS_LEARNER}.items():
        submit(classroom, CLASSIFY, f"m-{name}", {"classify": _attacked(honest, "answers", attack)})
    reader = copy.deepcopy(honest)
    reader.cells.append(new_code_cell(KEY_READER))
    submit(classroom, CLASSIFY, "m-key-reader", {"classify": reader})
    submit(classroom, CLASSIFY, "z-solution", {"classify": source_notebook(classroom, CLASSIFY,
                                                                           "classify")})
    limits = Limits(timeout=10, cpu=10, memory=1 << 30)
    outcomes = {o.learner: o for o in grade_assignment(classroom, CLASSIFY, progress=False,
                                                       jobs=1, limits=limits)}  # fmt: skip
    return classroom, outcomes


def _score(outcomes, learner):
    outcome = outcomes[learner]
    assert outcome.status == "graded", outcome.message
    return outcome.score


def _outputs(classroom, learner, assignment=CLASSIFY, name="classify") -> str:
    """Everything the cells of a learner's autograded notebook printed, showed or raised."""
    nb = nbformat.read(classroom.folder("autograded", assignment, learner) / f"{name}.ipynb", 4)
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts.append(str(output.get("data", {}).get("text/plain", "")))
            parts.append(f"{output.get('ename', '')}: {output.get('evalue', '')}")
    return "\n".join(parts)


@pytest.mark.parametrize("attack", sorted(FORGERIES))
def test_forging_earns_nothing(classify, attack):
    classroom, outcomes = classify
    honest = _score(outcomes, "honest")
    assert 0 < honest < 31
    assert _score(outcomes, f"m-{attack}") == honest


@pytest.mark.parametrize("attack", sorted(CROSS_LEARNER))
def test_one_learner_cannot_touch_another(classify, attack):
    classroom, outcomes = classify
    assert _score(outcomes, f"m-{attack}") == _score(outcomes, "honest")
    assert _score(outcomes, "a-solution") == _score(outcomes, "z-solution") == 31
    assert _score(outcomes, "blank") == 0


def test_the_runner_holds_nothing_of_the_grader(classify):
    classroom, _ = classify
    text = _outputs(classroom, "m-writes-to-proc")
    assert "WROTE" not in text and "ENVIRON" not in text
    assert text.count("BLOCKED") == 13


def test_no_process_outlives_its_notebook(classify):
    classroom, _ = classify
    survivors = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == "triadhopper":
                survivors.append(pid)
        except OSError:
            continue
    assert not survivors
    for learner in ("m-signals-everyone", "z-solution"):
        assert "planted" not in _outputs(classroom, learner)


def test_an_output_flood_is_cut_outside_the_learners_reach(classify):
    classroom, outcomes = classify
    path = classroom.folder("autograded", CLASSIFY, "m-lifts-the-output-cap") / "classify.ipynb"
    assert path.stat().st_size < 12 << 20
    assert "output truncated" in path.read_text()


def test_the_key_never_reaches_a_learner(classify):
    classroom, outcomes = classify
    assert _score(outcomes, "m-key-reader") == _score(outcomes, "honest")
    reader = _outputs(classroom, "m-key-reader")
    assert "KEY None" in reader
    assert "judge" not in reader.split("FRAMES", 1)[1], "no frame of the grader's is below"
    for learner in outcomes:
        if outcomes[learner].status != "graded":
            continue
        for page in classroom.folder("feedback", CLASSIFY, learner).glob("*.html"):
            text = page.read_text()
            assert KEY_SENTENCE not in text, f"{learner}'s feedback carries the key"
            assert "KEY = {" not in text and "BEGIN HIDDEN TESTS" not in text
    blank = (classroom.folder("feedback", CLASSIFY, "blank") / "classify.html").read_text()
    assert "R07: not answered." in blank


# --- functions: plan-a-program --------------------------------------------------------------

WRONG_WEEKS = "\ndef program_weeks(projects):\n    return 0\n"
FUNCTION_ATTACKS = {
    "equals-everything": (
        "\nclass _Anything(int):\n"
        "    def __eq__(self, other):\n        return True\n"
        "    __hash__ = int.__hash__\n"
        "def program_weeks(projects):\n    return _Anything(0)\n"
    ),
    "exits": "\ndef program_weeks(projects):\n    import os\n    os._exit(0)\n",
    "kills-its-notebook": (
        "\ndef program_weeks(projects):\n    import os, signal\n"
        "    os.kill(os.getppid(), signal.SIGKILL)\n    os.kill(1, signal.SIGKILL)\n    return 0\n"
    ),
    "never-returns": "\ndef program_weeks(projects):\n    while True:\n        pass\n",
    "remembers-calls": (
        "\n_seen = []\n"
        "def program_weeks(projects):\n"
        "    _seen.append(len(projects))\n"
        "    return 0 if len(_seen) == 1 else 27 * len(_seen)\n"
    ),
}


# The course's own planning helpers, which the lessons use, compute what the exercise asks.
COPIES_THE_COURSE = (
    "\ndef program_weeks(projects):\n"
    "    import importlib.util, course\n"
    "    spec = importlib.util.spec_from_file_location(\n"
    "        '_ref', course.__path__[0] + '/planning.py')\n"
    "    ref = importlib.util.module_from_spec(spec)\n"
    "    spec.loader.exec_module(ref)\n"
    "    return ref.program_weeks(projects)\n"
)


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    require("bwrap", "bubblewrap")
    classroom = Classroom(tmp_path_factory.mktemp("hostile-plan"))
    release(classroom, [PLAN])
    source = source_notebook(classroom, PLAN, "plan")
    blank = release_notebook(classroom, PLAN, "plan")
    solved = edited(blank, **{cell: solution_source(source, cell)
                              for cell in ("schedule", "critical_path", "serves")})
    submit(classroom, PLAN, "a-solution", {"plan": solved})
    submit(classroom, PLAN, "honest", {"plan": _attacked(solved, "critical_path", WRONG_WEEKS)})
    for name, attack in FUNCTION_ATTACKS.items():
        submit(classroom, PLAN, f"m-{name}", {"plan": _attacked(solved, "critical_path", attack)})
    submit(classroom, PLAN, "m-copies-the-course",
           {"plan": _attacked(solved, "critical_path", WRONG_WEEKS + COPIES_THE_COURSE)})
    submit(classroom, PLAN, "z-solution", {"plan": solved})
    limits = Limits(call=3.0)  # each call that never returns waits this long
    outcomes = {o.learner: o for o in grade_assignment(classroom, PLAN, progress=False, jobs=1,
                                                       limits=limits)}  # fmt: skip
    return classroom, outcomes


@pytest.mark.parametrize("attack", sorted(FUNCTION_ATTACKS))
def test_a_function_answer_earns_only_what_its_results_earn(plan, attack):
    classroom, outcomes = plan
    assert _score(outcomes, "a-solution") == _score(outcomes, "z-solution") == 33
    assert _score(outcomes, f"m-{attack}") == _score(outcomes, "honest") == 33 - 2 - 4


def test_a_call_past_its_time_is_reported_and_the_rest_is_marked(plan):
    classroom, _ = plan
    assert "did not finish within" in _outputs(classroom, "m-never-returns", PLAN, "plan")


def test_a_call_that_ends_its_process_fails_at_once(plan):
    """A function that exits without answering is reported as such, not as one out of time."""
    classroom, _ = plan
    outputs = _outputs(classroom, "m-exits", PLAN, "plan")
    assert "the function stopped its process" in outputs
    assert "did not finish within" not in outputs


@pytest.mark.xfail(strict=True, reason="course/planning.py, which lessons 5 and 6 use, is a "
                   "reference solution every learner can read; the grader cannot tell a copy")
def test_a_copy_of_the_courses_own_planning_code_earns_nothing(plan):
    classroom, outcomes = plan
    assert _score(outcomes, "m-copies-the-course") == _score(outcomes, "honest")
