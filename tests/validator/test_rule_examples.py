"""Every rule's VALID and INVALID examples, run for real: the examples are the rule's spec.

An INVALID example must make its rule fire; a VALID one must not. The same examples are what
docs/checks.md shows, so the documentation is tested too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mixpeek_tools.validator import run_checks
from mixpeek_tools.validator.builtin import builtin_checks
from mixpeek_tools.validator.checks.meta import RULES as META_RULES
from mixpeek_tools.validator.examples import write_tree
from mixpeek_tools.validator.model import Example, Rule

from .helpers import write_rows

PREFIX = {"structure": "MP1", "names": "MP15", "schemas": "MP2", "pipeline": "MP3", "security": "MP4",
          "tests": "MP5", "sample_data": "MP6", "meta": "MP0"}


def all_rules() -> list[type[Rule]]:
    rules = list(META_RULES)
    for check in builtin_checks():
        rules.extend(check.rules)
    return rules


def cases() -> list[object]:
    """One case per example of every validator rule; the scanner's own rules (check
    ``security``, file-tree examples) are run by the scanner's harness in
    tests/scanner/test_rule_examples.py."""
    out = []
    for rule in all_rules():
        if rule.check == "security":
            continue
        for kind, examples in (("invalid", rule.INVALID), ("valid", rule.VALID)):
            for index, example in enumerate(examples):
                marks = [pytest.mark.slow] if rule.check == "tests" else []
                out.append(pytest.param(rule, kind, example, id=f"{rule.id}-{kind}-{index}",
                                        marks=marks))
    return out


def test_the_security_check_lists_every_scanner_rule() -> None:
    from mixpeek_tools.scanner import RULES as SCANNER_RULES

    security = next(check for check in builtin_checks() if check.name == "security")
    assert security.rules == SCANNER_RULES
    assert all(issubclass(rule, Rule) for rule in SCANNER_RULES)


def test_rule_ids_are_unique_stable_and_prefixed_by_their_check() -> None:
    ids = [r.id for r in all_rules()]
    assert len(ids) == len(set(ids))
    for rule in all_rules():
        assert re.fullmatch(r"MP\d{3}", rule.id), rule.id
        assert rule.id.startswith(PREFIX[rule.check]), (rule.id, rule.check)
        assert re.fullmatch(r"[a-z0-9-]+", rule.name), rule.name


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.id)
def test_every_rule_documents_what_why_and_fix_and_has_examples(rule: type[Rule]) -> None:
    doc = rule.doc()
    assert "Catches:" in doc and "Why:" in doc and "Fix:" in doc, rule.id
    if rule.check not in ("meta",) or rule.VALID or rule.INVALID:
        assert rule.INVALID or rule.id in {"MP001", "MP002", "MP004"}, f"{rule.id} has no INVALID"


def _run_example(tmp_path: Path, rule: type[Rule], example: Example) -> set[str]:
    root = write_tree(tmp_path, example.files, name=example.directory or "example_plugin")
    sample = None
    if example.sample_rows is not None:
        sample = write_rows(tmp_path / "rows.json", example.sample_rows)
    check = "schemas" if rule.check == "meta" else rule.check
    report = run_checks(root, select=[check], sample_data=sample, params=example.params)
    return {f.rule for f in report.findings}


@pytest.mark.parametrize(("rule", "kind", "example"), cases())
def test_rule_example(tmp_path: Path, rule: type[Rule], kind: str, example: Example) -> None:
    fired = _run_example(tmp_path, rule, example)
    if kind == "invalid":
        assert rule.id in fired, f"{rule.id} did not fire on: {example.note} (got {sorted(fired)})"
    else:
        assert rule.id not in fired, f"{rule.id} fired on a VALID example: {example.note}"
