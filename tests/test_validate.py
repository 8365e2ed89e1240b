"""Validate, as JupyterLab's button runs it: the teaching message, no traceback, no warning."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.build import release
from autograder.classroom import Classroom
from autograder.config import write_workspace_config
from course.feedback import CheckFailed, teaches


def test_a_failed_check_renders_as_its_message_only():
    @teaches
    def check_positive(x):
        if x <= 0:  # (pytest rewrites an assert statement's message here)
            raise AssertionError("x must be positive: count from 1.")

    with pytest.raises(AssertionError) as caught:
        check_positive(-1)
    assert isinstance(caught.value, CheckFailed) and caught.value.__cause__ is None
    rendered = caught.value._render_traceback_()
    assert len(rendered) == 1 and rendered[0].endswith("AssertionError\x1b[0m: x must be "
                                                       "positive: count from 1.")
    assert check_positive(2) is None


def test_validate_shows_the_lesson_not_the_course_code(tmp_path):
    classroom = Classroom(tmp_path / "course")
    (folder,) = release(classroom, ["classify-responsibilities"])
    workspace = tmp_path / ("a-long-folder-name-" * 4) / "workspace"  # sockets need short paths
    shutil.copytree(folder, workspace / folder.name)
    write_workspace_config(workspace)
    nbgrader = Path(sys.executable).parent / "nbgrader"
    result = subprocess.run([str(nbgrader), "validate", f"{folder.name}/classify.ipynb"],
                            cwd=workspace, capture_output=True, text=True, timeout=120)
    both = result.stdout + result.stderr
    assert "VALIDATION FAILED" in both
    assert "AssertionError: Use only the labels 'project', 'program', 'product'" in both
    assert "course/checks.py" not in both and "Traceback" not in both
    assert "TCP without encryption" not in both
