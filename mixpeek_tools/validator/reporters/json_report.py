"""The JSON report, for scripts and CI: every finding plus per-check status and timings."""

from __future__ import annotations

import json
from typing import Any

from mixpeek_tools import __version__
from mixpeek_tools.validator.model import CheckReport


def to_dict(report: CheckReport, *, verbose: bool = False) -> dict[str, Any]:
    """The report as plain data; the keys are stable so scripts can rely on them."""
    data: dict[str, Any] = {
        "tool": "mixpeek-tools",
        "version": __version__,
        "plugin": str(report.root) if report.root else None,
        "failed": report.failed,
        "summary": {
            "errors": len(report.errors),
            "warnings": len(report.warnings),
            "text": report.summary(),
        },
        "checks": [
            {
                "name": r.name,
                "status": r.status,
                "reason": r.reason or None,
                "seconds": round(r.seconds, 4),
                "note": r.note or None,
                "findings": len(r.findings),
            }
            for r in report.results
        ],
        "findings": [f.to_dict() for f in report.findings],
    }
    if verbose:
        data["sample_outputs"] = [
            {"row": row.number, "output": row.output} for row in report.sample_outputs
        ]
    return data


def render(report: CheckReport, *, verbose: bool = False) -> str:
    """The JSON report, indented."""
    return json.dumps(to_dict(report, verbose=verbose), indent=2, default=str) + "\n"
