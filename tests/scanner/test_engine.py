"""scan_paths as a library: parallel workers, the content-hash cache, extra forbidden names."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from mixpeek_tools.errors import BadInput
from mixpeek_tools.plugin.files import plugin_files
from mixpeek_tools.scanner import MemoryCache, ScanCache, scan_file_set, scan_paths, scan_source
from mixpeek_tools.scanner.catalog import DEFAULT_CATALOG
from mixpeek_tools.scanner.engine import PARALLEL_MIN_BYTES
from mixpeek_tools.scanner.prefilter import may_reach_forbidden

from .corpus import invalid_cases, valid_cases


def _tree(root: Path, count: int = 60) -> None:
    """A tree big enough to use worker processes: evasive and legitimate files mixed."""
    bad = invalid_cases()
    good = valid_cases()
    padding = "\n".join(f"def helper_{i}(x):\n    return x + {i}\n" for i in range(400))
    for i in range(count):
        technique, source, _ = bad[i * 7 % len(bad)] if i % 2 else good[i * 5 % len(good)]
        (root / f"m{i:03d}_{technique}.py").write_text(f"{source}\n{padding}\n")


def _key(result_findings: list) -> list[tuple]:
    return sorted((f.path, f.line, f.column, f.rule, f.message) for f in result_findings)


def test_parallel_and_serial_scans_agree(tmp_path: Path) -> None:
    _tree(tmp_path)
    assert sum(p.stat().st_size for p in tmp_path.iterdir()) > PARALLEL_MIN_BYTES
    serial = scan_paths([tmp_path], jobs=1)
    parallel = scan_paths([tmp_path], jobs=2)
    assert serial.files_scanned == parallel.files_scanned == 60
    assert serial.findings and _key(serial.findings) == _key(parallel.findings)


def test_a_file_set_scans_as_its_folder_does_and_only_the_files_it_holds(tmp_path: Path) -> None:
    _tree(tmp_path, count=20)
    (tmp_path / ".gitignore").write_text("ignored_*.py\n")
    (tmp_path / "ignored_run.py").write_text("import subprocess\nsubprocess.run(['id'])\n")
    files = plugin_files(tmp_path)
    folder = scan_paths([tmp_path], jobs=1)
    assert folder.findings and _key(scan_file_set(files).findings) == _key(folder.findings)
    (tmp_path / "late.py").write_text("import os\nos.system('id')\n")  # after the set was read
    assert _key(scan_file_set(files).findings) == _key(folder.findings)
    assert any("late.py" in (f.path or "") for f in scan_paths([tmp_path], jobs=1).findings)


def test_cache_reuses_results_for_unchanged_bytes(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("import os\nos.system('id')\n")
    (tmp_path / "b.py").write_text("print('ok')\n")
    cache = ScanCache(tmp_path.parent / f"{tmp_path.name}-cache")
    first = scan_paths([tmp_path], jobs=1, cache=cache)
    assert cache.hits == 0
    second = scan_paths([tmp_path], jobs=1, cache=cache)
    assert cache.hits == 2
    assert _key(first.findings) == _key(second.findings)
    (tmp_path / "b.py").write_text("eval('1')\n")
    third = scan_paths([tmp_path], jobs=1, cache=cache)
    assert {f.path for f in third.findings} == {str(tmp_path / "a.py"), str(tmp_path / "b.py")}


def test_cache_key_depends_on_the_rules(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("import yaml\nyaml.load('x')\n")
    cache = MemoryCache()
    assert scan_paths([tmp_path], jobs=1, cache=cache).findings == []
    result = scan_paths([tmp_path], jobs=1, cache=cache, extra_forbidden=["yaml.load"])
    assert [f.rule for f in result.findings] == ["MP402"]


def test_extra_forbidden_names_with_categories() -> None:
    source = "import yaml\nfrom mylib import runner\nyaml.load('x')\nrunner.go()\n"
    findings = scan_source(source, extra_forbidden={"yaml.load": "dynamic_code", "mylib.runner": "command_execution"})
    assert {(f.line, f.category) for f in findings} == {(2, "command_execution"), (3, "dynamic_code"), (4, "command_execution")}
    findings = scan_source(source, extra_forbidden=["mylib.runner=network_socket"])
    assert {f.category for f in findings} == {"network_socket"}


@pytest.mark.parametrize("bad", ["not a name", "os.system=teleport"])
def test_bad_extra_forbidden_is_bad_input(bad: str) -> None:
    with pytest.raises(BadInput) as info:
        scan_source("x = 1", extra_forbidden=[bad])
    assert "extra_forbidden" in info.value.paragraph()


def test_jobs_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(BadInput):
        scan_paths([tmp_path], jobs=0)


def test_prefilter_skips_only_files_without_trigger_words() -> None:
    assert not may_reach_forbidden("import json\nprint(json.dumps({'a': 1}))\n", DEFAULT_CATALOG)
    assert may_reach_forbidden("x = getattr(obj, name)\n", DEFAULT_CATALOG)
    assert may_reach_forbidden("\uff45\uff56\uff41\uff4c('1')\n", DEFAULT_CATALOG)  # NFKC before matching
    assert may_reach_forbidden("from os import *\nsystem('id')\n", DEFAULT_CATALOG)


def test_a_file_that_does_not_parse_is_never_cleared_by_the_prefilter(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("print(\n")
    result = scan_paths([tmp_path], jobs=1)
    assert [f.rule for f in result.findings] == ["MP413"]
    assert result.stats.get("analysed") == 1


@pytest.mark.slow
def test_prefilter_changes_no_result_on_a_real_tree() -> None:
    """On real code (installed stdlib packages) every file the pre-filter clears is clean.

    The packages are chosen for the trigger words they use harmlessly (``json.load``-style
    attributes, ``run`` methods, ``compile`` on patterns, words in docstrings), so the second
    stage's attribute rule is exercised on code nobody wrote for this test.
    """
    import email
    import http
    import json
    import logging
    import unittest
    import xml

    from mixpeek_tools.scanner.analyzer import analyze_source

    cleared_with_trigger_words = 0
    triggers = DEFAULT_CATALOG.trigger_words()
    modules = (json, email, http, logging, unittest, xml)
    roots = [Path(m.__file__).parent for m in modules]  # type: ignore[arg-type]
    for root in roots:
        for path in root.rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if not may_reach_forbidden(text, DEFAULT_CATALOG):
                cleared_with_trigger_words += not triggers.isdisjoint(re.findall(r"\w+", text))
                assert analyze_source(text, os.fspath(path), DEFAULT_CATALOG) == [], path
    assert cleared_with_trigger_words >= 10  # the second stage did clear real files (26 on 3.11)
