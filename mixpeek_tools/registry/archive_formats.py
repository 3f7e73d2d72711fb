"""Tell ``.tar.gz`` from ``.zip`` by their first bytes, and unpack a zip as warily as a tarball.

The platform's route text asks for a ``.zip`` and its CLI sends a ``.tar.gz``: the registry takes
both, and never trusts a file name or a Content-Type for it. The zip rules are the tarball's
(see :mod:`unpack`): regular files and folders only, relative names without ``..``, one top
folder, bounded entries and bytes counted while inflating, files created exclusively.
"""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path, PurePosixPath
from typing import Literal

from mixpeek_tools.registry.unpack import (
    MAX_ENTRIES,
    MAX_UNPACKED_BYTES,
    Unpacked,
    UnsafeArchive,
    safe_unpack,
)

Format = Literal["tar.gz", "zip", "unknown"]
_CHUNK = 1024 * 1024


def sniff(path: Path) -> Format:
    with path.open("rb") as fh:
        head = fh.read(4)
    if head[:2] == b"\x1f\x8b":
        return "tar.gz"
    if head in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    return "unknown"


def unpack_archive(archive: Path, dest: Path, *, max_bytes: int = MAX_UNPACKED_BYTES) -> Unpacked:
    """Unpack a ``.tar.gz`` or ``.zip`` into the empty folder ``dest``; raise UnsafeArchive."""
    kind = sniff(archive)
    if kind == "tar.gz":
        return safe_unpack(archive, dest, max_bytes=max_bytes)
    if kind == "zip":
        return safe_unzip(archive, dest, max_bytes=max_bytes)
    raise UnsafeArchive(
        "archive.unreadable", "neither a .tar.gz (gzip) nor a .zip archive, by its first bytes"
    )


def safe_unzip(archive: Path, dest: Path, *, max_bytes: int = MAX_UNPACKED_BYTES) -> Unpacked:
    top: str | None = None
    total = files = 0
    try:
        with zipfile.ZipFile(archive) as zf:
            members = zf.infolist()
            if len(members) > MAX_ENTRIES:
                raise UnsafeArchive("archive.too_many_entries", f"more than {MAX_ENTRIES} entries")
            for info in members:
                parts = _checked_parts(info)
                if top is None:
                    top = parts[0]
                elif parts[0] != top:
                    raise UnsafeArchive(
                        "archive.layout", "entries must all sit in one top folder", info.filename
                    )
                target = dest.joinpath(*parts)
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True, mode=0o755)
                    continue
                total = _extract(zf, info, target, total, max_bytes)
                files += 1
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as err:
        raise UnsafeArchive("archive.unreadable", f"not a readable .zip: {err}") from None
    if top is None:
        raise UnsafeArchive("archive.empty", "the archive holds no files")
    return Unpacked(dest / top, top, files, total)


def _checked_parts(info: zipfile.ZipInfo) -> tuple[str, ...]:
    name = info.filename
    kind_bits = stat.S_IFMT(info.external_attr >> 16)  # 0 when the zip tool wrote no type
    if kind_bits not in (0, stat.S_IFREG, stat.S_IFDIR):
        kind = "link" if kind_bits == stat.S_IFLNK else "special file"
        raise UnsafeArchive(
            "archive.link", f"the archive holds a {kind}; only files are allowed", name
        )
    path = PurePosixPath(name)
    if path.is_absolute() or "\\" in name or "\x00" in name or ":" in path.parts[0]:
        raise UnsafeArchive("archive.traversal", "absolute or malformed path", name)
    parts = tuple(p for p in path.parts if p not in ("", "."))
    if not parts or ".." in parts:
        raise UnsafeArchive("archive.traversal", "path leaves the archive's folder", name)
    return parts


def _extract(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, total: int, max_bytes: int
) -> int:
    """Write one member, counting inflated bytes (never trusting the declared size)."""
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(target, flags, 0o644)
    except FileExistsError:
        raise UnsafeArchive(
            "archive.duplicate", "the same path appears twice", info.filename
        ) from None
    with os.fdopen(fd, "wb") as out, zf.open(info) as source:
        while chunk := source.read(_CHUNK):
            total += len(chunk)
            if total > max_bytes:
                raise UnsafeArchive("archive.too_large", f"unpacks to more than {max_bytes} bytes")
            out.write(chunk)
    return total
