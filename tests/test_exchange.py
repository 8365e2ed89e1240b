"""`triad distribute / collect / return` with nbgrader's exchange, on one account.

The learner's side is nbgrader's own command line, as a learner would type it;
tests/test_hub.py runs the same round on a hub with separate accounts.
"""

from __future__ import annotations

import getpass
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.classroom import Classroom
from autograder.cli import main
from autograder.exchange import collect, learner_config_text

ASSIGNMENT = "classify-responsibilities"
# nbgrader's own API misspells an argument when it releases feedback.
pytestmark = pytest.mark.filterwarnings("ignore:Passing unrecognized arguments:DeprecationWarning")


def nbgrader(cwd: Path, *args: str) -> str:
    step = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args, "--course", "triad"],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert step.returncode == 0, step.stderr
    return step.stderr


def test_an_assignment_goes_out_comes_in_and_its_feedback_goes_back(tmp_path, capsys):
    course, exchange, home = tmp_path / "course", tmp_path / "exchange", tmp_path / "home"
    home.mkdir()
    (home / "nbgrader_config.py").write_text(learner_config_text(exchange))
    options = ["--course-dir", str(course), "--exchange", str(exchange)]

    assert main(["distribute", ASSIGNMENT, *options]) == 0
    assert (exchange / "triad" / "outbound" / ASSIGNMENT / "classify.ipynb").exists()
    assert main(["distribute", ASSIGNMENT, *options]) == 1  # already out: say so
    assert "add --force" in capsys.readouterr().err
    assert main(["distribute", ASSIGNMENT, "--force", *options]) == 0

    nbgrader(home, "fetch_assignment", ASSIGNMENT)
    nbgrader(home, "submit", ASSIGNMENT)
    inbound = list((exchange / "triad" / "inbound").iterdir())
    assert len(inbound) == 1 and inbound[0].name.startswith(f"{getpass.getuser()}+{ASSIGNMENT}+")

    assert main(["collect", ASSIGNMENT, *options]) == 0
    learner = getpass.getuser()
    assert collect(Classroom(course), ASSIGNMENT, exchange).learners == [learner]
    classroom = Classroom(course)
    assert classroom.api.autograde(ASSIGNMENT, learner, force=True, create=True)["success"]

    assert main(["return", ASSIGNMENT, *options]) == 0  # makes the missing feedback, returns it
    assert f"returned feedback on {ASSIGNMENT} to 1: {learner}" in capsys.readouterr().out
    nbgrader(home, "fetch_feedback", ASSIGNMENT)
    (page,) = (home / ASSIGNMENT / "feedback").glob("*/classify.html")
    assert "Score" in page.read_text() or "score" in page.read_text()
    released = nbformat.read(home / ASSIGNMENT / "classify.ipynb", as_version=4)
    assert released.cells, "the learner's own notebook stays in place"


def test_collect_explains_a_missing_exchange(tmp_path, capsys):
    options = ["--course-dir", str(tmp_path / "course"), "--exchange", str(tmp_path / "none")]
    assert main(["collect", ASSIGNMENT, *options]) == 1
    assert "triad collect: collecting" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["distribute", "collect", "return"])
def test_exchange_commands_have_help(command, capsys):
    with pytest.raises(SystemExit) as stop:
        main([command, "--help"])
    assert stop.value.code == 0
    assert "--exchange" in capsys.readouterr().out
