"""Unpack an uploaded archive without trusting a byte of it.

Only regular files and folders are accepted; every name must be relative, free of ``..`` and
inside one top folder; the unpacked size and the number of entries are bounded, counted while
decompressing (so a gzip bomb stops early rather than filling the disk). Files are created with
``O_EXCL | O_NOFOLLOW`` so nothing already on disk can be overwritten or followed.
Anything else is a *violation*, which the registry records on a ``failed`` plugin.
"""

from __future__ import annotations

import os
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MAX_UNPACKED_BYTES = 2 * 1024**3
MAX_ENTRIES = 20_000
_CHUNK = 1024 * 1024


class UnsafeArchive(ValueError):
    """The archive breaks a rule; ``rule`` and ``path`` go into the plugin's violations."""

    def __init__(self, rule: str, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.rule = rule
        self.path = path

    def violation(self) -> dict[str, object]:
        return {"rule": self.rule, "message": str(self), "path": self.path, "line": None,
                "severity": "error", "category": "archive"}  # fmt: skip


@dataclass(frozen=True)
class Unpacked:
    root: Path  # the single top folder
    top: str
    files: int
    size: int


def safe_unpack(archive: Path, dest: Path, *, max_bytes: int = MAX_UNPACKED_BYTES) -> Unpacked:
    """Unpack ``archive`` into the empty folder ``dest``; raise :class:`UnsafeArchive`."""
    top: str | None = None
    total = files = 0
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            for count, member in enumerate(tar, start=1):
                if count > MAX_ENTRIES:
                    raise UnsafeArchive(
                        "archive.too_many_entries", f"more than {MAX_ENTRIES} entries"
                    )
                parts = _checked_parts(member)
                if top is None:
                    top = parts[0]
                elif parts[0] != top:
                    raise UnsafeArchive(
                        "archive.layout", "entries must all sit in one top folder", member.name
                    )
                target = dest.joinpath(*parts)
                if member.isdir():
                    target.mkdir(parents=True, exist_ok=True, mode=0o755)
                    continue
                total += member.size
                if total > max_bytes:
                    raise UnsafeArchive(
                        "archive.too_large", f"unpacks to more than {max_bytes} bytes"
                    )
                _extract_file(tar, member, target)
                files += 1
    except (tarfile.TarError, EOFError, OSError, zlib.error) as err:
        raise UnsafeArchive("archive.unreadable", f"not a readable .tar.gz: {err}") from None
    if top is None:
        raise UnsafeArchive("archive.empty", "the archive holds no files")
    return Unpacked(dest / top, top, files, total)


def _checked_parts(member: tarfile.TarInfo) -> tuple[str, ...]:
    name = member.name
    if not (member.isfile() or member.isdir()):
        kind = "link" if member.issym() or member.islnk() else "special file"
        raise UnsafeArchive(
            "archive.link", f"the archive holds a {kind}; only files are allowed", name
        )
    path = PurePosixPath(name)
    if path.is_absolute() or "\\" in name or "\x00" in name:
        raise UnsafeArchive("archive.traversal", "absolute or malformed path", name)
    parts = tuple(p for p in path.parts if p not in ("", "."))
    if not parts or ".." in parts:
        raise UnsafeArchive("archive.traversal", "path leaves the archive's folder", name)
    return parts


def _extract_file(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
    source = tar.extractfile(member)
    if source is None:
        raise UnsafeArchive("archive.unreadable", "entry has no data", member.name)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(target, flags, 0o755 if member.mode & 0o111 else 0o644)
    except FileExistsError:
        raise UnsafeArchive(
            "archive.duplicate", "the same path appears twice", member.name
        ) from None
    with os.fdopen(fd, "wb") as out, source:
        while chunk := source.read(_CHUNK):
            out.write(chunk)
