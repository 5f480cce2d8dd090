"""The side-by-side table of test_autograde.py, printed at the end of the session."""

REPORT: list[str] = []


def pytest_terminal_summary(terminalreporter):
    if REPORT:
        terminalreporter.section("nbgrader autograde beside make grade")
        terminalreporter.write_line(REPORT[0])
