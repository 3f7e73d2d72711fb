"""The scanner's cache is the kit's one findings cache (:mod:`mixpeek_tools.findings_cache`)."""

from __future__ import annotations

from mixpeek_tools.findings_cache import FindingsCache, MemoryCache, ScanCache

__all__ = ["FindingsCache", "MemoryCache", "ScanCache"]
