"""The computed catalog of capability-wrapping helpers (issue class 1) is fresh and is used."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from mixpeek_tools.scanner import computed_catalog, scan_source
from mixpeek_tools.scanner.callgraph import close_over_calls, module_facts

ROOT = Path(__file__).resolve().parents[2]


def _script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("compute_catalog", ROOT / "scripts" / "compute_catalog.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shipped_catalog_matches_its_inputs() -> None:
    """Fails when the stdlib, the rules or the script changed since the catalog was computed."""
    script = _script()
    python = ".".join(map(str, sys.version_info[:2]))
    if python != computed_catalog.PYTHON:
        pytest.skip(f"catalog computed on Python {computed_catalog.PYTHON}, this is {python}")
    assert computed_catalog.SCRIPT_VERSION == script.SCRIPT_VERSION
    digest = script.inputs_digest(list(script.stdlib_files()))
    assert digest == computed_catalog.INPUTS_SHA256, "stale: run python scripts/compute_catalog.py"


def test_catalog_holds_the_known_wrappers() -> None:
    for name in (
        "platform._syscmd_ver",
        "uuid._get_command_stdout",
        "http.client.HTTPConnection.connect",
        "logging.config.listen",
        "bdb.Bdb.run",
    ):
        assert name in computed_catalog.ENTRIES, name
    for name in ("dataclasses.dataclass", "collections.namedtuple", "mimetypes.guess_type", "platform.system", "ast.parse"):
        assert name not in computed_catalog.ENTRIES, name


def test_fixpoint_follows_calls_through_modules_and_aliases() -> None:
    direct, edges, aliases = module_facts(
        "pkg.low", "import subprocess\ndef run(cmd):\n    return subprocess.check_output(cmd)\n"
    )
    d2, e2, a2 = module_facts(
        "pkg.high", "from .low import run as go\nclass Probe:\n    def __init__(self):\n        self.out = self._ask()\n    def _ask(self):\n        return go(['uname'])\ndef info():\n    return Probe()\n"
    )
    found = close_over_calls({**direct, **d2}, {**edges, **e2}, {**aliases, **a2}, (), frozenset())
    assert found["pkg.low.run"] == ("command_execution", "direct")
    assert found["pkg.high.Probe._ask"][1] == "pkg.low.run"
    assert "pkg.high.Probe" in found and "pkg.high.info" in found


def test_dynamic_code_inside_machinery_does_not_propagate() -> None:
    direct, edges, aliases = module_facts(
        "pkg.gen", "def _make(src, ns):\n    exec(src, ns)\ndef build(fields):\n    text = 'x'\n    exec(text, {})\n    return _make('y', {})\n"
    )
    found = close_over_calls(direct, edges, aliases, (), frozenset())
    assert "pkg.gen._make" in found
    assert "pkg.gen.build" not in found


@pytest.mark.parametrize(
    ("source", "category"),
    [
        ("import platform\nplatform._syscmd_ver()", "command_execution"),
        ("from uuid import _get_command_stdout as g\ng('ifconfig')", "command_execution"),
        ("import http.client\nhttp.client.HTTPConnection('10.0.0.1', 22).connect()", "network_socket"),
        ("import logging.config\nt = logging.config.listen(9030)", "network_socket"),
        ("import bdb\nbdb.Bdb().run", "dynamic_code"),
        ("import multiprocessing.util as u\nu.spawnv_passfds('/bin/sh', ['sh'], ())", "command_execution"),
    ],
)
def test_computed_entries_are_findings(source: str, category: str) -> None:
    assert any(f.category == category for f in scan_source(source, "x.py")), scan_source(source, "x.py")
