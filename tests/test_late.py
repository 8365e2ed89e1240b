"""The late policy: nbgrader's LateSubmissionPlugin, set by ``TRIAD_LATE_PENALTY``."""

from __future__ import annotations

import pytest
from nbgrader.plugins import LateSubmissionPlugin

from autograder.config import nbgrader_config


@pytest.mark.parametrize("setting, method", [(None, "none"), ("zero", "zero"), ("none", "none")])
def test_the_late_penalty_comes_from_the_setting(tmp_path, monkeypatch, setting, method):
    if setting is None:
        monkeypatch.delenv("TRIAD_LATE_PENALTY", raising=False)
    else:
        monkeypatch.setenv("TRIAD_LATE_PENALTY", setting)
    plugin = LateSubmissionPlugin(config=nbgrader_config(tmp_path))
    assert plugin.penalty_method == method
    late = plugin.late_submission_penalty("ada", 10.0, 3600)
    assert late == (10.0 if method == "zero" else None)
