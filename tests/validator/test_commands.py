"""`mixpeek plugin test` and `validate` as a user runs them: exit codes, messages, no tracebacks.

The plugin written exactly as the public docs show (tests/fixtures/docs_plugin) must pass with the
docs' JSON and CSV samples; each kind of breakage must exit non-zero and name the problem.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mixpeek_tools.validator.examples import CORE, MANIFEST, PIPELINE, SAMPLE_ROWS, TEST

from .conftest import MakePlugin
from .helpers import DOCS_PLUGIN, run_mixpeek, write_rows


def assert_clean_failure(result, *needles: str, code: int = 1) -> None:  # type: ignore[no-untyped-def]
    out = result.stdout + result.stderr
    assert result.returncode == code, out
    for needle in needles:
        assert needle in out, f"{needle!r} not in:\n{out}"
    assert "Traceback" not in out
    assert "passed" not in result.stdout.splitlines()[-1] if result.stdout.strip() else True


@pytest.mark.parametrize("sample", ["sample.json", "sample.csv"])
def test_the_docs_plugin_passes_test_with_the_docs_samples(sample: str) -> None:
    result = run_mixpeek("plugin", "test", "--path", str(DOCS_PLUGIN),
                         "--sample-data", str(DOCS_PLUGIN / "samples" / sample))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].startswith("passed: 7 checks ran, 0 errors")


def test_the_docs_plugin_passes_validate() -> None:
    result = run_mixpeek("plugin", "validate", "--path", str(DOCS_PLUGIN))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "tests         skipped" in result.stdout


def test_validate_defaults_to_the_current_directory() -> None:
    result = run_mixpeek("plugin", "validate", cwd=DOCS_PLUGIN)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_failing_pytest_fails_and_names_the_test(make_plugin: MakePlugin) -> None:
    root = make_plugin({"tests/test_plugin.py": TEST.replace('"Processed: b"]', '"wrong"]')})
    result = run_mixpeek("plugin", "test", "--path", str(root))
    assert_clean_failure(result, "MP501", "test_plugin.py::test_processor_marks_every_row failed",
                         "tests/test_plugin.py:")


def test_missing_build_steps_fails(make_plugin: MakePlugin) -> None:
    root = make_plugin({"pipeline.py": PIPELINE.replace("def build_steps(", "def make_steps(")
                        .replace("extractor_function_path=build_steps", "extractor_function_path=make_steps")})
    assert_clean_failure(run_mixpeek("plugin", "validate", "--path", str(root)),
                         "MP301", "does not define build_steps")


def test_a_schema_that_is_not_a_model_fails(make_plugin: MakePlugin) -> None:
    root = make_plugin({"manifest.py": MANIFEST.replace("input_schema = ExampleInput",
                                                        "input_schema = {'text': str}")})
    assert_clean_failure(run_mixpeek("plugin", "validate", "--path", str(root)),
                         "MP205", "input_schema is a dict instance, not a pydantic BaseModel")


def test_a_syntax_error_fails_with_file_and_line(make_plugin: MakePlugin) -> None:
    root = make_plugin({"processors/core.py": CORE.replace("class ExampleProcessor:", "class ExampleProcessor")})
    result = run_mixpeek("plugin", "test", "--path", str(root))
    # code the scan cannot read fails the static gate: the plugin is never imported (no MP003)
    assert_clean_failure(result, "processors/core.py:10", "MP104", "MP413")
    assert "pipeline      not run: the security scan has findings" in result.stdout


def test_an_import_error_is_a_finding_with_file_and_line(make_plugin: MakePlugin) -> None:
    root = make_plugin({"manifest.py": "import not_installed_anywhere\n" + MANIFEST})
    result = run_mixpeek("plugin", "validate", "--path", str(root))
    assert_clean_failure(result, "manifest.py:1", "MP003", "not_installed_anywhere")
    assert "pipeline      not run: the plugin cannot be imported" in result.stdout


@pytest.mark.parametrize(
    ("name", "content", "where"),
    [
        ("bad.json", '[{"text": "a"},\n {"text": }]', "bad.json:2"),
        ("bad.jsonl", '{"text": "a"}\n{"text": "b"\n', "bad.jsonl:2"),
        ("bad.csv", 'text,metadata.source\n"a","b"\n"unterminated,x\n', "bad.csv:3"),
    ],
)
def test_malformed_sample_data_is_bad_input_naming_file_and_line(
    tmp_path: Path, name: str, content: str, where: str
) -> None:
    sample = tmp_path / name
    sample.write_text(content)
    result = run_mixpeek("plugin", "test", "--path", str(DOCS_PLUGIN), "--sample-data", str(sample))
    assert_clean_failure(result, where, code=2)


def test_a_missing_sample_file_is_bad_input(tmp_path: Path) -> None:
    result = run_mixpeek("plugin", "test", "--path", str(DOCS_PLUGIN), "-s", str(tmp_path / "nope.json"))
    assert_clean_failure(result, "nope.json", code=2)


def test_an_output_breaking_the_output_schema_names_row_and_field(
    tmp_path: Path, make_plugin: MakePlugin
) -> None:
    root = make_plugin({
        "processors/core.py": CORE.replace('"confidence": 0.9', '"confidence": 2.0 if text == "b" else 0.5'),
        "tests/test_plugin.py": None,
    })
    rows = write_rows(tmp_path / "rows.json", [{"text": "a"}, {"text": "b"}])
    result = run_mixpeek("plugin", "test", "--path", str(root), "-s", str(rows))
    assert_clean_failure(result, "MP603", "output row 2, field 'confidence'")
    assert "output row 1" not in result.stdout


def test_params_are_validated_against_the_parameter_schema(
    tmp_path: Path, make_plugin: MakePlugin
) -> None:
    root = make_plugin()
    rows = write_rows(tmp_path / "rows.json", SAMPLE_ROWS)
    ok = run_mixpeek("plugin", "test", "-p", str(root), "-s", str(rows), "--select", "sample_data",
                     "--params", '{"threshold": 0.7}')
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = run_mixpeek("plugin", "test", "-p", str(root), "-s", str(rows), "--select", "sample_data",
                      "--params", '{"threshold": 7}')
    assert_clean_failure(bad, "MP601", "parameter 'threshold'")
    params_file = tmp_path / "params.json"
    params_file.write_text('{"threshold": -1}')
    from_file = run_mixpeek("plugin", "test", "-p", str(root), "--select", "sample_data",
                            "--params-file", str(params_file))
    assert_clean_failure(from_file, "MP601")


@pytest.mark.parametrize("params", ["{not json", "[1, 2]"])
def test_unreadable_params_are_bad_input(params: str, make_plugin: MakePlugin) -> None:
    result = run_mixpeek("plugin", "test", "-p", str(make_plugin()), "--params", params)
    assert_clean_failure(result, "--params", code=2)


def test_a_missing_plugin_directory_is_bad_input(tmp_path: Path) -> None:
    result = run_mixpeek("plugin", "validate", "--path", str(tmp_path / "missing"))
    assert_clean_failure(result, "plugin directory not found", code=2)


def test_unknown_check_names_and_skipping_security_are_bad_usage(make_plugin: MakePlugin) -> None:
    root = make_plugin()
    assert_clean_failure(run_mixpeek("plugin", "validate", "-p", str(root), "--select", "nope"),
                         "unknown check 'nope'", "Known checks: structure", code=2)
    assert_clean_failure(run_mixpeek("plugin", "validate", "-p", str(root), "--skip", "security"),
                         "security check cannot be skipped", code=2)


def test_unknown_format_is_bad_usage(make_plugin: MakePlugin) -> None:
    assert_clean_failure(run_mixpeek("plugin", "validate", "-p", str(make_plugin()), "--format", "xml"),
                         "unknown report format 'xml'", "json", code=2)


def test_json_report_to_a_file(tmp_path: Path, make_plugin: MakePlugin) -> None:
    out = tmp_path / "reports" / "check.json"
    result = run_mixpeek("plugin", "validate", "-p", str(make_plugin()), "--format", "json", "-o", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "report written to" in result.stdout
    data = json.loads(out.read_text())
    assert data["failed"] is False and data["findings"] == []


def test_verbose_shows_timings_and_each_sample_row(tmp_path: Path, make_plugin: MakePlugin) -> None:
    rows = write_rows(tmp_path / "rows.json", SAMPLE_ROWS)
    result = run_mixpeek("plugin", "test", "-p", str(make_plugin()), "-s", str(rows), "-v")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "row 1:" in result.stdout and "Processed: first sample" in result.stdout
    assert "Total check time" in result.stdout


def test_github_actions_annotations(make_plugin: MakePlugin) -> None:
    root = make_plugin({"processors/__init__.py": None})
    result = run_mixpeek("plugin", "validate", "-p", str(root), cwd=root.parent,
                         env={"GITHUB_ACTIONS": "true"})
    assert "::error file=example_plugin/processors/__init__.py,title=MP103::" in result.stdout


def test_pointing_at_the_folder_above_a_plugin_is_bad_usage_with_a_suggestion() -> None:
    result = run_mixpeek("plugin", "validate", "--path", str(DOCS_PLUGIN.parent))
    assert_clean_failure(result, "holds plugin(s): my_extractor", "--path", code=2)


def test_plugin_code_that_prints_does_not_corrupt_a_json_report(make_plugin: MakePlugin) -> None:
    root = make_plugin({"manifest.py": "print('loading the manifest')\n" + MANIFEST})
    result = run_mixpeek("plugin", "validate", "-p", str(root), "--format", "json")
    assert json.loads(result.stdout)["failed"] is False
    assert "loading the manifest" in result.stderr


def test_plugin_code_calling_sys_exit_on_import_is_a_finding(make_plugin: MakePlugin) -> None:
    root = make_plugin({"manifest.py": "import sys\nsys.exit(3)\n" + MANIFEST})
    result = run_mixpeek("plugin", "validate", "-p", str(root))
    assert_clean_failure(result, "MP003", "sys.exit(3)", "manifest.py:2")
