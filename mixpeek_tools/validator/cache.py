"""Per-file results cached by content hash, so an unchanged file is never parsed twice.

The pre-commit hook runs on every commit; most files have not changed since the last one. A
file's findings depend only on its bytes, the kit's version and the settings that change what
is reported (extra forbidden names), so that is the key. Entries are small JSON files; a
corrupt or unreadable entry is a miss, never an error.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from mixpeek_tools import __version__
from mixpeek_tools.findings import Finding

CACHE_ENV = "MIXPEEK_CACHE_DIR"


def default_cache_dir() -> Path:
    """``$MIXPEEK_CACHE_DIR``, else ``$XDG_CACHE_HOME/mixpeek/check``, else ``~/.cache/...``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mixpeek" / "check"


class FileCache:
    """Findings per (content hash, salt); paths are stored relative and re-applied on read."""

    def __init__(self, directory: Path, salt: str = "") -> None:
        self.directory = directory
        self.salt = f"{__version__}\0{salt}"
        self.hits = 0
        self.misses = 0

    def key(self, content: bytes) -> str:
        return hashlib.sha256(self.salt.encode() + b"\0" + content).hexdigest()

    def _file(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str, relpath: str) -> list[Finding] | None:
        """The cached findings for ``key`` with their path set to ``relpath``, or ``None``."""
        try:
            data = json.loads(self._file(key).read_text(encoding="utf-8"))
            findings = [Finding.from_dict({**item, "path": relpath}) for item in data]
        except (OSError, ValueError, TypeError, KeyError):
            self.misses += 1
            return None
        self.hits += 1
        return findings

    def put(self, key: str, findings: list[Finding]) -> None:
        """Store ``findings``; a read-only or full disk only costs the cache, never the run."""
        target = self._file(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps([f.to_dict() for f in findings]), encoding="utf-8")
            os.replace(tmp, target)
        except OSError:
            pass
