"""pytest plugin (entry point ``pytest11``): plain ``pytest`` inside a plugin folder just works.

Two things make a plugin written as the public docs show importable outside the platform:

* the ``engine.*`` / ``shared.*`` alias hook (:func:`mixpeek_tools.local_platform.install`),
  which never shadows a real ``engine`` or ``shared`` package;
* the plugin folder's parent on ``sys.path``, so the plugin imports as a package and its
  relative imports (``from .manifest import ...``) and tests' ``from my_extractor... import``
  resolve. A folder counts as a plugin when it holds ``manifest.py`` and ``__init__.py``; the
  rootdir and every collected test file's ancestors are checked.

Kept import-light: pytest loads it in every session of every project of this environment.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any


def _is_plugin_dir(path: Path) -> bool:
    return (path / "manifest.py").is_file() and (path / "__init__.py").is_file()


def _add_parent(plugin_dir: Path) -> None:
    parent = str(plugin_dir.resolve().parent)
    if parent not in sys.path:
        sys.path.insert(0, parent)


def plugin_root_of(path: Path) -> Path | None:
    """The nearest ancestor of ``path`` (itself included) that is a plugin folder."""
    for candidate in [path, *path.parents]:
        if _is_plugin_dir(candidate):
            return candidate
    return None


def pytest_configure(config: Any) -> None:
    from mixpeek_tools.local_platform import install

    install()
    root = plugin_root_of(Path(str(config.rootpath)))
    if root is not None:
        _add_parent(root)
    for arg in getattr(config, "args", []) or []:
        found = plugin_root_of(Path(str(arg)).resolve())
        if found is not None:
            _add_parent(found)


def pytest_collect_file(file_path: Path, parent: Any) -> None:
    """Before a test file is imported, make its enclosing plugin importable as a package."""
    if file_path.suffix == ".py":
        root = plugin_root_of(file_path.parent)
        if root is not None:
            _add_parent(root)
