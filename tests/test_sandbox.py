"""Learner code at grading time is sandboxed: each hostile submission below fails at what it tries,
gets its score, and the rest of the cohort is graded.

Every hostile learner answers all 26 statements correctly and then attacks, so
a hostile submission that is contained still scores 31 (or 0 when the attack
takes the whole notebook down with it), and its cell outputs say what the
attack saw.
"""

from __future__ import annotations

import ast
import socket
import sys
import threading
from pathlib import Path

import nbformat
import pytest
from submissions import release_notebook, source_notebook, submit
from sysdeps import require

from autograder.build import release
from autograder.classroom import Classroom
from autograder.grade import grade_assignment
from autograder.paths import EXERCISES
from autograder.sandbox import Limits

A = "classify-responsibilities"


def reading(path: str) -> str:
    return (
        "try:\n"
        f"    print('READ', open({path!r}).read()[:40])\n"
        "except Exception as error:\n"
        "    print('BLOCKED', type(error).__name__)\n"
    )


def writing(path: str) -> str:
    return (
        "try:\n"
        f"    open({path!r}, 'w').write('pwned')\n"
        "    print('WROTE')\n"
        "except Exception as error:\n"
        "    print('BLOCKED', type(error).__name__)\n"
    )


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    require("bwrap", "bubblewrap")
    classroom = Classroom(tmp_path_factory.mktemp("classroom"))
    root = classroom.root
    release(classroom, [A])
    solution = source_notebook(classroom, A, "classify")
    answers_source = next(
        c.source
        for c in solution.cells
        if c.metadata.get("nbgrader", {}).get("grade_id") == "answers"
    )
    home = Path.home()
    secret_home = tmp_path_factory.mktemp("home")
    (secret_home / ".ssh").mkdir()
    (secret_home / ".ssh" / "id_rsa").write_text("PRIVATE KEY")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    connections = []
    threading.Thread(
        target=lambda: connections.append(listener.accept()), daemon=True
    ).start()
    scratch_target = root / "outside.txt"
    attacks = {
        "reads-source": reading(str(root / "source" / A / "classify.ipynb"))
        + reading(str(EXERCISES / A / "classify.py"))  # the repository's answer key
        + f"import os\nprint('LIST', os.listdir({str(root)!r}))\n",
        "reads-other-learner": reading(str(root / "submitted" / "good" / A / "classify.ipynb")),
        "reads-gradebook": reading(str(root / "gradebook.db")),
        "reads-home": reading(str(secret_home / ".ssh" / "id_rsa"))
        + reading(str(home / ".bashrc"))
        + "import os\n"
        + reading("~/.ssh/id_rsa").replace("open('~", "open(os.path.expanduser('~").replace(
            "id_rsa')", "id_rsa'))")
        + f"print('HOME', os.listdir({str(home)!r}) if os.path.isdir({str(home)!r}) else [])\n",
        "writes-outside": writing(str(scratch_target))
        + writing("/usr/pwned")
        + writing(str(Path(nbformat.__file__).parent / "pwned.py"))
        + writing("/tmp/inside.txt"),
        "opens-socket": (
            "import socket\n"
            "try:\n"
            f"    socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
            "    print('CONNECTED')\n"
            "except Exception as error:\n"
            "    print('BLOCKED', type(error).__name__)\n"
        ),
        "infinite-loop": "while True:\n    pass\n",
        "stubborn-loop": (
            "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
            "signal.signal(signal.SIGXCPU, signal.SIG_IGN)\n"
            "while True:\n    pass\n"
        ),
        "memory-bomb": "hog = bytearray(8 << 30)\n",
        "growing-memory": "hog = []\nwhile True:\n    hog.append(bytearray(64 << 20))\n",
        "huge-output": "import sys\nline = 'x' * (1 << 20) + '\\n'\nfor _ in range(1024):\n"
        "    sys.stdout.write(line)\n",
        "kills-its-worker": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n"
        "os.kill(1, signal.SIGKILL)\n",
        "ends-its-process": "import os\nos._exit(1)\n",
    }
    for learner, attack in attacks.items():
        nb = source_notebook(classroom, A, "classify")
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == "answers":
                cell.source = answers_source + "\n" + attack
        submit(classroom, A, learner, {"classify": nb})
    submit(classroom, A, "good", {"classify": solution})
    submit(classroom, A, "zz-good", {"classify": solution})
    submit(classroom, A, "blank", {"classify": release_notebook(classroom, A, "classify")})
    limits = Limits(timeout=4, cpu=4, memory=1 << 30)
    outcomes = {o.learner: o for o in grade_assignment(classroom, A, progress=False, jobs=2,
                                                       limits=limits)}  # fmt: skip
    listener.close()
    return classroom, outcomes, connections, scratch_target


def answers_output(classroom: Classroom, learner: str) -> str:
    nb = nbformat.read(classroom.folder("autograded", A, learner) / "classify.ipynb", 4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "answers")
    return "".join(
        o.get("text", "") + o.get("evalue", "") + o.get("ename", "") for o in cell.outputs
    )


def test_the_rest_of_the_cohort_is_graded(cohort):
    _, outcomes, _, _ = cohort
    assert outcomes["good"].score == outcomes["zz-good"].score == 31
    assert outcomes["blank"].score == 0
    assert all(o.status == "graded" for o in outcomes.values()), {
        k: o.message for k, o in outcomes.items() if o.status != "graded"
    }


@pytest.mark.parametrize(
    "learner", ["reads-source", "reads-other-learner", "reads-gradebook", "reads-home"]
)
def test_course_files_and_home_are_out_of_reach(cohort, learner):
    classroom, outcomes, _, _ = cohort
    text = answers_output(classroom, learner)
    assert "BLOCKED" in text and "READ" not in text and "PRIVATE" not in text
    assert "BEGIN HIDDEN TESTS" not in text
    assert "LIST" not in text or "gradebook" not in text
    assert outcomes[learner].score == 31  # contained, so its answers still count


def test_home_directory_is_not_there(cohort):
    classroom, _, _, _ = cohort
    text = answers_output(classroom, "reads-home")
    assert text.count("BLOCKED") == 3
    listing = ast.literal_eval(text.split("HOME ", 1)[1].strip())
    # only the folders leading to a Python installation bound read-only, if it is in there
    python = Path(sys.base_prefix).resolve()
    home = Path.home()
    allowed = {python.relative_to(home).parts[0]} if python.is_relative_to(home) else set()
    assert set(listing) <= allowed


def test_nothing_is_written_outside_the_scratch_folder(cohort):
    classroom, outcomes, _, outside = cohort
    text = answers_output(classroom, "writes-outside")
    assert text.count("BLOCKED") == 3 and text.count("WROTE") == 1  # only /tmp, its scratch
    assert not outside.exists()
    assert not Path("/usr/pwned").exists()
    assert not (Path(nbformat.__file__).parent / "pwned.py").exists()
    assert not Path("/tmp/inside.txt").exists()
    assert outcomes["writes-outside"].score == 31


def test_there_is_no_network(cohort):
    classroom, outcomes, connections, _ = cohort
    assert "BLOCKED" in answers_output(classroom, "opens-socket")
    assert not connections
    assert outcomes["opens-socket"].score == 31


@pytest.mark.parametrize("learner", ["infinite-loop", "memory-bomb", "growing-memory"])
def test_time_and_memory_are_bounded_and_the_notebook_goes_on(cohort, learner):
    classroom, outcomes, _, _ = cohort
    text = answers_output(classroom, learner)
    assert "Error" in text or "Interrupt" in text
    assert outcomes[learner].score == 31  # the answers were set before the attack


def test_a_loop_that_ignores_interrupts_is_killed(cohort):
    classroom, outcomes, _, _ = cohort
    assert "CellTimeoutError" in answers_output(classroom, "stubborn-loop")
    assert outcomes["stubborn-loop"].status == "graded"
    assert outcomes["stubborn-loop"].score == 0  # the tests after it could not run


def test_output_is_capped(cohort):
    classroom, outcomes, _, _ = cohort
    path = classroom.folder("autograded", A, "huge-output") / "classify.ipynb"
    assert path.stat().st_size < 20 << 20
    assert outcomes["huge-output"].score == 31


def test_the_worker_is_out_of_a_notebooks_reach(cohort):
    classroom, outcomes, _, _ = cohort
    assert outcomes["kills-its-worker"].status == "graded"
    assert outcomes["kills-its-worker"].score == 31


def test_a_notebook_whose_process_ends_costs_only_that_submission(cohort):
    classroom, outcomes, _, _ = cohort
    assert "DeadKernelError" in answers_output(classroom, "ends-its-process")
    assert outcomes["ends-its-process"].status == "graded"
    assert outcomes["ends-its-process"].score == 0
    assert outcomes["zz-good"].score == 31


def test_progress_names_a_submission_that_runs_long(tmp_path, monkeypatch, capsys):
    import autograder.executor

    require("bwrap", "bubblewrap")
    monkeypatch.setattr(autograder.executor, "SLOW", 1.0)
    classroom = Classroom(tmp_path)
    release(classroom, [A])
    blank = release_notebook(classroom, A, "classify")
    for cell in blank.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "answers":
            cell.source = "while True:\n    pass\n"
    submit(classroom, A, "slowcoach", {"classify": blank})
    capsys.readouterr()
    (outcome,) = grade_assignment(classroom, A, progress=True, jobs=1,
                                  limits=Limits(timeout=7, cpu=7))
    assert outcome.status == "graded"
    assert "slowcoach running for" in capsys.readouterr().err
