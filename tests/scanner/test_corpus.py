"""The evasion and false-alarm corpus (tests/scanner/corpus.py), grouped by technique.

Every evasive case must be reported under its capability's category; every legitimate case
must produce no finding. String-folding techniques must be *resolved* (the finding names the
forbidden qualified name), not merely caught by the fail-closed rule.
"""

from __future__ import annotations

import pytest

from mixpeek_tools.scanner import scan_source
from mixpeek_tools.scanner.catalog import DEFAULT_CATALOG
from mixpeek_tools.scanner.prefilter import may_reach_forbidden

from .corpus import invalid_cases, valid_cases

INVALID = invalid_cases()
VALID = valid_cases()
RESOLVED_TECHNIQUES = (
    "getattr-",
    "vars-",
    "dict-",
    "attrgetter",
    "methodcaller",
    "object-getattr",
    "type-getattr",
    "getattribute",
    "dunder-builtins",
    "builtins-module",
    "globals-",
    "sys-modules-get",
)
FAIL_CLOSED_TECHNIQUES = {
    "getattr-os-dynamic",
    "getattr-builtins-dynamic",
    "vars-os-items",
    "sys-modules-dynamic",
    "globals-update",
}


def _id(case: tuple[str, str, str | None]) -> str:
    return case[0]


def test_corpus_is_large_and_grouped() -> None:
    assert len(INVALID) >= 500
    assert len(VALID) >= 300
    assert len({technique for technique, _, _ in INVALID}) >= 100


@pytest.mark.parametrize("case", INVALID, ids=_id)
def test_evasion_is_caught(case: tuple[str, str, str | None]) -> None:
    technique, source, category = case
    findings = scan_source(source, "evasive.py")
    assert any(f.category == category for f in findings), (technique, source, findings)
    if technique.startswith(RESOLVED_TECHNIQUES) and technique not in FAIL_CLOSED_TECHNIQUES:
        assert any(f.category == category and f.extra.get("qualified_name") for f in findings), (
            "resolved only by failing closed",
            source,
        )


@pytest.mark.parametrize("case", VALID, ids=_id)
def test_legitimate_code_is_not_flagged(case: tuple[str, str, str | None]) -> None:
    technique, source, _ = case
    assert scan_source(source, "legit.py") == [], (technique, source)


@pytest.mark.parametrize("case", INVALID, ids=_id)
def test_prefilter_never_skips_an_evasion(case: tuple[str, str, str | None]) -> None:
    """The pre-filter is sound on the corpus: every evasive file goes to the analyzer."""
    assert may_reach_forbidden(case[1], DEFAULT_CATALOG), case
