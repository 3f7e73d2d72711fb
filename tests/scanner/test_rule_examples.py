"""Every rule's own VALID and INVALID examples (kept beside the rule, Fixit-style) hold."""

from __future__ import annotations

import pytest

from mixpeek_tools.scanner import scan_bytes, scan_source
from mixpeek_tools.scanner.catalog import DEFAULT_CATALOG
from mixpeek_tools.scanner.rules import CAPABILITIES, POLICY

CAPABILITY_VALID = [(spec.id, src) for spec in CAPABILITIES for src in spec.valid]
CAPABILITY_INVALID = [(spec.id, spec.category, src) for spec in CAPABILITIES for src in spec.invalid]


@pytest.mark.parametrize(("rule", "source"), CAPABILITY_VALID)
def test_valid_example_has_no_finding(rule: str, source: str) -> None:
    assert scan_source(source, "example.py") == []


@pytest.mark.parametrize(("rule", "category", "source"), CAPABILITY_INVALID)
def test_invalid_example_is_reported_under_its_rule(rule: str, category: str, source: str) -> None:
    findings = scan_source(source, "example.py")
    assert any(f.rule == rule and f.category == category for f in findings), findings
    for finding in findings:
        assert finding.check == "security"
        assert finding.line is not None and finding.line >= 1
        assert finding.column is not None and finding.column >= 1
        assert finding.hint and finding.message


# A path-only .pth file is MP416 now (scanner/rules/artifacts.py): every .pth file is refused.
@pytest.mark.parametrize(("name", "data"), [(n, d) for n, d in POLICY.VALID if not n.endswith(".pth")])
def test_policy_valid_file_has_no_finding(name: str, data: bytes) -> None:
    assert scan_bytes(data, name, DEFAULT_CATALOG) == []


@pytest.mark.parametrize(("name", "data", "rule"), POLICY.INVALID)
def test_policy_invalid_file_is_reported(name: str, data: bytes, rule: str) -> None:
    findings = scan_bytes(data, name, DEFAULT_CATALOG)
    assert rule in {f.rule for f in findings}, findings


def test_every_rule_has_examples_of_both_kinds() -> None:
    for spec in CAPABILITIES:
        assert len(spec.valid) >= 5 and len(spec.invalid) >= 10, spec.id
    assert POLICY.VALID and POLICY.INVALID
    assert {rule for _, _, rule in POLICY.INVALID} == {r for r, _, _ in POLICY.RULES.values()}
