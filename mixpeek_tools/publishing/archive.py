"""Reproducible ``.tar.gz`` archives of a plugin directory.

The same tree must give the same bytes (so the same sha256) wherever and whenever it is built:
that is what makes a re-publish detectable, an upload verifiable and a build auditable. So the
archive normalises everything a file system varies on: entries are sorted, every mtime is
``FIXED_MTIME``, owner is 0/0 with empty names, modes are 0644 or 0755, and the gzip header's
own mtime and file name are fixed.

The gzip level is 1, not ``tarfile``'s 9: archives are dominated by data files and models that
barely compress, so a higher level makes the archive only a few percent smaller and costs more
time than those bytes save on any link faster than a few MB/s (``benchmarks/bench_publish.py``
times the build).

The file is written in one streaming pass; the sha256 and md5 (S3's ETag of a single-part
upload) are computed on the way out, so the archive is never read back or held in memory.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from mixpeek_tools.errors import BadInput
from mixpeek_tools.publishing.ignore import archive_files

MAX_ARCHIVE_BYTES = 524_288_000  # 500 MB, the platform's limit
FIXED_MTIME = 315_532_800  # 1980-01-01T00:00:00Z: the earliest time every archive format can hold
GZIP_LEVEL = 1
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class ArchiveEntry:
    """One file inside the archive (``name`` as stored, ``source`` on disk)."""

    name: str
    source: Path
    size: int
    executable: bool


@dataclass
class ArchiveInfo:
    """A built archive: where it is, how big, its digests and what went in."""

    path: Path
    size: int
    sha256: str
    md5: str
    entries: list[ArchiveEntry] = field(default_factory=list)


class ArchiveTooLarge(BadInput):
    """The archive passed the platform's 500 MB limit."""


class _DigestWriter:
    """A write-only file object that hashes and counts what passes through to ``target``."""

    def __init__(self, target: BinaryIO, limit: int) -> None:
        self._target = target
        self._limit = limit
        self.size = 0
        self.sha256 = hashlib.sha256()
        self.md5 = hashlib.md5(usedforsecurity=False)

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self._limit:
            raise ArchiveTooLarge(
                f"the archive is larger than the platform's limit of {self._limit:,} bytes "
                "(500 MB)",
                hint="Keep large data and model files out of the plugin (list them in "
                ".mixpeekignore) and load them at run time from storage instead",
            )
        self.sha256.update(data)
        self.md5.update(data)
        return self._target.write(data)

    def flush(self) -> None:
        self._target.flush()


def collect_entries(root: Path, top: str) -> list[ArchiveEntry]:
    """Every file that goes into the archive (the plugin's file set), sorted by stored name.

    Symbolic links to files inside the plugin are stored as the file they point at; links that
    leave the plugin, links to folders and special files are refused, because each is either a
    leak or a surprise on the server.
    """
    root = root.resolve()
    files = archive_files(root)
    if files.refused:
        rel, reason = files.refused[0]
        raise BadInput(
            f"{rel}: {reason}; links to folders, links that leave the plugin and special files "
            "are never archived",
            where=str(root / rel),
            hint="Replace it with the real files, or list it in .mixpeekignore",
        )
    entries = [
        ArchiveEntry(name=f"{top}/{f.rel}", source=f.path, size=f.size, executable=f.executable)
        for f in files
    ]
    return sorted(entries, key=lambda e: e.name)


def _tar_info(entry: ArchiveEntry) -> tarfile.TarInfo:
    info = tarfile.TarInfo(entry.name)
    info.size = entry.size
    info.mtime = FIXED_MTIME
    info.mode = 0o755 if entry.executable else 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.type = tarfile.REGTYPE
    return info


def _dir_infos(entries: list[ArchiveEntry]) -> dict[str, tarfile.TarInfo]:
    """Explicit folder entries, so that unpacking gives normalised folder modes too."""
    dirs: dict[str, tarfile.TarInfo] = {}
    for entry in entries:
        parts = entry.name.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            name = "/".join(parts[:i])
            if name not in dirs:
                info = tarfile.TarInfo(name)
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                info.mtime = FIXED_MTIME
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                dirs[name] = info
    return dirs


def write_archive(
    entries: list[ArchiveEntry], dest: Path, *, limit: int = MAX_ARCHIVE_BYTES
) -> ArchiveInfo:
    """Write ``entries`` to ``dest`` as a reproducible .tar.gz (atomically, see write_digested)."""

    def fill(digest: _DigestWriter) -> None:
        with (
            gzip.GzipFile(
                filename="", mode="wb", fileobj=digest, compresslevel=GZIP_LEVEL, mtime=0
            ) as gz,
            tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
        ):
            _add_all(tar, entries)

    return write_digested(entries, dest, fill, limit=limit)


def write_digested(
    entries: list[ArchiveEntry], dest: Path, fill: Callable[[_DigestWriter], None], *,
    limit: int = MAX_ARCHIVE_BYTES,
) -> ArchiveInfo:  # fmt: skip
    """Let ``fill`` write an archive through a size-bounded digest into a temporary file next
    to ``dest``, then move it into place: a failed or interrupted build leaves nothing behind."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".partial")
    try:
        with tmp.open("wb") as raw:
            digest = _DigestWriter(raw, limit)
            fill(digest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, dest)
    return ArchiveInfo(
        path=dest,
        size=digest.size,
        sha256=digest.sha256.hexdigest(),
        md5=digest.md5.hexdigest(),
        entries=entries,
    )


def _add_all(tar: tarfile.TarFile, entries: list[ArchiveEntry]) -> None:
    dirs = _dir_infos(entries)
    written: set[str] = set()
    for entry in entries:
        parent_chain = entry.name.split("/")[:-1]
        for i in range(1, len(parent_chain) + 1):
            name = "/".join(parent_chain[:i])
            if name not in written:
                tar.addfile(dirs[name])
                written.add(name)
        with entry.source.open("rb") as handle:
            info = _tar_info(entry)
            tar.addfile(info, _SizedReader(handle, entry))


class _SizedReader:
    """Reads exactly the size recorded up front, so a file growing mid-archive is caught."""

    def __init__(self, handle: BinaryIO, entry: ArchiveEntry) -> None:
        self._handle = handle
        self._entry = entry
        self._left = entry.size

    def read(self, size: int = -1) -> bytes:
        want = self._left if size < 0 else min(size, self._left)
        data = self._handle.read(want)
        self._left -= len(data)
        if len(data) < want:
            raise BadInput(
                "the file shrank while the archive was being written",
                where=str(self._entry.source),
                hint="Stop whatever is writing to the plugin folder and publish again",
            )
        return data


def build_archive(root: Path, top: str, dest: Path) -> ArchiveInfo:
    """Collect the plugin's files under folder ``top`` and write the archive to ``dest``."""
    return write_archive(collect_entries(root, top), dest)
