"""Whether installed distributions declare entry points of a group, in a few reads; and
skipping pydantic's own plugin search when none declares one.

``importlib.metadata.entry_points(group=...)`` imports and parses the metadata of every
installed distribution: tens of milliseconds on a run where the answer is nearly always "none"
(check distributions for ``mixpeek.checks``, pydantic's plugins for ``pydantic``). Reading the
``entry_points.txt`` of every ``*.dist-info`` / ``*.egg-info`` folder on ``sys.path`` for the
group's section name gives the same "none" for a fraction of that. Anything this cannot see
through (a zip or egg file on ``sys.path``, an unreadable entry, a distribution finder other
than Python's own) answers "maybe": the caller then runs the full lookup.

pydantic looks for its plugins at its first model class (about 8 ms with 180 distributions
installed). When none can be declared, its documented switch ``PYDANTIC_DISABLE_PLUGINS``
skips that search and changes nothing else, since there is nothing to disable; when one is
declared, or the user set the switch, pydantic searches as usual.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

PYDANTIC_SWITCH = "PYDANTIC_DISABLE_PLUGINS"


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


def skip_pydantic_plugin_search() -> bool:
    """Set pydantic's switch for this process when no distribution can declare a pydantic
    plugin; True when it set it. For a process that ends after its imports (the import child)."""
    if PYDANTIC_SWITCH in os.environ or may_declare("pydantic"):
        return False
    os.environ[PYDANTIC_SWITCH] = "__all__"
    return True


@contextmanager
def pydantic_plugin_search_skipped() -> Iterator[None]:
    """:func:`skip_pydantic_plugin_search` for the block only: the switch is gone afterwards,
    so processes started later (workers, Ray) and models built later search as usual."""
    skipped = skip_pydantic_plugin_search()
    try:
        yield
    finally:
        if skipped:
            os.environ.pop(PYDANTIC_SWITCH, None)


__all__ = ["PYDANTIC_SWITCH", "may_declare", "pydantic_plugin_search_skipped",
           "skip_pydantic_plugin_search"]
