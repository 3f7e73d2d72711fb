"""Findings under the scanner's rule ids, built without libcst.

The engine reports file-policy findings (binaries, undecodable files, install hooks) and shell
escapes in notebooks for files the libcst analysis never sees, so these constructors live apart
from :mod:`mixpeek_tools.scanner.analyzer`: a scan whose files the pre-filter clears does not
import libcst at all.
"""

from __future__ import annotations

from mixpeek_tools.findings import Finding
from mixpeek_tools.scanner.rules import BY_CATEGORY, POLICY


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
    spec = BY_CATEGORY[category]
    return Finding(
        rule=spec.id,
        message=message,
        path=path,
        line=line,
        column=column,
        hint=spec.hint,
        check="security",
        category=category,
        source_line=source_line,
        extra=dict(extra or {}),
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
    """A finding under one of the MP41x file-policy rules."""
    rule, category, hint = POLICY.RULES[kind]
    return Finding(
        rule=rule,
        message=message,
        path=path,
        line=line,
        column=column,
        hint=hint,
        check="security",
        category=category,
        source_line=source_line,
    )
