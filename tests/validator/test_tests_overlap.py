"""``plugin test``: the plugin's pytest child starts once the static gate passes, not last.

The in-process checks (schemas, pipeline) import the plugin while pytest runs, so the test
command costs little more than the plain pytest it replaces (benchmarks/bench_check.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mixpeek_tools.validator import run_checks
from mixpeek_tools.validator.examples import MANIFEST, write_tree

WAIT_FOR_PYTEST = '''\
import os
import pathlib
import time

_mark = pathlib.Path(os.environ["MIXPEEK_OVERLAP_MARK"])
_deadline = time.monotonic() + 20
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
