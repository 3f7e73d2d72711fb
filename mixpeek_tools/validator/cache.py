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
_KIT = Path(__file__).resolve().parents[1]
# The code whose output is cached: a change to any of these files (a new scanner rule, an
# edited check) must invalidate every entry, even before the kit's version number moves.
_FINGERPRINTED = ("scanner", "validator/checks/structure.py", "validator/checks/security.py")


def code_fingerprint() -> str:
    """Size and mtime of the scanner and check sources: cheap (stat only), never imports them."""
    parts: list[str] = []
    for name in _FINGERPRINTED:
        target = _KIT / name
        files = sorted(target.rglob("*.py")) if target.is_dir() else [target]
        for path in files:
            try:
                st = path.stat()
            except OSError:
                continue
            parts.append(f"{path.name}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def default_cache_dir() -> Path:
    """``$MIXPEEK_CACHE_DIR``, else ``$XDG_CACHE_HOME/mixpeek/check``, else ``~/.cache/...``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mixpeek" / "check"


class FileCache:
    """Findings per (content hash, salt) for the files of one plugin, kept in one JSON file.

    One file per plugin (named by a hash of its path) means one read on a warm run and one
    atomic write after a cold one, instead of a file per source file. Only the keys used in the
    run are written back, so entries of deleted or edited files do not pile up. Paths are
    stored relative and re-applied on read.
    """

    def __init__(self, directory: Path, salt: str = "", scope: str = "") -> None:
        self.directory = directory
        self.salt = f"{__version__}\0{code_fingerprint()}\0{salt}"
        self.file = directory / f"{hashlib.sha256(scope.encode()).hexdigest()[:24]}.json"
        self.hits = 0
        self.misses = 0
        self._entries: dict[str, list[dict[str, object]]] | None = None
        self._used: dict[str, list[dict[str, object]]] = {}

    def key(self, content: bytes) -> str:
        return hashlib.sha256(self.salt.encode() + b"\0" + content).hexdigest()

    def _load(self) -> dict[str, list[dict[str, object]]]:
        if self._entries is None:
            try:
                data = json.loads(self.file.read_text(encoding="utf-8"))
                self._entries = data if isinstance(data, dict) else {}
            except (OSError, ValueError):
                self._entries = {}
        return self._entries

    def get(self, key: str, relpath: str) -> list[Finding] | None:
        """The cached findings for ``key`` with their path set to ``relpath``, or ``None``."""
        raw = self._load().get(key)
        try:
            if raw is None:
                raise KeyError(key)
            findings = [Finding.from_dict({**item, "path": relpath}) for item in raw]
        except (TypeError, ValueError, KeyError):
            self.misses += 1
            return None
        self.hits += 1
        self._used[key] = raw
        return findings

    def put(self, key: str, findings: list[Finding]) -> None:
        """Remember ``findings`` for ``key`` (written by :meth:`save`)."""
        self._used[key] = [f.to_dict() for f in findings]

    def save(self) -> None:
        """Write the entries used in this run; a read-only or full disk only costs the cache."""
        if self._used == self._entries:
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            tmp = self.file.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(self._used), encoding="utf-8")
            os.replace(tmp, self.file)
        except OSError:
            pass
