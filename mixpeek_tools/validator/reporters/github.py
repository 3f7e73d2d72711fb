"""GitHub Actions workflow-command annotations (``::error file=...::message``).

Printed in addition to the chosen format when ``GITHUB_ACTIONS=true``, so findings appear on the
pull request's diff. Paths are made relative to the workspace (the current directory).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from mixpeek_tools.findings import Finding, Severity

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def enabled() -> bool:
    """Whether we run inside GitHub Actions."""
    return os.environ.get("GITHUB_ACTIONS", "").lower() == "true"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding, root: Path | None = None) -> str:
    """One workflow command line for ``finding``."""
    props = []
    if finding.path:
        path = Path(finding.path)
        if root is not None and not path.is_absolute():
            path = root / path
        try:
            shown = os.path.relpath(path, Path.cwd())
        except ValueError:
            shown = str(path)
        props.append(f"file={_escape_property(Path(shown).as_posix())}")
        if finding.line is not None:
            props.append(f"line={finding.line}")
            if finding.column is not None:
                props.append(f"col={finding.column}")
    props.append(f"title={_escape_property(finding.rule)}")
    message = finding.message + (f" Fix: {finding.hint}" if finding.hint else "")
    return f"::{COMMANDS[finding.severity]} {','.join(props)}::{_escape_data(message)}"


def render(findings: Iterable[Finding], root: Path | None = None) -> str:
    """All annotations, one per line."""
    return "".join(annotation(f, root) + "\n" for f in findings)
