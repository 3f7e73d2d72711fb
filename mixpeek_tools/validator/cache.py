"""Where the validator keeps its cache, and what invalidates it.

The store itself is the scanner's :class:`~mixpeek_tools.scanner.cache.ScanCache` (the one
findings cache of the kit); this module only names its folder and the salt that makes a change
to the checking code (a new scanner rule, an edited check) a miss for every entry, even before
the kit's version number moves. Stat calls only: it never imports what it fingerprints.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from mixpeek_tools import __version__

CACHE_ENV = "MIXPEEK_CACHE_DIR"
_KIT = Path(__file__).resolve().parents[1]
# The code whose output is cached: a change to any of these files (a new scanner rule, an
# edited check) must invalidate every entry, even before the kit's version number moves.
_FINGERPRINTED = (
    "scanner", "validator/checks/structure.py", "validator/checks/security.py",
    "validator/checks/names.py", "validator/session.py", "validator/config.py",
    "plugin/files.py",
)


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


def cache_salt() -> str:
    """The kit's version and the fingerprint of the checking code, for ``ScanCache(salt=...)``."""
    return f"{__version__}\0{code_fingerprint()}"
