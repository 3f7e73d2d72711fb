"""``mixpeek plugin scan`` end to end: real subprocesses, exit codes, text/JSON/SARIF output."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.support.cli import mixpeek


def scan(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return mixpeek("plugin", "scan", *args, cwd=cwd)


def _plugin(root: Path) -> Path:
    plugin = root / "my_plugin"
    (plugin / "steps").mkdir(parents=True)
    (plugin / "pipeline.py").write_text("import torch\nmodel = torch.nn.Linear(2, 2)\nmodel.eval()\n")
    (plugin / "steps" / "sneaky.py").write_text("import os\nrun = getattr(os, 'sys' + 'tem')\n")
    return plugin


def test_clean_folder_exits_zero(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text("import re\nre.compile('a')\n")
    result = scan(str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "No forbidden code found in 1 file scanned." in result.stdout


def test_findings_exit_one_with_text_report(tmp_path: Path) -> None:
    plugin = _plugin(tmp_path)
    result = scan("my_plugin", cwd=tmp_path)
    assert result.returncode == 1
    assert "my_plugin/steps/sneaky.py:2:7: MP401 [command_execution]" in result.stdout
    assert "fix:" in result.stdout
    assert plugin.exists()


def test_json_shape(tmp_path: Path) -> None:
    _plugin(tmp_path)
    result = scan("my_plugin", "--format", "json", "--jobs", "1", cwd=tmp_path)
    assert result.returncode == 1
    payload = json.loads(result.stdout)
    assert payload["files_scanned"] == 2
    (finding,) = payload["findings"]
    assert finding["path"] == "my_plugin/steps/sneaky.py"
    assert (finding["line"], finding["column"], finding["rule"]) == (2, 7, "MP401")
    assert finding["category"] == "command_execution"
    assert finding["message"] and finding["hint"]
    assert finding["source_line"] == "run = getattr(os, 'sys' + 'tem')"


def test_sarif_is_a_sarif_2_1_0_log(tmp_path: Path) -> None:
    _plugin(tmp_path)
    result = scan("my_plugin", "--format", "sarif", cwd=tmp_path)
    assert result.returncode == 1
    log = json.loads(result.stdout)
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    assert [r["ruleId"] for r in run["results"]] == ["MP401"]
    region = run["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == 2


def test_sarif_rules_carry_their_help_text(tmp_path: Path) -> None:
    """Code scanning shows each MP4xx rule's docstring: capability and file-policy rules alike."""
    plugin = _plugin(tmp_path)
    (plugin / "cached.pyc").write_bytes(b"\x55\x0d\x0d\x0a" + b"\x00" * 12)
    result = scan("my_plugin", "--format", "sarif", "--jobs", "1", cwd=tmp_path)
    assert result.returncode == 1
    driver = json.loads(result.stdout)["runs"][0]["tool"]["driver"]
    by_id = {rule["id"]: rule for rule in driver["rules"]}
    assert set(by_id) == {"MP401", "MP415"}
    for rule in by_id.values():
        assert rule["name"] and rule["shortDescription"]["text"]
        for key in ("fullDescription", "help"):
            text = rule[key]["text"]
            assert "Catches:" in text and "Why:" in text and "Fix:" in text, (rule["id"], key)
    assert by_id["MP415"]["name"] == "hidden-code"
    assert by_id["MP415"]["properties"]["category"] == "dynamic_import"


def test_missing_path_is_bad_usage(tmp_path: Path) -> None:
    result = scan(str(tmp_path / "missing"))
    assert result.returncode == 2
    assert "no such file or folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_option_value_is_bad_usage(tmp_path: Path) -> None:
    assert scan(str(tmp_path), "--format", "xml").returncode == 2
    result = scan(str(tmp_path), "--jobs", "0")
    assert result.returncode == 2 and "--jobs" in result.stderr


def test_forbid_option_adds_names(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("import yaml\nyaml.load('x')\n")
    assert scan(str(tmp_path)).returncode == 0
    result = scan(str(tmp_path), "--forbid", "yaml.load=dynamic_code", "--format", "json")
    assert result.returncode == 1
    assert json.loads(result.stdout)["findings"][0]["category"] == "dynamic_code"


def test_cache_dir_gives_the_same_answer(tmp_path: Path) -> None:
    _plugin(tmp_path)
    first = scan("my_plugin", "--cache-dir", ".scan-cache", "--format", "json", cwd=tmp_path)
    second = scan("my_plugin", "--cache-dir", ".scan-cache", "--format", "json", cwd=tmp_path)
    assert first.returncode == second.returncode == 1
    assert json.loads(first.stdout) == json.loads(second.stdout)
    assert any((tmp_path / ".scan-cache").rglob("*.json"))
