"""Publish a prebuilt archive (``publish --archive FILE``) exactly as it is.

A CI job may build the archive in one step and publish it in another, or a user may publish an
archive downloaded with ``plugin show --download``. Before anything touches the network the file
gets the same local gate as a folder: it is unpacked with the registry's wary unpacker (one top
folder, no links, no ``..``, bounded sizes), its ``manifest.py`` is read with :mod:`ast` (never
imported), the top folder must be the plugin's name, and the static checks and the security
scan run on the unpacked files. The bytes uploaded are the file's own; nothing is repacked.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from mixpeek_tools.errors import BadInput
from mixpeek_tools.findings import Finding
from mixpeek_tools.publishing.archive import MAX_ARCHIVE_BYTES, ArchiveEntry, ArchiveInfo
from mixpeek_tools.publishing.archive_format import ArchiveFormat
from mixpeek_tools.publishing.flow import Prepared, Say, scan_files, validate_static
from mixpeek_tools.publishing.manifest import api_description, api_version, read_metadata

_CHUNK = 1024 * 1024


def prepare_archive(
    archive: Path, *, say: Say = lambda _: None, run_checks: bool = True
) -> Prepared:
    """Check a prebuilt ``.tar.gz``/``.zip`` and describe it for :func:`flow.publish`."""
    from mixpeek_tools.archives.formats import sniff
    from mixpeek_tools.archives.unpack import UnsafeArchive, safe_unpack

    archive = archive.resolve()
    if not archive.is_file():
        raise BadInput("the archive does not exist", where=str(archive), hint="Check --archive")
    kind = sniff(archive)
    if kind == "unknown":
        raise BadInput(
            "this is neither a .tar.gz nor a .zip archive (judged by its first bytes)",
            where=str(archive),
            hint="Build one with `mixpeek plugin publish --dry-run` (it is written to "
            ".mixpeek/dist/)",
        )
    info = _digest(archive)
    with tempfile.TemporaryDirectory(prefix="mixpeek-archive-") as scratch:
        say(f"Unpacking {archive.name}...")
        try:
            unpacked = safe_unpack(archive, _empty(Path(scratch) / "unpacked"))
        except UnsafeArchive as err:
            where = f"{archive} ({err.path})" if err.path else str(archive)
            raise BadInput(
                f"the archive cannot be published: {err} [{err.rule}]",
                where=where,
                hint="Rebuild it with `mixpeek plugin publish --dry-run`",
            ) from None
        meta = read_metadata(unpacked.root)
        _check_top(unpacked.top, meta.name, archive)
        version = api_version(meta)
        api_description(meta)
        info.entries = _entries(unpacked.root, unpacked.top)
        warnings: list[Finding] = []
        if run_checks:
            say("Validating (static checks)...")
            warnings += validate_static(unpacked.root)
            say("Security scan...")
            warnings += scan_files([p for p in unpacked.root.rglob("*") if p.is_file()], unpacked.root)
    fmt = ArchiveFormat.TAR_GZ if kind == "tar.gz" else ArchiveFormat.ZIP
    return Prepared(archive.parent, meta, info, warnings, version, fmt)


def _check_top(top: str, name: str, archive: Path) -> None:
    if top != name:
        raise BadInput(
            f"the archive's top folder is {top!r} but its manifest.py names the plugin {name!r}; "
            "the platform refuses such an archive",
            where=str(archive),
            hint="Rebuild it with `mixpeek plugin publish --dry-run`, which names the folder "
            "after the plugin",
        )


def _digest(archive: Path) -> ArchiveInfo:
    sha, md5, size = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
    with archive.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            sha.update(chunk)
            md5.update(chunk)
            size += len(chunk)
    if size > MAX_ARCHIVE_BYTES:
        raise BadInput(
            f"the archive is {size:,} bytes; the platform accepts at most {MAX_ARCHIVE_BYTES:,}",
            where=str(archive),
        )
    return ArchiveInfo(archive, size, sha.hexdigest(), md5.hexdigest())


def _entries(root: Path, top: str) -> list[ArchiveEntry]:
    """What the archive holds, for the listing (``source`` is the name inside the archive)."""
    out = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        name = f"{top}/{path.relative_to(root).as_posix()}"
        out.append(ArchiveEntry(name, Path(name), path.stat().st_size, bool(path.stat().st_mode & 0o111)))
    return out


def _empty(folder: Path) -> Path:
    folder.mkdir()
    return folder
