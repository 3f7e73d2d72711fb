"""Importing a plugin folder: fresh on every load, under its own name, errors with a location."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mixpeek_tools.errors import BadInput
from mixpeek_tools.plugin.loader import PluginLoadError, load_plugin


def test_a_docs_plugin_loads_with_all_its_parts(docs_plugin: Path) -> None:
    plugin = load_plugin(docs_plugin)
    assert plugin.package_name == "my_extractor"
    assert plugin.metadata["name"] == "my_extractor"
    assert plugin.input_schema.__name__ == "MyExtractorInput"
    assert plugin.output_schema.__name__ == "MyExtractorOutput"
    assert plugin.parameter_schema.__name__ == "MyExtractorParams"
    assert plugin.realtime is not None
    assert callable(plugin.build_steps)
    assert plugin.extractor_definition.name == "my_extractor"


def test_reloading_sees_edited_code(docs_plugin: Path) -> None:
    load_plugin(docs_plugin)  # loaded once, so the next load is a reload
    core = docs_plugin / "processors" / "core.py"
    core.write_text(core.read_text().replace('"Processed: ', '"Edited: '))
    second = load_plugin(docs_plugin)
    module = second.package.processors.core
    assert module.MyExtractorProcessor(module.MyExtractorConfig())._process_single("x")[0] == (
        "Edited: x"
    )


def test_a_hyphenated_folder_loads_under_its_mapped_name(docs_plugin: Path, tmp_path: Path) -> None:
    hyphen = tmp_path / "my-extractor"
    shutil.copytree(docs_plugin, hyphen)
    plugin = load_plugin(hyphen)
    assert plugin.package_name == "my_extractor"
    assert plugin.root == hyphen.resolve()


def test_a_plugin_named_like_a_stdlib_module_does_not_replace_it(
    docs_plugin: Path, tmp_path: Path
) -> None:
    import json

    clash = tmp_path / "json"
    shutil.copytree(docs_plugin, clash)
    plugin = load_plugin(clash)
    core = plugin.package.processors.core
    assert core.MyExtractorProcessor(core.MyExtractorConfig())._process_single("x")[0] == (
        "Processed: x"
    ), "the plugin's own code runs"
    import sys

    assert sys.modules["json"] is json


def test_syntax_errors_name_file_line_and_column(docs_plugin: Path) -> None:
    (docs_plugin / "pipeline.py").write_text("def build_steps(:\n    pass\n")
    with pytest.raises(PluginLoadError) as info:
        load_plugin(docs_plugin)
    err = info.value
    assert err.path and err.path.endswith("pipeline.py")
    assert (err.line, err.column) == (1, 17)
    assert "syntax error" in err.paragraph()


def test_a_missing_dependency_names_the_import_line_and_the_fix(docs_plugin: Path) -> None:
    core = docs_plugin / "processors" / "core.py"
    core.write_text("import numpy\nimport not_a_real_package_xyz\n" + core.read_text())
    with pytest.raises(PluginLoadError) as info:
        load_plugin(docs_plugin)
    err = info.value
    assert err.path and err.path.endswith("core.py")
    assert err.line == 2
    assert "not_a_real_package_xyz" in err.paragraph()
    assert "Install the package" in err.paragraph()


def test_an_exception_at_import_time_points_at_its_line(docs_plugin: Path) -> None:
    (docs_plugin / "manifest.py").write_text("x = 1\nraise RuntimeError('boom')\n")
    with pytest.raises(PluginLoadError, match="RuntimeError: boom") as info:
        load_plugin(docs_plugin)
    assert info.value.line == 2


def test_a_folder_without_manifest_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match=r"manifest\.py is missing"):
        load_plugin(tmp_path)
    with pytest.raises(BadInput, match="not found"):
        load_plugin(tmp_path / "nope")


def test_load_errors_are_bad_input_exit_code_2(docs_plugin: Path) -> None:
    (docs_plugin / "manifest.py").write_text("this is not python\n")
    with pytest.raises(PluginLoadError) as info:
        load_plugin(docs_plugin)
    assert int(info.value.exit_code) == 2
