"""The one findings cache of the kit: scan, checks and the pre-commit hook keep results here.

A file's findings depend only on its bytes and the code and settings that judged them, so the
key is a hash of those (the scanner's :func:`~mixpeek_tools.scanner.engine.cache_key`, the
validator's per-file keys). Everything behind :class:`FindingsCache`; the disk store keeps one
JSON file per scope (one plugin), so a warm run is one read and a cold one one atomic write. A
corrupt or unreadable store is a miss, never an error. It lives outside ``scanner/`` so that a
warm pre-commit run can read it without importing the scanner; ``mixpeek_tools.scanner`` exports
the same classes.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Protocol

from mixpeek_tools.findings import Finding

_Raw = list[dict[str, object]]


class FindingsCache(Protocol):
    """Findings by key; :meth:`save` makes what was put durable (a no-op in memory)."""

    def get(self, key: str) -> list[Finding] | None: ...

    def put(self, key: str, findings: list[Finding]) -> None: ...

    def save(self) -> None: ...


class ScanCache:
    """Findings per key in one JSON file below ``directory``, named by a hash of ``scope``.

    ``salt`` names the code that produced the entries (kit version, a fingerprint of the check
    sources): a store written under another salt is ignored as a whole. With a ``scope`` (one
    plugin), only the keys used in the run are written back, so entries of deleted or edited
    files do not pile up; without one, old entries are kept beside the new ones.
    """

    def __init__(self, directory: str | os.PathLike[str], *, scope: str = "", salt: str = "") -> None:
        self.directory = Path(directory)
        self.salt = salt
        self.prune = bool(scope)
        self.file = self.directory / f"{hashlib.sha256(scope.encode()).hexdigest()[:24]}.json"
        self.hits = 0
        self._stored: dict[str, _Raw] | None = None
        self._used: dict[str, _Raw] = {}

    def _load(self) -> dict[str, _Raw]:
        if self._stored is None:
            self._stored = {}
            try:
                data = json.loads(self.file.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return self._stored
            if isinstance(data, dict) and data.get("salt") == self.salt:
                entries = data.get("entries")
                self._stored = entries if isinstance(entries, dict) else {}
        return self._stored

    def get(self, key: str) -> list[Finding] | None:
        raw = self._used.get(key)
        if raw is None:
            raw = self._load().get(key)
        try:
            if not isinstance(raw, list):
                raise KeyError(key)
            findings = [Finding.from_dict(item) for item in raw]
        except (TypeError, ValueError, KeyError, AttributeError):
            return None
        self.hits += 1
        self._used[key] = raw
        return findings

    def put(self, key: str, findings: list[Finding]) -> None:
        self._used[key] = [f.to_dict() for f in findings]

    def save(self) -> None:
        """Write the store atomically; a read-only or full disk only costs the cache."""
        stored = self._load()
        entries = self._used if self.prune else {**stored, **self._used}
        if entries == stored:
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            tmp = self.file.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"salt": self.salt, "entries": entries}), encoding="utf-8")
            os.replace(tmp, self.file)
        except OSError:
            return
        self._stored = dict(entries)


class MemoryCache:
    """The same interface in memory (tests, long-running processes)."""

    def __init__(self) -> None:
        self.entries: dict[str, list[Finding]] = {}

    def get(self, key: str) -> list[Finding] | None:
        return self.entries.get(key)

    def put(self, key: str, findings: list[Finding]) -> None:
        self.entries[key] = list(findings)

    def save(self) -> None:
        return None
