"""Triad's fast grader against nbgrader's own autograde, scenario by scenario.

One course root, set up as an nbgrader instructor would (its own
``nbgrader_config.py``, assignments made with ``nbgrader generate_assignment``),
holds nbgrader's own autograde scenarios (the notebooks of nbgrader's test
suite, copied from the installed package, and a few small ones made here).
Two copies of it are graded once each: by nbgrader's autograde
(``--executor stock``) and by Triad's fast executor (sandboxed).  Every test
then compares the two: the score of every cell, late penalties, whether a
submission was graded, and the files in ``autograded/`` with their modes.

Where Triad differs from nbgrader on purpose, the test says so and why (see
"Where Triad differs from nbgrader autograde" in README.md).
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import nbformat
import nbgrader
import pytest
from foreign import Root, nbgrader_api
from nbformat.v4 import new_notebook
from submissions import submit
from sysdeps import require
from test_classic import _cell

FILES = Path(nbgrader.__file__).parent / "tests" / "apps" / "files"
DUE = "2015-02-02 14:58:23.948203 America/Los_Angeles"
#: Seconds per cell: the course's Execute.timeout and Triad's --timeout.  A cell that is
#: not meant to stop within it must not, even on a busy machine: 1 s was too little there.
TIMEOUT = 3

CONFIG = f'''\
c = get_config()
c.CourseDirectory.course_id = "compat"
c.Execute.timeout = {TIMEOUT}
c.Autograde.permissions = 640
c.LateSubmissionPlugin.penalty_method = "zero"
c.AssignLatePenalties.plugin_class = "compat_late.HourlyForSome"
c.Autograde.exclude_overwriting = {{"files": ["helper.py", "sub/helper2.py"]}}
'''

#: A custom late-penalty plugin: one point an hour for learners named ``hourly-*``,
#: the configured method ("zero") for everyone else.
PLUGIN = '''\
from nbgrader.plugins import LateSubmissionPlugin


class HourlyForSome(LateSubmissionPlugin):
    def late_submission_penalty(self, student_id, score, total_seconds_late):
        if student_id.startswith("hourly-"):
            return round(total_seconds_late / 3600)
        return super().late_submission_penalty(student_id, score, total_seconds_late)
'''


def nbgrader_file(name: str) -> nbformat.NotebookNode:
    return nbformat.read(FILES / f"{name}.ipynb", as_version=4)


def without(nb, keep) -> nbformat.NotebookNode:
    nb = copy.deepcopy(nb)
    nb.cells = [cell for cell in nb.cells if keep(cell)]
    return nb


def meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def changed(**edits) -> nbformat.NotebookNode:
    """nbgrader's submitted-changed notebook with some cells' sources replaced."""
    nb = nbgrader_file("submitted-changed")
    for cell in nb.cells:
        if meta(cell).get("grade_id") in edits:
            cell.source = edits[meta(cell)["grade_id"]]
    return nb


def files_source() -> dict[str, nbformat.NotebookNode]:
    p2 = new_notebook(cells=[
        _cell("### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION", "work", solution=True),
        _cell("import helper\nassert helper.VALUE == 'learner'", "uses_helper", grade=True,
              points=1),
        _cell("assert answer == 42", "answer", grade=True, points=1),
    ])  # fmt: skip
    p2.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return {"p1": nbgrader_file("open_relative_file"), "p2": p2}


SIDE_EFFECTS = """\
import os
with open("side-effect.txt", "w") as fh:
    fh.write("a side effect")
os.makedirs("out/deeper", exist_ok=True)
with open("out/deeper/table.csv", "w") as fh:
    fh.write("a,b\\n1,2\\n")
with open("data.txt", "w") as fh:
    fh.write("rewritten by the learner")
answer = 42"""

#: A file of the instructor's that the links a learner's code makes point at.
BAIT = "instructors-file.txt"

#: What a learner's code may try to have the grader write for it (never followed or kept).
HOSTILE_EFFECTS = """\
import os
os.symlink("BAIT", "bait-link")  # a file of the instructor's, outside the course root
os.symlink("/", "root-link")
os.mkfifo("a-fifo")
with open("kept.txt", "w") as fh:
    fh.write("kept")
answer = 42"""


#: More than the grader keeps of what a notebook writes: 600 files, and one of 17 MiB.
FLOODS = """\
import os
os.makedirs("many", exist_ok=True)
for i in range(600):
    with open(f"many/{i:03}.txt", "w") as fh:
        fh.write(str(i))
with open("huge.bin", "wb") as fh:
    fh.write(b"x" * (17 << 20))
answer = 42"""


R_KERNEL = {"name": "ir", "display_name": "R", "language": "R"}


def with_kernelspec(nb, kernelspec: dict | None) -> nbformat.NotebookNode:
    nb = copy.deepcopy(nb)
    nb.metadata.pop("kernelspec", None)
    if kernelspec is not None:
        nb.metadata.kernelspec = kernelspec
    return nb


def build(root: Path) -> None:
    """The course root: its configuration, its assignments, its learners' submissions."""
    root.mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(CONFIG)
    from nbgrader.api import Gradebook

    sources = {
        "ps1": {"p1": nbgrader_file("submitted-unchanged")},
        "two": {"p1": nbgrader_file("submitted-unchanged"),
                "p2": nbgrader_file("submitted-unchanged")},
        "files": files_source(),
        "slow": {"p1": nbgrader_file("timeout"), "p2": nbgrader_file("infinite-loop")},
        "old": {"p1": nbgrader_file("test")},
        "hidden": {"p1": nbgrader_file("test-hidden-tests")},
        # the source's own kernelspec: R (nbgrader's executor; no R kernel here), none (Python)
        "r-source": {"p1": with_kernelspec(nbgrader_file("submitted-unchanged"), R_KERNEL)},
        "no-kernel-source": {"p1": with_kernelspec(nbgrader_file("submitted-unchanged"), None)},
    }  # fmt: skip
    api = nbgrader_api(root)
    with Gradebook(api.coursedir.db_url, "compat") as gb:
        for assignment in sources:
            gb.update_or_create_assignment(assignment, duedate=DUE)
    for assignment, notebooks in sources.items():
        folder = root / "source" / assignment
        folder.mkdir(parents=True)
        for name, nb in notebooks.items():
            nbformat.write(nb, folder / f"{name}.ipynb")
    (root / "source" / "files" / "data.txt").write_text((FILES / "data.txt").read_text())
    (root / "source" / "files" / "helper.py").write_text("VALUE = 'source'\n")
    (root / "source" / "files" / "sub").mkdir()
    (root / "source" / "files" / "sub" / "helper2.py").write_text("VALUE = 'source'\n")
    (root / "source" / "files" / "sub" / "notes.txt").write_text("the source's notes\n")
    for assignment in sources:
        assert api.generate_assignment(assignment, force=True, create=True)["success"], assignment

    course = Root(root)

    def hand_in(assignment, learner, notebooks, timestamp=None, extra=None):
        folder = submit(course, assignment, learner, notebooks)
        if timestamp is not None:
            (folder / "timestamp.txt").write_text(timestamp)
        for name, text in (extra or {}).items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text)

    # ps1: nbgrader's own submissions of test_nbgrader_autograde.py
    for name in ("submitted-unchanged", "submitted-changed", "submitted-cheat-attempt",
                 "submitted-cheat-attempt-alternative", "submitted-grade-cell-changed",
                 "submitted-locked-cell-changed"):  # fmt: skip
        hand_in("ps1", name.removeprefix("submitted-"), {"p1": nbgrader_file(name)})
    hand_in("ps1", "on-time", {"p1": changed()}, "2015-02-01 14:58:23.948203 America/Los_Angeles")
    hand_in("ps1", "late-zero", {"p1": changed()}, "2015-02-02 15:58:23.948203 America/Los_Angeles")
    hand_in("ps1", "hourly-late", {"p1": changed()},
            "2015-02-02 15:58:23.948203 America/Los_Angeles")
    hand_in("ps1", "empty-timestamp", {"p1": changed()}, "")
    hand_in("ps1", "bad-timestamp", {"p1": changed()}, "not a date")
    hand_in("ps1", "extra-notebook",
            {"p1": changed(), "p1 copy": nbgrader_file("submitted-unchanged")})
    hand_in("ps1", "no-tests", {"p1": without(changed(), lambda c: not (
        meta(c).get("grade") and not meta(c).get("solution")))})
    stripped = changed()
    for cell in stripped.cells:
        cell.metadata.pop("nbgrader", None)
    hand_in("ps1", "stripped", {"p1": stripped})
    duplicated = changed()
    bar = next(i for i, c in enumerate(duplicated.cells) if meta(c).get("grade_id") == "bar")
    duplicated.cells.insert(bar, copy.deepcopy(duplicated.cells[bar]))
    hand_in("ps1", "duplicated-cell", {"p1": duplicated})
    hand_in("ps1", "exits", {"p1": changed(set_a="a = 1\nimport os\nos._exit(1)")})
    wrong_kernel = changed()
    wrong_kernel.metadata.kernelspec = {"name": "blah", "display_name": "Blah", "language": "blah"}
    hand_in("ps1", "wrong-kernel", {"p1": wrong_kernel})
    no_kernel = changed()
    del no_kernel.metadata["kernelspec"]
    hand_in("ps1", "no-kernel", {"p1": no_kernel})
    (root / "submitted" / "empty-folder" / "ps1").mkdir(parents=True)

    # two notebooks, one missing
    hand_in("two", "only-p1", {"p1": changed()})
    hand_in("two", "both", {"p1": changed(), "p2": nbgrader_file("submitted-unchanged")})

    # files next to the notebooks: data, exclude_overwriting, side effects
    release = {name: nbformat.read(root / "release" / "files" / f"{name}.ipynb", 4)
               for name in ("p1", "p2")}  # fmt: skip

    def p2_with(code):
        nb = copy.deepcopy(release["p2"])
        nb.cells[0].source = code
        return {"p1": release["p1"], "p2": nb}

    hand_in("files", "edits-helper", p2_with("answer = 42"), extra={
        "helper.py": "VALUE = 'learner'\n", "sub/helper2.py": "VALUE = 'learner'\n",
        "data.txt": "only\ntwo lines", "sub/notes.txt": "the learner's notes\n",
        "mine.txt": "the learner's own file\n", "cache.pyc": "ignored",
    })  # fmt: skip
    hand_in("files", "side-effects", p2_with(SIDE_EFFECTS))
    bait = root.parent / BAIT
    bait.write_text("the instructor's own file\n")
    bait.chmod(0o604)
    hand_in("files", "hostile-effects", p2_with(HOSTILE_EFFECTS.replace("BAIT", str(bait))))
    hand_in("files", "floods", p2_with(FLOODS))

    # a cell that runs past the time limit, a loop that never ends
    hand_in("slow", "sleeper",
            {"p1": nbgrader_file("timeout"), "p2": nbgrader_file("infinite-loop")})

    # hidden tests: visible ones pass, hidden ones fail (nbgrader's test-hidden-tests)
    visible = nbformat.read(root / "release" / "hidden" / "p1.ipynb", 4)
    for cell in visible.cells:
        cell.source = cell.source.replace("raise NotImplementedError()", "")
    hand_in("hidden", "passes-visible", {"p1": visible})

    # a source for a kernel other than Python, and one that names no kernel
    r_release = nbformat.read(root / "release" / "r-source" / "p1.ipynb", 4)
    hand_in("r-source", "r-learner", {"p1": r_release})
    hand_in("no-kernel-source", "changed", {"p1": with_kernelspec(changed(), None)})
    hand_in("no-kernel-source", "unchanged", {"p1": nbformat.read(
        root / "release" / "no-kernel-source" / "p1.ipynb", 4)})

    # metadata of older (or newer) nbgrader versions
    for version in ("test-v0", "test-v1", "test-v2", "too-new"):
        hand_in("old", version.removeprefix("test-"), {"p1": nbgrader_file(version)})
    from nbgrader.nbgraderformat import MetadataValidator

    updated = MetadataValidator().upgrade_notebook_metadata(nbgrader_file("test-v0"))
    hand_in("old", "v0-updated", {"p1": updated})


ASSIGNMENTS = ("ps1", "two", "files", "slow", "old", "hidden", "r-source", "no-kernel-source")
#: The course roots nbgrader's executor grades side by side: their assignments, and their
#: learners (None: all).  nbgrader's takes about a second a notebook, so they share the work.
STOCK = {
    "stock-a": {"ps1": ["unchanged", "changed", "cheat-attempt", "cheat-attempt-alternative",
                        "grade-cell-changed", "locked-cell-changed", "on-time", "late-zero",
                        "hourly-late", "empty-timestamp", "extra-notebook", "bad-timestamp"]},
    "stock-b": {"ps1": ["no-tests", "stripped", "duplicated-cell", "exits", "wrong-kernel",
                        "no-kernel", "empty-folder"],
                "two": None, "old": None},
    "stock-c": {"files": None, "slow": None, "hidden": None, "r-source": None,
                "no-kernel-source": None},
}  # fmt: skip

#: nbgrader alone, with none of Triad's settings: where Triad differs on purpose.
PURE = {"ps1": ["no-tests", "stripped", "duplicated-cell"]}
GRADE_PURE = """\
import json, sys
sys.path.insert(0, sys.argv[3])
from foreign import nbgrader_api
api = nbgrader_api(sys.argv[1])
print(json.dumps({a: {learner: api.autograde(a, learner, force=True, create=True)["success"]
                      for learner in learners}
                  for a, learners in json.loads(sys.argv[2]).items()}))
"""

GRADE_STOCK = """\
import json, sys
from autograder.classroom import Classroom
from autograder.grade import grade_assignment
from dataclasses import asdict
classroom = Classroom(sys.argv[1])
classroom.api.generate_feedback = lambda *a, **k: {"success": True}  # feedback is not compared
print(json.dumps({a: [asdict(o) for o in grade_assignment(classroom, a, learners, progress=False,
                                                          executor="stock")]
                  for a, learners in json.loads(sys.argv[2]).items()}))
"""


def snapshot(root: Path, assignments) -> dict:
    """Every learner's grades, per cell, as the gradebook holds them, and their files."""
    from nbgrader.api import Gradebook

    from autograder.classroom import Classroom

    classroom = Classroom(root)
    grades = {}
    with Gradebook(classroom.db_url, classroom.course_id) as gb:
        for assignment, learners in assignments.items():
            for submission in gb.assignment_submissions(assignment):
                if learners is not None and submission.student.id not in learners:
                    continue
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        grades[(assignment, submission.student.id, notebook.name, grade.name)] = (
                            grade.auto_score, grade.needs_manual_grade)
                    grades[(assignment, submission.student.id, notebook.name, "late")] = (
                        notebook.late_submission_penalty)
    files = {}
    autograded = root / "autograded"
    for parent, _, names in os.walk(autograded):  # links to folders are not descended into
        learner, assignment = (Path(parent).relative_to(autograded).parts + (None, None))[:2]
        learners = assignments.get(assignment, ())
        if assignment not in assignments or learners is not None and learner not in learners:
            continue
        for name in names:
            path = Path(parent, name)
            info = path.lstat()
            kind = ("link" if stat.S_ISLNK(info.st_mode) else
                    oct(stat.S_IMODE(info.st_mode)) if stat.S_ISREG(info.st_mode) else "special")
            files[path.relative_to(autograded).as_posix()] = kind
        for name in os.listdir(parent):
            path = Path(parent, name)
            if path.is_symlink() and path.is_dir():
                files[path.relative_to(autograded).as_posix()] = "link"
    return {"grades": grades, "files": files}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    require("bwrap", "bubblewrap")
    base = tmp_path_factory.mktemp("compat")
    plugins = base / "plugins"
    plugins.mkdir()
    (plugins / "compat_late.py").write_text(PLUGIN)
    sys.path.insert(0, str(plugins))
    try:
        build(base / "template")
        for executor in ("fast", "pure", *STOCK):
            shutil.copytree(base / "template", base / executor, symlinks=True)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [str(plugins), str(Path(__file__).parent.parent), os.environ.get("PYTHONPATH", "")]))
        # nbgrader's executor runs in processes of their own (one course root each, so that
        # no two write one SQLite gradebook) while Triad's grades here
        stocks = [subprocess.Popen([sys.executable, "-c", GRADE_STOCK, str(base / name),
                                    json.dumps(part)],
                                   stdout=subprocess.PIPE, env=env, text=True)
                  for name, part in STOCK.items()]  # fmt: skip
        pure = subprocess.Popen([sys.executable, "-c", GRADE_PURE, str(base / "pure"),
                                 json.dumps(PURE), str(Path(__file__).parent)],
                                stdout=subprocess.PIPE, env=env, text=True)
        from autograder.classroom import Classroom
        from autograder.grade import grade_assignment
        from autograder.sandbox import Limits

        classroom = Classroom(base / "fast")
        limits = Limits(timeout=TIMEOUT, cpu=TIMEOUT)
        fast = {a: grade_assignment(classroom, a, progress=False, limits=limits, jobs=1)
                for a in ASSIGNMENTS}  # fmt: skip
        stock_outcomes = {a: [] for a in ASSIGNMENTS}
        for stock in stocks:
            out, _ = stock.communicate(timeout=300)
            assert stock.returncode == 0
            for a, outcomes in json.loads(out.splitlines()[-1]).items():
                stock_outcomes[a] += outcomes
        out, _ = pure.communicate(timeout=300)
        assert pure.returncode == 0
        pure_success = json.loads(out.splitlines()[-1])
        stock_snapshot = {"grades": {}, "files": {}}
        for name, part in STOCK.items():
            for key, value in snapshot(base / name, part).items():
                stock_snapshot[key].update(value)
        outcomes = {
            "fast": {(a, o.learner): o for a in ASSIGNMENTS for o in fast[a]},
            "stock": {(a, o["learner"]): _Outcome(**o) for a in ASSIGNMENTS
                      for o in stock_outcomes[a]},
        }  # fmt: skip
        return {
            "outcomes": outcomes,
            "fast": snapshot(base / "fast", dict.fromkeys(ASSIGNMENTS)),
            "stock": stock_snapshot,
            "pure": {"success": pure_success, **snapshot(base / "pure", PURE)},
            "roots": {"fast": base / "fast"},
            "bait": base / BAIT,
        }
    finally:
        sys.path.remove(str(plugins))


class _Outcome:
    def __init__(self, **fields):
        self.__dict__.update(fields)

    def __repr__(self):
        return f"Outcome({self.__dict__})"


def grades_of(graded, executor, assignment, learner) -> dict:
    return {key[2:]: value for key, value in graded[executor]["grades"].items()
            if key[:2] == (assignment, learner)}  # fmt: skip


def files_of(graded, executor, assignment, learner, *, regular=False) -> dict:
    prefix = f"{learner}/{assignment}/"
    return {path[len(prefix):]: mode for path, mode in graded[executor]["files"].items()
            if path.startswith(prefix) and not (regular and mode in ("link", "special"))}


def same(graded, assignment, learner, *, regular=False):
    """Both executors graded (or refused) the submission alike, cell by cell, file by file.

    ``regular``: only regular files are compared (Triad keeps no links, FIFOs...).
    """
    fast = graded["outcomes"]["fast"][(assignment, learner)]
    stock = graded["outcomes"]["stock"][(assignment, learner)]
    assert fast.status == stock.status, (fast, stock)
    assert (fast.score, fast.max_score) == (stock.score, stock.max_score), (fast, stock)
    assert grades_of(graded, "fast", assignment, learner) == grades_of(
        graded, "stock", assignment, learner)
    assert files_of(graded, "fast", assignment, learner) == files_of(
        graded, "stock", assignment, learner, regular=regular)
    return fast


SAME_IN_PS1 = ["unchanged", "changed", "cheat-attempt", "cheat-attempt-alternative",
               "grade-cell-changed", "locked-cell-changed", "on-time", "late-zero",
               "hourly-late", "empty-timestamp", "extra-notebook", "stripped", "wrong-kernel",
               "no-kernel", "empty-folder", "bad-timestamp", "no-tests", "duplicated-cell",
               "exits"]


@pytest.mark.parametrize("learner", SAME_IN_PS1)
def test_ps1_is_graded_alike(graded, learner):
    same(graded, "ps1", learner)


def test_nbgraders_own_scores(graded):
    """The scores nbgrader's own tests expect of its notebooks."""
    outcomes = graded["outcomes"]["fast"]
    expected = {"unchanged": 1, "changed": 2, "cheat-attempt": 1, "cheat-attempt-alternative": 1}
    for learner, score in expected.items():
        assert outcomes[("ps1", learner)].score == score, learner
        assert outcomes[("ps1", learner)].max_score == 7


def test_late_penalties(graded):
    for executor in ("fast", "stock"):
        late = {learner: grades_of(graded, executor, "ps1", learner)[("p1", "late")]
                for learner in ("on-time", "late-zero", "hourly-late")}  # fmt: skip
        assert late == {"on-time": None, "late-zero": 2, "hourly-late": 1}, executor
        # as in nbgrader, the score stays; the penalty is recorded beside it
        assert graded["outcomes"][executor][("ps1", "late-zero")].score == 2


@pytest.mark.parametrize("learner", ["only-p1", "both"])
def test_a_missing_notebook_scores_zero(graded, learner):
    same(graded, "two", learner)
    assert grades_of(graded, "fast", "two", "only-p1")[("p2", "foo")] == (0, False)


@pytest.mark.parametrize("learner", ["edits-helper", "side-effects"])
def test_files_beside_the_notebooks(graded, learner):
    same(graded, "files", learner)


def test_only_regular_files_written_while_grading_are_kept(graded):
    """Documented difference: nbgrader's kernel leaves whatever the learner's code made in
    autograded/ (links to any file of the instructor's or to /, FIFOs), and its
    ``Autograde.permissions`` then reach through such a link to the file itself; Triad
    keeps regular files only, so that nothing the instructor later reads or changes
    there leads outside it."""
    same(graded, "files", "hostile-effects", regular=True)
    stock = files_of(graded, "stock", "files", "hostile-effects")
    assert stock["bait-link"] == stock["root-link"] == "link" and stock["a-fifo"] == "special"
    assert oct(stat.S_IMODE(graded["bait"].stat().st_mode)) == "0o640"  # nbgrader's chmod
    fast = files_of(graded, "fast", "files", "hostile-effects")
    assert fast["kept.txt"] == "0o640"  # the course's Autograde.permissions
    assert not {"bait-link", "root-link", "a-fifo"} & set(fast)


def test_exclude_overwriting_keeps_the_learners_file(graded):
    root = graded["roots"]["fast"] / "autograded" / "edits-helper" / "files"
    assert (root / "helper.py").read_text() == "VALUE = 'learner'\n"
    assert (root / "sub" / "helper2.py").read_text() == "VALUE = 'learner'\n"
    assert (root / "sub" / "notes.txt").read_text() == "the source's notes\n"
    assert (root / "data.txt").read_text() == (FILES / "data.txt").read_text()
    assert grades_of(graded, "fast", "files", "edits-helper")[("p2", "uses_helper")] == (1, False)


def test_files_written_while_grading_are_kept(graded):
    root = graded["roots"]["fast"] / "autograded" / "side-effects" / "files"
    assert (root / "side-effect.txt").read_text() == "a side effect"
    assert (root / "out" / "deeper" / "table.csv").read_text() == "a,b\n1,2\n"
    assert (root / "data.txt").read_text() == "rewritten by the learner"
    assert not (graded["roots"]["fast"] / "submitted" / "side-effects" / "files" /
                "side-effect.txt").exists()


def test_what_a_notebook_writes_is_kept_within_bounds(graded):
    """Documented difference: nbgrader keeps all of it; Triad at most 500 files, 16 MiB."""
    same_grades = grades_of(graded, "fast", "files", "floods")
    assert same_grades == grades_of(graded, "stock", "files", "floods")
    stock = files_of(graded, "stock", "files", "floods")
    fast = files_of(graded, "fast", "files", "floods")
    assert "huge.bin" in stock and len([f for f in stock if f.startswith("many/")]) == 600
    assert "huge.bin" not in fast and 0 < len([f for f in fast if f.startswith("many/")]) <= 500
    assert set(fast) < set(stock)
    assert "were not kept" in graded["outcomes"]["fast"][("files", "floods")].message


def test_the_grader_writes_only_plain_names_and_follows_no_link(tmp_path):
    from autograder.files import safe_relative, write_regular_file

    for name in ("../x", "/etc/x", "a/../../x", "a//b", "./x", "", "a\\b", "x\0y", None, 3):
        assert safe_relative(name) is None, name
    assert safe_relative("out/deeper/table.csv") == "out/deeper/table.csv"
    dest, outside = tmp_path / "dest", tmp_path / "outside"
    dest.mkdir()
    outside.mkdir()
    (dest / "link").symlink_to(outside, target_is_directory=True)
    (dest / "file-link").symlink_to(outside / "target")
    assert not write_regular_file(dest, "link/x.txt", b"no")
    assert not write_regular_file(dest, "file-link", b"no")
    assert not write_regular_file(dest, "../outside/y.txt", b"no")
    assert list(outside.iterdir()) == []
    assert write_regular_file(dest, "sub/ok.txt", b"yes")
    assert (dest / "sub" / "ok.txt").read_bytes() == b"yes"


def test_a_source_for_another_kernel_goes_to_nbgraders_executor(graded):
    """An R source is graded by nbgrader's own executor, which fails here as nbgrader does
    (no R kernel is installed): not graded, with a gradebook row, never a crash."""
    fast = same(graded, "r-source", "r-learner")
    assert fast.status == "broken" and "Traceback" not in fast.message
    assert grades_of(graded, "fast", "r-source", "r-learner"), "a flagged gradebook row"


@pytest.mark.parametrize("learner", ["changed", "unchanged"])
def test_a_source_that_names_no_kernel_is_python(graded, learner):
    """nbgrader's kernel manager starts Python for a notebook that names no kernel, and Triad's
    fast executor grades it: the same scores."""
    fast = same(graded, "no-kernel-source", learner)
    assert fast.status == "graded"
    assert fast.score == {"changed": 2, "unchanged": 1}[learner]


def test_hidden_tests_count(graded):
    outcome = same(graded, "hidden", "passes-visible")
    assert (outcome.score, outcome.max_score) == (1.5, 3)  # as in nbgrader's own test
    autograded = graded["roots"]["fast"] / "autograded" / "passes-visible" / "hidden" / "p1.ipynb"
    assert "BEGIN HIDDEN TESTS" in autograded.read_text()


def test_slow_cells_are_stopped(graded):
    outcome = same(graded, "slow", "sleeper")
    assert outcome.status == "graded" and outcome.score == 0


@pytest.mark.parametrize("learner", ["v0", "v1", "v2", "too-new", "v0-updated"])
def test_old_metadata(graded, learner):
    outcome = same(graded, "old", learner)
    if learner == "v0-updated":
        assert outcome.status == "graded"
    else:
        assert outcome.status == "broken" and "Traceback" not in outcome.message


# --- where Triad differs from nbgrader on purpose (README.md says why) ------------------------


@pytest.mark.parametrize("learner", ["no-tests", "stripped"])
def test_deleted_test_cells_are_put_back_and_graded(graded, learner):
    """nbgrader alone leaves a deleted test cell (or one whose metadata was stripped) without
    a score, waiting for manual grading; Triad puts it back from the source version and
    grades it (``OverwriteCells.add_missing_cells``, with ``RestoreMissingCells`` where
    nbgrader's own fails with a KeyError)."""
    assert graded["pure"]["success"]["ps1"][learner] is True
    pure = {key[2:]: value for key, value in graded["pure"]["grades"].items()
            if key[:2] == ("ps1", learner)}  # fmt: skip
    assert pure[("p1", "foo")] == pure[("p1", "bar")] == (None, True)
    triad = grades_of(graded, "fast", "ps1", learner)
    assert triad == grades_of(graded, "stock", "ps1", learner)
    assert triad[("p1", "foo")] == (1, False) and triad[("p1", "bar")] == (1, False)


def test_a_duplicated_test_cell_is_graded_once(graded):
    """nbgrader alone stops on a submission with two cells of one grade_id; Triad grades the
    last one (as nbgrader's DeduplicateIds keeps it) and ignores the copy."""
    assert graded["pure"]["success"]["ps1"]["duplicated-cell"] is False
    outcome = same(graded, "ps1", "duplicated-cell")
    assert outcome.status == "graded" and outcome.score == 2


def test_nothing_ungradeable_ends_in_a_traceback(graded):
    """nbgrader's own messages for these are "see the above traceback" (and an
    AttributeError of its own for an unreadable timestamp); Triad's say what is wrong."""
    outcomes = graded["outcomes"]["fast"]
    broken = {key: o.message for key, o in outcomes.items() if o.status != "graded"}
    assert set(broken) == {("ps1", "bad-timestamp"), ("ps1", "exits"), ("ps1", "empty-folder"),
                           ("old", "v0"), ("old", "v1"), ("old", "v2"), ("old", "too-new"),
                           ("r-source", "r-learner")}
    for message in broken.values():
        assert "Traceback" not in message and "Error:" not in message
        assert "KeyError" not in message and "AttributeError" not in message
    assert "timestamp.txt ('not a date')" in broken[("ps1", "bad-timestamp")]
    assert "os._exit()" in broken[("ps1", "exits")]
    assert "nbgrader update" in broken[("old", "v1")]
    assert "too new" in broken[("old", "too-new")]
    assert "its kernel, ir, is not installed here" in broken[("r-source", "r-learner")]
