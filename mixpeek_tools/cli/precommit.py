"""``mixpeek-check [FILES...]``: the pre-commit hook, the fast static checks on every commit.

It finds the plugins that contain the given files (a repository can hold several), then runs
the checks that need no plugin import: structure (layout and syntax), names (pyflakes'
undefined names, imports of missing names from the plugin's own modules) and security. Per-file
results are cached by content hash, so a commit that changes nothing the hook has seen before
does not even import libcst. Slower checks (schemas, pipeline, tests) and third-party checks
stay in ``mixpeek plugin validate`` / ``test``, which import the plugin. The plugin's
``[tool.mixpeek]`` settings (skip structure, severities, extra forbidden names) apply here too.
Exit codes: 0 clean, 1 an error remains, 2 bad input.

Deliberately uses argparse, not click, and imports nothing heavy: it runs on every commit.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from mixpeek_tools.errors import ExitCode, KitError
from mixpeek_tools.findings import Finding, Severity

MARKER = "manifest.py"


def plugin_roots(files: Iterable[str], cwd: Path) -> list[Path]:
    """The plugin directories (holding ``manifest.py``) containing ``files``, in order found.

    A file that is itself inside a plugin's sub-folder (``processors/core.py``) maps to the
    plugin; files outside every plugin are ignored. With no files, ``cwd`` is searched: it is
    the plugin itself, or plugins are found below it.
    """
    roots: dict[Path, None] = {}
    files = list(files)
    if not files:
        if (cwd / MARKER).is_file():
            return [cwd.resolve()]
        return sorted({p.parent.resolve() for p in cwd.rglob(MARKER) if _not_hidden(p, cwd)})
    for name in files:
        path = (cwd / name).resolve()
        for parent in [path, *path.parents] if path.is_dir() else path.parents:
            if (parent / MARKER).is_file():
                roots.setdefault(parent, None)
                break
    return list(roots)


def _not_hidden(path: Path, base: Path) -> bool:
    parts = path.relative_to(base).parts[:-1]
    return not any(p.startswith(".") or p in {"node_modules", "venv", "build", "dist"} for p in parts)


BIG_FILE = 1 << 20  # above this, the key is the file's size and first megabyte (model weights)


def plugin_files(root: Path) -> list[Path]:
    """Every file of the plugin's file set (what publish would ship), in a stable order."""
    from mixpeek_tools.plugin.files import plugin_files as file_set

    return file_set(root).paths()


def _content(path: Path) -> bytes:
    size = path.stat().st_size
    if size <= BIG_FILE:
        return path.read_bytes()
    with open(path, "rb") as handle:
        return f"{size}\0".encode() + handle.read(BIG_FILE)


def file_findings(root: Path, files: Sequence[Path], extra_forbidden: list[str],
                  cache: object | None) -> list[Finding]:
    """Syntax and security findings per file; unchanged files come from the cache."""
    from mixpeek_tools.validator.cache import FileCache
    from mixpeek_tools.validator.checks.structure import syntax_findings

    assert cache is None or isinstance(cache, FileCache)
    out: list[Finding] = []
    todo: list[tuple[Path, str, str | None, bytes]] = []
    for path in files:
        content = _content(path)
        rel = path.relative_to(root).as_posix()
        key = cache.key(content) if cache is not None else None
        hit = cache.get(key, rel) if cache is not None and key is not None else None
        if hit is not None:
            out.extend(hit)
        else:
            todo.append((path, rel, key, content))
    if not todo:
        return out
    from mixpeek_tools.validator.checks.security import scan_files

    scanned = scan_files(root, [p for p, _, _, _ in todo], extra_forbidden=extra_forbidden)
    by_rel: dict[str | None, list[Finding]] = {}
    for finding in scanned:
        by_rel.setdefault(finding.path, []).append(finding)
    unavailable = by_rel.pop(None, [])
    for path, rel, key, content in todo:
        found = by_rel.get(rel, [])
        if path.suffix == ".py":
            from mixpeek_tools.validator.checks.names import undefined_names

            syntax = syntax_findings(content, rel)
            if not syntax:
                found = found + undefined_names(content, rel)
            # the scanner reports the same syntax error as MP413; one message is enough
            found = syntax + [f for f in found if not (syntax and f.rule == "MP413")]
        if cache is not None and key is not None and not unavailable:
            cache.put(key, found)
        out.extend(found)
    return out + unavailable


def check_plugin(root: Path, cache_dir: Path | None) -> list[Finding]:
    """The fast checks on one plugin, with its ``[tool.mixpeek]`` settings applied."""
    from mixpeek_tools.validator import config as config_mod
    from mixpeek_tools.validator.cache import FileCache
    from mixpeek_tools.validator.checks.structure import layout_findings
    from mixpeek_tools.validator.model import RunConfig

    config = RunConfig(root=root, static_only=True)
    table, pyproject = config_mod.read_table(root)
    config_mod.apply_table(config, table, pyproject)
    findings: list[Finding] = []
    if "structure" not in config.skip:
        findings.extend(layout_findings(root))
    if "names" not in config.skip:
        from mixpeek_tools.validator.checks.names import sibling_findings
        from mixpeek_tools.validator.model import CheckContext

        findings.extend(sibling_findings(CheckContext(config)))
    extra = sorted(set(config.extra_forbidden))
    cache = None
    if cache_dir is not None:
        cache = FileCache(cache_dir, salt="names-v1\0" + "\0".join(extra), scope=str(root))
    files = plugin_files(root)
    per_file = file_findings(root, files, extra, cache)
    if cache is not None:
        cache.save()
    for finding in per_file:
        if finding.check in ("structure", "names") and finding.check in config.skip:
            continue
        findings.append(finding)
    out = []
    for finding in findings:
        if finding.rule in config.disabled_rules:
            continue
        level = config.severity_overrides.get(finding.rule)
        out.append(finding.with_severity(level) if level is not None else finding)
    return out


def _shown_path(root: Path, finding: Finding, cwd: Path) -> str:
    if not finding.path:
        return os.path.relpath(root, cwd)
    full = root / finding.path
    try:
        return os.path.relpath(full, cwd)
    except ValueError:
        return str(full)


def format_findings(root: Path, findings: list[Finding], cwd: Path) -> list[str]:
    """``path:line:col: severity RULE message (fix: ...)`` lines."""
    lines = []
    for f in findings:
        where = _shown_path(root, f, cwd)
        if f.line is not None:
            where += f":{f.line}" + (f":{f.column}" if f.column is not None else "")
        fix = f" (fix: {f.hint})" if f.hint else ""
        lines.append(f"{where}: {f.severity.value} {f.rule} {f.message}{fix}")
    return lines


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mixpeek-check",
        description="Fast static checks (structure, syntax, security) on the plugins holding "
        "FILES; the pre-commit hook of mixpeek-tools.",
    )
    parser.add_argument("files", nargs="*", help="files to check (default: the plugins here)")
    parser.add_argument("--no-cache", action="store_true", help="ignore and do not write the cache")
    parser.add_argument("--cache-dir", type=Path, help="cache folder (default: $MIXPEEK_CACHE_DIR "
                        "or $XDG_CACHE_HOME/mixpeek/check)")
    parser.add_argument("--verbose", "-v", action="store_true", help="list the plugins checked")
    return parser


def run(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, check every plugin found, print findings; returns the exit code."""
    args = build_parser().parse_args(argv)
    cwd = Path.cwd()
    roots = plugin_roots(args.files, cwd)
    cache_dir = None
    if not args.no_cache:
        from mixpeek_tools.validator.cache import default_cache_dir

        cache_dir = args.cache_dir or default_cache_dir()
    errors = warnings = 0
    for root in roots:
        findings = check_plugin(root, cache_dir)
        for line in format_findings(root, findings, cwd):
            print(line)
        errors += sum(1 for f in findings if f.severity is Severity.ERROR)
        warnings += sum(1 for f in findings if f.severity is Severity.WARNING)
        if args.verbose:
            print(f"checked {os.path.relpath(root, cwd)}", file=sys.stderr)
    if errors or warnings:
        verdict = "FAILED" if errors else "passed with warnings"
        print(f"mixpeek-check {verdict}: {len(roots)} plugin(s), {errors} error(s), "
              f"{warnings} warning(s)")
    return int(ExitCode.CHECKS_FAILED) if errors else int(ExitCode.OK)


def main() -> None:
    """Console-script entry point; bad input becomes one paragraph and exit 2."""
    try:
        code = run()
    except KitError as err:
        print(f"Error: {err.paragraph()}", file=sys.stderr)
        code = int(err.exit_code)
    sys.exit(code)


if __name__ == "__main__":
    main()
