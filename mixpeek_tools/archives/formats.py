"""Tell ``.tar.gz`` from ``.zip`` by their first bytes, never by a file name or a Content-Type.

The platform's route text asks for a ``.zip`` and its CLI sends a ``.tar.gz``: the registry takes
both. Unpacking either is :func:`mixpeek_tools.archives.unpack.safe_unpack` (one bounded
unpacker for both formats: headers checked before anything is inflated).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

Format = Literal["tar.gz", "zip", "unknown"]


def sniff(path: Path) -> Format:
    with path.open("rb") as fh:
        head = fh.read(4)
    if head[:2] == b"\x1f\x8b":
        return "tar.gz"
    if head in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    return "unknown"
