"""Errors reach the user as one clear paragraph, without --verbose: the plugin's own error with
its file and line and the input row, every bad parameter at once, a missing Ray with the install
command, a GPU step offering --cpu-fallback, placeholders only for built-in services; integers
stay integers and outputs honour the umask."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from mixpeek_tools.errors import BadInput
from mixpeek_tools.plugin.loader import load_plugin
from mixpeek_tools.runtime.plan import RunOptions, plan_pipeline
from mixpeek_tools.runtime.run import RunRequest, run_file
from tests.support.cli import mixpeek as run_mixpeek
from tests.support.engine_plugin import write_plugin

REPO = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 8


def mixpeek(*args: str, env: dict[str, str] | None = None) -> Any:
    """The CLI without a RAY_ADDRESS from the environment: each test says which Ray it wants."""
    base = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    return run_mixpeek(*args, env={**base, **(env or {})})


@pytest.fixture
def probe(tmp_path: Path) -> Path:
    return write_plugin(tmp_path / "plugins")


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_every_invalid_parameter_is_named_in_one_message(make_plugin: Any) -> None:
    plugin = load_plugin(make_plugin())
    with pytest.raises(BadInput) as info:
        plan_pipeline(plugin, {"threshold": 3, "nope": 1, "suffix": 5})
    text = str(info.value)
    for name in ("parameters.threshold", "parameters.nope", "parameters.suffix"):
        assert name in text
    assert "3 invalid parameter(s)" in text


def test_a_failing_row_names_the_plugin_file_line_and_input(probe: Path, tmp_path: Path) -> None:
    source = _jsonl(tmp_path / "in.jsonl", [{"text": "ok"}, {"text": "boom"}])
    proc = mixpeek("plugin", "run", "-p", str(probe), "-i", str(source), "-o",
                   str(tmp_path / "o.jsonl"), "--params", '{"fail_on": "boom"}')  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert "row 2 in step 'Labeler': ValueError: cannot label 'boom' at processors.py:" in (
        proc.stderr + proc.stdout
    )
    assert "(input: {'text': 'boom'})" in proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr


def test_a_prepare_error_is_the_plugins_own(make_plugin: Any, tmp_path: Path) -> None:
    from .conftest import PIPELINE_HEADER

    pipeline = PIPELINE_HEADER + """
def picky(row):
    raise KeyError("no such field: colour")

def build_steps(extractor_request, container=None, base_steps=None, dataset_size=None,
                content_flags=None):
    steps = [StepDefinition(service_class=Labeler, config=Cfg(), condition=RowCondition.IS_TEXT)]
    return {"steps": build_pipeline_steps(PipelineDefinition(name="p", steps=steps)),
            "prepare": lambda ds: ds.filter(picky)}
"""
    plugin = make_plugin(pipeline, name="picky")
    source = _jsonl(tmp_path / "in.jsonl", [{"text": "a"}])
    proc = mixpeek("plugin", "run", "-p", str(plugin), "-i", str(source), "-o",
                   str(tmp_path / "o.jsonl"))  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert "prepare raised KeyError" in proc.stderr and "pipeline.py:" in proc.stderr
    assert "unexpected" not in proc.stderr and "Traceback" not in proc.stderr


def test_a_missing_ray_is_an_environment_error_with_the_install_command(
    probe: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "no_ray"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text("import sys\nsys.modules['ray'] = None\n")
    source = _jsonl(tmp_path / "in.jsonl", [{"text": "a"}])
    proc = mixpeek("plugin", "run", "-p", str(probe), "-i", str(source), "-o",
                   str(tmp_path / "o.jsonl"), "--engine", "ray",
                   env={"PYTHONPATH": f"{blocker}{os.pathsep}{REPO}"})  # fmt: skip
    assert proc.returncode == 3, proc.stderr
    assert "pip install 'mixpeek-tools[ray]'" in proc.stderr
    assert "unexpected" not in proc.stderr


def test_a_gpu_step_without_a_gpu_offers_cpu_fallback(probe: Path, tmp_path: Path) -> None:
    source = _jsonl(tmp_path / "in.jsonl", [{"text": "a"}])
    args = ["plugin", "run", "-p", str(probe), "-i", str(source), "-o", str(tmp_path / "o.jsonl"),
            "--params", '{"gpu": true}']  # fmt: skip
    refused = mixpeek(*args)
    assert refused.returncode == 3, refused.stderr
    assert "step 'Labeler' needs a GPU" in refused.stderr and "--cpu-fallback" in refused.stderr
    fallback = mixpeek(*args, "--cpu-fallback")
    assert fallback.returncode == 0, fallback.stderr
    assert "step 'Labeler' asked for a GPU; this machine has none, so it runs on CPU" in (
        fallback.stdout
    )
    assert json.loads((tmp_path / "o.jsonl").read_text())["label"] == "A"


def test_placeholder_services_never_stand_in_for_a_real_processor(
    probe: Path, tmp_path: Path
) -> None:
    source = _jsonl(tmp_path / "in.jsonl", [{"text": "a"}])
    proc = mixpeek("plugin", "run", "-p", str(probe), "-i", str(source), "-o",
                   str(tmp_path / "o.jsonl"), "--params", '{"gpu": true, "builtin": true}',
                   "--placeholder-services")  # fmt: skip
    assert proc.returncode == 3, proc.stderr  # the plugin's own GPU step still needs a GPU
    assert "step 'Labeler' needs a GPU" in proc.stderr
    ok = mixpeek("plugin", "run", "-p", str(probe), "-i", str(source), "-o",
                 str(tmp_path / "o.jsonl"), "--params", '{"builtin": true}',
                 "--placeholder-services")  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    row = json.loads((tmp_path / "o.jsonl").read_text())
    assert row["label"] == "A" and row["_placeholder"] == ["E5TextEmbeddingBatch"]


def test_the_test_command_takes_cpu_fallback(probe: Path, tmp_path: Path) -> None:
    samples = tmp_path / "s.json"
    samples.write_text(json.dumps([{"text": "a"}]))
    args = ["plugin", "test", "--path", str(probe), "--sample-data", str(samples),
            "--params", '{"gpu": true}']  # fmt: skip
    refused = mixpeek(*args)
    fallback = mixpeek(*args, "--cpu-fallback")
    assert "needs a GPU" in refused.stdout + refused.stderr
    assert "needs a GPU" not in fallback.stdout + fallback.stderr


def test_integer_columns_stay_integers_where_a_step_skipped_rows(
    probe: Path, tmp_path: Path
) -> None:
    (tmp_path / "a.png").write_bytes(PNG)
    source = _jsonl(tmp_path / "in.jsonl", [{"text": "a"}, {"image_path": "a.png"}])
    target = tmp_path / "o.jsonl"
    report = run_file(RunRequest(plugin=probe, input=source, output=target))
    assert report.ok
    lines = target.read_text().splitlines()
    assert '"n_bytes":null' in lines[0].replace(" ", "") or "n_bytes" not in lines[0]
    assert f'"n_bytes":{len(PNG)}' in lines[1].replace(" ", "")
    import pandas as pd

    from mixpeek_tools.runtime.engines.local import run_frame

    plan = plan_pipeline(load_plugin(probe), {})
    frame = pd.DataFrame([{"text": "a", "image_bytes": None}, {"text": None, "image_bytes": PNG}])
    result = run_frame(plan, frame, RunOptions())
    assert str(result.frame["n_bytes"].dtype) == "Int64"
    assert result.frame["n_bytes"].tolist()[1] == len(PNG)


def test_outputs_honour_the_umask(probe: Path, tmp_path: Path) -> None:
    source = _jsonl(tmp_path / "in.jsonl", [{"text": "a"}])
    previous = os.umask(0o027)
    try:
        for name in ("o.jsonl", "o.parquet", "o.csv"):
            run_file(RunRequest(plugin=probe, input=source, output=tmp_path / name))
            assert (tmp_path / name).stat().st_mode & 0o777 == 0o640, name
    finally:
        os.umask(previous)
