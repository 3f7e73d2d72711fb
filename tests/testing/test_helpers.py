"""mixpeek_tools.testing: the helpers plugin tests call, and the pytest plugin."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from mixpeek_tools.testing import assert_outputs_valid, load_plugin, load_samples, run_plugin
from tests.support.plugins import DOCS_PLUGIN, copy_docs_plugin


@pytest.fixture
def plugin_copy(tmp_path: Path) -> Path:
    return copy_docs_plugin(tmp_path / "plugins" / "my_extractor")


def test_samples_run_through_the_real_pipeline_and_validate() -> None:
    rows = load_samples(DOCS_PLUGIN / "samples" / "sample.json")
    assert rows == load_samples(DOCS_PLUGIN / "samples" / "sample.csv")
    df = run_plugin(DOCS_PLUGIN, rows, params={"threshold": 0.7})
    assert list(df["output"].map(lambda o: o["result"])) == [
        "Processed: Sample text 1",
        "Processed: Sample text 2",
    ]
    assert_outputs_valid(DOCS_PLUGIN, df)


def test_load_samples_resolves_paths_against_the_sample_file(tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "doc.pdf").write_bytes(b"%PDF-1.4 tiny")
    (tmp_path / "s" / "rows.json").write_text('[{"file_path": "doc.pdf"}]')
    [row] = load_samples(tmp_path / "s" / "rows.json")
    assert row["file_bytes"] == b"%PDF-1.4 tiny"
    assert row["mime_type"] == "application/pdf"


def test_run_plugin_accepts_a_dataframe_and_a_loaded_plugin() -> None:
    plugin = load_plugin(DOCS_PLUGIN)
    df = run_plugin(plugin, pd.DataFrame({"text": ["x"]}, index=[5]))
    assert df.loc[0, "output"]["result"] == "Processed: x"


def test_processor_failures_become_assertion_errors_with_row_numbers(plugin_copy: Path) -> None:
    core = plugin_copy / "processors" / "core.py"
    core.write_text(
        core.read_text().replace(
            '        return f"Processed: {text[:50]}", 0.95',
            '        if text == "boom":\n            raise ValueError("no boom")\n'
            '        return f"Processed: {text[:50]}", 0.95',
        )
    )
    with pytest.raises(AssertionError) as info:
        run_plugin(plugin_copy, [{"text": "fine"}, {"text": "boom"}])
    assert "row 2 in step 'MyExtractorProcessor': ValueError: no boom" in str(info.value)


def test_invalid_outputs_name_row_and_field(plugin_copy: Path) -> None:
    core = plugin_copy / "processors" / "core.py"
    core.write_text(core.read_text().replace("0.95", "1.5"))
    df = run_plugin(plugin_copy, [{"text": "a"}])
    with pytest.raises(AssertionError, match=r"row 1: confidence: Input should be less"):
        assert_outputs_valid(plugin_copy, df)


def test_rows_no_step_selected_do_not_count_as_valid_output() -> None:
    df = run_plugin(DOCS_PLUGIN, [{"text": ""}])
    with pytest.raises(AssertionError, match="no row of the 1 was processed"):
        assert_outputs_valid(DOCS_PLUGIN, df)


def _pytest_in(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_plain_pytest_inside_a_docs_plugin_passes(plugin_copy: Path) -> None:
    proc = _pytest_in(plugin_copy)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "4 passed" in proc.stdout


def test_plain_pytest_finds_relative_imports_in_plugin_tests(plugin_copy: Path) -> None:
    (plugin_copy / "tests" / "__init__.py").write_text("")
    (plugin_copy / "tests" / "test_relative.py").write_text(
        "from ..manifest import metadata\n"
        "from ..pipeline import extractor_definition\n\n"
        "def test_names_match():\n"
        "    assert extractor_definition.name == metadata['name']\n"
    )
    proc = _pytest_in(plugin_copy)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "5 passed" in proc.stdout


def test_the_pytest_plugin_does_not_hide_real_failures(plugin_copy: Path) -> None:
    test = plugin_copy / "tests" / "test_plugin.py"
    test.write_text(test.read_text().replace('"Processed: hello"', '"Something else"'))
    proc = _pytest_in(plugin_copy)
    assert proc.returncode == 1
    assert "1 failed, 3 passed" in proc.stdout
