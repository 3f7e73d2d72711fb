"""MP4xx security: the libcst scanner (:mod:`mixpeek_tools.scanner`) run as a check.

The scanner owns the MP4xx rule ids and their documentation; this module only feeds it the
plugin's files and adds the run's extra forbidden names; the pre-commit hook
(:mod:`mixpeek_tools.cli.precommit`) calls :func:`scan_files` for the files its content-hash
cache does not already hold, so an unchanged file never imports libcst.
The check is mandatory: it cannot be skipped, and severity overrides cannot downgrade it when
publishing.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

from mixpeek_tools.findings import Finding
from mixpeek_tools.validator.checks.meta import CheckUnavailable
from mixpeek_tools.validator.model import Check, CheckContext, Rule


def scanner_rules() -> tuple[type[Rule], ...]:
    """Rule classes the scanner exports as ``RULES`` (for docs), or none if it has no such list."""
    try:
        from mixpeek_tools import scanner
    except ImportError:
        return ()
    rules = getattr(scanner, "RULES", ())
    return tuple(r for r in rules if isinstance(r, type) and issubclass(r, Rule))


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _scan(files: list[Path], extra_forbidden: list[str]) -> dict[Path, list[Finding]]:
    """Run the scanner once over ``files``; findings grouped by the resolved file they are in."""
    from mixpeek_tools.scanner import scan_paths

    result = scan_paths(files, extra_forbidden=extra_forbidden or None)
    by_file: dict[Path, list[Finding]] = defaultdict(list)
    for finding in result.findings:
        by_file[Path(finding.path or "").resolve()].append(finding)
    return by_file


def scan_files(
    root: Path, files: Iterable[Path], *, extra_forbidden: list[str] | None = None
) -> list[Finding]:
    """Security findings for exactly ``files`` (the pre-commit hook's cache misses).

    Paths come back relative to ``root``. A scanner that cannot be imported is one MP004
    finding without a path, never an exception.
    """
    files = list(files)
    if not files:
        return []
    try:
        by_file = _scan(files, sorted(set(extra_forbidden or [])))
    except ImportError as exc:
        return [
            CheckUnavailable.finding(
                f"the security scanner could not be imported ({exc}); the plugin was not scanned"
            )
        ]
    return [
        dataclasses.replace(f, path=_relative(path, root), check="security")
        for path in files
        for f in by_file.get(path.resolve(), [])
    ]


def run(ctx: CheckContext) -> Iterator[Finding]:
    """The security check over every file that would be published (the scanner walks the tree)."""
    try:
        from mixpeek_tools.scanner import scan_paths
    except ImportError as exc:
        yield CheckUnavailable.finding(
            f"the security scanner could not be imported ({exc}); the plugin was not scanned"
        )
        return
    extra = sorted(set(ctx.config.extra_forbidden)) or None
    result = scan_paths([ctx.root], extra_forbidden=extra)
    for finding in result.findings:
        rel = _relative(Path(finding.path), ctx.root) if finding.path else None
        yield dataclasses.replace(finding, path=rel, check="security")


CHECK = Check(
    name="security",
    run=run,
    description="No forbidden code: command execution, eval/exec, dynamic imports, sockets, ctypes.",
    order=400,
    rules=(),
    mandatory=True,
)
