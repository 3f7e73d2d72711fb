"""``mixpeek doctor``: one line per check, JSON on request, exit 1 only for required failures."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import clean_env, fake_api, free_port, mixpeek

from mixpeek_tools import __version__


def _run(tmp_path: Path, *args: str, **env: str) -> tuple[int, dict[str, Any]]:
    result = mixpeek(*args, env=clean_env(tmp_path, **env))
    assert "Traceback" not in result.stderr
    return result.returncode, json.loads(result.stdout) if "--json" in args else {}


def _by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in report["checks"]}


def test_text_report_has_a_status_per_line_and_exits_0_with_warnings(tmp_path: Path) -> None:
    result = mixpeek("doctor", env=clean_env(tmp_path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    names = [line.split()[1] for line in lines]
    assert names[:3] == ["kit", "template", "config"]
    assert {"ray", "gpu", "ffmpeg", "api"} <= set(names)
    assert all(line.split()[0] in {"ok", "warn", "fail"} for line in lines)
    assert f"mixpeek-tools {__version__}" in lines[0]
    assert "warn  api key" in result.stdout  # no key anywhere: a warning, not a failure


@pytest.mark.parametrize("flag", [["--format", "json"], ["--json"]])
def test_json_report_shape(tmp_path: Path, flag: list[str]) -> None:
    result = mixpeek("doctor", *flag, env=clean_env(tmp_path))
    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["ok"] is True
    for check in report["checks"]:
        assert set(check) == {"name", "status", "detail", "required"}
        assert check["status"] in {"ok", "warn", "fail"}


def test_a_reachable_api_with_the_key_and_namespace_is_ok(tmp_path: Path) -> None:
    with fake_api(body={"plugins": [{"plugin_id": "plg_1"}]}) as (url, api):
        code, report = _run(tmp_path, "--base-url", url, "doctor", "-n", "ns_a", "--json",
                            MIXPEEK_API_KEY="sk_test_abcdef123456")  # fmt: skip
    check = _by_name(report)["api"]
    assert code == 0 and check["status"] == "ok" and "1 plugin(s)" in check["detail"]
    assert api.requests[0]["headers"]["Authorization"] == "Bearer sk_test_abcdef123456"
    assert "sk_test_abcdef123456" not in json.dumps(report)  # the key appears only redacted
    assert _by_name(report)["api key"]["detail"].startswith("sk_…3456")


@pytest.mark.parametrize("status", [401, 500])
def test_an_api_that_refuses_is_a_warning_or_with_require_a_failure(tmp_path: Path, status: int) -> None:
    with fake_api(status=status, body={"detail": "no"}) as (url, _):
        code, report = _run(tmp_path, "--base-url", url, "doctor", "-n", "ns_a", "--json",
                            MIXPEEK_API_KEY="sk_test_abcdef123456")  # fmt: skip
        strict, strict_report = _run(tmp_path, "--base-url", url, "doctor", "-n", "ns_a",
                                     "--require", "api", "--json",
                                     MIXPEEK_API_KEY="sk_test_abcdef123456")  # fmt: skip
    assert code == 0 and _by_name(report)["api"]["status"] == "warn"
    assert str(status) in _by_name(report)["api"]["detail"]
    assert strict == 1 and _by_name(strict_report)["api"]["status"] == "fail"


def test_an_unreachable_api_is_reported_not_a_crash(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    code, report = _run(tmp_path, "--base-url", url, "doctor", "-n", "ns_a", "--json",
                        MIXPEEK_API_KEY="sk_test_abcdef123456")  # fmt: skip
    assert code == 0
    assert "unreachable" in _by_name(report)["api"]["detail"]


def test_a_bad_mixpeek_ffmpeg_is_named(tmp_path: Path) -> None:
    code, report = _run(tmp_path, "doctor", "--json", MIXPEEK_FFMPEG=str(tmp_path / "nope"))
    check = _by_name(report)["ffmpeg"]
    assert code == 0 and check["status"] == "warn" and "MIXPEEK_FFMPEG" in check["detail"]
    code, _ = _run(tmp_path, "doctor", "--require", "ffmpeg", "--json", MIXPEEK_FFMPEG=str(tmp_path / "nope"))
    assert code == 1


def test_require_gpu_follows_the_machine(tmp_path: Path) -> None:
    code, report = _run(tmp_path, "doctor", "--require", "gpu", "--json")
    gpu = _by_name(report)["gpu"]
    assert gpu["required"] is True
    if shutil.which("nvidia-smi") is None:
        assert code == 1 and gpu["status"] == "fail"
    else:
        assert gpu["status"] in {"ok", "fail"} and code == (0 if gpu["status"] == "ok" else 1)


def test_an_unknown_require_name_is_a_usage_error(tmp_path: Path) -> None:
    result = mixpeek("doctor", "--require", "tpu", env=clean_env(tmp_path))
    assert result.returncode == 2 and "tpu" in result.stderr


def test_inside_a_plugin_the_template_version_it_came_from_is_shown(tmp_path: Path) -> None:
    plugin = tmp_path / "p"
    plugin.mkdir()
    (plugin / ".copier-answers.yml").write_text("_commit: v1.2.0\n_src_path: x\n")
    code, report = _run(tmp_path, "doctor", "-p", str(plugin), "--json")
    assert code == 0 and "v1.2.0" in _by_name(report)["plugin template"]["detail"]
