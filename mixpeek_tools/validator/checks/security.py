"""MP4xx security: the libcst scanner (:mod:`mixpeek_tools.scanner`) run as a check.

The scanner owns the MP4xx rule ids and their documentation; this module only feeds it the
plugin's files and adds the run's extra forbidden names (the pre-commit hook,
:mod:`mixpeek_tools.validator.session`, calls the scanner with the kit's findings cache).
The check is mandatory: it cannot be skipped, and severity overrides cannot downgrade it when
publishing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
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


def run(ctx: CheckContext) -> Iterator[Finding]:
    """The security check over every file that would be published: the run's file set, the
    one the import checks then stage and import."""
    try:
        from mixpeek_tools.scanner import scan_file_set
    except ImportError as exc:
        yield CheckUnavailable.finding(
            f"the security scanner could not be imported ({exc}); the plugin was not scanned"
        )
        return
    extra = sorted(set(ctx.config.extra_forbidden)) or None
    result = scan_file_set(ctx.files(), extra_forbidden=extra)
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
