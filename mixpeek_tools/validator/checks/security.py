"""MP4xx security: the libcst scanner (:mod:`mixpeek_tools.scanner`) run as a check.

The scanner owns the MP4xx rule ids and their documentation; this module only feeds it the
plugin's files, adds the run's extra forbidden names, and caches per-file results by content
hash when a cache is given (the pre-commit hook), so that an unchanged file never imports libcst.
The check is mandatory: it cannot be skipped, and severity overrides cannot downgrade it when
publishing.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

from mixpeek_tools.findings import Finding
from mixpeek_tools.validator.cache import FileCache
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
    root: Path,
    files: Iterable[Path],
    *,
    extra_forbidden: list[str] | None = None,
    cache: FileCache | None = None,
) -> list[Finding]:
    """Security findings for ``files`` (paths made relative to ``root``), cached when asked."""
    extra = sorted(set(extra_forbidden or []))
    out: list[Finding] = []
    todo: list[tuple[Path, str, str | None]] = []
    for path in files:
        rel = _relative(path, root)
        key = None
        if cache is not None:
            key = cache.key(path.read_bytes())
            hit = cache.get(key, rel)
            if hit is not None:
                out.extend(hit)
                continue
        todo.append((path, rel, key))
    if not todo:
        return out
    try:
        by_file = _scan([p for p, _, _ in todo], extra)
    except ImportError as exc:
        missing = CheckUnavailable.finding(
            f"the security scanner could not be imported ({exc}); the plugin was not scanned"
        )
        return [*out, missing]
    for path, rel, key in todo:
        found = [
            dataclasses.replace(f, path=rel, check="security")
            for f in by_file.get(path.resolve(), [])
        ]
        if cache is not None and key is not None:
            cache.put(key, found)
        out.extend(found)
    return out


def run(ctx: CheckContext) -> Iterator[Finding]:
    """The security check over every Python file of the plugin."""
    yield from scan_files(
        ctx.root, ctx.python_files(), extra_forbidden=list(ctx.config.extra_forbidden)
    )


CHECK = Check(
    name="security",
    run=run,
    description="No forbidden code: command execution, eval/exec, dynamic imports, sockets, ctypes.",
    order=400,
    rules=(),
    mandatory=True,
)
