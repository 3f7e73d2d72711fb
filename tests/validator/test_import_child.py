"""A cold validate imports the plugin in a forked child that imported pydantic while the static
gate ran (``mixpeek_tools.validator.import_child``): same findings as importing it in the kit's
own process, and no import at all when the gate fails."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

from mixpeek_tools.validator import import_child, run_checks
from mixpeek_tools.validator.examples import MANIFEST, write_tree

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked on Linux only")

PID_MARK = 'import os\nimport pathlib\n\npathlib.Path(os.environ["MIXPEEK_IMPORT_PID"]).write_text(str(os.getpid()))\n'
CASES = {
    "passing": {},
    "schema error": {"manifest.py": PID_MARK + MANIFEST + "\noutput_schema = 42\n"},
    "import error": {"manifest.py": PID_MARK + MANIFEST + "\nraise RuntimeError('boom')\n"},
}


def _outcome(report: Any) -> tuple[list[tuple[Any, ...]], dict[str, str]]:
    findings = [(f.rule, f.path, f.line, f.message) for f in report.findings]
    return findings, {r.name: r.status for r in report.results}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_child_imports_the_plugin_and_gives_the_findings_the_kits_process_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    overrides = CASES[case] or {"manifest.py": PID_MARK + MANIFEST}
    root = write_tree(tmp_path, overrides)
    mark = tmp_path / "imported-by"
    monkeypatch.setenv("MIXPEEK_IMPORT_PID", str(mark))
    started: list[Any] = []
    start = import_child.start

    def recording(*args: Any) -> Any:
        started.append(start(*args))
        return started[-1]

    monkeypatch.setattr(import_child, "start", recording)
    forked = run_checks(root, static_only=True)
    assert started[0] is not None and int(mark.read_text()) == started[0].pid != os.getpid()
    monkeypatch.setattr(import_child, "start", lambda *args: None)
    here = run_checks(root, static_only=True)
    assert int(mark.read_text()) == os.getpid()
    assert _outcome(forked) == _outcome(here)
    assert forked.failed == (case != "passing")


def test_a_failing_gate_never_lets_the_child_import_the_plugin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_tree(tmp_path, {"manifest.py": PID_MARK + MANIFEST,
                                 "processors/extra.py": "import subprocess\n"})  # fmt: skip
    mark = tmp_path / "imported-by"
    monkeypatch.setenv("MIXPEEK_IMPORT_PID", str(mark))
    started: list[Any] = []
    start = import_child.start
    monkeypatch.setattr(import_child, "start", lambda *args: started.append(start(*args)) or started[-1])
    report = run_checks(root, static_only=True)
    assert started[0] is not None
    assert report.failed and {r.name: r.status for r in report.results}["schemas"] == "not-run"
    assert not mark.exists()
    with pytest.raises(ChildProcessError):
        os.waitpid(started[0].pid, os.WNOHANG)  # reaped
