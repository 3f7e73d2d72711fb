"""Hookspecs are documented like pytest's, and the generated docs match the code."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

from mixpeek_tools.validator import docs, hookspecs
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


def test_hookspecs_use_the_mixpeek_project_name() -> None:
    assert hookspecs.PROJECT == "mixpeek"
    for _name, func in HOOKS:
        assert hasattr(func, "mixpeek_spec")


def test_builtins_register_through_the_same_hooks() -> None:
    manager = build_manager(entry_points=False)
    assert [c.name for c in manager.checks()] == [
        "structure", "names", "schemas", "pipeline", "security", "tests", "sample_data"
    ]
    assert {"text", "json", "sarif"} <= set(manager.reporters())


def test_each_run_gets_a_fresh_plugin_manager() -> None:
    assert build_manager(entry_points=False).pm is not build_manager(entry_points=False).pm


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
