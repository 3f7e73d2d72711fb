"""The cyclic garbage collector is paused through a run's set-up (the imports of pyarrow, pandas
and the plugin) and runs as usual while the plugin's processors work, so a long run's cycles are
still collected (``mixpeek_tools.collector``)."""

from __future__ import annotations

import gc
import json
import os
from pathlib import Path

import pytest

from mixpeek_tools.collector import collector_paused
from tests.support.cli import mixpeek
from tests.support.plugins import copy_plugin

RECORD = """
import gc as _gc
import os as _os
import pathlib as _pathlib

with _pathlib.Path(_os.environ["MIXPEEK_GC_LOG"]).open("a") as _log:
    _log.write("{where} %s\\n" % _gc.isenabled())
"""


def test_the_pause_restores_the_collector_it_found_even_on_an_error() -> None:
    assert gc.isenabled()
    with pytest.raises(ValueError), collector_paused():
        assert not gc.isenabled()
        raise ValueError("inside")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # it was off before: a pause does not switch it on
    finally:
        gc.enable()


def test_nested_pauses_keep_the_collector_off_until_the_outer_one_ends() -> None:
    with collector_paused():
        with collector_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_run_imports_the_plugin_with_the_collector_paused_and_processes_with_it_on(
    tmp_path: Path,
) -> None:
    plugin = copy_plugin(tmp_path)
    manifest = plugin / "manifest.py"
    manifest.write_text(RECORD.format(where="import") + manifest.read_text())
    core = plugin / "processors" / "core.py"
    text = core.read_text().replace(
        '        """Process a batch of data."""\n',
        '        """Process a batch of data."""\n'
        + "".join(f"        {line}\n" for line in RECORD.format(where="batch").strip().splitlines()),
    )
    assert text != core.read_text()
    core.write_text(text)
    rows = tmp_path / "in.jsonl"
    rows.write_text("".join(json.dumps({"text": f"row {i}"}) + "\n" for i in range(5)))
    log = tmp_path / "gc.log"
    done = mixpeek("plugin", "run", "--path", str(plugin), "--input", str(rows),
                   "--output", str(tmp_path / "out.jsonl"), env={**os.environ, "MIXPEEK_GC_LOG": str(log)})  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    lines = log.read_text().split()
    assert lines[:2] == ["import", "False"], lines
    batches = [state for where, state in zip(lines[::2], lines[1::2], strict=True) if where == "batch"]
    assert batches and set(batches) == {"True"}, lines
