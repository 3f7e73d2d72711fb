"""Which files of a plugin directory go into its archive: the plugin's file set.

The rules live in :mod:`mixpeek_tools.plugin.files` (one definition shared with the scanner,
the validator, the pre-commit hook and the registry); this module keeps the archive builder's
names for them. Two layers, applied in order:

1. ``ALWAYS_EXCLUDED``: secrets and junk that never belong in a published plugin (VCS folders,
   tool caches, virtualenvs, ``node_modules``, build output, ``.env*`` files, keys and
   credential files), plus the bytecode cache the import system itself wrote. A
   ``.mixpeekignore`` cannot re-include these: leaking a key is worse than a surprised user.
2. The plugin's own ``.gitignore`` and ``.mixpeekignore`` (root of the plugin, gitignore syntax),
   read in that order so that ``!pattern`` lines in ``.mixpeekignore`` can re-include something
   that ``.gitignore`` left out (a generated model file, say).

Bytecode that Python did not write as a cache (a sourceless ``.pyc``, a hash-based one), native
extensions and ``.pth`` files are *not* excluded: they are part of what would ship, so the scan
sees them and refuses the plugin.
"""

from __future__ import annotations

from pathlib import Path

from mixpeek_tools.plugin.files import (
    ALWAYS_EXCLUDED,
    USER_IGNORE_FILES,
    FileSet,
    plugin_files,
)


def archive_files(root: Path) -> FileSet:
    """The plugin's file set in trusted mode: exactly what its archive holds."""
    return plugin_files(root)


__all__ = ["ALWAYS_EXCLUDED", "USER_IGNORE_FILES", "archive_files"]
