"""Shared test set-up."""

import matplotlib

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
