"""``mixpeek plugin predict``: one realtime call in-process, printed as JSON."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cli_helpers import clean_env, copy_plugin, mixpeek
from pydantic import BaseModel

from mixpeek_tools.errors import BadInput
from mixpeek_tools.runtime.serving.predict import parse_assignment


@pytest.fixture
def plugin(tmp_path: Path) -> Path:
    return copy_plugin(tmp_path)


def test_prints_the_services_output_as_json(plugin: Path, tmp_path: Path) -> None:
    result = mixpeek("plugin", "predict", "-p", str(plugin), "-i", "text=hello",
                     env=clean_env(tmp_path))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"result": "Processed: hello", "confidence": 0.95}


def test_at_file_sends_the_files_bytes_as_base64(plugin: Path, tmp_path: Path) -> None:
    data = tmp_path / "blob.bin"
    data.write_bytes(bytes(range(30)))
    result = mixpeek("plugin", "predict", "-p", str(plugin), "-i", f"text=@{data}",
                     env=clean_env(tmp_path))  # fmt: skip
    assert result.returncode == 0, result.stderr
    expected = base64.b64encode(bytes(range(30))).decode()
    assert json.loads(result.stdout)["result"] == f"Processed: {expected[:50]}"


def test_input_json_and_params_reach_the_service(plugin: Path, tmp_path: Path) -> None:
    realtime = plugin / "realtime.py"
    realtime.write_text(realtime.read_text().replace(
        'return {"result": result, "confidence": confidence}',
        'return {"result": f"{text}|{parameters.get(\'threshold\')}", "confidence": confidence}'))  # fmt: skip
    result = mixpeek("plugin", "predict", "-p", str(plugin), "--input-json", '{"text": "a"}',
                     "--params", '{"threshold": 0.7}', env=clean_env(tmp_path))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["result"] == "a|0.7"
    override = mixpeek("plugin", "predict", "-p", str(plugin), "--input-json", '{"text": "a"}',
                       "-i", "text=b", env=clean_env(tmp_path))  # fmt: skip
    assert json.loads(override.stdout)["result"] == "b|0.5"


def test_what_the_plugin_prints_stays_off_stdout(plugin: Path, tmp_path: Path) -> None:
    realtime = plugin / "realtime.py"
    realtime.write_text(realtime.read_text().replace(
        'text = inputs.get("text", "")', 'text = inputs.get("text", "")\n        print("debug line")'))  # fmt: skip
    result = mixpeek("plugin", "predict", "-p", str(plugin), "-i", "text=x", env=clean_env(tmp_path))
    assert result.returncode == 0, result.stderr
    json.loads(result.stdout)
    assert "debug line" in result.stderr


def test_a_plugin_without_realtime_py_is_exit_2_naming_the_file(plugin: Path, tmp_path: Path) -> None:
    (plugin / "realtime.py").unlink()
    result = mixpeek("plugin", "predict", "-p", str(plugin), "-i", "text=x", env=clean_env(tmp_path))
    assert result.returncode == 2
    assert "realtime.py" in result.stderr and str(plugin) in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "names"),
    [(["-i", "text:=3"], "inputs.text"), (["-i", "text=x", "--params", '{"threshold": 7}'],
                                           "parameters.threshold"), ([], "inputs.text")],
)  # fmt: skip
def test_inputs_that_break_the_schemas_are_exit_2_naming_the_field(
    plugin: Path, tmp_path: Path, args: list[str], names: str
) -> None:
    result = mixpeek("plugin", "predict", "-p", str(plugin), *args, env=clean_env(tmp_path))
    assert result.returncode == 2, result.stderr
    assert names in result.stderr and result.stdout == ""


def test_a_failing_service_is_exit_1(plugin: Path, tmp_path: Path) -> None:
    realtime = plugin / "realtime.py"
    realtime.write_text(realtime.read_text().replace(
        'text = inputs.get("text", "")', 'raise RuntimeError("model missing")'))  # fmt: skip
    result = mixpeek("plugin", "predict", "-p", str(plugin), "-i", "text=x", env=clean_env(tmp_path))
    assert result.returncode == 1
    assert "RuntimeError: model missing" in result.stderr


class _Schema(BaseModel):
    text: str
    top_k: int
    label: str | None = None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("text=5", ("text", "5")), ("top_k=5", ("top_k", 5)), ("label=5", ("label", "5")),
     ("top_k:=[1, 2]", ("top_k", [1, 2])), ("other=x=y", ("other", "x=y"))],
)  # fmt: skip
def test_assignments_follow_the_input_schemas_types(text: str, expected: tuple[str, object]) -> None:
    assert parse_assignment(text, _Schema) == expected


@pytest.mark.parametrize("text", ["novalue", "=x", "a:={bad", "f=@/no/such/file"])
def test_bad_assignments_are_bad_input(text: str) -> None:
    with pytest.raises(BadInput):
        parse_assignment(text, _Schema)
