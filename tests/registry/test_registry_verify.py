"""Server-side verification runs plugin code only in a limited child process, never in the registry."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mixpeek_tools.publishing.archive import build_archive
from mixpeek_tools.registry.verify import inspect_archive
from tests.support.plugins import DOCS_PLUGIN as FIXTURE
from tests.support.plugins import copy_docs_plugin

SPY = """
import json as _json, os as _os
with open({out!r}, "w") as _fh:
    _json.dump({{"pid": _os.getpid(), "secret": _os.environ.get("AWS_SECRET_ACCESS_KEY")}}, _fh)
"""


def upload_for(name: str, version: str = "v1") -> dict[str, object]:
    return {"name": name, "version": version}


def test_plugin_code_runs_in_a_child_without_the_registrys_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plugin = copy_docs_plugin(tmp_path / "spy_plugin", name="spy_plugin")
    manifest = plugin / "manifest.py"
    spy_out = tmp_path / "spy.json"
    text = manifest.read_text()
    manifest.write_text(text + SPY.format(out=str(spy_out)))
    archive = build_archive(plugin, "spy_plugin", tmp_path / "spy.tar.gz")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "registry-secret-value")
    work = tmp_path / "work"
    work.mkdir()
    verdict = inspect_archive(archive.path, upload_for("spy_plugin"), work)
    assert verdict.status == "ready", (verdict.violations, verdict.validation_errors)
    spied = json.loads(spy_out.read_text())
    assert spied["pid"] != os.getpid(), "the plugin was imported in the registry's own process"
    assert spied["secret"] is None, "the child must not inherit the registry's credentials"


def test_forbidden_code_is_never_imported_at_all(tmp_path: Path) -> None:
    plugin = copy_docs_plugin(tmp_path / "bad_plugin", name="bad_plugin")
    manifest = plugin / "manifest.py"
    spy_out = tmp_path / "spy.json"
    text = manifest.read_text()
    manifest.write_text(text + SPY.format(out=str(spy_out)) + "\nimport subprocess\n")
    archive = build_archive(plugin, "bad_plugin", tmp_path / "bad.tar.gz")
    work = tmp_path / "work"
    work.mkdir()
    verdict = inspect_archive(archive.path, upload_for("bad_plugin"), work)
    assert verdict.status == "failed" and not verdict.security_scan_passed
    assert not spy_out.exists(), "the scanner refused it, so nothing may run it"


def test_a_manifest_that_disagrees_with_the_upload_fails_validation(tmp_path: Path) -> None:
    archive = build_archive(FIXTURE, "my_extractor", tmp_path / "a.tar.gz")
    work = tmp_path / "work"
    work.mkdir()
    verdict = inspect_archive(archive.path, upload_for("my_extractor", "v9"), work)
    assert verdict.status == "failed" and verdict.security_scan_passed
    assert any(
        e["rule"] == "manifest.mismatch" and "v9" in e["message"] for e in verdict.validation_errors
    )


def test_the_worker_limits_itself_before_checking() -> None:
    probe = (
        "import resource\n"
        "from mixpeek_tools.guard.limits import apply_limits\n"
        "apply_limits()\n"
        "print(resource.getrlimit(resource.RLIMIT_CPU)[0], resource.getrlimit(resource.RLIMIT_AS)[0])\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    cpu, memory = map(int, done.stdout.split())
    assert 0 < cpu <= 120 and 0 < memory <= 8 * 1024**3
