"""What every route shares: metadata, storage, the data folder, the deployer and the limits."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from mixpeek_tools.registry.deployments_api import Deployer
from mixpeek_tools.registry.persistence import kept_archive
from mixpeek_tools.registry.schemas import MAX_FILE_BYTES
from mixpeek_tools.registry.storage import Storage
from mixpeek_tools.registry.store import Store

DEFAULT_PLUGIN_QUOTA = 10
ORGANIZATION_ID = "org_local"


@dataclass
class Registry:
    store: Store
    storage: Storage
    data_dir: Path
    deployer: Deployer
    plugin_quota: int = DEFAULT_PLUGIN_QUOTA
    max_size: int = MAX_FILE_BYTES
    realtime_available: bool = True
    organization_id: str = ORGANIZATION_ID
    _locks: dict[str, threading.Lock] = field(default_factory=dict)
    _locks_guard: threading.Lock = field(default_factory=threading.Lock)

    def upload_lock(self, upload_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(upload_id, threading.Lock())

    def archive_path(self, namespace_id: str, plugin_id: str, archive_format: str) -> Path:
        """Where a validated plugin's archive is kept (it survives an in-memory S3's restart)."""
        return kept_archive(self.data_dir, namespace_id, plugin_id, archive_format)
