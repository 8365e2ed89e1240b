"""What grading keeps from one run to the next, and the zygotes started before the grader.

The compiled feedback templates are kept in the user's cache and compiled again
when a template changes; neither that cache nor ``triad check``'s private course
root is within reach of learner code.  Zygotes started early by the command line
are handed to the grading processes, or stopped when they do not fit.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

import fastjsonschema
import jupytext
import nbformat
import pytest
from jinja2 import Environment, FileSystemLoader
from submissions import edited, release_notebook, solution_source, source_notebook, submit
from sysdeps import require

from autograder import executor, zygotes
from autograder.build import release
from autograder.classroom import Classroom
from autograder.executor import compiled_schema, template_cache
from autograder.grade import grade_assignment
from autograder.paths import check_course_dir, user_cache_dir
from autograder.sandbox import Limits

A = "classify-responsibilities"


def render(folder, name: str = "page.j2") -> str:
    environment = Environment(loader=FileSystemLoader(str(folder)), bytecode_cache=template_cache())
    return environment.get_template(name).render(x=1)


def test_a_changed_template_is_compiled_again(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "page.j2").write_text("first {{ x }}")
    assert render(templates) == "first 1"
    cache = user_cache_dir() / "templates"
    assert list(cache.iterdir()), "the compiled template is kept"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert render(templates) == "first 1"  # a fresh environment, from the cache
    (templates / "page.j2").write_text("second {{ x }}")
    assert render(templates) == "second 1"


def test_no_template_cache_where_it_cannot_be_made(tmp_path, monkeypatch):
    (tmp_path / "not-a-folder").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "not-a-folder"))
    assert template_cache() is None
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "page.j2").write_text("still {{ x }}")
    assert render(templates) == "still 1"


def _schema() -> dict:
    with resources.files("nbformat").joinpath("v4", "nbformat.v4.5.schema.json").open() as f:
        return json.load(f)


def test_a_notebook_schema_check_loaded_compiled_says_what_fastjsonschema_says(tmp_path,
                                                                               monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    schema = _schema()
    fresh = fastjsonschema.compile(schema)
    compiled = compiled_schema(schema)  # compiled here, and kept
    (kept,) = (user_cache_dir() / "schemas").iterdir()
    loaded = compiled_schema(schema)
    assert stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
    good = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1"),
                                           nbformat.v4.new_markdown_cell("*x*")])
    exercise = Path(__file__).parents[1] / "exercises" / A / "classify.py"
    course = json.loads(jupytext.writes(jupytext.read(exercise), fmt="ipynb"))
    bad_cell = {**good, "cells": [{"cell_type": "bogus", "id": "x", "metadata": {}}]}
    no_metadata = {key: value for key, value in good.items() if key != "metadata"}
    wrong_type = {**good, "nbformat": "4"}
    extra = {**good, "surprise": 1}
    checked = 0
    for instance in (good, course, bad_cell, no_metadata, wrong_type, extra):
        said = []
        for check in (fresh, compiled, loaded):
            try:
                check(json.loads(json.dumps(instance)))
                said.append("valid")
            except fastjsonschema.JsonSchemaValueException as error:
                said.append(f"{error.message} at {error.path}")
        assert said[0] == said[1] == said[2], said
        checked += said[0] != "valid"
    assert checked == 4  # the four broken ones are refused, by each
    kept.write_bytes(b"not code")  # a damaged cache is compiled again
    assert compiled_schema(schema)(json.loads(json.dumps(good)))
    with pytest.raises(fastjsonschema.JsonSchemaValueException):
        compiled_schema(schema)(bad_cell)


def test_learner_code_cannot_reach_the_caches(tmp_path):
    require("bwrap", "bubblewrap")
    templates = user_cache_dir() / "templates"
    templates.mkdir(parents=True, exist_ok=True)
    schemas = user_cache_dir() / "schemas"
    schemas.mkdir(parents=True, exist_ok=True)
    root = check_course_dir(tmp_path / "workspace")
    (root / "source" / A).mkdir(parents=True)
    (root / "source" / A / "classify.ipynb").write_text("PRIVATE solutions")
    code = "\n".join(
        f"try:\n    print('SAW', sorted(os.listdir({str(folder)!r})))\n"
        f"except Exception as error:\n    print('BLOCKED', type(error).__name__)\n"
        f"try:\n    open({str(folder / 'pwned')!r}, 'w').write('x')\n    print('WROTE')\n"
        f"except Exception as error:\n    print('BLOCKED', type(error).__name__)\n"
        for folder in (templates, schemas, root, root / "source" / A)
    )
    zygote = zygotes.Zygote([], Limits(timeout=10), sandboxed=True)
    try:
        zygote.start()
        (result,), status, _ = zygote.run(["import os\n" + code], {})
    finally:
        zygote.stop()
        shutil.rmtree(root, ignore_errors=True)
    text = "".join(output.get("text", "") for output in result["outputs"])
    assert status == "ok"
    assert text.count("BLOCKED") == 8, text
    assert "SAW" not in text and "WROTE" not in text and "PRIVATE" not in text
    assert not (templates / "pwned").exists() and not (schemas / "pwned").exists()


@pytest.fixture
def classroom(tmp_path):
    classroom = Classroom(tmp_path / "course")
    release(classroom, [A])
    solution = source_notebook(classroom, A, "classify")
    answers = solution_source(solution, "answers")
    kills = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n"
    submit(classroom, A, "a-solution", {"classify": solution})
    submit(classroom, A, "b-kills-its-zygote", {"classify": edited(solution,
                                                                   answers=answers + kills)})
    submit(classroom, A, "c-solution", {"classify": solution})
    submit(classroom, A, "d-blank", {"classify": release_notebook(classroom, A, "classify")})
    yield classroom
    executor.shutdown()
    zygotes.stop_early()


def scores(outcomes) -> dict:
    return {o.learner: (o.status, o.score) for o in outcomes}


def test_early_zygotes_are_handed_to_the_grading_processes(classroom):
    executor.shutdown()
    early = zygotes.launch_early(classroom.root, A, jobs=2, sandboxed=False)
    assert len(early) == 2 and all(z.alive() for z in early)
    outcomes = scores(grade_assignment(classroom, A, progress=False, sandbox=False, jobs=2))
    assert zygotes._EARLY == []
    assert executor._POOL.handed_over == early  # each grading process took one
    executor.shutdown()
    assert all(z.process is None for z in early)  # reaped by the process that started them
    again = scores(grade_assignment(classroom, A, progress=False, sandbox=False, jobs=2))
    assert outcomes == again
    assert outcomes["a-solution"] == outcomes["c-solution"] == ("graded", 31)
    assert outcomes["d-blank"] == ("graded", 0)


def test_a_grading_process_starts_its_own_when_an_early_zygote_is_killed(classroom):
    executor.shutdown()
    (early,) = zygotes.launch_early(classroom.root, A, jobs=1, sandboxed=False)
    pid = early.process.pid
    outcomes = scores(grade_assignment(classroom, A, progress=False, sandbox=False, jobs=1))
    assert outcomes["b-kills-its-zygote"][0] == "graded"
    assert outcomes["c-solution"] == ("graded", 31)  # graded by the zygote started after it
    assert outcomes["d-blank"] == ("graded", 0)
    executor.shutdown()
    assert early.process is None
    with pytest.raises(ProcessLookupError):  # killed, and reaped by the process that started it
        os.kill(pid, 0)


def _page(classroom, learner: str) -> str:
    """A learner's feedback page, without the ids pandas makes up for each styled table."""
    page = classroom.folder("feedback", A, learner) / "classify.html"
    return re.sub(r"T_[0-9a-f]{5}", "T_id", page.read_text(encoding="utf-8"))


def test_one_submission_graded_cold_has_its_pages_written_by_the_command(classroom, monkeypatch):
    learners = ["a-solution", "d-blank"]
    executor.shutdown()
    by_grading_process = {o.learner: (o.score, _page(classroom, o.learner)) for o in
                          grade_assignment(classroom, A, learners, progress=False, sandbox=False,
                                           jobs=1)}  # fmt: skip
    written_here = []
    write = executor.FeedbackPages.write

    def recorded(self, settings, learner, present):
        written_here.append(learner)  # in this process's memory: a grading process's is its own
        return write(self, settings, learner, present)

    monkeypatch.setattr(executor.FeedbackPages, "write", recorded)
    for learner in learners:
        executor.shutdown()
        assert zygotes.launch_early(classroom.root, A, learners=1, sandboxed=False)
        (outcome,) = grade_assignment(classroom, A, [learner], progress=False, sandbox=False,
                                      force=True)  # fmt: skip
        assert outcome.status == "graded" and outcome.message == ""
        assert (outcome.score, _page(classroom, learner)) == by_grading_process[learner]
    assert written_here == learners
    assert by_grading_process["a-solution"][0] == 31 and by_grading_process["d-blank"][0] == 0
    # a page it cannot write is said, and the grade stands
    executor.shutdown()
    monkeypatch.setattr(executor.FeedbackPages, "write", lambda *args: False)
    zygotes.launch_early(classroom.root, A, learners=1, sandboxed=False)
    (outcome,) = grade_assignment(classroom, A, ["a-solution"], progress=False, sandbox=False,
                                  force=True)  # fmt: skip
    assert outcome.status == "graded" and outcome.score == 31
    assert "feedback could not be generated" in outcome.message
    executor.shutdown()


def test_early_zygotes_that_do_not_fit_are_stopped(classroom):
    early = zygotes.launch_early(classroom.root, A, jobs=1, sandboxed=False)
    assert len(early) == 1
    assert zygotes.take_early(["json"], Limits(), sandboxed=False) == []
    assert early[0].process is None and zygotes._EARLY == []


def test_nothing_is_started_without_a_source_or_a_submission(tmp_path):
    assert zygotes.launch_early(tmp_path, A, sandboxed=False) == []
    classroom = Classroom(tmp_path / "course")
    release(classroom, [A])
    assert zygotes.launch_early(classroom.root, A, sandboxed=False) == []


# --- what a zygote warms up while it waits ---------------------------------------------------

PROBE = ("import json, sys\n"
         "print(json.dumps([m for m in sys.modules\n"
         "                  if m.split('.')[0] in ('pandas', 'matplotlib')]))")


def _loaded(zygote) -> list[str]:
    """The pandas and matplotlib modules a notebook forked from ``zygote`` starts with."""
    results, status, _ = zygote.run([PROBE], {})
    assert status == "ok", results
    return json.loads(results[0]["outputs"][0]["text"])


def _settles(zygote, wanted, seconds: float = 60) -> bool:
    """Whether ``wanted(_loaded(zygote))`` comes true while the zygote warms up, in time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if wanted(_loaded(zygote)):
            return True
        time.sleep(0.5)
    return False


def test_a_grading_zygote_warms_only_what_the_notebooks_show_they_need():
    zygote = zygotes.Zygote(["json"], Limits(), sandboxed=False)
    try:
        zygote.start()
        for _ in range(6):  # idle in between: it has time to warm up anything it would
            assert _loaded(zygote) == []
        chart = ("import matplotlib\nmatplotlib.use('agg')\nimport matplotlib.pyplot as plt\n"
                 "from IPython.display import Image, display\nimport io\n"
                 "buffer = io.BytesIO()\nplt.plot([1, 2])\nplt.savefig(buffer, format='png')\n"
                 "display(Image(buffer.getvalue()))")  # fmt: skip
        results, status, _ = zygote.run([chart], {})
        assert status == "ok" and "image/png" in results[0]["outputs"][0]["data"]
        # one notebook showed a chart: the zygote now renders one itself, for the next ones
        assert _settles(zygote, lambda loaded: "matplotlib.backends.backend_agg" in loaded)
        assert "pandas" not in _loaded(zygote)
    finally:
        zygote.stop()


def test_a_speculating_zygote_warms_everything_while_idle(monkeypatch):
    monkeypatch.setattr(zygotes.Zygote, "speculate", True)
    zygote = zygotes.Zygote(["json"], Limits(), sandboxed=False)
    try:
        zygote.start()
        assert _settles(zygote, lambda loaded: {"pandas", "matplotlib.pyplot"} <= set(loaded))
    finally:
        zygote.stop()


def test_the_marks_of_what_a_notebook_had_to_warm():
    from autograder.runner import warms_needed

    pandas_error = {"output_type": "error", "ename": "KeyError", "evalue": "'zz'",
                    "traceback": ["File /venv/site-packages/pandas/core/frame.py:3761"]}
    plain_error = {"output_type": "error", "ename": "NameError", "evalue": "x",
                   "traceback": ["NameError: name 'x' is not defined"]}
    table = {"output_type": "execute_result", "data": {"text/html": "<div><table>..."}}
    chart = {"output_type": "display_data", "data": {"image/png": "iVBOR..."}}
    assert warms_needed([{"outputs": [pandas_error, table]}, {"outputs": [chart]}]) == {
        "pandas-errors", "tables", "charts"}
    assert warms_needed([{"outputs": [plain_error, {"output_type": "stream", "text": "<table"}]}]) \
        == set()
    assert warms_needed([None, {"outputs": "x"}, {"outputs": [1, {"data": []}]}]) == set()
    assert warms_needed("not a list") == set()


# --- the host's caches lent to the sandbox -----------------------------------------------------


def test_the_font_cache_is_found_without_importing_matplotlib(tmp_path):
    """Starting a sandbox looks up matplotlib's font cache; it never imports matplotlib to do so."""
    probe = ("import json, sys\n"
             "from autograder.sandbox import matplotlib_cache\n"
             "found = matplotlib_cache()\n"
             "print(json.dumps([str(found) if found else None, 'matplotlib' in sys.modules]))")
    env = dict(os.environ, MPLCONFIGDIR=str(tmp_path))

    def lookup() -> list:
        out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                             text=True, check=True)
        return json.loads(out.stdout)

    assert lookup() == [None, False]  # none built yet: none lent, and matplotlib not imported
    (tmp_path / "fontlist-v330.json").write_text("{}")
    (tmp_path / "fontlist-v390.json").write_text("{}")
    assert lookup() == [str(tmp_path / "fontlist-v390.json"), False]  # the newest
