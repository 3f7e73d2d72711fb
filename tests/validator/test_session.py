"""The hook's library side: ``validator.session.check_files`` and the kit's one findings cache."""

from __future__ import annotations

import json
from pathlib import Path

from mixpeek_tools.findings import Finding, Severity
from mixpeek_tools.scanner import ScanCache, scan_paths
from mixpeek_tools.validator.examples import CORE, write_tree
from mixpeek_tools.validator.session import check_files

HELPER = 'import os\nRUN = "sys" + "tem"\n'
USES_HELPER = "import os\nfrom .helper import RUN\ngetattr(os, RUN)('id')\n" + CORE


def test_only_the_changed_file_given_still_resolves_its_unchanged_sibling(tmp_path: Path) -> None:
    """The scan sees every module of the plugin: a name from an unchanged sibling resolves."""
    write_tree(tmp_path, {"processors/helper.py": HELPER})
    cache = tmp_path / "cache"
    assert check_files(["example_plugin/manifest.py"], cwd=tmp_path, cache_dir=cache)[0].failed is False
    (tmp_path / "example_plugin" / "processors" / "core.py").write_text(USES_HELPER)
    [report] = check_files(["example_plugin/processors/core.py"], cwd=tmp_path, cache_dir=cache)
    hits = [f for f in report.findings if f.path == "processors/core.py" and f.check == "security"]
    assert report.failed and any(f.extra.get("qualified_name") == "os.system" for f in hits), hits


def test_a_sibling_change_is_not_served_stale_from_the_cache(tmp_path: Path) -> None:
    write_tree(tmp_path, {"processors/helper.py": 'RUN = "handle"\n', "processors/core.py": USES_HELPER})
    cache = tmp_path / "cache"
    assert not check_files([], cwd=tmp_path / "example_plugin", cache_dir=cache)[0].failed
    (tmp_path / "example_plugin" / "processors" / "helper.py").write_text(HELPER)
    assert check_files(["example_plugin/processors/helper.py"], cwd=tmp_path, cache_dir=cache)[0].failed


def test_severity_settings_are_the_validators(tmp_path: Path) -> None:
    """``off`` and overrides come from the validator's own config code, not a copy."""
    write_tree(tmp_path, {"pyproject.toml": '[tool.mixpeek.severity]\nMP104 = "warning"\n',
                          "processors/extra.py": "def broken(:\n"})
    [report] = check_files([], cwd=tmp_path / "example_plugin", cache_dir=None)
    mp104 = [f for f in report.findings if f.rule == "MP104"]
    assert mp104 and all(f.severity is Severity.WARNING for f in mp104)
    assert not [f for f in report.findings if f.rule == "MP413"]  # one message per syntax error


def test_one_cache_file_per_plugin_holds_scan_and_check_entries(tmp_path: Path) -> None:
    write_tree(tmp_path, {})
    cache = tmp_path / "cache"
    check_files([], cwd=tmp_path / "example_plugin", cache_dir=cache)
    [store] = list(cache.glob("*.json"))
    data = json.loads(store.read_text())
    py_files = list((tmp_path / "example_plugin").rglob("*.py"))
    # per Python file: one scanner entry and one syntax/names entry (identical files share one)
    assert len(data["entries"]) > len({p.read_bytes() for p in py_files})


def test_a_store_written_by_other_code_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("eval('1')\n")
    old = ScanCache(tmp_path / "cache", scope="p", salt="old")
    scan_paths([tmp_path / "a.py"], jobs=1, cache=old)
    fake = Finding(rule="MP000", message="stale", severity=Severity.INFO)
    for key in list(old._used):
        old.put(key, [fake])
    old.save()
    new = ScanCache(tmp_path / "cache", scope="p", salt="new")
    result = scan_paths([tmp_path / "a.py"], jobs=1, cache=new)
    assert new.hits == 0 and "MP000" not in {f.rule for f in result.findings}
    again = ScanCache(tmp_path / "cache", scope="p", salt="new")
    assert [f.rule for f in scan_paths([tmp_path / "a.py"], jobs=1, cache=again).findings] == ["MP402"]
    assert again.hits == 1  # the rewritten store serves the new code's results
