"""Unpack an uploaded archive without trusting a byte of it.

Only regular files and folders are accepted; every name must be relative, free of ``..`` and
inside one top folder; the unpacked size and the number of entries are bounded, counted while
decompressing (so a gzip bomb stops early rather than filling the disk). Files are created with
``O_EXCL | O_NOFOLLOW`` so nothing already on disk can be overwritten or followed.
Anything else is a *violation*, which the registry records on a ``failed`` plugin.
"""

from __future__ import annotations

import gzip
import os
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from mixpeek_tools.archives.tarscan import ArchiveRefused, BoundedTarInfo, check_headers

MAX_UNPACKED_BYTES = 2 * 1024**3
MAX_ENTRIES = 20_000
MAX_EXPANSION = 100
MIN_UNPACK_ALLOWANCE = 64 * 1024**2
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


def unpack_limit(archive_bytes: int, max_bytes: int = MAX_UNPACKED_BYTES) -> int:
    """How much an archive of ``archive_bytes`` may unpack to: :data:`MAX_EXPANSION` times its
    size (at least :data:`MIN_UNPACK_ALLOWANCE`), never more than ``max_bytes``.

    Source code and data files compress a few times over; a thousandfold ratio is a bomb.
    """
    return min(max_bytes, max(MIN_UNPACK_ALLOWANCE, MAX_EXPANSION * archive_bytes))


def safe_unpack(archive: Path, dest: Path, *, max_bytes: int = MAX_UNPACKED_BYTES) -> Unpacked:
    """Unpack ``archive`` (.tar.gz, or .zip by its magic bytes) into the empty folder ``dest``.

    Raises :class:`UnsafeArchive`. The headers are checked in a first pass that holds nothing in
    memory (:mod:`tarscan`), so no bound is first passed and then noticed.
    """
    limit = unpack_limit(archive.stat().st_size, max_bytes)
    with archive.open("rb") as fh:
        is_zip = fh.read(4) == b"PK\x03\x04"
    if is_zip:
        from mixpeek_tools.archives.unzip import safe_unzip

        return safe_unzip(archive, dest, max_bytes=limit, max_entries=MAX_ENTRIES)
    try:
        with gzip.open(archive, "rb") as stream:
            check_headers(stream, max_bytes=limit, max_entries=MAX_ENTRIES)  # type: ignore[arg-type]
        return _unpack_tar(archive, dest, limit)
    except ArchiveRefused as err:
        raise UnsafeArchive(err.rule, str(err)) from None
    except (tarfile.TarError, EOFError, OSError, zlib.error) as err:
        raise UnsafeArchive("archive.unreadable", f"not a readable .tar.gz: {err}") from None


def _unpack_tar(archive: Path, dest: Path, max_bytes: int) -> Unpacked:
    top: str | None = None
    total = files = 0
    with tarfile.open(archive, mode="r:gz", tarinfo=BoundedTarInfo) as tar:
        for count, member in enumerate(tar, start=1):
            if count > MAX_ENTRIES:
                raise UnsafeArchive("archive.too_many_entries", f"more than {MAX_ENTRIES} entries")
            parts = _checked_parts(member)
            top = _same_top(top, parts[0], member.name)
            target = dest.joinpath(*parts)
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True, mode=0o755)
                continue
            total += member.size
            if total > max_bytes:
                raise UnsafeArchive("archive.too_large", f"unpacks to more than {max_bytes} bytes")
            _extract_file(tar, member, target)
            files += 1
    if top is None:
        raise UnsafeArchive("archive.empty", "the archive holds no files")
    return Unpacked(dest / top, top, files, total)


def _same_top(top: str | None, first: str, name: str) -> str:
    if top is not None and first != top:
        raise UnsafeArchive("archive.layout", "entries must all sit in one top folder", name)
    return first


def _checked_parts(member: tarfile.TarInfo) -> tuple[str, ...]:
    name = member.name
    if not (member.isfile() or member.isdir()):
        kind = "link" if member.issym() or member.islnk() else "special file"
        raise UnsafeArchive(
            "archive.link", f"the archive holds a {kind}; only files are allowed", name
        )
    return checked_name(name)


def checked_name(name: str) -> tuple[str, ...]:
    """The parts of an entry's relative path; refuses absolute, ``..`` and malformed names."""
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
