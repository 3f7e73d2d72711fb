"""A content-hash cache of scan results, for the pre-commit hook and repeated scans.

Keys come from :func:`mixpeek_tools.scanner.engine.cache_key` (sha256 of the bytes, the scanner
version, the rule set and the file name), so a change to any of them is a miss. Entries are
small JSON files under one folder; a corrupt entry is a miss, never an error.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from mixpeek_tools.findings import Finding


class ScanCache:
    """Findings per file content, stored as JSON files below ``directory``."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self.hits = 0
        self.misses = 0

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> list[Finding] | None:
        try:
            raw = json.loads(self._path(key).read_text(encoding="utf-8"))
            findings = [Finding.from_dict(item) for item in raw]
        except (OSError, ValueError, TypeError, KeyError):
            self.misses += 1
            return None
        self.hits += 1
        return findings

    def put(self, key: str, findings: list[Finding]) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            payload = json.dumps([f.to_dict() for f in findings])
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(payload)
            os.replace(tmp, path)
        except OSError:
            return


class MemoryCache:
    """The same interface in memory (tests, long-running processes)."""

    def __init__(self) -> None:
        self.entries: dict[str, list[Finding]] = {}

    def get(self, key: str) -> list[Finding] | None:
        return self.entries.get(key)

    def put(self, key: str, findings: list[Finding]) -> None:
        self.entries[key] = list(findings)
