"""The fast executor records what a kernel would, and grades exactly as stock nbgrader does."""

from __future__ import annotations

import copy
import html
import json
import re

import nbformat
import pytest
from nbclient import NotebookClient
from submissions import edited, release_notebook, source_notebook, submit

from autograder import cli
from autograder.build import release
from autograder.classroom import Classroom
from autograder.executor import Zygote
from autograder.grade import grade_assignment
from autograder.sandbox import Limits

A = "classify-responsibilities"

CELLS = [
    "print('a')\nprint('b')",
    "import sys\nprint('to stderr', file=sys.stderr)",
    "1 + 1",
    "x = 3\nx * 2;",
    "from IPython.display import HTML, display\ndisplay(HTML('<b>x</b>'))\n5",
    "1 / 0",
    "input()",
    "import warnings\nwarnings.warn('careful')",
    "import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()",
    "raise SystemExit(3)",
    "_",
    "float('7.5')",
    "print('no newline', end='')",
    "def f():\n    return undefined_name\nf()",
    "from IPython.display import clear_output\nprint('gone')\nclear_output()\nprint('kept')",
]


def summary(outputs: list[dict]) -> list[tuple]:
    """What grading depends on: the kind of each output, stream names and text, results, errors."""
    merged: list[tuple] = []
    for out in outputs:
        kind = out["output_type"]
        if kind == "stream":
            text = out["text"] if out["name"] == "stdout" else "<stderr>"
            if merged and merged[-1][:2] == ("stream", out["name"]):
                merged[-1] = ("stream", out["name"], merged[-1][2] + text)
                if out["name"] == "stderr":
                    merged[-1] = ("stream", "stderr", "<stderr>")
                continue
            merged.append(("stream", out["name"], text))
        elif kind == "execute_result":
            text = re.sub(r"0x[0-9a-f]+", "0x…", out["data"]["text/plain"])
            merged.append((kind, text, out["execution_count"]))
        elif kind == "display_data":
            merged.append((kind, tuple(sorted(out["data"]))))
        elif kind == "error":
            merged.append((kind, out["ename"]))
    return merged


@pytest.fixture(scope="module")
def zygote():
    zygote = Zygote(["pandas"], Limits(timeout=10), sandboxed=False)
    zygote.start()
    yield zygote
    zygote.stop()


def test_outputs_are_what_a_kernel_gives(zygote):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    NotebookClient(nb, timeout=60, allow_errors=True, kernel_name="python3").execute()
    results, status, _ = zygote.run(CELLS, {})
    assert status == "ok"
    for source, cell, result in zip(CELLS, nb.cells, results, strict=True):
        kernel = summary([dict(o) for o in cell.outputs])
        ours = summary(result["outputs"])
        assert ours == kernel, source
        assert result["execution_count"] == cell.execution_count, source


def test_each_notebook_starts_fresh(zygote):
    zygote.run(["leaked = 1", "import os\nos.environ['LEAK'] = '1'"], {})
    results, _, _ = zygote.run(["'leaked' in dir()", "import os\n'LEAK' in os.environ"], {})
    assert [r["outputs"][0]["data"]["text/plain"] for r in results] == ["False", "False"]
    assert results[0]["execution_count"] == 1


def test_data_files_are_in_the_working_folder(zygote):
    results, _, _ = zygote.run(["open('data/table.csv').read()"], {"data/table.csv": b"a,b\n"})
    assert results[0]["outputs"][0]["data"]["text/plain"] == repr("a,b\n")


def test_a_cell_past_its_time_is_interrupted_and_the_rest_runs():
    zygote = Zygote([], Limits(timeout=1.5), sandboxed=False)
    try:
        results, status, _ = zygote.run(["while True:\n    pass", "'after'"], {})
    finally:
        zygote.stop()
    assert status == "ok"
    assert results[0]["outputs"][-1]["output_type"] == "error"
    assert results[1]["outputs"][0]["data"]["text/plain"] == "'after'"


#: A learner's cell that writes files beside the notebook, as a kernel in nbgrader's leaves them.
WRITES = ("import os\nos.makedirs('out', exist_ok=True)\n"
          "open('notes.txt', 'w').write('my notes')\nopen('out/table.csv', 'w').write('a,b')\n")


def folder_files(folder) -> dict[str, str]:
    return {path.relative_to(folder).as_posix(): path.read_text(errors="replace")
            for path in sorted(folder.rglob("*")) if path.is_file() and path.suffix != ".ipynb"}


def feedback_marks(classroom, learner) -> tuple[list[str], list[str]]:
    """What a learner's feedback page tells them: every score shown, every item explained.

    The two executors' pages are laid out differently (Triad's template is its own),
    so the visible text is compared, not the HTML.
    """
    page = (classroom.folder("feedback", A, learner) / "classify.html").read_text()
    page = re.sub(r"<style.*?</style>|<script.*?</script>", " ", page, flags=re.S)
    text = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))
    return (re.findall(r"\d+(?:\.\d+)? / \d+(?:\.\d+)?", text),
            re.findall(r"R\d\d: [^.]*", text))


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    classroom = Classroom(tmp_path_factory.mktemp("classroom"))
    release(classroom, [A])
    solution = source_notebook(classroom, A, "classify")
    blank = release_notebook(classroom, A, "classify")
    answers = dict.fromkeys([f"R{i:02d}" for i in range(1, 27)], "project")
    cohort = {
        "solution": solution,
        "blank": blank,
        "all-project": edited(blank, answers=f"answers = {answers!r}\n"),
        "stderr": edited(solution, answers="import sys\nprint('hm', file=sys.stderr)\n"
                         + next(c.source for c in solution.cells
                                if c.metadata.get("nbgrader", {}).get("grade_id") == "answers")),
        "syntax-error": edited(blank, answers="answers = {\n"),
        "writes-files": edited(solution, answers=WRITES + next(
            c.source for c in solution.cells
            if c.metadata.get("nbgrader", {}).get("grade_id") == "answers")),
        "nbformat-3": nbformat.writes(nbformat.convert(copy.deepcopy(solution), 3)),
    }
    for learner, nb in cohort.items():
        submit(classroom, A, learner, {"classify": nb})
    return classroom


def scores(outcomes) -> dict:
    return {o.learner: (o.status, o.score) for o in outcomes}


def test_fast_and_stock_scores_agree(classroom):
    fast = scores(grade_assignment(classroom, A, progress=False, sandbox=False, jobs=2))
    fast_nb = nbformat.read(classroom.folder("autograded", A, "solution") / "classify.ipynb", 4)
    fast_files = folder_files(classroom.folder("autograded", A, "writes-files"))
    learners = ("solution", "blank", "all-project", "stderr")
    fast_pages = {learner: feedback_marks(classroom, learner) for learner in learners}
    stock = scores(grade_assignment(classroom, A, progress=False, executor="stock"))
    assert fast == stock
    # the feedback pages show the same scores, cell by cell, and the same explanations
    for learner in learners:
        assert fast_pages[learner] == feedback_marks(classroom, learner), learner
    marks, explained = fast_pages["all-project"]
    assert marks[0] == f"{fast['all-project'][1]:.1f} / 31.0" and len(marks) == 7
    assert any(line.startswith("R02: not project") for line in explained), explained
    # the judged notebook's files are kept as nbgrader's kernel leaves them, scores untouched
    assert fast["writes-files"] == ("graded", 31)
    assert fast_files == folder_files(classroom.folder("autograded", A, "writes-files"))
    assert fast_files["notes.txt"] == "my notes" and fast_files["out/table.csv"] == "a,b"
    assert fast["solution"] == ("graded", 31) and fast["all-project"][1] < 31
    stock_nb = nbformat.read(classroom.folder("autograded", A, "solution") / "classify.ipynb", 4)
    assert [summary(c.get("outputs", [])) for c in fast_nb.cells] == [
        summary(c.get("outputs", [])) for c in stock_nb.cells
    ]


def test_outcomes_are_recorded(classroom):
    everyone = set(classroom.submitters(A))
    grade_assignment(classroom, A, ["solution", "blank"], progress=False, sandbox=False)
    record = json.loads((classroom.root / "autograded" / f"{A}-outcomes.json").read_text())
    scores = {o["learner"]: o["score"] for o in record}
    assert scores["solution"] == 31 and scores["blank"] == 0
    assert set(scores) == everyone  # the others keep the outcome of the run before


def test_without_bwrap_grade_says_how_to_install_it(classroom, monkeypatch, capsys):
    monkeypatch.setattr("autograder.grade.find_bwrap", lambda: None)
    monkeypatch.setattr("autograder.executor.find_bwrap", lambda: None)
    status = cli.main(["grade", A, "--course-dir", str(classroom.root), "--quiet"])
    assert status == 2
    assert "apt-get install bubblewrap" in capsys.readouterr().err
    status = cli.main(["grade", A, "--course-dir", str(classroom.root), "--quiet",
                       "--no-sandbox", "--jobs", "1"])  # fmt: skip
    assert status == 0
    assert "solution" in capsys.readouterr().out


def test_stock_executor_is_selectable(classroom, capsys):
    cli.main(["grade", A, "--course-dir", str(classroom.root), "--quiet", "--executor", "stock"])
    assert "31 / 31" in capsys.readouterr().out
