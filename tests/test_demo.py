"""`make demo` runs a term in miniature; `make help` names only targets that exist."""

from __future__ import annotations

import csv
import json
import re
import subprocess
from pathlib import Path

from autograder.demo import ASSIGNMENT, run

REPO = Path(__file__).resolve().parent.parent


def test_demo_grades_the_sample_cohort_and_says_where_everything_is(tmp_path, capsys):
    root = tmp_path / "demo"
    assert run(root, timeout=3) == 0
    out = capsys.readouterr().out
    outcomes = {o["learner"]: o for o in json.loads(
        (root / "autograded" / f"{ASSIGNMENT}-outcomes.json").read_text())}
    assert {k: o["status"] for k, o in outcomes.items()} == {
        "right": "graded", "partly": "graded", "blank": "graded", "loops": "graded",
        "broken": "broken", "stranger": "unlisted"}
    assert outcomes["right"]["score"] == 31 and outcomes["blank"]["score"] == 0
    assert 0 < outcomes["partly"]["score"] < 31
    assert "stopped after 3 s: does every loop end?" in outcomes["loops"]["message"]
    for name in ("grades.csv", "grades-canvas.csv", "grades-moodle.csv", "roster.json",
                 "reports/index.html", f"reports/{ASSIGNMENT}/index.html"):
        assert (root / name).is_file(), name
        assert str(root / name) in out, f"{name} is not named in the demo's output"
    with (root / "grades-canvas.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 6 and {r["SIS User ID"] for r in rows} >= {"right", "absent"}
    assert re.search(r"^  grade\s+\d+\.\d s$", out, re.M)


def test_make_help_names_only_targets_that_exist():
    makefile = (REPO / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][\w-]*):", makefile, re.M))
    phony = set(re.search(r"^\.PHONY:(.*)$", makefile, re.M)[1].split())
    assert phony <= targets, f"declared but not defined: {phony - targets}"
    result = subprocess.run(["make", "-s", "help"], cwd=REPO, capture_output=True, text=True)
    named = set(re.findall(r"^make (\S+)", result.stdout, re.M))
    assert named and named <= targets, f"help names missing targets: {named - targets}"
    assert {"lab", "test", "demo"} <= named
