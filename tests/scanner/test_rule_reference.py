"""The scanner's rules in the generated reference (docs/checks.md) and in SARIF rule metadata."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from mixpeek_tools.scanner.rules import BY_ID, RULES
from mixpeek_tools.validator import run_checks
from mixpeek_tools.validator.docs import generate
from mixpeek_tools.validator.reporters import sarif

SCHEMA = json.loads(
    (Path(__file__).parents[1] / "validator" / "data" / "sarif-2.1.0-subset.schema.json").read_text()
)
CHECKS_MD = next(text for path, text in generate().items() if path.name == "checks.md")


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_the_reference_has_every_rule_with_its_docstring(rule: type) -> None:
    heading = f"### {rule.id} `{rule.name}`"
    assert heading in CHECKS_MD
    section = CHECKS_MD.split(heading, 1)[1].split("\n### ", 1)[0]
    assert rule.doc() in section
    assert f"Category: `{rule.category}`" in section
    assert "**Fires on**" in section and "**Passes**" in section


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_every_rule_has_sarif_help_text(rule: type) -> None:
    finding = rule.finding("example message", path="core.py", line=1, column=1)
    log = sarif.to_sarif([finding], rules=BY_ID)
    jsonschema.validate(log, SCHEMA)
    (descriptor,) = log["runs"][0]["tool"]["driver"]["rules"]
    assert descriptor["name"] == rule.name
    assert descriptor["shortDescription"]["text"] == rule.summary()
    assert descriptor["fullDescription"]["text"] == rule.doc() == descriptor["help"]["text"]
    assert descriptor["properties"]["category"] == rule.category


def test_validate_sarif_carries_the_scanner_rules(tmp_path: Path) -> None:
    """``plugin validate --format sarif``: the security check's report knows every MP4xx rule."""
    (tmp_path / "core.py").write_text("import os\nos.system('id')\n")
    (tmp_path / "lib.so").write_bytes(b"\x7fELF\x02\x01\x01" + b"\x00" * 9 + b"\x03\x00" + b"\x00" * 40)
    report = run_checks(tmp_path, select=["security"])
    assert {"MP401", "MP410"} <= {f.rule for f in report.findings}
    assert set(BY_ID) <= set(report.rules)
    log = json.loads(sarif.render(report))
    descriptors = {d["id"]: d for d in log["runs"][0]["tool"]["driver"]["rules"]}
    for rule_id in ("MP401", "MP410"):
        assert descriptors[rule_id]["help"]["text"] == BY_ID[rule_id].doc()
