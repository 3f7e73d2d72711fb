"""Hookspecs are documented like pytest's, and the generated docs match the code."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

from mixpeek_tools.validator import docs
from mixpeek_tools.validator.manager import build_manager

HOOKS = docs.hook_functions()


def test_there_are_hooks_for_checks_reporters_and_configuring_the_run() -> None:
    names = {name for name, _ in HOOKS}
    assert {"mixpeek_register_checks", "mixpeek_register_reporters", "mixpeek_configure"} <= names


@pytest.mark.parametrize(("name", "func"), HOOKS, ids=[n for n, _ in HOOKS])
def test_every_hookspec_documents_when_params_return_and_example(name: str, func: object) -> None:
    doc = inspect.getdoc(func) or ""
    assert "Called" in doc, f"{name}: say when it is called"
    assert "Example::" in doc, f"{name}: give an example"
    for param in inspect.signature(func).parameters:  # type: ignore[arg-type]
        assert f":param {param}:" in doc, f"{name}: document parameter {param}"
    returns = inspect.signature(func).return_annotation  # type: ignore[arg-type]
    if returns not in ("None", None, inspect.Signature.empty):
        assert ":return:" in doc, f"{name}: document the return value"


def _reporter_plugin(name: str) -> object:
    """A check distribution's module that marks its hook with pluggy alone (no kit import)."""
    import types

    import pluggy

    module = types.ModuleType(f"{name}_check")
    module.mixpeek_register_reporters = pluggy.HookimplMarker("mixpeek")(  # type: ignore[attr-defined]
        lambda: {name: lambda report, verbose=False: f"{name}\n"}
    )
    return module


def test_a_plain_pluggy_mixpeek_hookimpl_is_called() -> None:
    manager = build_manager(entry_points=False)
    manager.pm.register(_reporter_plugin("plain"), name="plain")
    assert "plain" in manager.reporters()


def test_builtins_register_through_the_same_hooks() -> None:
    manager = build_manager(entry_points=False)
    assert [c.name for c in manager.checks()] == [
        "structure", "names", "schemas", "pipeline", "security", "tests", "sample_data"
    ]
    assert {"text", "json", "sarif"} <= set(manager.reporters())


def test_a_plugin_registered_in_one_run_is_gone_in_the_next() -> None:
    first = build_manager(entry_points=False)
    first.pm.register(_reporter_plugin("leak"), name="leak")
    assert "leak" in first.reporters()
    assert "leak" not in build_manager(entry_points=False).reporters()


def test_generated_docs_are_up_to_date() -> None:
    """Fails when a rule, example or hookspec changed without `python -m ...validator.docs`."""
    stale = [p.name for p, content in docs.generate().items()
             if not p.is_file() or p.read_text(encoding="utf-8") != content]
    assert not stale, f"regenerate with: python -m mixpeek_tools.validator.docs ({stale})"


def test_docs_check_mode_reports_staleness_with_exit_1(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(docs, "REPO_ROOT", tmp_path)
    assert docs.main(["--check"]) == 1
    assert docs.main([]) == 0
    assert docs.main(["--check"]) == 0
    assert "MP101" in (tmp_path / "docs" / "checks.md").read_text()


def test_docs_module_runs_as_a_script() -> None:
    result = subprocess.run([sys.executable, "-m", "mixpeek_tools.validator.docs", "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
