"""Reporters: text grouped per check with a summary, JSON, SARIF 2.1.0, GitHub annotations."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from mixpeek_tools.findings import Finding, Severity
from mixpeek_tools.validator import run_checks
from mixpeek_tools.validator.examples import SYNTAX_ERROR
from mixpeek_tools.validator.model import CheckReport
from mixpeek_tools.validator.reporters import github, json_report, sarif, text

from .conftest import MakePlugin

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-2.1.0-subset.schema.json").read_text())


@pytest.fixture
def failing_report(make_plugin: MakePlugin) -> CheckReport:
    """A real run over a plugin with a syntax error and no processors/__init__.py."""
    root = make_plugin({**SYNTAX_ERROR, "processors/__init__.py": None})
    return run_checks(root, select=["structure"])


def test_text_groups_findings_under_their_check_and_ends_with_the_verdict(
    failing_report: CheckReport,
) -> None:
    out = text.render(failing_report)
    lines = out.splitlines()
    structure_at = next(i for i, line in enumerate(lines) if line.startswith("structure"))
    assert "FAILED" in lines[structure_at]
    assert any("pipeline.py:" in line and "MP104" in line for line in lines[structure_at:])
    assert any("MP103" in line for line in lines[structure_at:])
    assert lines[-1].startswith("FAILED:")
    assert "passed" not in out


def test_text_never_says_passed_when_an_error_remains() -> None:
    report = CheckReport(findings=[Finding(rule="X1", message="bad")], failed=True, timings={})
    assert "passed" not in text.render(report)
    assert "FAILED" in report.summary()


def test_text_verbose_shows_timings(failing_report: CheckReport) -> None:
    out = text.render(failing_report, verbose=True)
    assert "s)" in out.splitlines()[1] or any("(0." in line for line in out.splitlines())
    assert "Total check time" in out


def test_json_report_carries_every_finding_and_the_verdict(failing_report: CheckReport) -> None:
    data = json.loads(json_report.render(failing_report))
    assert data["failed"] is True
    rules = {f["rule"] for f in data["findings"]}
    assert {"MP103", "MP104"} <= rules
    syntax = next(f for f in data["findings"] if f["rule"] == "MP104")
    assert syntax["path"] == "pipeline.py" and syntax["line"] > 0 and syntax["severity"] == "error"
    assert next(c["name"] for c in data["checks"]) == "structure"


def test_sarif_validates_against_the_sarif_2_1_0_schema(failing_report: CheckReport) -> None:
    log = json.loads(sarif.render(failing_report))
    jsonschema.validate(log, SCHEMA)
    run = log["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    for result in run["results"]:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
    syntax = next(r for r in run["results"] if r["ruleId"] == "MP104")
    location = syntax["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "pipeline.py", "uriBaseId": "PLUGINROOT"}
    assert location["region"]["startLine"] >= 1
    assert run["originalUriBaseIds"]["PLUGINROOT"]["uri"].startswith("file://")


def test_sarif_schema_subset_rejects_a_broken_log() -> None:
    """The schema copy is strict enough to catch mistakes (so the test above can fail)."""
    log = sarif.to_sarif([Finding(rule="X1", message="m", path="a.py", line=0)])
    log["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(log, SCHEMA)


def test_sarif_takes_plain_findings_so_the_scanner_can_reuse_it() -> None:
    findings = [
        Finding(rule="MP401", message="subprocess is forbidden", path="core.py", line=3, column=1,
                severity=Severity.ERROR, category="command_execution"),
        Finding(rule="MP502", message="no tests", severity=Severity.WARNING),
    ]
    log = sarif.to_sarif(findings, tool_name="mixpeek-scan")
    jsonschema.validate(log, SCHEMA)
    results = log["runs"][0]["results"]
    assert [r["level"] for r in results] == ["error", "warning"]
    assert results[1]["locations"] == []


def test_github_annotations_escape_and_locate(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    finding = Finding(rule="MP104", message="bad: 50%\nsecond line", path="pipeline.py",
                      line=3, column=7, hint="fix, it")
    line = github.annotation(finding, tmp_path / "my_plugin")
    assert line == (
        "::error file=my_plugin/pipeline.py,line=3,col=7,title=MP104::"
        "bad: 50%25%0Asecond line Fix: fix, it"
    )
    warning = github.annotation(Finding(rule="MP502", message="m", severity=Severity.WARNING))
    assert warning.startswith("::warning title=MP502::")


def test_github_annotations_only_inside_github_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    assert not github.enabled()
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert github.enabled()
