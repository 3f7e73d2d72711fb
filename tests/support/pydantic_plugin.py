"""A real pydantic plugin installed as a distribution (a ``*.dist-info`` with a ``pydantic``
entry point) in a folder a child process puts on its path: it writes "loaded" to the file named
by ``MIXPEEK_PLUGIN_MARK`` when imported and "used" when pydantic calls it for a model."""

from __future__ import annotations

from pathlib import Path

PYDANTIC_PLUGIN = '''
import os
import pathlib

pathlib.Path(os.environ["MIXPEEK_PLUGIN_MARK"]).write_text("loaded")


class _Observer:
    def new_schema_validator(self, schema, schema_type, path, kind, config, settings):
        pathlib.Path(os.environ["MIXPEEK_PLUGIN_MARK"]).write_text("used")
        return None, None, None


plugin = _Observer()
'''


def site_with_a_pydantic_plugin(site: Path) -> Path:
    """``site`` with the plugin installed in it (returned, for PYTHONPATH)."""
    info = site / "observer_plugin-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: observer-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[pydantic]\nobserver = observer_plugin:plugin\n")
    (site / "observer_plugin.py").write_text(PYDANTIC_PLUGIN)
    return site
