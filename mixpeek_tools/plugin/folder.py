"""Is this a plugin folder, and would a file written here be packed? Checks shared by commands.

``test``, ``validate``, ``publish``, ``serve`` and ``predict`` all start from a folder holding
``manifest.py``. A command run in the wrong folder stops here, with one paragraph and exit 2,
before anything beyond the folder's own manifest is read: otherwise it would walk the folder
(virtual environments and all) and print one error per check.
"""

from __future__ import annotations

from pathlib import Path

from mixpeek_tools.errors import BadInput

PLUGIN_MARKERS = ("manifest.py", "pipeline.py")
HINT = (
    "Pass --path PLUGIN_FOLDER (the folder holding manifest.py and pipeline.py) or cd into the "
    "plugin; `mixpeek plugin init` creates one"
)


def require_plugin(path: str | Path) -> Path:
    """``path`` when it looks like a plugin; else exit 2 naming the folder and the fix.

    A folder with ``manifest.py`` or ``pipeline.py`` is a plugin (one that lost the other file
    still gets the checks' finding naming it). A folder holding plugins one level down gets the
    first of them suggested.
    """
    folder = Path(path).expanduser()
    if any((folder / name).is_file() for name in PLUGIN_MARKERS):
        return folder
    if not folder.exists():
        raise BadInput("plugin directory not found", where=str(folder), hint=HINT)
    if not folder.is_dir():
        raise BadInput("this is a file, not a plugin folder", where=str(folder), hint=HINT)
    shown = folder.resolve()
    refuse_parent_of_plugins(shown, hint_tail=", or cd into it")
    raise BadInput("no manifest.py here, so this is not a plugin folder", where=str(shown), hint=HINT)


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


def refuse_parent_of_plugins(folder: Path, *, hint_tail: str = "") -> None:
    """A folder that holds plugins rather than being one: name them, so the fix is one step."""
    children = sorted(p.parent.name for p in folder.glob("*/manifest.py"))
    if children:
        raise BadInput(
            "this folder is not a plugin but holds plugin(s): " + ", ".join(children),
            where=str(folder),
            hint=f"Pass the plugin itself, e.g. --path {folder / children[0]}{hint_tail}",
        )
