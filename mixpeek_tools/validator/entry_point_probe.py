"""Whether any installed distribution can declare an entry point of a group, in a few reads.

``importlib.metadata.entry_points(group=...)`` imports and parses the metadata of every
installed distribution: tens of milliseconds on a run where the answer is nearly always "none"
(check distributions for ``mixpeek.checks``, pydantic's own plugins for ``pydantic``). Reading
the ``entry_points.txt`` of every ``*.dist-info`` / ``*.egg-info`` folder on ``sys.path`` for
the group's section name gives the same "none" for a fraction of that. Anything this cannot
see through (a zip or egg file on ``sys.path``, an unreadable entry, a distribution finder other
than Python's own) answers "maybe": the caller then runs the full lookup.
"""

from __future__ import annotations

import os
import sys


def may_declare(group: str) -> bool:
    """False only when no distribution on ``sys.path`` can declare an entry point of ``group``."""
    import importlib.machinery

    if any(getattr(f, "find_distributions", None) is not None
           and f is not importlib.machinery.PathFinder for f in sys.meta_path):  # fmt: skip
        return True
    needle = f"[{group}]".encode()
    for entry in sys.path:
        if os.path.isfile(entry):
            return True
        try:
            with os.scandir(entry or ".") as found:
                infos = [e.path for e in found if e.name.endswith((".dist-info", ".egg-info"))]
        except OSError:
            continue
        for info in infos:
            try:
                with open(os.path.join(info, "entry_points.txt"), "rb") as handle:
                    if needle in handle.read():
                        return True
            except (FileNotFoundError, NotADirectoryError):  # none, or a one-file .egg-info
                continue
            except OSError:
                return True
    return False


__all__ = ["may_declare"]
