"""Naming a plugin's own error: its type and message, the plugin file and line that raised, and
the input row, the same on both engines and without ``--verbose``.

The file is given relative to the plugin folder (``processors/core.py:23``): the driver's folder
and the copy shipped to a Ray worker differ, the place in the plugin does not. A Ray worker's
exception may arrive without its Python traceback (only Ray's text of it), so the location is
also read from that text.
"""

from __future__ import annotations

import re
import sys
import traceback
from pathlib import Path
from typing import Any

from mixpeek_tools.errors import BadInput

MAX_VALUE_CHARS = 200
_FRAME = re.compile(r'File "([^"]+)", line (\d+)')


def _package_dirs(package: str) -> list[Path]:
    module = sys.modules.get(package)
    return [Path(p) for p in (getattr(module, "__path__", None) or [])]


def plugin_location(exc: BaseException, package: str | None) -> str | None:
    """``file:line`` (relative to the plugin folder) of the innermost plugin frame that raised."""
    if not package:
        return None
    found: str | None = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        name = str(frame.f_globals.get("__name__", ""))
        if name != package and not name.startswith(package + "."):
            continue
        found = f"{_relative(frame.f_code.co_filename, package)}:{lineno}"
    return found or _location_in_text(_remote_traceback(exc), package)


def _relative(filename: str, package: str) -> str:
    path = Path(filename)
    for folder in _package_dirs(package):
        try:
            return path.relative_to(folder).as_posix()
        except ValueError:
            continue
    marker = f"/{package}/"
    text = path.as_posix()
    return text.split(marker, 1)[1] if marker in text else path.name


def _remote_traceback(exc: BaseException) -> str:
    """The text of a Ray worker's traceback carried by the error or one of its causes."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        text = getattr(current, "traceback_str", None)
        if isinstance(text, str):
            return text
        current = getattr(current, "cause", None) or current.__cause__
    return ""


def _location_in_text(text: str, package: str) -> str | None:
    marker = f"/{package}/"
    hits = [(f, n) for f, n in _FRAME.findall(text) if marker in f.replace("\\", "/")]
    if not hits:
        return None
    filename, line = hits[-1]
    return f"{filename.replace(chr(92), '/').split(marker, 1)[1]}:{line}"


def row_values(row: Any) -> str:
    """A short rendering of one input row (bytes by size, long values cut)."""
    try:
        record = row.iloc[0].to_dict() if hasattr(row, "iloc") else dict(row)
    except Exception:
        return ""
    shown = {}
    for key, value in record.items():
        if isinstance(key, str) and key.startswith("__mixpeek_"):
            continue
        if isinstance(value, (bytes, bytearray, memoryview)):
            shown[key] = f"<{len(value)} bytes>"
        else:
            shown[key] = value
    text = repr(shown)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 3] + "..."


def original_error(exc: BaseException) -> BaseException:
    """The plugin's own exception inside Ray's wrappers (the first cause not raised by Ray)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if not type(current).__module__.startswith("ray"):
            return current
        current = getattr(current, "cause", None) or current.__cause__
    return exc


def plugin_error(exc: BaseException, package: str | None, what: str) -> BadInput:
    """The plugin's exception in ``what`` (e.g. ``prepare``) as one clear paragraph (exit 2)."""
    inner = original_error(exc)
    location = plugin_location(inner, package) or plugin_location(exc, package)
    message = str(inner).strip().splitlines()[0] if str(inner).strip() else ""
    return BadInput(
        f"{what} raised {type(inner).__name__}: {message}",
        where=location or "pipeline.py: prepare",
        hint="Fix the plugin code at that line (the same error stops the run on the platform)",
    )


__all__ = ["original_error", "plugin_error", "plugin_location", "row_values"]
