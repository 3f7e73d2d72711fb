"""Object storage in and out, against a real S3 endpoint on loopback (moto's server).

``plugin run`` reads ``s3://`` Parquet and JSON Lines, writes ``s3://`` Parquet and JSON Lines,
resolves ``s3://`` file references and runs over a folder (and an ``s3://`` prefix) of media
files, on the local engine and on Ray; both engines give the same rows.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import mixpeek

REPO = Path(__file__).resolve().parents[2]
BUCKET = "runs"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 24
TEXTS = ["alpha beta", "gamma", "delta epsilon", "eta", "theta iota", "kappa"]


@pytest.fixture(scope="module")
def s3() -> Iterator[tuple[str, Any]]:
    """(endpoint URL, boto3 client) of a moto S3 server on 127.0.0.1 with one bucket."""
    boto3 = pytest.importorskip("boto3")
    from mixpeek_tools.registry.storage import LOCAL_CREDENTIALS, LocalS3

    server = LocalS3()
    endpoint = server.start()
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          **LOCAL_CREDENTIALS)  # fmt: skip
    client.create_bucket(Bucket=BUCKET)
    yield endpoint, client
    server.stop()


def _env(endpoint: str) -> dict[str, str]:
    from mixpeek_tools.registry.storage import LOCAL_CREDENTIALS

    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(REPO) + os.pathsep + env.get("PYTHONPATH", ""),
        AWS_ACCESS_KEY_ID=LOCAL_CREDENTIALS["aws_access_key_id"],
        AWS_SECRET_ACCESS_KEY=LOCAL_CREDENTIALS["aws_secret_access_key"],
        AWS_REGION="us-east-1",
    )
    env.pop("RAY_ADDRESS", None)
    return env


def _run(endpoint: str, plugin: Path, source: str, target: str, *extra: str) -> Any:
    return mixpeek("plugin", "run", "-p", str(plugin), "-i", source, "-o", target,
                   "--s3-endpoint-url", endpoint, *extra, env=_env(endpoint))  # fmt: skip


def _get(client: Any, key: str) -> bytes:
    return bytes(client.get_object(Bucket=BUCKET, Key=key)["Body"].read())


def _parquet_rows(data: bytes) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    return list(pq.read_table(io.BytesIO(data)).to_pylist())


def _put_inputs(client: Any, prefix: str) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [{"id": i, "text": t} for i, t in enumerate(TEXTS)]
    client.put_object(Bucket=BUCKET, Key=f"{prefix}/in.jsonl",
                      Body="".join(json.dumps(r) + "\n" for r in rows).encode())  # fmt: skip
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), sink, row_group_size=2)
    client.put_object(Bucket=BUCKET, Key=f"{prefix}/in.parquet", Body=sink.getvalue())


@pytest.mark.parametrize(
    "engine", ["local", pytest.param("ray", marks=[pytest.mark.ray, pytest.mark.slow])]
)
@pytest.mark.parametrize("kind", ["jsonl", "parquet"])
def test_reads_and_writes_s3_objects(
    s3: tuple[str, Any], plugin: Path, tmp_path: Path, engine: str, kind: str
) -> None:
    if engine == "ray":
        pytest.importorskip("ray")
    endpoint, client = s3
    prefix = f"{engine}-{kind}"
    _put_inputs(client, prefix)
    source = f"s3://{BUCKET}/{prefix}/in.{kind}"
    local_copy = tmp_path / "expected.jsonl"
    baseline = _run(endpoint, plugin, source, str(local_copy), "--engine", "local")
    assert baseline.returncode == 0, baseline.stderr[-2000:]
    proc = _run(endpoint, plugin, source, f"s3://{BUCKET}/{prefix}/out.{kind}", "--engine", engine)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = _get(client, f"{prefix}/out.{kind}")
    got = _parquet_rows(data) if kind == "parquet" else [json.loads(x) for x in data.splitlines()]
    expected = [json.loads(line) for line in local_copy.read_text().splitlines()]
    assert [r["label"] for r in got] == [t.upper() for t in TEXTS]
    assert [r["id"] for r in got] == [r["id"] for r in expected] == list(range(len(TEXTS)))
    assert f"Wrote s3://{BUCKET}/{prefix}/out.{kind}" in proc.stdout


@pytest.mark.parametrize(
    "engine", ["local", pytest.param("ray", marks=[pytest.mark.ray, pytest.mark.slow])]
)
def test_s3_file_references_are_fetched(
    s3: tuple[str, Any], plugin: Path, tmp_path: Path, engine: str
) -> None:
    if engine == "ray":
        pytest.importorskip("ray")
    endpoint, client = s3
    client.put_object(Bucket=BUCKET, Key="refs/a.png", Body=PNG)
    client.put_object(Bucket=BUCKET, Key="refs/img/b.png", Body=PNG + b"12345")
    rows = [
        {"image_path": f"s3://{BUCKET}/refs/a.png"},
        {"image_url": f"s3://{BUCKET}/refs/img/b.png"},
    ]
    source = tmp_path / "refs.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows))
    target = tmp_path / f"out-{engine}.jsonl"
    proc = _run(endpoint, plugin, str(source), str(target), "--engine", engine)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = [json.loads(line) for line in target.read_text().splitlines()]
    assert [r["n_bytes"] for r in out] == [len(PNG), len(PNG) + 5]
    assert [r["mime_type"] for r in out] == ["image/png", "image/png"]


def test_a_missing_s3_reference_names_the_row(
    s3: tuple[str, Any], plugin: Path, tmp_path: Path
) -> None:
    endpoint, _ = s3
    source = tmp_path / "missing.jsonl"
    source.write_text(json.dumps({"image_path": f"s3://{BUCKET}/nope.png"}) + "\n")
    proc = _run(endpoint, plugin, str(source), str(tmp_path / "o.jsonl"))
    assert proc.returncode == 2, proc.stderr
    assert (
        "nope.png" in proc.stderr and "image_path" in proc.stderr and "Traceback" not in proc.stderr
    )


@pytest.mark.parametrize("where", ["folder", "s3"])
def test_a_folder_of_media_files_is_one_row_per_file(
    s3: tuple[str, Any], plugin: Path, tmp_path: Path, where: str
) -> None:
    endpoint, client = s3
    files = {"a.png": PNG, "b/c.png": PNG + b"xyz", "d.png": PNG + b"7"}
    if where == "folder":
        folder = tmp_path / "media"
        for name, data in files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)
        source = str(folder)
    else:
        for name, data in files.items():
            client.put_object(Bucket=BUCKET, Key=f"media/{name}", Body=data)
        source = f"s3://{BUCKET}/media/"
    target = tmp_path / "media.jsonl"
    proc = _run(endpoint, plugin, source, str(target))
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = [json.loads(line) for line in target.read_text().splitlines()]
    assert [r["n_bytes"] for r in out] == [len(files[n]) for n in sorted(files)]
    assert all(r["mime_type"] == "image/png" for r in out)
    assert [r["file_path"].rsplit("/", 1)[-1] for r in out] == ["a.png", "c.png", "d.png"]


def _storage(endpoint: str) -> Any:
    from mixpeek_tools.registry.storage import LOCAL_CREDENTIALS
    from mixpeek_tools.runtime.storage import StorageOptions

    return StorageOptions(endpoint_url=endpoint, region="us-east-1",
                          access_key=LOCAL_CREDENTIALS["aws_access_key_id"],
                          secret_key=LOCAL_CREDENTIALS["aws_secret_access_key"])  # fmt: skip


def test_a_small_parquet_object_is_one_streamed_read_task_in_small_blocks(
    s3: tuple[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read task costs a worker process: an object far under BYTES_PER_READ_TASK is read by
    one task, in blocks of about two batches (not one block per task); a bigger one (here: a
    tiny BYTES_PER_READ_TASK) is split into runs of row groups, at most two per CPU, each with
    the offset of its first row; a limit drops the row groups past it."""
    pytest.importorskip("pyarrow")
    from mixpeek_tools.runtime.engines.ray import readers
    from mixpeek_tools.runtime.engines.ray.blocks import MIN_BLOCK_BYTES
    from mixpeek_tools.runtime.sources import open_source

    endpoint, client = s3
    _put_inputs(client, "layout")
    source = open_source(f"s3://{BUCKET}/layout/in.parquet", _storage(endpoint))
    small = readers.read_layout(source, 4, cpus=2, default_target=128 << 20)
    assert small.groups == [[0, 1, 2]] and small.offsets == [0]
    assert small.target == MIN_BLOCK_BYTES and small.columns == ["id", "text"]
    assert readers.read_layout(source, 4, cpus=2, default_target=1000).target == 1000
    monkeypatch.setattr(readers, "BYTES_PER_READ_TASK", 1)
    split = readers.read_layout(source, 4, cpus=1, default_target=128 << 20)
    assert split.groups == [[0, 1], [2]] and split.offsets == [0, 4]
    assert readers.read_layout(source, 4, cpus=4, default_target=128 << 20).offsets == [0, 2, 4]
    source.limit = 3
    assert readers.read_layout(source, 4, cpus=4, default_target=128 << 20).groups == [[0], [1]]


def test_the_first_steps_actors_read_runs_of_row_groups_when_there_are_enough(
    s3: tuple[str, Any],
) -> None:
    """Two runs per actor where the row groups allow, each with its first row's offset; fewer
    row groups than actors, or JSON Lines, leave the reading to read tasks (None)."""
    pytest.importorskip("pyarrow")
    from mixpeek_tools.runtime.engines.ray import readers
    from mixpeek_tools.runtime.sources import open_source

    endpoint, client = s3
    _put_inputs(client, "runs")
    source = open_source(f"s3://{BUCKET}/runs/in.parquet", _storage(endpoint))
    layout = readers.read_layout(source, 4, cpus=2, default_target=128 << 20)
    one = readers.actor_reads(source, layout, actors=1, size=4)
    assert one is not None and one.groups == [[0, 1], [2]] and one.offsets == [0, 4]
    two = readers.actor_reads(source, layout, actors=2, size=4)
    assert two is not None and two.groups == [[0], [1], [2]] and two.offsets == [0, 2, 4]
    assert readers.actor_reads(source, layout, actors=4, size=4) is None
    lines = open_source(f"s3://{BUCKET}/runs/in.jsonl", _storage(endpoint))
    jsonl = readers.read_layout(lines, 4, cpus=2, default_target=128 << 20)
    assert readers.actor_reads(lines, jsonl, actors=1, size=4) is None


@pytest.mark.ray
@pytest.mark.slow
@pytest.mark.parametrize("reader", ["read tasks", "the first step's actors"])
def test_rows_read_in_several_runs_keep_their_numbers_and_order(
    s3: tuple[str, Any], plugin: Path, monkeypatch: pytest.MonkeyPatch, reader: str
) -> None:
    """Runs of row groups read by read tasks or by the first step's actors: output in input
    order, failures named by the input row, every row counted once."""
    pytest.importorskip("ray")
    import ray

    from mixpeek_tools.plugin.loader import load_plugin
    from mixpeek_tools.runtime.engines.ray import RayEngine, init_ray, readers
    from mixpeek_tools.runtime.executor import RunOptions, plan_pipeline
    from mixpeek_tools.runtime.sources import open_source

    endpoint, client = s3
    _put_inputs(client, "tasks")
    monkeypatch.setattr(readers, "BYTES_PER_READ_TASK", 1)  # read in the driver's process
    chosen: list[Any] = []
    planned = readers.actor_reads

    def actor_reads(*args: Any, **kwargs: Any) -> Any:
        chosen.append(planned(*args, **kwargs) if reader != "read tasks" else None)
        return chosen[-1]

    monkeypatch.setattr(readers, "actor_reads", actor_reads)
    source = open_source(f"s3://{BUCKET}/tasks/in.parquet", _storage(endpoint))
    plan = plan_pipeline(load_plugin(plugin), {"fail_on": "eta"}, dataset_size=source.rows())
    started = init_ray(num_cpus=2)
    engine = RayEngine(storage=source.storage)
    try:
        frames = list(engine.run_source(plan, source, 2, RunOptions(on_error="continue")))
    finally:
        engine.close()
        if started:
            ray.shutdown()
    ids = [int(i) for df in frames for i in df["id"]]
    assert ids == [0, 1, 2, 4, 5]
    assert [f.row for f in engine.stats.failures] == [4]
    assert engine.stats.rows_in == len(TEXTS) and engine.stats.rows_out == 5
    assert (chosen[0] is None) == (reader == "read tasks")
