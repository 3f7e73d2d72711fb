"""The generic harness that runs every scanner rule's own examples (as Fixit's ``testing.py``).

Each example is written to a fresh folder and scanned the way ``mixpeek plugin scan`` scans a
plugin (file set, pre-filter, analysis, file policy), so an example holds for the real path,
not a shortcut. An INVALID example must fire exactly its own rule (plus the ones it names in
``also``) and a VALID one must fire nothing. ``tests/scanner/test_rule_examples.py`` turns
:func:`example_cases` into one pytest case each; a third-party rule set can do the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from mixpeek_tools.findings import Finding
from mixpeek_tools.scanner.rules import RULES
from mixpeek_tools.scanner.rules.model import CapabilityRule, ScanExample, ScannerRule


@dataclass(frozen=True)
class ExampleCase:
    """One example of one rule, with a stable test id (``MP401-invalid-3``)."""

    rule: type[ScannerRule]
    kind: str  # "valid" | "invalid"
    index: int
    example: ScanExample

    @property
    def id(self) -> str:
        return f"{self.rule.id}-{self.kind}-{self.index}"


def example_cases(rules: Iterable[type[ScannerRule]] = RULES) -> list[ExampleCase]:
    """Every example of every rule in ``rules``, INVALID ones first."""
    return [
        ExampleCase(rule, kind, index, example)
        for rule in rules
        for kind in ("invalid", "valid")
        for index, example in enumerate(rule.examples(kind))
    ]


def write_example(example: ScanExample, folder: Path) -> Path:
    """The example's files under ``folder`` (created), which is returned."""
    for name, content in example.files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def scan_example(example: ScanExample, folder: Path) -> list[Finding]:
    """What a scan of the example's files, written under ``folder``, reports."""
    from mixpeek_tools.scanner.engine import scan_paths

    return scan_paths([write_example(example, folder)], jobs=1).findings


def example_problems(case: ExampleCase, folder: Path) -> list[str]:
    """Why ``case`` does not hold (an empty list when it does); ``folder`` must be empty."""
    findings = scan_example(case.example, folder)
    shown = [f"{f.rule} {f.path}:{f.line}: {f.message}" for f in findings]
    if case.kind == "valid":
        return [f"{case.id} fired on a VALID example: {s}" for s in shown]
    expected = {case.rule.id, *case.example.also}
    fired = {f.rule for f in findings}
    problems = [] if fired == expected else [f"{case.id} fired {sorted(fired)}, expected {sorted(expected)}: {shown}"]
    known = {rule.id for rule in RULES}
    problems.extend(f"{case.id}: `also` names {rule_id}, not another known rule"
                    for rule_id in case.example.also if rule_id not in known or rule_id == case.rule.id)
    problems.extend(_malformed(case.rule, findings))
    return problems


def _malformed(rule: type[ScannerRule], findings: list[Finding]) -> list[str]:
    """Findings under ``rule`` that lack what every finding must carry."""
    out = []
    for finding in findings:
        if finding.rule != rule.id:
            continue
        if finding.check != "security" or finding.category != rule.category:
            out.append(f"{rule.id}: check/category {finding.check}/{finding.category}")
        if not (finding.hint and finding.message):
            out.append(f"{rule.id}: a finding without message or hint")
        positioned = finding.line is not None and finding.line >= 1 and (finding.column or 0) >= 1
        if issubclass(rule, CapabilityRule) and not positioned:
            out.append(f"{rule.id}: a code finding without line and column")
    return out
