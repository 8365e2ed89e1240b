"""Shared test set-up."""

import os

import matplotlib
import pytest

# Charts are drawn off-screen in tests: no display is needed.
matplotlib.use("Agg")


def pytest_terminal_summary(terminalreporter):
    """Name every lesson that was executed, with its time, at the end of the run."""
    reports = [
        report
        for outcome in ("passed", "failed")
        for report in terminalreporter.stats.get(outcome, [])
        if getattr(report, "when", "") == "call" and "test_lesson_executes[" in report.nodeid
    ]
    if not reports:
        return
    terminalreporter.section("lessons executed")
    for report in sorted(reports, key=lambda r: r.nodeid):
        name = report.nodeid.split("[", 1)[1].rstrip("]")
        terminalreporter.write_line(f"{name:<36} {report.outcome:<7} {report.duration:5.1f} s")
    total = sum(report.duration for report in reports)
    terminalreporter.write_line(f"{'all lessons':<36} {'':<7} {total:5.1f} s")


def pytest_configure(config):
    """Grading runs learner code under bubblewrap: install it first where we can (root, apt).

    No ``triad check`` of a test leaves a warm check server behind (see
    ``autograder.checkserver``); ``tests/test_checkserver.py`` turns it on for itself.
    """
    import os
    import shutil

    os.environ["TRIAD_CHECK_SERVER"] = "0"

    from sysdeps import _apt_install

    if not shutil.which("bwrap"):
        _apt_install("bubblewrap")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A test that grades without bubblewrap available skips naming it (fails under CI=true)."""
    from autograder.sandbox import SandboxUnavailable

    outcome = yield
    report = outcome.get_result()
    excinfo = call.excinfo
    if excinfo is None or not excinfo.errisinstance(SandboxUnavailable):
        return
    if os.environ.get("CI", "").lower() != "true":
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0, f"Skipped: {excinfo.value}")
