"""The check cache of `validate` / `test`: an unchanged plugin is not checked (or imported) again.

Real runs on real plugins: a hit must give exactly the findings a full run gives, and every
input the findings depend on (a file, the ignore rules, the environment the import resolves in,
the kit's own code) must turn it into a miss.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mixpeek_tools.findings import Finding
from mixpeek_tools.plugin.loader import purge
from mixpeek_tools.validator import runner
from mixpeek_tools.validator.check_cache import CheckCache, kit_fingerprint
from mixpeek_tools.validator.examples import MANIFEST, PIPELINE
from mixpeek_tools.validator.model import Check, CheckReport, RunConfig

from .conftest import MakePlugin
from .helpers import run_mixpeek

CACHED = ["structure", "names", "security", "schemas", "pipeline"]


def validate(root: Path, cache: Path | None, **kwargs: object) -> CheckReport:
    purge(root.name)  # as in a fresh process: only a miss may import the plugin
    return runner.run(root, static_only=True, cache_dir=cache, **kwargs)  # type: ignore[arg-type]


def notes(report: CheckReport) -> dict[str, str]:
    return {r.name: r.note for r in report.results if r.status == "ran"}


def shown(report: CheckReport) -> list[tuple[str, str | None, int | None, str]]:
    return [(f.rule, f.path, f.line, f.message) for f in report.findings]


def test_an_unchanged_plugin_is_answered_from_the_cache_without_importing_it(
    tmp_path: Path, make_plugin: MakePlugin
) -> None:
    root = make_plugin()
    first = validate(root, tmp_path / "cache")
    assert not first.failed and all(n == "" for n in notes(first).values()), notes(first)
    second = validate(root, tmp_path / "cache")
    assert notes(second) == dict.fromkeys(CACHED, "cached")
    assert root.name not in sys.modules  # the plugin was not imported
    assert shown(second) == shown(first) and not second.failed


def test_findings_with_errors_come_back_identical_and_still_fail(
    tmp_path: Path, make_plugin: MakePlugin
) -> None:
    root = make_plugin({"manifest.py": MANIFEST.replace('"category": "text"', '"category": "nlp"')})
    first = validate(root, tmp_path / "cache")
    second = validate(root, tmp_path / "cache")
    assert first.failed and second.failed
    assert "MP204" in {f.rule for f in second.findings}
    assert notes(second)["schemas"] == "cached"
    assert [f.to_dict() for f in second.findings] == [f.to_dict() for f in first.findings]


def test_an_edited_file_is_checked_again(tmp_path: Path, make_plugin: MakePlugin) -> None:
    root = make_plugin()
    validate(root, tmp_path / "cache")
    (root / "pipeline.py").write_text(PIPELINE.replace("def build_steps(", "def make_steps(")
                                      .replace("extractor_function_path=build_steps",
                                               "extractor_function_path=make_steps"))
    report = validate(root, tmp_path / "cache")
    assert "cached" not in notes(report).values()
    assert "MP301" in {f.rule for f in report.findings}


def test_an_ignore_rule_that_removes_a_module_is_a_miss(tmp_path: Path, make_plugin: MakePlugin) -> None:
    root = make_plugin()
    validate(root, tmp_path / "cache")
    (root / ".mixpeekignore").write_text("processors/core.py\n")
    report = validate(root, tmp_path / "cache")
    assert notes(report)["schemas"] != "cached"
    assert "MP003" in {f.rule for f in report.findings}  # pipeline.py imports the left-out module


def test_the_environment_keys_only_the_checks_that_import_the_plugin(
    tmp_path: Path, make_plugin: MakePlugin, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_plugin()
    validate(root, tmp_path / "cache")
    monkeypatch.setenv("MIXPEEK_CPU_FALLBACK", "1")  # read by the runtime the import goes through
    report = validate(root, tmp_path / "cache")
    assert notes(report) == {"structure": "cached", "names": "cached", "security": "cached",
                             "schemas": "", "pipeline": ""}
    site = tmp_path / "site"
    (site / "newdist-1.0.dist-info").mkdir(parents=True)
    monkeypatch.syspath_prepend(str(site))  # another distribution installed
    assert notes(validate(root, tmp_path / "cache"))["pipeline"] == ""


def test_a_plugin_that_cannot_be_imported_is_never_served_from_the_cache(
    tmp_path: Path, make_plugin: MakePlugin
) -> None:
    root = make_plugin({"pipeline.py": "raise RuntimeError('configuration missing')\n"})
    for _ in range(2):
        report = validate(root, tmp_path / "cache")
        assert "MP003" in {f.rule for f in report.findings}
        assert notes(report)["schemas"] == ""


def test_a_cached_security_error_still_keeps_plugin_code_from_running(
    tmp_path: Path, make_plugin: MakePlugin
) -> None:
    root = make_plugin({"processors/helpers.py": "import subprocess\nsubprocess.run(['ls'])\n"})
    for _ in range(2):
        report = validate(root, tmp_path / "cache")
        statuses = {r.name: r.status for r in report.results}
        assert report.failed and statuses["schemas"] == "not-run" and statuses["pipeline"] == "not-run"
        assert root.name not in sys.modules
    assert notes(report)["security"] == "cached"


def test_without_a_cache_folder_everything_runs(tmp_path: Path, make_plugin: MakePlugin) -> None:
    root = make_plugin()
    validate(root, None)
    assert "cached" not in notes(validate(root, None)).values()


def test_a_corrupt_store_is_a_miss_not_an_error(tmp_path: Path, make_plugin: MakePlugin) -> None:
    root = make_plugin()
    cache = tmp_path / "cache"
    validate(root, cache)
    for store in cache.glob("*.json"):
        store.write_text("{not json")
    report = validate(root, cache)
    assert not report.failed and "cached" not in notes(report).values()
    assert notes(validate(root, cache))["schemas"] == "cached"  # and it was written again


def test_only_the_kits_own_checks_and_only_complete_runs_are_kept(tmp_path: Path) -> None:
    cache = CheckCache(tmp_path / "cache", RunConfig(root=tmp_path))
    team = Check(name="naming", run=lambda ctx: [], source="distribution 'team'")
    builtin = Check(name="schemas", run=lambda ctx: [])
    assert not cache.covers(team) and cache.covers(builtin)
    cache.put(team, [])
    assert cache.get(team) is None
    crashed = Finding(rule="MP001", message="crashed")
    cache.put(builtin, [crashed])
    assert cache.get(builtin) is None
    cache.put(builtin, [])
    assert cache.get(builtin) == []


def test_the_kit_fingerprint_holds_until_a_module_of_the_kit_changes(tmp_path: Path) -> None:
    """Stable, or no warm run would ever hit; moved by a kit module, or an edited kit would be
    answered with findings of its old code; bytecode and other files leave it alone."""
    kit = tmp_path / "kit"
    (kit / "runtime" / "__pycache__").mkdir(parents=True)
    module = kit / "runtime" / "core.py"
    module.write_text("X = 1\n")
    before = kit_fingerprint(kit)
    (kit / "runtime" / "__pycache__" / "core.cpython-310.pyc").write_bytes(b"\0" * 16)
    (kit / "runtime" / "notes.txt").write_text("not code\n")
    assert kit_fingerprint(kit) == before
    module.write_text("X = 22\n")
    assert kit_fingerprint(kit) != before


def test_the_cli_caches_by_default_and_no_cache_runs_everything(
    tmp_path: Path, make_plugin: MakePlugin
) -> None:
    root = make_plugin()
    env = {"MIXPEEK_CACHE_DIR": str(tmp_path / "cache")}

    def statuses(*extra: str) -> dict[str, str]:
        result = run_mixpeek("plugin", "validate", "-p", str(root), "--format", "json", *extra,
                             env=env)
        assert result.returncode == 0, result.stdout + result.stderr
        return {c["name"]: c["note"] or "" for c in json.loads(result.stdout)["checks"]}

    assert "cached" not in statuses().values()
    assert statuses()["pipeline"] == "cached"
    assert "cached" not in statuses("--no-cache").values()
    assert os.listdir(tmp_path / "cache")


WARM_PROBE = """
import json, sys
from pathlib import Path
from mixpeek_tools.validator import import_child, runner
forked = []  # the import child of a cold validate imports pydantic in its stead
start = import_child.start
import_child.start = lambda *args: forked.append(start(*args)) or forked[-1]
report = runner.run(Path(sys.argv[1]), static_only=True, cache_dir=Path(sys.argv[2]))
print(json.dumps({"notes": [r.note for r in report.results if r.status == "ran"],
                  "failed": report.failed, "pathspec": "pathspec" in sys.modules,
                  "metadata": "importlib.metadata" in sys.modules,
                  "scanner": "mixpeek_tools.scanner.engine" in sys.modules,
                  "pydantic": "pydantic" in sys.modules or any(forked)}))
"""


def _warm_probe(root: Path, cache: Path) -> dict[str, object]:
    result = subprocess.run([sys.executable, "-c", WARM_PROBE, str(root), str(cache)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_warm_run_on_an_untouched_folder_imports_nothing_it_does_not_need(
    tmp_path: Path, make_plugin: MakePlugin
) -> None:
    # A negation needs pathspec (plain globs do not), so its import shows the file set was read.
    root = make_plugin({".gitignore": "*.log\n!keep.log\n"})
    cache = tmp_path / "cache"
    cold = _warm_probe(root, cache)
    assert cold["pathspec"] is True and cold["pydantic"] is True and cold["scanner"] is True
    warm = _warm_probe(root, cache)
    assert warm == {"notes": ["cached"] * 5, "failed": False, "pathspec": False,
                    "metadata": False, "scanner": False, "pydantic": False}
    os.utime(root / "manifest.py")  # touched, not changed: the contents still match
    touched = _warm_probe(root, cache)
    assert touched["notes"] == ["cached"] * 5 and touched["pathspec"] is True
    assert _warm_probe(root, cache)["pathspec"] is False  # and the memo knows the new stat
