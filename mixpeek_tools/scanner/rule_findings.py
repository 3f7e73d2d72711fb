"""Findings under the scanner's rule ids, built without libcst.

The engine reports file-policy findings (binaries, undecodable files, install hooks) and shell
escapes in notebooks for files the libcst analysis never sees, so these constructors live apart
from :mod:`mixpeek_tools.scanner.analyzer`: a scan whose files the pre-filter clears does not
import libcst at all.
"""

from __future__ import annotations

from mixpeek_tools.findings import Finding
from mixpeek_tools.scanner.rules import BY_CATEGORY, POLICY_BY_KIND


def capability_finding(
    category: str,
    message: str,
    *,
    path: str | None,
    line: int | None,
    column: int | None,
    source_line: str | None,
    extra: dict[str, object] | None = None,
) -> Finding:
    """A finding under the capability rule of ``category`` (MP401..MP405)."""
    return BY_CATEGORY[category].finding(
        message, path=path, line=line, column=column, source_line=source_line, extra=extra
    )


def policy_finding(
    kind: str,
    message: str,
    *,
    path: str | None,
    line: int | None = None,
    column: int | None = None,
    source_line: str | None = None,
) -> Finding:
    """A finding under the file-policy rule (MP410..MP416) of the problem ``kind``."""
    return POLICY_BY_KIND[kind].finding(
        message, path=path, line=line, column=column, source_line=source_line
    )
