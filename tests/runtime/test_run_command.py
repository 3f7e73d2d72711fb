"""`mixpeek plugin run` end to end, as a real subprocess: exit codes, summary, output files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from tests.support.cli import mixpeek

from .conftest import DOCS_PLUGIN

MakePlugin = Callable[..., Path]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_docs_plugin_runs_over_its_csv_sample(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    proc = mixpeek("plugin", "run", "-p", str(DOCS_PLUGIN),
                   "-i", str(DOCS_PLUGIN / "samples" / "sample.csv"), "-o", str(out))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "2 rows in, 2 rows out" in proc.stdout
    assert "2 valid against MyExtractorOutput" in proc.stdout
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows[0]["output"] == {"result": "Processed: Sample text 1", "confidence": 0.95}
    assert rows[0]["metadata"] == {"source": "test"}
    assert proc.stderr == ""  # no progress bar without a terminal


@pytest.mark.parametrize("ext", ["json", "csv", "parquet", "jsonl"])
def test_every_format_in_and_out(tmp_path: Path, make_plugin: MakePlugin, ext: str) -> None:
    plugin = make_plugin()
    rows = [{"text": f"t{i}"} for i in range(5)]
    src = tmp_path / f"in.{ext}"
    pd.DataFrame(rows).to_parquet(src) if ext == "parquet" else None
    if ext == "json":
        src.write_text(json.dumps(rows))
    elif ext == "csv":
        src.write_text("text\n" + "".join(f"t{i}\n" for i in range(5)))
    elif ext == "jsonl":
        write_jsonl(src, rows)
    out = tmp_path / f"out.{ext}"
    proc = mixpeek("plugin", "run", "-p", str(plugin), "-i", str(src), "-o", str(out),
                   "--params", '{"suffix": "?"}', "--batch-size", "2")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    back = pd.read_parquet(out) if ext == "parquet" else None
    if ext == "jsonl":
        back = pd.read_json(out, lines=True)
    elif ext == "json":
        back = pd.read_json(out)
    elif ext == "csv":
        back = pd.read_csv(out)
    assert back is not None
    assert list(back["label"]) == [f"t{i}?" for i in range(5)]


def test_limit_and_params_file(tmp_path: Path, make_plugin: MakePlugin) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", [{"text": f"t{i}"} for i in range(10)])
    params = tmp_path / "params.json"
    params.write_text('{"threshold": 0.25}')
    out = tmp_path / "out.jsonl"
    proc = mixpeek("plugin", "run", "-p", str(make_plugin()), "-i", str(src), "-o", str(out),
                   "--limit", "3", "--params-file", str(params))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["score"] for r in rows] == [0.25] * 3


def test_failing_rows_stop_the_run_and_write_nothing(
    tmp_path: Path, make_plugin: MakePlugin
) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", [{"text": f"t{i}"} for i in range(6)])
    out = tmp_path / "out.jsonl"
    proc = mixpeek("plugin", "run", "-p", str(make_plugin()), "-i", str(src), "-o", str(out),
                   "--params", '{"fail_on": "t4"}')  # fmt: skip
    assert proc.returncode == 1
    assert "row 5 in step 'Labeler': ValueError: cannot label 't4'" in proc.stderr
    assert "--on-error continue" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "labeler"]


def test_continue_writes_the_rest_and_still_exits_1(
    tmp_path: Path, make_plugin: MakePlugin
) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", [{"text": f"t{i}"} for i in range(6)])
    out = tmp_path / "out.jsonl"
    proc = mixpeek("plugin", "run", "-p", str(make_plugin()), "-i", str(src), "-o", str(out),
                   "--params", '{"fail_on": "t4"}', "--on-error", "continue")  # fmt: skip
    assert proc.returncode == 1
    assert "failed: row 5 in step 'Labeler'" in proc.stdout
    assert "6 rows in, 5 rows out" in proc.stdout
    assert len(out.read_text().splitlines()) == 5


def test_outputs_that_break_the_schema_are_reported_by_row(
    tmp_path: Path, make_plugin: MakePlugin
) -> None:
    plugin = make_plugin()
    src = write_jsonl(tmp_path / "in.jsonl", [{"text": "a"}, {"text": "b"}])
    out = tmp_path / "out.jsonl"
    proc = mixpeek("plugin", "run", "-p", str(plugin), "-i", str(src), "-o", str(out))
    assert proc.returncode == 0
    manifest = plugin / "manifest.py"
    text = manifest.read_text()
    manifest.write_text(text.replace("le=1.0)\n\nclass Params", "le=0.1)\n\nclass Params"))
    proc = mixpeek("plugin", "run", "-p", str(plugin), "-i", str(src), "-o", str(out))
    assert proc.returncode == 1
    assert "invalid output: row 1: score: Input should be less than or equal to 0.1" in proc.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--params", "{bad json"], "--params:1:2: invalid JSON"),
        (["--params", "[1]"], "parameters must be a JSON object"),
        (["--params", '{"threshold": 3}'], "parameters.threshold: invalid value 3"),
        (["--engine", "spark"], "Invalid value for '--engine'"),
        (["--on-error", "ignore"], "Invalid value for '--on-error'"),
    ],
)
def test_bad_options_exit_2_without_traceback(
    tmp_path: Path, make_plugin: MakePlugin, args: list[str], expected: str
) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", [{"text": "a"}])
    proc = mixpeek("plugin", "run", "-p", str(make_plugin()), "-i", str(src),
                   "-o", str(tmp_path / "out.jsonl"), *args)  # fmt: skip
    assert proc.returncode == 2
    assert expected in proc.stderr
    assert "Traceback" not in proc.stderr


def test_malformed_input_names_file_line_and_column(
    tmp_path: Path, make_plugin: MakePlugin
) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "a"}\n{"text": "b",\n')
    proc = mixpeek("plugin", "run", "-p", str(make_plugin()), "-i", str(src),
                   "-o", str(tmp_path / "out.jsonl"))  # fmt: skip
    assert proc.returncode == 2
    assert f"{src}:2:" in proc.stderr
    assert "invalid JSON" in proc.stderr
    assert not (tmp_path / "out.jsonl").exists()


def test_not_a_plugin_and_missing_input(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", [{"text": "a"}])
    proc = mixpeek(
        "plugin", "run", "-p", str(tmp_path), "-i", str(src), "-o", str(tmp_path / "o.jsonl")
    )
    assert proc.returncode == 2
    assert "manifest.py is missing" in proc.stderr
    proc = mixpeek("plugin", "run", "-p", str(DOCS_PLUGIN), "-i", str(tmp_path / "none.jsonl"),
                   "-o", str(tmp_path / "o.jsonl"))  # fmt: skip
    assert proc.returncode == 2
    assert "input file not found" in proc.stderr


IMAGE_PROCESSORS = """
import io
from PIL import Image

class Cfg:
    pass

class Labeler:
    def __init__(self, config, progress_actor=None):
        pass

    def __call__(self, batch):
        sizes = [Image.open(io.BytesIO(b)).size for b in batch["image_bytes"]]
        batch["label"] = [f"{w}x{h}" for w, h in sizes]
        batch["score"] = 1.0
        return batch

ConfigOnly = NoArgs = Labeler
"""


def test_files_referenced_by_path_are_loaded_like_the_platform_does(
    tmp_path: Path, make_plugin: MakePlugin
) -> None:
    from PIL import Image

    pipeline = (
        "from engine.plugins.extractors.pipeline import PipelineDefinition, RowCondition, "
        "StepDefinition, build_pipeline_steps\nfrom .processors.core import Labeler, Cfg\n"
        "def build_steps(extractor_request, **kwargs):\n"
        "    steps = [StepDefinition(service_class=Labeler, config=Cfg(), "
        "condition=RowCondition.IS_IMAGE)]\n"
        "    return {'steps': build_pipeline_steps(PipelineDefinition(name='img', steps=steps))}\n"
    )
    plugin = make_plugin(pipeline, name="sizer", processors=IMAGE_PROCESSORS)
    data = tmp_path / "data"
    data.mkdir()
    Image.new("RGB", (4, 3), "red").save(data / "a.png")
    Image.new("RGB", (2, 5), "blue").save(data / "b.jpg")
    src = write_jsonl(data / "in.jsonl", [{"image_path": "a.png"}, {"text": "no image"},
                                          {"image_path": "b.jpg"}])  # fmt: skip
    out = tmp_path / "out.jsonl"
    proc = mixpeek("plugin", "run", "-p", str(plugin), "-i", str(src), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r.get("label") for r in rows] == ["4x3", None, "2x5"]
    assert rows[0]["mime_type"] == "image/png"
    assert "1 row(s) no step selected" in proc.stdout


def test_a_gpu_step_without_a_gpu_exits_3_with_the_fix(
    tmp_path: Path, make_plugin: MakePlugin, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline = (
        "from engine.plugins.extractors.pipeline import PipelineDefinition, ResourceType, "
        "StepDefinition, build_pipeline_steps\nfrom .processors.core import Labeler, Cfg\n"
        "def build_steps(extractor_request, **kwargs):\n"
        "    steps = [StepDefinition(service_class=Labeler, config=Cfg(), "
        "resource_type=ResourceType.GPU)]\n"
        "    return {'steps': build_pipeline_steps(PipelineDefinition(name='g', steps=steps))}\n"
    )
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    src = write_jsonl(tmp_path / "in.jsonl", [{"text": "a"}])
    out = tmp_path / "out.jsonl"
    proc = mixpeek(
        "plugin", "run", "-p", str(make_plugin(pipeline)), "-i", str(src), "-o", str(out)
    )
    assert proc.returncode == 3
    assert "needs a GPU" in proc.stderr
    assert "allow_cpu_fallback=True" in proc.stderr
    assert not out.exists()


@pytest.mark.slow
@pytest.mark.ray
def test_engine_ray_goes_through_the_same_command_and_matches_local(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    src = write_jsonl(tmp_path / "in.jsonl", [{"text": f"row {i}"} for i in range(50)])
    local, ray_out = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    base = ["plugin", "run", "-p", str(DOCS_PLUGIN), "-i", str(src), "--batch-size", "16"]
    assert mixpeek(*base, "-o", str(local)).returncode == 0
    proc = mixpeek(*base, "-o", str(ray_out), "--engine", "ray")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "on the ray engine: 50 rows in, 50 rows out" in proc.stdout
    assert ray_out.read_text() == local.read_text()


def test_guard_with_the_ray_engine_is_refused_naming_the_limitation(
    tmp_path: Path, make_plugin: MakePlugin
) -> None:
    """Ray runs plugin code in worker processes outside the guarded child: refused, exit 2,
    before any child or Ray starts, and nothing is written."""
    src = write_jsonl(tmp_path / "in.jsonl", [{"text": "a"}])
    out = tmp_path / "out.jsonl"
    proc = mixpeek("plugin", "run", "-p", str(make_plugin()), "-i", str(src), "-o", str(out),
                   "--engine", "ray", "--guard")  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert "--guard cannot watch the ray engine" in proc.stderr
    assert "--engine local" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()
