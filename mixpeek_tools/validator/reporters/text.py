"""The human-readable report: findings grouped per check, then one summary line.

The summary says ``FAILED`` whenever an error remains; the word "passed" appears only when none
does. ``--verbose`` adds each check's time and each sample row's output.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from mixpeek_tools.findings import Finding, Severity
from mixpeek_tools.validator.model import CheckReport, CheckResult

WIDTH = 14


def format_finding(finding: Finding) -> list[str]:
    """Two or three lines: location, severity, rule and message; the source line; the fix."""
    where = finding.location()
    head = f"  {where + ': ' if where else ''}{finding.severity.value} {finding.rule}: {finding.message}"
    lines = [head]
    if finding.source_line:
        lines.append(f"      {finding.source_line.strip()}")
    if finding.hint:
        lines.append(f"      fix: {finding.hint}")
    return lines


def _status(result: CheckResult, verbose: bool) -> str:
    timing = f" ({result.seconds:.2f}s)" if verbose else ""
    if result.status == "skipped":
        return f"skipped: {result.reason}"
    if result.status == "not-run":
        return f"not run: {result.reason}"
    errors = sum(1 for f in result.findings if f.severity is Severity.ERROR)
    warnings = sum(1 for f in result.findings if f.severity is Severity.WARNING)
    if errors:
        word = f"FAILED ({errors} error{'s' if errors != 1 else ''}"
        word += f", {warnings} warning{'s' if warnings != 1 else ''})" if warnings else ")"
    elif warnings:
        word = f"ok with {warnings} warning{'s' if warnings != 1 else ''}"
    else:
        word = "ok"
    note = f" [{result.note}]" if result.note else ""
    return word + note + timing


def _orphans(report: CheckReport) -> list[Finding]:
    """Findings not produced inside any check (entry points that failed to load, hooks)."""
    inside = {id(f) for r in report.results for f in r.findings}
    known = {(f.rule, f.path, f.line, f.message) for r in report.results for f in r.findings}
    return [
        f for f in report.findings
        if id(f) not in inside and (f.rule, f.path, f.line, f.message) not in known
    ]


def _sample_lines(report: CheckReport) -> Iterable[str]:
    if not report.sample_outputs:
        return
    yield ""
    yield "Sample outputs:"
    for row in report.sample_outputs:
        yield f"  row {row.number}: {json.dumps(row.output, default=str, sort_keys=True)}"


def render(report: CheckReport, *, verbose: bool = False) -> str:
    """The text report."""
    lines = [f"Checking {report.root}" if report.root else "Checking plugin"]
    orphans = _orphans(report)
    if orphans:
        lines.append(f"{'setup':<{WIDTH}}problems loading checks")
        for finding in orphans:
            lines.extend(format_finding(finding))
    for result in report.results:
        lines.append(f"{result.name:<{WIDTH}}{_status(result, verbose)}")
        for finding in result.findings:
            lines.extend(format_finding(finding))
    if verbose:
        lines.extend(_sample_lines(report))
        if report.timings:
            total = sum(report.timings.values())
            lines.append("")
            lines.append(f"Total check time: {total:.2f}s")
    lines.append("")
    lines.append(report.summary())
    return "\n".join(lines) + "\n"
