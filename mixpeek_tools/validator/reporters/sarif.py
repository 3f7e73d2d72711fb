"""SARIF 2.1.0 output, so GitHub code scanning (and other SARIF viewers) show the findings.

:func:`to_sarif` takes plain findings so the scanner's ``mixpeek plugin scan`` can reuse it (with
the scanner's rule classes, ``scanner.rules.BY_ID``); :func:`render` is the ``--format sarif``
reporter. Each rule descriptor carries the rule's docstring as its description and help text. Paths are relative to the plugin root, which
is declared as the ``PLUGINROOT`` base URI.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from mixpeek_tools import __version__
from mixpeek_tools.findings import Finding, Severity
from mixpeek_tools.validator.model import CheckReport, Rule

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/mixpeek/mixpeek-tools"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
BASE_ID = "PLUGINROOT"


def _rule_descriptor(rule_id: str, rule: type[Rule] | None, sample: Finding) -> dict[str, Any]:
    descriptor: dict[str, Any] = {"id": rule_id}
    if rule is not None:
        doc = rule.doc() or rule.name
        descriptor["name"] = rule.name
        descriptor["shortDescription"] = {"text": rule.summary()}
        descriptor["fullDescription"] = {"text": doc}
        descriptor["help"] = {"text": doc}
        descriptor["defaultConfiguration"] = {"level": LEVELS[rule.severity]}
        descriptor["properties"] = {"check": rule.check, "category": rule.category or rule.name}
    else:
        descriptor["shortDescription"] = {"text": sample.category or rule_id}
        descriptor["defaultConfiguration"] = {"level": LEVELS[sample.severity]}
    return descriptor


def _location(finding: Finding) -> list[dict[str, Any]]:
    if not finding.path:
        return []
    physical: dict[str, Any] = {
        "artifactLocation": {"uri": Path(finding.path).as_posix(), "uriBaseId": BASE_ID}
    }
    if finding.line is not None and finding.line >= 1:
        region: dict[str, Any] = {"startLine": finding.line}
        if finding.column is not None and finding.column >= 1:
            region["startColumn"] = finding.column
        if finding.source_line:
            region["snippet"] = {"text": finding.source_line}
        physical["region"] = region
    return [{"physicalLocation": physical}]


def _message(finding: Finding) -> str:
    text = finding.message.rstrip(".") + "."
    if finding.hint:
        text += f" Fix: {finding.hint.rstrip('.')}."
    return text


def to_sarif(
    findings: Iterable[Finding],
    *,
    rules: Mapping[str, type[Rule]] | None = None,
    root: Path | None = None,
    tool_name: str = "mixpeek-tools",
) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one run holding ``findings``."""
    findings = list(findings)
    rules = rules or {}
    order: dict[str, int] = {}
    descriptors: list[dict[str, Any]] = []
    for finding in findings:
        if finding.rule not in order:
            order[finding.rule] = len(descriptors)
            descriptors.append(_rule_descriptor(finding.rule, rules.get(finding.rule), finding))
    results = []
    for finding in findings:
        result: dict[str, Any] = {
            "ruleId": finding.rule,
            "ruleIndex": order[finding.rule],
            "level": LEVELS[finding.severity],
            "message": {"text": _message(finding)},
            "locations": _location(finding),
        }
        if finding.check:
            result["properties"] = {"check": finding.check}
        results.append(result)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": tool_name,
                "version": __version__,
                "informationUri": INFORMATION_URI,
                "rules": descriptors,
            }
        },
        "results": results,
        "columnKind": "unicodeCodePoints",
    }
    if root is not None:
        run["originalUriBaseIds"] = {BASE_ID: {"uri": root.resolve().as_uri() + "/"}}
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(report: CheckReport, *, verbose: bool = False) -> str:
    """The ``--format sarif`` reporter."""
    log = to_sarif(report.findings, rules=report.rules, root=report.root)
    return json.dumps(log, indent=2) + "\n"
