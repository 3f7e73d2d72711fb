"""The fast "this is not a plugin folder" check shared by the commands that need a plugin.

``test``, ``validate``, ``publish``, ``serve`` and ``predict`` all start from a folder holding
``manifest.py``. Without this check a command run in the wrong folder went on to walk it (virtual
environments and all, minutes in a big one) and printed one error per check; now it is one
paragraph and exit 2 before anything is read beyond the folder's own manifest.
"""

from __future__ import annotations

from pathlib import Path

from mixpeek_tools.errors import BadInput


def require_plugin(path: str | Path) -> Path:
    """``path`` when it holds a ``manifest.py``; else exit 2 naming the folder and the fix."""
    folder = Path(path)
    if (folder / "manifest.py").is_file():
        return folder
    shown = folder.resolve() if folder.exists() else folder
    if not folder.exists():
        what = "does not exist"
    elif not folder.is_dir():
        what = "is not a folder"
    else:
        what = "no manifest.py here, so this is not a plugin folder"
    raise BadInput(
        what,
        where=str(shown),
        hint="Pass --path PLUGIN_FOLDER (the folder holding manifest.py and pipeline.py) or cd "
        "into the plugin; `mixpeek plugin init` creates one",
    )


def would_be_packed(root: Path, target: Path) -> bool:
    """Whether a file written at ``target`` would land in ``root``'s publish archive.

    Uses the archive's own rules (fixed exclusions, ``.gitignore`` and ``.mixpeekignore``), so a
    report written under ``.mixpeek/`` or an ignored folder is fine and one beside ``manifest.py``
    is not.
    """
    from mixpeek_tools.plugin.files import always_excluded, user_rules

    base, where = root.resolve(), target.resolve()
    try:
        parts = where.relative_to(base).parts
    except ValueError:
        return False
    if not parts:
        return False
    rules = user_rules(base)
    for depth, name in enumerate(parts):
        is_dir = depth < len(parts) - 1
        rel = "/".join(parts[: depth + 1])
        if always_excluded(name, is_dir=is_dir) or (rules is not None and rules(rel, is_dir)):
            return False
    return True
