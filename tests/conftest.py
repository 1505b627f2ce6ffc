"""Fixtures of the cross-application tests.

Each real daemon has its own fixture module in ``tests/fixtures``; list it in
``pytest_plugins`` below.

The report hooks live here, not in the subdirectories: with pytest-xdist the
controller process, which writes the report, loads only this conftest.
"""

pytest_plugins = [
    "tests.fixtures.browser",
    "tests.fixtures.slapd",
    "tests.fixtures.dns",
    "tests.fixtures.mailserver",
    "tests.fixtures.dovecot",
    "tests.fixtures.sieve",
    "tests.fixtures.postfix",
    "tests.fixtures.opendkim",
    "tests.fixtures.amavis",
    "tests.fixtures.webmail",
]

# The size of the API permission matrix, printed at the end of the report.

MATRIX_TEST = "test_permission_matrix.py::test_permission_matrix["


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    counts = {}
    for outcome in ("passed", "failed", "error", "skipped"):
        counts[outcome] = sum(
            1
            for report in terminalreporter.stats.get(outcome, [])
            if MATRIX_TEST in getattr(report, "nodeid", "")
            and getattr(report, "when", "call") in ("call", "setup")
            and not (outcome == "passed" and report.when == "setup")
        )
    total = sum(counts.values())
    if total:
        terminalreporter.write_line(
            "API permission matrix: %d cases (endpoint x method x role x reach): "
            "%d passed, %d failed, %d errors, %d skipped"
            % (total, counts["passed"], counts["failed"], counts["error"], counts["skipped"])
        )
