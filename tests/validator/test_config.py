"""`[tool.mixpeek]` in the plugin's pyproject.toml, and the `mixpeek_configure` hook's limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from mixpeek_tools.errors import BadInput
from mixpeek_tools.findings import Finding, Severity
from mixpeek_tools.validator import run_checks
from mixpeek_tools.validator.model import RunConfig
from mixpeek_tools.validator.runner import Session

from .conftest import MakePlugin


def with_config(make_plugin: MakePlugin, toml: str, **overrides: str | None) -> Path:
    return make_plugin({"pyproject.toml": toml, **overrides})


def test_skip_in_pyproject_leaves_a_check_out(make_plugin: MakePlugin) -> None:
    root = with_config(make_plugin, '[tool.mixpeek]\nskip = ["tests", "schemas"]\n')
    report = run_checks(root)
    status = {r.name: r.status for r in report.results}
    assert status["tests"] == "skipped" and status["schemas"] == "skipped"
    assert status["structure"] == "ran"


def test_select_in_pyproject_runs_only_those_and_security(make_plugin: MakePlugin) -> None:
    root = with_config(make_plugin, '[tool.mixpeek]\nselect = ["structure"]\n')
    ran = [r.name for r in run_checks(root).results if r.status == "ran"]
    assert ran == ["structure", "security"]


def test_severity_overrides_change_the_verdict(make_plugin: MakePlugin) -> None:
    broken = {"processors/__init__.py": None}
    root = with_config(make_plugin, '[tool.mixpeek.severity]\nMP103 = "warning"\n', **broken)
    report = run_checks(root, select=["structure"])
    mp103 = [f for f in report.findings if f.rule == "MP103"]
    assert mp103 and all(f.severity is Severity.WARNING for f in mp103)
    root = with_config(make_plugin, '[tool.mixpeek.severity]\nMP103 = "off"\n', **broken)
    assert not [f for f in run_checks(root, select=["structure"]).findings if f.rule == "MP103"]


def test_a_warning_can_be_raised_to_an_error(make_plugin: MakePlugin) -> None:
    root = with_config(make_plugin, '[tool.mixpeek.severity]\nMP502 = "error"\n',
                       **{"tests/test_plugin.py": None})
    report = run_checks(root, select=["tests"])
    assert report.failed
    assert [f.severity for f in report.findings if f.rule == "MP502"] == [Severity.ERROR]


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ("[tool.mixpeek\nskip = 1", "cannot parse pyproject.toml"),
        ('[tool.mixpeek]\nskip = "nope"\n', "unknown check 'nope'"),
        ("[tool.mixpeek]\nskip = [1]\n", "skip must be a list of strings"),
        ('[tool.mixpeek.severity]\nMP101 = "fatal"\n', "severity 'fatal'"),
        ('[tool.mixpeek]\nskip = ["security"]\n', "security check cannot be skipped"),
        ("[tool.mixpeek]\ntests-timeout = -3\n", "tests-timeout must be a positive number"),
    ],
)
def test_bad_configuration_is_bad_input_naming_the_file(
    make_plugin: MakePlugin, toml: str, needle: str
) -> None:
    root = with_config(make_plugin, toml)
    with pytest.raises(BadInput) as info:
        run_checks(root)
    assert needle in info.value.paragraph()
    assert "pyproject.toml" in info.value.paragraph()


def test_extra_forbidden_names_reach_the_configuration(make_plugin: MakePlugin) -> None:
    root = with_config(make_plugin, '[tool.mixpeek]\nextra-forbidden = ["pickle.loads"]\n'
                       'team-option = "kept"\n')
    session = Session(entry_points=False)
    config = session.configure(root, static_only=True, select=None, skip=None, sample_data=None,
                               params=None, for_publish=False)
    assert config.extra_forbidden == ["pickle.loads"]
    assert config.options["team-option"] == "kept"


def _security_finding(severity: Severity = Severity.ERROR) -> Finding:
    return Finding(rule="MP401", message="subprocess", severity=severity, check="security")


def test_security_cannot_be_downgraded_or_switched_off_when_publishing(tmp_path: Path) -> None:
    session = Session(entry_points=False)
    config = RunConfig(root=tmp_path, for_publish=True,
                       severity_overrides={"MP401": Severity.WARNING}, disabled_rules={"MP401"})
    assert session._adjust([_security_finding()], config) == [_security_finding()]
    config.for_publish = False
    assert session._adjust([_security_finding()], config) == []
    config.disabled_rules.clear()
    assert session._adjust([_security_finding()], config)[0].severity is Severity.WARNING


def test_publishing_undoes_a_hook_that_skips_security(make_plugin: MakePlugin) -> None:
    from mixpeek_tools.validator.hookspecs import hookimpl

    class SkipSecurity:
        @hookimpl
        def mixpeek_configure(self, config: RunConfig) -> None:
            config.skip.add("security")

    session = Session(entry_points=False)
    session.manager.pm.register(SkipSecurity(), name="skipper")
    config = session.configure(make_plugin(), static_only=True, select=None, skip=None,
                               sample_data=None, params=None, for_publish=True)
    assert "security" not in config.skip
    assert ("security", "") in [(c.name, r) for c, r in session.selected(config)]
