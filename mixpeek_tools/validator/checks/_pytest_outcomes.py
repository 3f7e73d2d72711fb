"""A pytest plugin loaded into the child pytest of the tests check (``-p`` on its command line).

Writes every failed or erroring test id, with the file and line where it failed, to the JSON file
named by ``$MIXPEEK_PYTEST_REPORT``. Reading ids from pytest itself is exact where parsing its
terminal output would not be. Under ``mixpeek plugin test --guard`` it first makes this pytest
process a guarded child too (:mod:`mixpeek_tools.guard.child`), before any test is collected.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

if os.environ.get("MIXPEEK_GUARD_SPEC"):  # a guarded run: guard this pytest child too
    from pathlib import Path

    from mixpeek_tools.guard.child import prepare_from_spec

    prepare_from_spec(Path(os.environ["MIXPEEK_GUARD_SPEC"]))

_OUTCOMES: list[dict[str, Any]] = []
_COUNTS = {"passed": 0, "failed": 0, "skipped": 0, "errors": 0}


def _crash(report: Any) -> tuple[str | None, int | None, str]:
    """The file, 1-based line and one-line message of the failure."""
    longrepr = report.longrepr
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None:
        return str(crash.path), int(crash.lineno), str(crash.message).splitlines()[0][:300]
    text = str(longrepr or "").strip().splitlines()
    return None, None, (text[-1] if text else "failed")[:300]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Record each test's outcome (errors in setup/teardown count as errors)."""
    if report.when == "call":
        if report.passed:
            _COUNTS["passed"] += 1
        elif report.skipped:
            _COUNTS["skipped"] += 1
    if report.failed:
        path, line, message = _crash(report)
        kind = "failed" if report.when == "call" else "error"
        _COUNTS["failed" if kind == "failed" else "errors"] += 1
        _OUTCOMES.append(
            {"nodeid": report.nodeid, "kind": kind, "path": path, "line": line, "message": message}
        )
    elif report.skipped and report.when == "setup":
        _COUNTS["skipped"] += 1


def pytest_collectreport(report: pytest.CollectReport) -> None:
    """A module that fails to import is a collection error, reported with its own id."""
    if report.failed:
        path, line, message = _crash(report)
        _COUNTS["errors"] += 1
        _OUTCOMES.append(
            {"nodeid": report.nodeid, "kind": "collection", "path": path, "line": line,
             "message": message}
        )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Write the outcomes once the run is over; then run the import checks the kit asked for."""
    target = os.environ.get("MIXPEEK_PYTEST_REPORT")
    if target:
        with open(target, "w", encoding="utf-8") as fh:
            json.dump(
                {"outcomes": _OUTCOMES, "counts": _COUNTS, "collected": session.testscollected,
                 "exitstatus": int(exitstatus)},
                fh,
            )
    if os.environ.get("MIXPEEK_SHARED_CHECKS"):  # plugin test: schemas/pipeline run here too
        from mixpeek_tools.validator.shared_import import report_from_child

        report_from_child()
