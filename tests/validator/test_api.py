"""The public API publishing and the registry call: `run_checks(...) -> CheckReport`."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

from mixpeek_tools.validator import CheckReport, run_checks
from mixpeek_tools.validator.examples import CORE

from .conftest import MakePlugin


def test_importing_the_validator_is_cheap() -> None:
    """mixpeek-check and the CLI import it on every start: no pluggy, pydantic, libcst, pandas."""
    probe = ("import sys, json, mixpeek_tools.validator\n"
             "print(json.dumps([m for m in ('pluggy', 'pydantic', 'libcst', 'pandas') "
             "if m in sys.modules]))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert json.loads(result.stdout) == []


def test_run_checks_has_the_documented_signature() -> None:
    params = inspect.signature(run_checks).parameters
    assert list(params) == ["plugin_path", "static_only", "select", "skip", "sample_data",
                            "params", "for_publish", "no_import"]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for n, p in params.items() if n != "plugin_path")


def test_a_clean_plugin_gives_an_unfailed_report_with_timings(make_plugin: MakePlugin) -> None:
    report = run_checks(make_plugin(), static_only=True)
    assert isinstance(report, CheckReport)
    assert report.failed is False and report.findings == []
    # the static gate (no plugin code) first, then the checks that import the plugin
    assert list(report.timings) == ["structure", "names", "security", "schemas", "pipeline"]
    assert all(seconds >= 0 for seconds in report.timings.values())


def test_for_publish_reports_forbidden_code_as_a_failure(make_plugin: MakePlugin) -> None:
    root = make_plugin({"processors/core.py": "import subprocess\n" + CORE,
                        "pyproject.toml": '[tool.mixpeek.severity]\nMP401 = "off"\n'})
    local = run_checks(root, static_only=True)
    assert not local.failed  # the author switched the rule off for local runs...
    published = run_checks(root, static_only=True, for_publish=True)
    assert published.failed  # ...but publishing ignores that
    finding = next(f for f in published.findings if f.rule == "MP401")
    assert finding.path == "processors/core.py" and finding.line == 1 and finding.check == "security"


def test_paths_in_findings_are_relative_to_the_plugin(make_plugin: MakePlugin, tmp_path: Path) -> None:
    root = make_plugin({"processors/__init__.py": None})
    report = run_checks(root, select=["structure"])
    assert {f.path for f in report.findings} == {"processors/__init__.py"}
