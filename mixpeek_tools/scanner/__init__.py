"""The libcst security scanner: forbidden capabilities found by resolution, not by grep.

Public API: :func:`scan_paths` (files and folders, parallel, cached), :func:`scan_source` (one
source text, for tests and tools), :class:`ScanResult`, :class:`ScanCache`, and the rule
metadata in :mod:`mixpeek_tools.scanner.rules` (``RULES``: every MP4xx rule class). See ``docs/scanner.md``.
"""

from __future__ import annotations

from mixpeek_tools.scanner.cache import MemoryCache, ScanCache
from mixpeek_tools.scanner.engine import (
    SCANNER_VERSION,
    ScanResult,
    scan_bytes,
    scan_file_set,
    scan_paths,
    scan_source,
)
from mixpeek_tools.scanner.rules import CATEGORIES, RULES

__all__ = [
    "CATEGORIES",
    "RULES",
    "SCANNER_VERSION",
    "MemoryCache",
    "ScanCache",
    "ScanResult",
    "scan_bytes",
    "scan_file_set",
    "scan_paths",
    "scan_source",
]
