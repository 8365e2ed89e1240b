"""The course in a real browser: JupyterLab started by `triad lab`, driven by Chromium.

A learner's path, step by step, with a screenshot of each step in
``screenshots/browser/``: run every cell of lesson 1 and of the planning lesson
without an error, answer a practice check and read its explanation, see the
assignment handed out through nbgrader's exchange in the Assignments panel and
submit it there, and press Validate on a finished assignment (the wait from the
click to the answer is printed).

Needs Debian's ``chromium`` (installed by the test when run as root) and the
``playwright`` package from the ``test`` extra; the browser playwright would
download is never used.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from sysdeps import require

from autograder.classroom import Classroom
from autograder.exchange import distribute, write_learner_config
from autograder.paths import REPO

sync_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]'")

ASSIGNMENT = "classify-responsibilities"
LESSONS = ["01-three-words", "05-planning-a-program"]
SHOTS = REPO / "screenshots" / "browser"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
    "--headless",
]
START_TIMEOUT = 120  # seconds for `triad lab` to prepare the workspace and answer
RUN_ALL_TIMEOUT = 90_000  # ms for a lesson's cells to finish
TOKEN = "triad-browser-test"

# JupyterLab user settings for the test: every cell stays in the page (no
# virtual scrolling) and no news or update checks go out.
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "checkForUpdates": False,
        "fetchNews": "false",
    },
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def solved(workspace: Path) -> nbformat.NotebookNode:
    """The learner's notebook with the answer cell filled in from the instructor's solution."""
    mine = nbformat.read(workspace / ASSIGNMENT / "classify.ipynb", as_version=4)
    from autograder.workspace import workspace_classroom

    source = nbformat.read(
        workspace_classroom(workspace).folder("source", ASSIGNMENT) / "classify.ipynb",
        as_version=4,
    )
    answer = next(c for c in source.cells if c.metadata.get("nbgrader", {}).get("solution"))
    grade_id = answer.metadata["nbgrader"]["grade_id"]
    text = "\n".join(
        line
        for line in answer.source.splitlines()
        if not line.lstrip().startswith(("### BEGIN", "### END"))
    )
    cell = next(c for c in mine.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    cell.source = text
    return mine


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on a fresh learner workspace, with one assignment in a local exchange."""
    chromium = require("chromium", "chromium", path_hint="/usr/bin/chromium")
    root = tmp_path_factory.mktemp("browser")
    workspace, exchange = root / "workspace", root / "exchange"
    # The Assignments panel reads nbgrader_config.py from the folder JupyterLab serves.
    write_learner_config(workspace, exchange)
    settings = root / "lab-settings"
    for name, values in SETTINGS.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(root / "jupyter-config"),
        JUPYTER_RUNTIME_DIR=str(root / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(root / "lab-workspaces"),
    )
    port = free_port()
    allow_root = ["--ServerApp.allow_root=True"] if os.geteuid() == 0 else []
    log = (root / "lab.log").open("w")
    triad = [sys.executable, "-m", "autograder.cli", "lab", "--workspace", str(workspace)]
    server = subprocess.Popen(
        [*triad, "--no-browser", "--", f"--port={port}", f"--ServerApp.token={TOKEN}",
         "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0", *allow_root],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        # While `triad lab` prepares the workspace, the instructor hands the assignment out.
        distribute(Classroom(root / "course"), ASSIGNMENT, exchange)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start:\n{(root / 'lab.log').read_text()}")
                time.sleep(0.5)
        # The learner has finished the assignment (only the answer cell changes).
        nbformat.write(solved(workspace), workspace / ASSIGNMENT / "classify.ipynb")
        yield {"base": base, "workspace": workspace, "exchange": exchange, "chromium": chromium}
    finally:
        server.send_signal(signal.SIGINT)  # JupyterLab shuts its kernels down on ^C ...
        try:
            server.wait(timeout=3)
        except subprocess.TimeoutExpired:
            server.terminate()  # ... and on SIGTERM when the ^C prompt is waiting
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        log.close()


@pytest.fixture(scope="module")
def page(lab):
    if SHOTS.exists():
        shutil.rmtree(SHOTS)
    SHOTS.mkdir(parents=True)
    print(f"\nscreenshots in {SHOTS}")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=lab["chromium"], args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        context.set_default_timeout(30_000)
        page = context.new_page()
        page.goto(f"{lab['base']}/lab?token={TOKEN}")
        page.locator("#jp-main-dock-panel").wait_for()
        yield page
        context.close()
        browser.close()


def shot(page, name: str) -> None:
    page.screenshot(path=SHOTS / f"{name}.png")


def open_notebook(page, lab, path: str):
    """Open ``path`` in a fresh tab of JupyterLab, wait for its kernel, return the panel."""
    page.goto(f"{lab['base']}/lab/tree/{path}?token={TOKEN}&reset")
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").last
    panel.locator(".jp-Notebook .jp-Cell").first.wait_for()
    return panel


def wait_kernel_idle(page, panel) -> None:
    """Wait until the status bar reports the notebook's kernel idle."""
    page.locator("#jp-main-statusbar", has_text=re.compile(r"\| Idle")).wait_for(
        timeout=60_000
    )


def run_all_cells(page) -> None:
    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()


def all_cells_ran_js() -> str:
    return """() => {
        const panel = [...document.querySelectorAll('.jp-NotebookPanel')]
            .find(p => !p.classList.contains('lm-mod-hidden'));
        const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
        return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
    }"""


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_runs_and_a_practice_check_answers(page, lab, lesson):
    panel = open_notebook(page, lab, f"lessons/{lesson}.ipynb")
    wait_kernel_idle(page, panel)
    shot(page, f"{lesson}-1-opened")

    started = time.monotonic()
    run_all_cells(page)
    page.wait_for_function(all_cells_ran_js(), timeout=RUN_ALL_TIMEOUT, polling=250)
    wait_kernel_idle(page, panel)
    print(f"\n{lesson}: all cells ran in {time.monotonic() - started:.1f} s")
    shot(page, f"{lesson}-2-ran")

    tracebacks = panel.locator(".jp-OutputArea-output", has_text="Traceback")
    assert tracebacks.count() == 0, tracebacks.first.inner_text()[:2000]
    page.keyboard.press("Control+s")
    saved = lab["workspace"] / "lessons" / f"{lesson}.ipynb"
    deadline = time.monotonic() + 15
    while True:
        cells = nbformat.read(saved, as_version=4).cells
        if all(c.execution_count for c in cells if c.cell_type == "code"):
            break
        assert time.monotonic() < deadline, f"{saved} was not saved with its outputs"
        time.sleep(0.3)
    errors = [
        f"{o.ename}: {o.evalue}"
        for c in cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error"
    ]
    assert errors == [], f"{lesson} raised {errors}"

    button = panel.locator(".jupyter-widgets.widget-button").first
    button.scroll_into_view_if_needed()
    explanations = panel.locator(".widget-html-content", has_text=re.compile(r"^\s*[✅❌]"))
    before = explanations.count()
    label = button.inner_text()
    button.click()
    explanations.nth(before).wait_for(timeout=15_000)
    explanation = explanations.nth(before).inner_text().strip()
    assert explanation[0] in "✅❌" and len(explanation) > 10, explanation
    print(f"{lesson}: clicked {label!r} -> {explanation[:80]!r}")
    explanations.nth(before).scroll_into_view_if_needed()
    shot(page, f"{lesson}-3-practice-check")


def test_assignments_panel_shows_the_assignment_and_submits_it(page, lab):
    """The workspace already holds the released assignment, so nbgrader lists it as downloaded."""
    page.goto(f"{lab['base']}/lab?token={TOKEN}&reset")
    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    page.locator(".lm-Menu-item", has_text="Assignment List").click()
    fetched = page.locator("#fetched_assignments_list")
    try:
        fetched.get_by_text(ASSIGNMENT).wait_for(timeout=30_000)
    finally:
        shot(page, "assignments-1-panel")
    assert "triad" in fetched.inner_text()  # the course

    fetched.locator("button", has_text="Submit").first.click()
    submitted = page.locator("#submitted_assignments_list")
    submitted.get_by_text(ASSIGNMENT).wait_for(timeout=30_000)
    shot(page, "assignments-2-submitted")
    inbound = lab["exchange"] / "triad" / "inbound"
    assert [p.name.split("+")[1] for p in inbound.iterdir()] == [ASSIGNMENT]


def test_validate_reports_success_for_a_solved_assignment(page, lab):
    panel = open_notebook(page, lab, f"{ASSIGNMENT}/classify.ipynb")
    shot(page, "validate-1-opened")
    button = panel.locator(".jp-NotebookPanel-toolbar").get_by_text("Validate", exact=True)
    started = time.monotonic()
    button.click()
    dialog = page.locator(".jp-Dialog")
    dialog.get_by_text("Success! Your notebook passes all the tests.").wait_for(timeout=60_000)
    waited = time.monotonic() - started
    print(f"\nValidate: the learner waited {waited:.1f} s for the answer")
    shot(page, "validate-2-result")
    assert "error" not in dialog.inner_text().lower()
    dialog.locator("button", has_text=re.compile("OK|Close|Dismiss", re.I)).first.click()
