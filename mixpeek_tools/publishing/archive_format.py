"""The archive's container format: ``.tar.gz`` (the default) or ``.zip``.

The official CLI uploads a ``.tar.gz``; the API's route text asks for a ``.zip``. Both are
written here with the same guarantees as :mod:`archive` (which owns *what* goes in): one top
folder named after the plugin, entries sorted, fixed times, owner and modes, so the same files
always give the same bytes. The zip is streamed through the same digesting writer, so its size,
sha256 and md5 are known when it is closed and it is never read back.
"""

from __future__ import annotations

import zipfile
from enum import Enum
from pathlib import Path
from typing import IO, cast

from mixpeek_tools.errors import BadInput
from mixpeek_tools.publishing.archive import (
    MAX_ARCHIVE_BYTES,
    ArchiveEntry,
    ArchiveInfo,
    _DigestWriter,
    write_archive,
    write_digested,
)

ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the same instant as archive.FIXED_MTIME, zip's earliest
ZIP_LEVEL = 1  # the same trade-off as archive.GZIP_LEVEL
_CHUNK = 1024 * 1024


class ArchiveFormat(str, Enum):
    """A format, its file suffix and the Content-Type the upload is sent with."""

    TAR_GZ = "tar.gz"
    ZIP = "zip"

    @property
    def suffix(self) -> str:
        return f".{self.value}"

    @property
    def content_type(self) -> str:
        return "application/gzip" if self is ArchiveFormat.TAR_GZ else "application/zip"


def write(
    entries: list[ArchiveEntry],
    dest: Path,
    fmt: ArchiveFormat = ArchiveFormat.TAR_GZ,
    *,
    limit: int = MAX_ARCHIVE_BYTES,
) -> ArchiveInfo:
    """Write ``entries`` to ``dest`` in ``fmt`` (atomically, via a temporary file next to it)."""
    if fmt is ArchiveFormat.TAR_GZ:
        return write_archive(entries, dest, limit=limit)
    return write_zip(entries, dest, limit=limit)


def write_zip(
    entries: list[ArchiveEntry], dest: Path, *, limit: int = MAX_ARCHIVE_BYTES
) -> ArchiveInfo:
    """A reproducible zip of ``entries`` (folders first as they appear, then each file)."""

    def fill(digest: _DigestWriter) -> None:
        stream = cast(IO[bytes], digest)  # write and flush are all zipfile needs for "w"
        with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as zf:
            _add_zip_entries(zf, entries)

    return write_digested(entries, dest, fill, limit=limit)


def _add_zip_entries(zf: zipfile.ZipFile, entries: list[ArchiveEntry]) -> None:
    written: set[str] = set()
    for entry in entries:
        parts = entry.name.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            folder = "/".join(parts[:i]) + "/"
            if folder not in written:
                zf.writestr(_zip_info(folder, 0o40755), b"")
                written.add(folder)
        info = _zip_info(entry.name, 0o100755 if entry.executable else 0o100644)
        info.file_size = entry.size
        with entry.source.open("rb") as src, zf.open(info, "w") as out:
            copied = _copy_exact(src, out, entry.size)
        if copied != entry.size:
            raise BadInput(
                "the file changed size while the archive was being written",
                where=str(entry.source),
                hint="Stop whatever is writing to the plugin folder and publish again",
            )


def _copy_exact(src: IO[bytes], out: IO[bytes], size: int) -> int:
    """Copy at most ``size`` bytes; returns how many there were (a grown file is cut, caught)."""
    left, copied = size + 1, 0  # one byte more than promised reveals a file that grew
    while left > 0:
        block = src.read(min(_CHUNK, left))
        if not block:
            break
        copied += len(block)
        left -= len(block)
        if copied <= size:
            out.write(block)
    return copied


def _zip_info(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.create_system = 3  # unix, so external_attr carries the mode
    info.external_attr = (mode & 0xFFFF) << 16
    if name.endswith("/"):
        info.external_attr |= 0x10  # MS-DOS directory flag
        info.compress_type = zipfile.ZIP_STORED
    else:
        info.compress_type = zipfile.ZIP_DEFLATED
    return info
