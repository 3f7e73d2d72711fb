"""A run's set-up (the imports of pyarrow, pandas and the plugin): the cyclic garbage collector
is paused through it and runs as usual while the plugin's processors work, so a long run's
cycles are still collected (``mixpeek_tools.collector``); pydantic's plugin search is skipped
through it only when no pydantic plugin is installed (``mixpeek_tools.entry_points``)."""

from __future__ import annotations

import gc
import json
import os
from pathlib import Path

import pytest

from mixpeek_tools.collector import collector_paused
from tests.support.cli import mixpeek
from tests.support.plugins import copy_plugin
from tests.support.pydantic_plugin import site_with_a_pydantic_plugin

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


SWITCH_RECORD = """
import os as _os
import pathlib as _pathlib

with _pathlib.Path(_os.environ["MIXPEEK_SWITCH_LOG"]).open("a") as _log:
    _log.write("{where} %s\\n" % _os.environ.get("PYDANTIC_DISABLE_PLUGINS"))
"""


@pytest.mark.parametrize("installed", [False, True])
def test_the_set_up_skips_pydantics_plugin_search_only_when_none_is_installed(
    tmp_path: Path, installed: bool
) -> None:
    plugin = copy_plugin(tmp_path)
    manifest = plugin / "manifest.py"
    manifest.write_text(manifest.read_text() + SWITCH_RECORD.format(where="import"))
    core = plugin / "processors" / "core.py"
    record = "".join(f"        {line}\n" for line in SWITCH_RECORD.format(where="batch").strip().splitlines())
    core.write_text(core.read_text().replace('        """Process a batch of data."""\n',
                                             '        """Process a batch of data."""\n' + record))
    rows = tmp_path / "in.jsonl"
    rows.write_text(json.dumps({"text": "one"}) + "\n")
    log, used = tmp_path / "switch.log", tmp_path / "plugin-used"
    env = {**os.environ, "MIXPEEK_SWITCH_LOG": str(log), "MIXPEEK_PLUGIN_MARK": str(used)}
    env.pop("PYDANTIC_DISABLE_PLUGINS", None)
    if installed:
        site = site_with_a_pydantic_plugin(tmp_path / "site")
        env["PYTHONPATH"] = os.pathsep.join([str(site), env.get("PYTHONPATH", "")])
    done = mixpeek("plugin", "run", "--path", str(plugin), "--input", str(rows),
                   "--output", str(tmp_path / "out.jsonl"), env=env)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    states = dict(line.split() for line in log.read_text().splitlines())
    assert states["batch"] == "None"  # the switch is gone once the set-up is over
    if installed:  # pydantic found the plugin and called it for the manifest's models
        assert states["import"] == "None" and used.read_text() == "used"
    else:
        assert states["import"] == "__all__" and not used.exists()
