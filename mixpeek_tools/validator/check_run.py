"""Running one check in this process, as both routes do: the runner's, and the child that
imports the plugin for it (the plugin's pytest child, or the import child of a cold validate).

Kept apart from :mod:`.runner` so that a child needs neither pluggy nor the configuration
machinery (``mixpeek_tools.validator.shared_import`` imports only this).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from mixpeek_tools.findings import Finding
from mixpeek_tools.validator.checks.meta import CheckCrashed, PluginImportFailed
from mixpeek_tools.validator.checks.pipeline import exception_location
from mixpeek_tools.validator.model import Check, CheckContext, CheckResult


def _describe(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def import_failure_finding(exc: BaseException, root: Path) -> Finding:
    """MP003 from the loader's error: its path/line/column when it has them."""
    path = getattr(exc, "path", None)
    line = getattr(exc, "line", None)
    column = getattr(exc, "column", None)
    if path is None and isinstance(exc, SyntaxError):
        path, line, column = exc.filename, exc.lineno, exc.offset
    if path is None:
        path, line = exception_location(exc, root)
    if path is not None:
        path = _plugin_relative(Path(path), root)
    message = getattr(exc, "message", None) or _describe(exc)
    return PluginImportFailed.finding(
        f"the plugin cannot be imported: {message}",
        path=path,
        line=line,
        column=column,
        hint=getattr(exc, "hint", None) or PluginImportFailed.hint,
    )


def _plugin_relative(path: Path, root: Path) -> str:
    """``path`` relative to the plugin root; relative inputs may be from root or its parent."""
    candidates = [path] if path.is_absolute() else [root.parent / path, root / path]
    for candidate in candidates:
        try:
            rel = candidate.resolve().relative_to(root.resolve())
        except ValueError:
            continue
        if candidate.exists():
            return rel.as_posix()
    return path.as_posix()


def run_check_uncached(
    check: Check, ctx: CheckContext, waiter: Callable[[], Iterable[Finding]] | None = None
) -> CheckResult:
    """Run one check in this process: MP003 when its import fails first, MP001 when it crashes.

    Also what the plugin's pytest child runs for the import checks
    (:mod:`mixpeek_tools.validator.shared_import`), so both routes give the same result.
    """
    start = time.perf_counter()
    found: list[Finding] = []
    if check.needs_import:
        first_try = not ctx.import_attempted
        try:
            ctx.load_plugin()
        except (Exception, SystemExit) as exc:
            if first_try:
                found.append(import_failure_finding(exc, ctx.root))
                return CheckResult(check.name, found, time.perf_counter() - start)
            return CheckResult(
                check.name, [], time.perf_counter() - start, "not-run",
                "the plugin cannot be imported (see MP003)",
            )
    try:
        for finding in waiter() if waiter is not None else check.run(ctx):
            found.append(finding if finding.check else dataclasses.replace(finding, check=check.name))
    except (Exception, SystemExit) as exc:
        found.append(
            CheckCrashed.finding(
                f"check '{check.name}' from {check.source} crashed: {_describe(exc)}",
                extra={"source": check.source, "check": check.name},
            )
        )
    return CheckResult(check.name, found, time.perf_counter() - start)


__all__ = ["import_failure_finding", "run_check_uncached"]
