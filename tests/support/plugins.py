"""The docs fixture plugin (tests/fixtures/docs_plugin), copied for tests that change it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

DOCS_PLUGIN = Path(__file__).resolve().parents[1] / "fixtures" / "docs_plugin" / "my_extractor"
# Left out of copies: caches and archives a run in the fixture folder may have left there.
_LEFT_OUT = shutil.ignore_patterns("__pycache__", ".pytest_cache", ".mixpeek")
# Appended to a copy's realtime.py: its service fails at start, as one missing its weights does.
CRASHING_SERVICE = """

def _boom(self):
    raise RuntimeError("model weights are missing from the archive")


MyExtractorRealtimeService.__init__ = _boom
"""


def copy_docs_plugin(dest: Path, *, name: str | None = None, version: str | None = None,
                     realtime: bool = True) -> Path:  # fmt: skip
    """A private copy of the docs fixture plugin at ``dest`` (returned).

    ``name`` and ``version`` replace those in its ``manifest.py`` metadata; ``realtime=False``
    removes ``realtime.py`` (a batch-only plugin).
    """
    shutil.copytree(DOCS_PLUGIN, dest, ignore=_LEFT_OUT)
    manifest = dest / "manifest.py"
    text = manifest.read_text()
    if name is not None:
        text = re.sub(r'"name": "[^"]+"', f'"name": "{name}"', text)
    if version is not None:
        text = re.sub(r'"version": "[^"]+"', f'"version": "{version}"', text)
    manifest.write_text(text)
    if not realtime:
        (dest / "realtime.py").unlink()
    return dest


def copy_plugin(tmp_path: Path, name: str = "my_extractor") -> Path:
    """A fresh copy of the docs fixture plugin under ``tmp_path/<name>``, its metadata as is."""
    return copy_docs_plugin(tmp_path / name)
