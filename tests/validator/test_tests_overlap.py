"""``plugin test``: the plugin's pytest child starts once the static gate passes, not last.

The in-process checks (schemas, pipeline) import the plugin while pytest runs, so the test
command costs little more than the plain pytest it replaces (benchmarks/bench_check.py).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mixpeek_tools.findings import Finding
from mixpeek_tools.validator import run_checks, runner
from mixpeek_tools.validator.examples import MANIFEST, write_tree
from mixpeek_tools.validator.model import Check, CheckContext

WAIT_FOR_PYTEST = '''\
import os
import pathlib
import time

_mark = pathlib.Path(os.environ["MIXPEEK_OVERLAP_MARK"])
_deadline = time.monotonic() + 60
while not _mark.exists() and time.monotonic() < _deadline:
    time.sleep(0.05)
pathlib.Path(os.environ["MIXPEEK_OVERLAP_SEEN"]).write_text(str(_mark.exists()))
'''
CONFTEST = 'import os\nimport pathlib\n\npathlib.Path(os.environ["MIXPEEK_OVERLAP_MARK"]).write_text("x")\n'


def test_pytest_runs_while_the_plugin_is_imported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_tree(tmp_path, {"manifest.py": WAIT_FOR_PYTEST + MANIFEST, "tests/conftest.py": CONFTEST})
    seen = tmp_path / "seen"
    monkeypatch.setenv("MIXPEEK_OVERLAP_MARK", str(tmp_path / "pytest-started"))
    monkeypatch.setenv("MIXPEEK_OVERLAP_SEEN", str(seen))
    report = run_checks(root, select=["schemas", "tests"])
    assert not report.failed, report.findings
    assert {r.name: r.status for r in report.results}["tests"] == "ran"
    # the parent's import of the manifest saw pytest's conftest already loaded in the child
    assert seen.read_text() == "True"


def test_a_failing_gate_still_starts_no_pytest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_tree(tmp_path, {"tests/conftest.py": CONFTEST,
                                 "processors/extra.py": "import subprocess\n"})
    mark = tmp_path / "pytest-started"
    monkeypatch.setenv("MIXPEEK_OVERLAP_MARK", str(mark))
    report = run_checks(root, select=["tests"])
    assert report.failed and {r.name: r.status for r in report.results}["tests"] == "not-run"
    assert not mark.exists()


def test_pytest_starts_as_soon_as_the_security_scan_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Structure and names are no gate: they run while the plugin's pytest already runs."""
    root = write_tree(tmp_path, {"tests/conftest.py": CONFTEST})
    mark = tmp_path / "pytest-started"
    monkeypatch.setenv("MIXPEEK_OVERLAP_MARK", str(mark))

    def probe(ctx: CheckContext) -> list[Finding]:
        deadline = time.monotonic() + 60
        while not mark.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        ctx.note(f"pytest started: {mark.exists()}")
        return []

    session = runner.Session(entry_points=False)
    session.checks.insert(0, Check(name="probe", run=probe, order=50))  # a static check
    report = runner.run(root, select=["probe", "tests"], session=session)
    assert not report.failed, report.findings
    results = {r.name: r for r in report.results}
    assert results["probe"].note == "pytest started: True"
    assert [r.name for r in report.results][:3] == ["probe", "structure", "names"]  # listed in order
