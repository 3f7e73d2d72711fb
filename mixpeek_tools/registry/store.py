"""The registry's metadata in SQLite: namespaces, API keys, uploads and plugins.

API keys are stored as sha256 digests only, so a copied database leaks no usable key. Every
operation opens its own short transaction under one process-wide lock: the registry is a
developer tool with modest traffic, and this keeps SQLite's threading rules out of the way of
the ASGI thread pool.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 2
SCHEMA = """
CREATE TABLE IF NOT EXISTS namespaces (
  namespace_id TEXT PRIMARY KEY,
  created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS api_keys (
  key_sha256 TEXT PRIMARY KEY,
  namespace_id TEXT NOT NULL REFERENCES namespaces(namespace_id),
  created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS uploads (
  upload_id TEXT PRIMARY KEY,
  namespace_id TEXT NOT NULL,
  idempotency_key TEXT,
  request_sha256 TEXT NOT NULL,
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  description TEXT,
  file_size_bytes INTEGER,
  object_key TEXT NOT NULL,
  response TEXT NOT NULL,
  plugin_id TEXT,
  created_at REAL NOT NULL,
  expires_at REAL NOT NULL,
  UNIQUE (namespace_id, idempotency_key)
);
CREATE TABLE IF NOT EXISTS plugins (
  namespace_id TEXT NOT NULL,
  plugin_id TEXT NOT NULL,
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  description TEXT,
  validation_status TEXT NOT NULL,
  validation_errors TEXT NOT NULL,
  violations TEXT NOT NULL,
  security_scan_passed INTEGER NOT NULL,
  code_hash TEXT NOT NULL,
  file_size_bytes INTEGER NOT NULL,
  object_key TEXT NOT NULL,
  archive_format TEXT NOT NULL,
  upload_id TEXT,
  realtime INTEGER NOT NULL,
  manifest TEXT NOT NULL,
  deployment_status TEXT NOT NULL,
  deployed_at REAL,
  created_at REAL NOT NULL,
  updated_at REAL NOT NULL,
  PRIMARY KEY (namespace_id, plugin_id),
  UNIQUE (namespace_id, name, version)
);
CREATE TABLE IF NOT EXISTS enablements (
  namespace_id TEXT NOT NULL,
  plugin_namespace_id TEXT NOT NULL,
  plugin_id TEXT NOT NULL,
  params TEXT NOT NULL,
  created_at REAL NOT NULL,
  PRIMARY KEY (namespace_id, plugin_namespace_id, plugin_id)
);
"""

PLUGIN_COLUMNS = (
    "namespace_id", "plugin_id", "name", "version", "description", "validation_status",
    "validation_errors", "violations", "security_scan_passed", "code_hash", "file_size_bytes",
    "object_key", "archive_format", "upload_id", "realtime", "manifest", "deployment_status",
    "deployed_at", "created_at", "updated_at",
)  # fmt: skip
_JSON_COLUMNS = ("validation_errors", "violations", "manifest")


def hash_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


def new_api_key() -> str:
    return "sk_" + secrets.token_urlsafe(32)


class Store:
    """All reads and writes of the registry's metadata."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        with self.tx() as db:
            _retire_old_schema(db)
            db.executescript(SCHEMA)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One transaction, committed on success and rolled back on any error."""
        with self._lock:
            db = sqlite3.connect(self.path, timeout=30)
            db.row_factory = sqlite3.Row
            try:
                db.execute("PRAGMA journal_mode=WAL")
                with db:
                    yield db
            finally:
                db.close()

    # -- namespaces and keys -----------------------------------------------------------------

    def is_empty(self) -> bool:
        with self.tx() as db:
            return db.execute("SELECT COUNT(*) FROM namespaces").fetchone()[0] == 0

    def add_key(self, namespace_id: str) -> str:
        """Create ``namespace_id`` if needed and a new key for it; returns the key (shown once)."""
        key = new_api_key()
        now = time.time()
        with self.tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO namespaces (namespace_id, created_at) VALUES (?, ?)",
                (namespace_id, now),
            )
            db.execute(
                "INSERT INTO api_keys (key_sha256, namespace_id, created_at) VALUES (?, ?, ?)",
                (hash_key(key), namespace_id, now),
            )
        return key

    def namespace_of(self, api_key: str) -> str | None:
        with self.tx() as db:
            row = db.execute(
                "SELECT namespace_id FROM api_keys WHERE key_sha256 = ?", (hash_key(api_key),)
            ).fetchone()
        return None if row is None else str(row[0])

    # -- uploads -----------------------------------------------------------------------------

    def upload_by_idempotency(self, namespace_id: str, key: str) -> sqlite3.Row | None:
        with self.tx() as db:
            row: sqlite3.Row | None = db.execute(
                "SELECT * FROM uploads WHERE namespace_id = ? AND idempotency_key = ?",
                (namespace_id, key),
            ).fetchone()
        return row

    def add_upload(self, row: dict[str, Any]) -> None:
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        with self.tx() as db:
            db.execute(f"INSERT INTO uploads ({cols}) VALUES ({marks})", tuple(row.values()))  # nosec B608  # column names are ours

    def upload(self, namespace_id: str, upload_id: str) -> sqlite3.Row | None:
        with self.tx() as db:
            row: sqlite3.Row | None = db.execute(
                "SELECT * FROM uploads WHERE namespace_id = ? AND upload_id = ?",
                (namespace_id, upload_id),
            ).fetchone()
        return row

    # -- plugins -----------------------------------------------------------------------------

    def plugin_by_name(self, namespace_id: str, name: str, version: str) -> dict[str, Any] | None:
        return self._one(
            "SELECT * FROM plugins WHERE namespace_id = ? AND name = ? AND version = ?",
            (namespace_id, name, version),
        )

    def plugin(self, namespace_id: str, plugin_id: str) -> dict[str, Any] | None:
        return self._one(
            "SELECT * FROM plugins WHERE namespace_id = ? AND plugin_id = ?",
            (namespace_id, plugin_id),
        )

    def plugins(self, namespace_id: str) -> list[dict[str, Any]]:
        return self._all(
            "SELECT * FROM plugins WHERE namespace_id = ? ORDER BY name, created_at",
            (namespace_id,),
        )

    def passed_plugins(self) -> list[dict[str, Any]]:
        """Every validated plugin of every namespace: the local registry is one organisation."""
        return self._all(
            "SELECT * FROM plugins WHERE validation_status = 'passed' "
            "ORDER BY name, created_at, namespace_id",
            (),
        )

    def count_passed(self, namespace_id: str) -> int:
        with self.tx() as db:
            row = db.execute(
                "SELECT COUNT(*) FROM plugins WHERE namespace_id = ? "
                "AND validation_status = 'passed'",
                (namespace_id,),
            ).fetchone()
        return int(row[0])

    def record_plugin(self, plugin: dict[str, Any]) -> None:
        """Store a checked plugin and tie its upload to it, in one transaction.

        A ``failed`` plugin of the same name and version is replaced: a refused upload must not
        block the corrected one.
        """
        row = {k: plugin[k] for k in PLUGIN_COLUMNS}
        for key in _JSON_COLUMNS:
            row[key] = json.dumps(row[key])
        with self.tx() as db:
            db.execute(
                "DELETE FROM plugins WHERE namespace_id = ? AND name = ? AND version = ? "
                "AND validation_status = 'failed'",
                (row["namespace_id"], row["name"], row["version"]),
            )
            db.execute(
                f"INSERT INTO plugins ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",  # nosec B608  # column names are ours
                tuple(row.values()),
            )
            if row["upload_id"]:
                db.execute(
                    "UPDATE uploads SET plugin_id = ? WHERE upload_id = ?",
                    (row["plugin_id"], row["upload_id"]),
                )

    def set_deployment(
        self, namespace_id: str, plugin_id: str, status: str, deployed_at: float | None
    ) -> None:
        with self.tx() as db:
            db.execute(
                "UPDATE plugins SET deployment_status = ?, deployed_at = ?, updated_at = ? "
                "WHERE namespace_id = ? AND plugin_id = ?",
                (status, deployed_at, time.time(), namespace_id, plugin_id),
            )

    def delete_plugin(self, namespace_id: str, plugin_id: str) -> bool:
        with self.tx() as db:
            cur = db.execute(
                "DELETE FROM plugins WHERE namespace_id = ? AND plugin_id = ?",
                (namespace_id, plugin_id),
            )
            db.execute(
                "DELETE FROM enablements WHERE plugin_namespace_id = ? AND plugin_id = ?",
                (namespace_id, plugin_id),
            )
        return cur.rowcount > 0

    # -- organisation plugins enabled in a namespace --------------------------------------------

    def enable(self, namespace_id: str, plugin: dict[str, Any], params: dict[str, Any]) -> None:
        with self.tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO enablements (namespace_id, plugin_namespace_id, "
                "plugin_id, params, created_at) VALUES (?, ?, ?, ?, ?)",
                (namespace_id, plugin["namespace_id"], plugin["plugin_id"], json.dumps(params),
                 time.time()),
            )  # fmt: skip

    def disable(self, namespace_id: str, plugin: dict[str, Any]) -> bool:
        with self.tx() as db:
            cur = db.execute(
                "DELETE FROM enablements WHERE namespace_id = ? AND plugin_namespace_id = ? "
                "AND plugin_id = ?",
                (namespace_id, plugin["namespace_id"], plugin["plugin_id"]),
            )
        return cur.rowcount > 0

    def enabled(self, namespace_id: str) -> set[tuple[str, str]]:
        """``(plugin's namespace, plugin_id)`` of every plugin enabled in ``namespace_id``."""
        with self.tx() as db:
            rows = db.execute(
                "SELECT plugin_namespace_id, plugin_id FROM enablements WHERE namespace_id = ?",
                (namespace_id,),
            ).fetchall()
        return {(str(r[0]), str(r[1])) for r in rows}

    def _one(self, sql: str, args: tuple[Any, ...]) -> dict[str, Any] | None:
        with self.tx() as db:
            row = db.execute(sql, args).fetchone()
        return None if row is None else _plugin(row)

    def _all(self, sql: str, args: tuple[Any, ...]) -> list[dict[str, Any]]:
        with self.tx() as db:
            rows = db.execute(sql, args).fetchall()
        return [_plugin(r) for r in rows]


def _retire_old_schema(db: sqlite3.Connection) -> None:
    """A data folder from before the platform's shapes keeps its old rows aside, unused."""
    if db.execute("PRAGMA user_version").fetchone()[0] >= SCHEMA_VERSION:
        return
    for table in ("uploads", "plugins"):
        exists = db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        if exists:
            db.execute(f"ALTER TABLE {table} RENAME TO legacy_v1_{table}")  # nosec B608  # fixed names


def _plugin(row: sqlite3.Row) -> dict[str, Any]:
    data = dict(row)
    for key in _JSON_COLUMNS:
        data[key] = json.loads(data[key])
    data["security_scan_passed"] = bool(data["security_scan_passed"])
    data["realtime"] = bool(data["realtime"])
    return data
