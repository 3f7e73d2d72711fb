"""``mixpeek plugin scan``: the security scanner on any files or folders.

Exit 0 when nothing forbidden is found, 1 when something is, 2 for bad usage (a missing path, a
bad option value). The JSON shape is ``{"findings": [...], "files_scanned": N}``; SARIF comes
from the validator's SARIF reporter so both commands produce the same log format.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from mixpeek_tools.cli.options import output_format_option
from mixpeek_tools.errors import ExitCode

if TYPE_CHECKING:
    from mixpeek_tools.findings import Finding
    from mixpeek_tools.scanner import ScanResult


def _text(result: ScanResult) -> str:
    lines = []
    for finding in result.findings:
        lines.append(f"{finding.location()}: {finding.rule} [{finding.category}] {finding.message}")
        if finding.source_line:
            lines.append(f"    {finding.source_line.strip()}")
        if finding.hint:
            lines.append(f"    fix: {finding.hint}")
    count = len(result.findings)
    files = result.files_scanned
    noun = "file" if files == 1 else "files"
    if count:
        lines.append(f"{count} forbidden use{'s' if count != 1 else ''} found in {files} {noun} scanned.")
    else:
        lines.append(f"No forbidden code found in {files} {noun} scanned.")
    return "\n".join(lines) + "\n"


def finding_json(finding: Finding) -> dict[str, Any]:
    """One finding in the command's JSON shape (the documented keys first)."""
    return {
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "rule": finding.rule,
        "category": finding.category,
        "message": finding.message,
        "hint": finding.hint,
        "source_line": finding.source_line,
        "severity": finding.severity.value,
        "check": finding.check,
        **({"extra": finding.extra} if finding.extra else {}),
    }


def _json(result: ScanResult) -> str:
    payload = {"findings": [finding_json(f) for f in result.findings], "files_scanned": result.files_scanned}
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def _sarif(result: ScanResult) -> str:
    from mixpeek_tools.scanner.rules import BY_ID
    from mixpeek_tools.validator.reporters.sarif import to_sarif

    log = to_sarif(result.findings, rules=BY_ID, tool_name="mixpeek-scan")
    return json.dumps(log, indent=2) + "\n"


RENDERERS = {"text": _text, "json": _json, "sarif": _sarif}


@click.command(name="scan")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@output_format_option(*sorted(RENDERERS), help="Report format (json: {findings, files_scanned}).")
@click.option("--jobs", "-j", type=int, default=None, help="Worker processes (default: the usable CPUs).")
@click.option(
    "--forbid",
    multiple=True,
    metavar="NAME[=CATEGORY]",
    help="Also refuse this qualified name (e.g. yaml.load=dynamic_code); repeatable.",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Reuse results for unchanged files from this folder (content-hash cache).",
)
def scan_command(
    paths: tuple[str, ...],
    output_format: str,
    jobs: int | None,
    forbid: tuple[str, ...],
    cache_dir: Path | None,
) -> None:
    """Security-scan files or folders (default: the current folder) for forbidden code.

    Finds command execution, dynamic code (eval/exec/compile), dynamic imports, raw network
    sockets and native memory access however they are reached: aliases, star imports,
    getattr with computed names, builtins, sys.modules. Folders are walked like the publish
    archive (VCS, cache, virtualenv and build folders are skipped). Exit codes: 0 clean,
    1 forbidden code found, 2 bad usage.
    """
    from mixpeek_tools.scanner import ScanCache, scan_paths

    cache = ScanCache(cache_dir) if cache_dir is not None else None
    result = scan_paths(list(paths) or ["."], extra_forbidden=list(forbid) or None, jobs=jobs, cache=cache)
    click.echo(RENDERERS[output_format](result), nl=False)
    if result.failed:
        raise click.exceptions.Exit(int(ExitCode.CHECKS_FAILED))
