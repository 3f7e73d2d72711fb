"""Nothing is lost on restart: kept archives, the S3 objects restored from them, and sweeping.

The built-in S3 endpoint (moto) keeps objects in memory, so after a restart every plugin's
``object_key`` would point at nothing. The registry therefore keeps its own copy of every
accepted archive in ``<data>/archives/<namespace>/<plugin_id>.<tar.gz|zip>`` (written with fsync
and an atomic rename, so a SIGKILL leaves either the whole file or none) and, at start, puts back
every object that is missing or differs in size from its kept copy (whose sha256 must still be
the scanned ``code_hash``). A download whose object went missing later (an external S3 that lost
it) goes through the same :func:`restore_one` first. With an external S3 the objects survive
anyway and nothing is re-uploaded.

:func:`sweep` removes what no one will ever claim: uploads that expired unconfirmed (row and
object), objects of open uploads whose name and version another upload has since published,
and kept archives whose plugin is gone. :class:`Janitor` runs it periodically.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mixpeek_tools.registry.storage import Storage
    from mixpeek_tools.registry.store import Store

log = logging.getLogger(__name__)
ARCHIVES = "archives"
SWEEP_SECONDS = 600.0


def archives_dir(data_dir: Path) -> Path:
    return data_dir / ARCHIVES


def kept_archive(data_dir: Path, namespace_id: str, plugin_id: str, archive_format: str) -> Path:
    return archives_dir(data_dir) / namespace_id / f"{plugin_id}.{archive_format}"


def keep_archive(source: Path, dest: Path) -> Path:
    """Move a verified archive to ``dest`` in the kept archives, durably (fsync, rename, fsync
    folder)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with source.open("rb") as fh:
        os.fsync(fh.fileno())
    part = dest.with_suffix(".part")
    source.replace(part)
    part.replace(dest)
    _fsync_dir(dest.parent)
    return dest


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class RestoreReport:
    """What :func:`restore_objects` did, for the start-up log and tests."""

    restored: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # no usable kept copy: cannot restore


_PLUGIN_FILES = (
    "SELECT namespace_id, plugin_id, object_key, code_hash, file_size_bytes, archive_format "
    "FROM plugins WHERE validation_status = 'passed'"
)


def restore_objects(store: Store, storage: Storage, data_dir: Path) -> RestoreReport:
    """Put every accepted plugin's archive back into S3 where it is missing."""
    report = RestoreReport()
    with store.tx() as db:
        rows = [dict(r) for r in db.execute(_PLUGIN_FILES).fetchall()]
    for row in rows:
        outcome = restore_one(storage, data_dir, row)
        getattr(report, outcome).append(row["plugin_id"])
    return report


def restore_one(storage: Storage, data_dir: Path, plugin: dict[str, Any]) -> str:
    """Put one plugin's kept archive back into S3 if its object is missing or the wrong size.

    Returns ``"present"``, ``"restored"`` or ``"missing"`` (no intact kept copy).
    """
    head = storage.head(plugin["object_key"])
    if head is not None and head[0] == plugin["file_size_bytes"]:
        return "present"
    kept = kept_archive(data_dir, plugin["namespace_id"], plugin["plugin_id"],
                        plugin["archive_format"])  # fmt: skip
    if not kept.is_file() or sha256_of(kept) != plugin["code_hash"]:
        log.warning("plugin %s/%s: no intact kept archive; its object cannot be restored",
                    plugin["namespace_id"], plugin["plugin_id"])  # fmt: skip
        return "missing"
    content_type = "application/zip" if plugin["archive_format"] == "zip" else "application/gzip"
    storage.put_file(plugin["object_key"], kept, content_type)
    return "restored"


@dataclass
class SweepReport:
    expired_uploads: list[str] = field(default_factory=list)
    conflicting_objects: list[str] = field(default_factory=list)
    orphan_archives: list[str] = field(default_factory=list)


def sweep(
    store: Store, storage: Storage, data_dir: Path, *, now: float | None = None,
    archive_min_age: float = 3600.0,
) -> SweepReport:  # fmt: skip
    """Remove expired unconfirmed uploads, objects of superseded uploads and orphan archives.

    An orphan archive must be ``archive_min_age`` seconds old, and an upload must have expired
    that long ago, so a confirm still in flight is never robbed; at start (nothing in flight) 0.
    """
    now = time.time() if now is None else now
    report = SweepReport()
    with store.tx() as db:
        expired = db.execute(
            "SELECT upload_id, object_key FROM uploads WHERE plugin_id IS NULL AND expires_at < ?",
            (now - archive_min_age,),
        ).fetchall()
        superseded = db.execute(
            "SELECT u.upload_id, u.object_key FROM uploads u JOIN plugins p "
            "ON p.namespace_id = u.namespace_id AND p.name = u.name AND p.version = u.version "
            "WHERE u.plugin_id IS NULL AND p.validation_status = 'passed' "
            "AND (p.upload_id IS NULL OR p.upload_id != u.upload_id) AND u.expires_at >= ?",
            (now,),
        ).fetchall()
        known = {
            (r[0], r[1])
            for r in db.execute(
                "SELECT namespace_id, plugin_id FROM plugins WHERE validation_status = 'passed'"
            )
        }
    for upload_id, key in expired:
        storage.delete(key)
        with store.tx() as db:
            db.execute(
                "DELETE FROM uploads WHERE upload_id = ? AND plugin_id IS NULL", (upload_id,)
            )
        report.expired_uploads.append(upload_id)
    for upload_id, key in superseded:
        if storage.head(key) is not None:
            storage.delete(key)
            report.conflicting_objects.append(upload_id)
    report.orphan_archives = _remove_orphan_archives(data_dir, known, now - archive_min_age)
    return report


def _remove_orphan_archives(
    data_dir: Path, known: set[tuple[str, str]], older_than: float
) -> list[str]:
    folder = archives_dir(data_dir)
    removed: list[str] = []
    if not folder.is_dir():
        return removed
    for path in folder.glob("*/*"):
        plugin_id = path.name.split(".", 1)[0]
        orphan = path.suffix == ".part" or (path.parent.name, plugin_id) not in known
        if path.is_file() and orphan and path.stat().st_mtime <= older_than:
            path.unlink(missing_ok=True)
            removed.append(f"{path.parent.name}/{path.name}")
    return removed


class Janitor:
    """Calls ``job`` every ``interval`` seconds in a daemon thread until :meth:`stop`."""

    def __init__(self, job: Callable[[], object], interval: float = SWEEP_SECONDS) -> None:
        self._job = job
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="registry-janitor")

    def start(self) -> Janitor:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._job()
            except Exception:  # a failed sweep is retried next time; it must not kill the thread
                log.exception("registry sweep failed")
