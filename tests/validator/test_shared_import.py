"""``plugin test`` imports the plugin once: schemas and pipeline run inside the pytest child.

Real runs throughout: the CLI as a process, real pytest children, the validator's own example
plugins. The child route must give exactly the findings of the in-process route.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from mixpeek_tools.plugin.loader import purge
from mixpeek_tools.validator import run_checks
from mixpeek_tools.validator.checks import meta, pipeline, schemas
from mixpeek_tools.validator.examples import PACKAGE, write_tree
from mixpeek_tools.validator.model import CheckReport, Example, Rule
from tests.validator.helpers import run_mixpeek

PID_INIT = "import os\nwith open({marker!r}, 'a') as fh:\n    fh.write(str(os.getpid()) + '\\n')\n"
BAD_PYTEST_INI = "[pytest]\naddopts = --no-such-option-anywhere\n"


def _import_examples() -> list[Any]:
    out = []
    for rule in (*meta.RULES, *schemas.RULES, *pipeline.RULES):
        check = "schemas" if rule.check == "meta" else rule.check
        if check not in ("schemas", "pipeline"):
            continue
        for number, example in enumerate(rule.INVALID):
            out.append(pytest.param(rule, check, example, id=f"{rule.id}-{number}"))
    return out


def _findings(report: CheckReport, check: str) -> list[tuple[Any, ...]]:
    result = next(r for r in report.results if r.name == check)
    return [
        (f.rule, f.severity, f.path, f.line, f.column, f.message, f.hint) for f in result.findings
    ] + [(result.status, result.reason)]


def _parent_imported() -> bool:
    return any(n.split(".")[0] in (PACKAGE, f"mixpeek_plugin_{PACKAGE}") for n in sys.modules)


def _forget_plugin() -> None:
    purge(PACKAGE)
    purge(f"mixpeek_plugin_{PACKAGE}")


def test_plugin_test_imports_the_plugin_in_one_process(tmp_path: Path) -> None:
    marker = tmp_path / "pids.txt"
    root = write_tree(tmp_path / "src", {"__init__.py": PID_INIT.format(marker=str(marker))})
    proc = run_mixpeek(
        "plugin", "test", "--path", str(root), "--format", "json",
        env={"MIXPEEK_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    ran = {c["name"] for c in report["checks"] if c["status"] == "ran"}
    assert {"schemas", "pipeline", "tests"} <= ran
    pids = set(marker.read_text(encoding="utf-8").split())
    assert len(pids) == 1, f"the plugin was imported in {len(pids)} processes: {pids}"


@pytest.mark.parametrize(("rule", "check", "example"), _import_examples())
def test_the_child_route_finds_what_the_in_process_route_finds(
    tmp_path: Path, rule: type[Rule], check: str, example: Example
) -> None:
    root = write_tree(tmp_path, example.files, name=example.directory or PACKAGE)
    _forget_plugin()
    in_process = run_checks(root, select=[check])
    _forget_plugin()
    shared = run_checks(root, select=[check, "tests"])
    assert not _parent_imported(), "the kit's process imported the plugin itself"
    assert _findings(shared, check) == _findings(in_process, check)
    assert rule.id in {f.rule for f in shared.findings}


def test_without_a_tests_folder_the_checks_run_in_the_kit_process(tmp_path: Path) -> None:
    bad = schemas.RULES[0].INVALID[0]
    root = write_tree(tmp_path, {**bad.files, "tests/test_plugin.py": None})
    _forget_plugin()
    in_process = run_checks(root, select=["schemas"])
    _forget_plugin()
    report = run_checks(root, select=["schemas", "tests"])
    assert not (root / "tests").exists()
    assert _parent_imported()
    assert _findings(report, "schemas") == _findings(in_process, "schemas")
    assert "MP502" in {f.rule for f in report.findings}


def test_when_the_child_cannot_report_the_checks_run_in_the_kit_process(tmp_path: Path) -> None:
    bad = pipeline.RULES[0].INVALID[0]
    root = write_tree(tmp_path, {**bad.files, "pytest.ini": BAD_PYTEST_INI})
    _forget_plugin()
    in_process = run_checks(root, select=["schemas", "pipeline"])
    _forget_plugin()
    report = run_checks(root)  # pytest refuses its options: it never reaches the checks
    assert "MP503" in {f.rule for f in report.findings}
    assert _parent_imported()
    for check in ("schemas", "pipeline"):
        assert _findings(report, check) == _findings(in_process, check)


def test_a_failed_import_in_the_child_is_reported_once(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"manifest.py": "import no_such_module_anywhere\n"})
    _forget_plugin()
    report = run_checks(root)
    assert [f.rule for f in report.findings].count("MP003") == 1
    statuses = {r.name: r.status for r in report.results}
    assert statuses["schemas"] == "ran" and statuses["pipeline"] == "not-run"
    assert not _parent_imported()
