"""The child process that checks an unpacked plugin for the registry.

The validator's schema and pipeline checks import the plugin, which runs its code. The registry
must never do that in its own process, so it runs this module as ``python -m
mixpeek_tools.registry.verify_worker <plugin dir> <result file>``; the worker first makes itself
a guarded child (killed with the registry, no network namespace as root, resource limits, the
PEP 578 run-time guard of :mod:`mixpeek_tools.guard`) and writes one JSON object to the result
file (not stdout, which plugin code can print to): ``{"findings": [...], "error": null | "...",
"manifest": {...}}`` (the manifest's schemas as JSON Schema, shown on the plugin record).
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import Any


def check(plugin_root: Path) -> dict[str, Any]:
    """The validator's static checks in publish mode (the registry ran the scan already)."""
    from mixpeek_tools.errors import KitError
    from mixpeek_tools.findings import Finding

    findings: list[Finding] = []
    try:
        from mixpeek_tools.validator import run_checks

        report = run_checks(plugin_root, static_only=True, for_publish=True)
        findings.extend(report.findings)
    except KitError as err:
        return {"findings": [], "error": err.paragraph()}
    return {
        "findings": [_relative(f.to_dict(), plugin_root) for f in _unique(findings)],
        "error": None,
        "manifest": manifest_details(plugin_root),
    }


def manifest_details(plugin_root: Path) -> dict[str, Any]:
    """The manifest's schemas as JSON Schema (and its listed extras), for the plugin record.

    Best effort: a plugin whose schemas cannot be rendered still passes or fails on its checks
    alone, and simply shows null schemas.
    """
    try:
        from mixpeek_tools.plugin.loader import load_plugin

        plugin = load_plugin(plugin_root)
    except Exception:
        return {}
    details: dict[str, Any] = {}
    for key in ("input_schema", "output_schema", "parameter_schema"):
        model = getattr(plugin, key, None)
        with contextlib.suppress(Exception):
            details[key] = model.model_json_schema() if model is not None else None
    for key in ("features", "dependencies", "required_vector_indexes"):
        value = plugin.metadata.get(key)
        if isinstance(value, list):
            details[key] = value
    return details


def _unique(findings: list[Any]) -> list[Any]:
    seen: set[tuple[Any, ...]] = set()
    out = []
    for f in findings:
        key = (f.rule, f.category, f.line, f.column, _name(f.path))
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def _name(path: str | None) -> str | None:
    return Path(path).name if path else None


def _relative(data: dict[str, Any], root: Path) -> dict[str, Any]:
    path = data.get("path")
    if path:
        with contextlib.suppress(ValueError):
            data["path"] = Path(path).resolve().relative_to(root.resolve().parent).as_posix()
    return data


def denials_file(out: Path) -> Path:
    """Where the guarded worker's audit hook writes its denials (next to the result file)."""
    return out.with_name(out.name + ".denials")


def main(argv: list[str]) -> int:
    root, out = Path(argv[0]), Path(argv[1])
    # Dies with the registry, no network, the limits of guard/limits.py, then the run-time guard: all before
    # the plugin's first import (mixpeek_tools.guard.child).
    from mixpeek_tools.guard.child import prepare

    prepare([root], denials_file(out))
    try:
        result = check(root)
    except Exception as exc:  # a crash in a check is reported, never raised into the registry
        result = {"findings": [], "error": f"the checks crashed: {type(exc).__name__}: {exc}"}
    out.write_text(json.dumps(result, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
