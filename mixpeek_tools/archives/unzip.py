"""Unpack a ``.zip`` upload under the same rules as a ``.tar.gz`` (see ``unpack``).

The platform's route text names ``.zip`` archives, so the registry accepts them too. A zip's
central directory declares every entry's unpacked size; their sum is checked against the bound
before anything is decompressed, and ``zipfile`` never yields more than an entry's declared size
(it checks the CRC at the end), so overlapping-entry bombs and lying headers stop early as well.
"""

from __future__ import annotations

import os
import stat
import zipfile
import zlib
from pathlib import Path

from mixpeek_tools.archives.unpack import (
    _CHUNK,
    Unpacked,
    UnsafeArchive,
    _same_top,
    checked_name,
)


def safe_unzip(archive: Path, dest: Path, *, max_bytes: int, max_entries: int) -> Unpacked:
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            _check_bounds(infos, max_bytes, max_entries)
            top: str | None = None
            files = total = 0
            for info in infos:
                parts = _checked_entry(info)
                top = _same_top(top, parts[0], info.filename)
                target = dest.joinpath(*parts)
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True, mode=0o755)
                    continue
                total += _extract(zf, info, target)
                files += 1
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, zlib.error) as err:
        raise UnsafeArchive("archive.unreadable", f"not a readable .zip: {err}") from None
    if top is None:
        raise UnsafeArchive("archive.empty", "the archive holds no files")
    return Unpacked(dest / top, top, files, total)


def _check_bounds(infos: list[zipfile.ZipInfo], max_bytes: int, max_entries: int) -> None:
    if len(infos) > max_entries:
        raise UnsafeArchive("archive.too_many_entries", f"more than {max_entries} entries")
    if sum(i.file_size for i in infos) > max_bytes:
        raise UnsafeArchive("archive.too_large", f"unpacks to more than {max_bytes} bytes")


def _checked_entry(info: zipfile.ZipInfo) -> tuple[str, ...]:
    mode = info.external_attr >> 16
    if stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise UnsafeArchive(
            "archive.link", "the archive holds a link or special file; only files are allowed",
            info.filename,
        )  # fmt: skip
    if info.flag_bits & 0x1:
        raise UnsafeArchive("archive.unreadable", "encrypted entries are not supported",
                            info.filename)  # fmt: skip
    return checked_name(info.filename)


def _extract(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> int:
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    executable = (info.external_attr >> 16) & 0o111
    try:
        fd = os.open(target, flags, 0o755 if executable else 0o644)
    except FileExistsError:
        raise UnsafeArchive(
            "archive.duplicate", "the same path appears twice", info.filename
        ) from None
    written = 0
    with os.fdopen(fd, "wb") as out, zf.open(info) as source:
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            if written > info.file_size:  # zipfile stops here itself; kept as a bound of ours
                raise UnsafeArchive("archive.too_large", "an entry is larger than declared",
                                    info.filename)  # fmt: skip
            out.write(chunk)
    return written
