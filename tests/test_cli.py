"""`triad lab` starts JupyterLab on the prepared workspace, also when run as root."""

from __future__ import annotations

import pytest

from autograder import cli


@pytest.mark.parametrize("uid, allowed", [(0, True), (1000, False)])
def test_lab_starts_jupyterlab_on_the_workspace(tmp_path, monkeypatch, uid, allowed):
    started = {}
    monkeypatch.chdir(tmp_path)  # `triad lab` changes into the workspace; restore afterwards
    monkeypatch.setattr(cli.os, "geteuid", lambda: uid)
    monkeypatch.setattr(cli.os, "execv", lambda path, argv: started.update(argv=argv))
    monkeypatch.setattr("autograder.workspace.prepare_workspace", lambda workspace: [])
    assert cli.main(["lab", "--workspace", str(tmp_path), "--no-browser", "--", "--port=9"]) == 0
    argv = started["argv"]
    assert argv[1] == "lab" and f"--ServerApp.root_dir={tmp_path}" in argv
    assert "--no-browser" in argv and argv[-1] == "--port=9"
    assert ("--allow-root" in argv) is allowed
