"""``mixpeek-check [FILES...]``: the pre-commit hook (see :mod:`mixpeek_tools.validator.session`).

Only parses arguments, calls :func:`~mixpeek_tools.validator.session.check_files`, prints the
findings as ``path:line:col: severity RULE message (fix: ...)`` and maps the outcome to an exit
code: 0 clean, 1 an error remains, 2 bad input. Deliberately argparse, not click, and nothing
heavy is imported: it runs on every commit.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from mixpeek_tools.errors import ExitCode, KitError
from mixpeek_tools.findings import Finding, Severity


def _shown_path(root: Path, finding: Finding, cwd: Path) -> str:
    full = root / finding.path if finding.path else root
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
    from mixpeek_tools.validator.cache import default_cache_dir
    from mixpeek_tools.validator.session import check_files

    args = build_parser().parse_args(argv)
    cwd = Path.cwd()
    cache_dir = None if args.no_cache else (args.cache_dir or default_cache_dir())
    reports = check_files(args.files, cwd=cwd, cache_dir=cache_dir)
    errors = warnings = 0
    for report in reports:
        root = report.root or cwd
        for line in format_findings(root, report.findings, cwd):
            print(line)
        errors += sum(1 for f in report.findings if f.severity is Severity.ERROR)
        warnings += sum(1 for f in report.findings if f.severity is Severity.WARNING)
        if args.verbose:
            print(f"checked {os.path.relpath(root, cwd)}", file=sys.stderr)
    if errors or warnings:
        verdict = "FAILED" if errors else "passed with warnings"
        print(f"mixpeek-check {verdict}: {len(reports)} plugin(s), {errors} error(s), "
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
