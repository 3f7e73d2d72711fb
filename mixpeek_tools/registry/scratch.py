"""The registry's scratch space: one folder per confirm under ``<data>/tmp``, emptied at start.

A confirm removes its folder when it ends; a registry that was killed mid-confirm cannot, so
:func:`clean_scratch` removes whatever is left before the registry takes requests. Only the
registry's own data folder is ever touched.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

SCRATCH = "tmp"


def scratch_root(data_dir: Path) -> Path:
    return data_dir / SCRATCH


def scratch_dir(data_dir: Path) -> tempfile.TemporaryDirectory[str]:
    """A private working folder for one confirm, removed afterwards."""
    base = scratch_root(data_dir)
    base.mkdir(parents=True, exist_ok=True)
    return tempfile.TemporaryDirectory(dir=base, prefix="confirm-")


def clean_scratch(data_dir: Path) -> int:
    """Remove every leftover scratch folder; returns how many entries were removed."""
    base = scratch_root(data_dir)
    if not base.is_dir():
        return 0
    removed = 0
    for entry in base.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed += 1
    return removed
