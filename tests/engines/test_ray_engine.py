"""The ``ray`` engine gives the same output as ``local`` for the same plugin and input.

One real local Ray session (2 CPUs) serves the whole module; each test runs the plugin through
both engines the way ``mixpeek plugin run`` does (kit readers, engine, atomic writer) and compares
the output files byte for byte, plus the failures and counts each engine reports.
"""

from __future__ import annotations

import io
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from mixpeek_tools.errors import BadInput, EnvironmentFailure
from mixpeek_tools.local_platform.engine.inference.base import PLACEHOLDER_ENV, ServiceUnavailable
from mixpeek_tools.plugin.loader import load_plugin
from mixpeek_tools.runtime.engines import get_engine
from mixpeek_tools.runtime.executor import RowsFailed, RunOptions, RunStats, plan_pipeline
from mixpeek_tools.runtime.io import FrameWriter, count_rows, iter_frames
from tests.support.cli import mixpeek

pytestmark = [pytest.mark.ray, pytest.mark.slow]

TEXTS = ["alpha beta", "gamma", "delta epsilon zeta", "eta", "theta iota", "kappa", "lambda mu",
         "nu xi omicron", "pi", "rho sigma"]  # fmt: skip


@pytest.fixture(scope="module")
def ray_session() -> Iterator[None]:
    """One local Ray for the module (starting Ray costs seconds on 2 cores)."""
    pytest.importorskip("ray")
    import ray
    import ray.data

    from mixpeek_tools.runtime.engines.ray_engine import init_ray

    started = init_ray(num_cpus=2)
    # A run that stalls fails its test in two minutes, not after Ray Data's default half hour.
    context = ray.data.DataContext.get_current()
    timeout, context.execution_no_progress_timeout_s = context.execution_no_progress_timeout_s, 120
    yield
    context.execution_no_progress_timeout_s = timeout
    if started:
        ray.shutdown()


@pytest.fixture(autouse=True)
def _no_placeholders(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PLACEHOLDER_ENV, raising=False)


def run(engine: str, plugin: Path, source: Path, out: Path, params: dict | None = None,
        **options: Any) -> RunStats:  # fmt: skip
    """What ``mixpeek plugin run`` does, minus the terminal: plan, read, run, write."""
    plan = plan_pipeline(load_plugin(plugin), params or {}, dataset_size=count_rows(source))
    runner = get_engine(engine)
    try:
        with FrameWriter(out) as writer:
            for df in runner.run(plan, iter_frames(source, 4), RunOptions(**options)):
                writer.write(df)
    finally:
        runner.close()
    return runner.stats


def both(plugin: Path, source: Path, tmp_path: Path, params: dict | None = None,
         **options: Any) -> tuple[str, str, RunStats, RunStats]:  # fmt: skip
    suffix = source.suffix
    local_out, ray_out = tmp_path / f"local{suffix}", tmp_path / f"ray{suffix}"
    local_stats = run("local", plugin, source, local_out, params, **options)
    ray_stats = run("ray", plugin, source, ray_out, params, **options)
    return _read(local_out), _read(ray_out), local_stats, ray_stats


def _read(path: Path) -> str:
    """The output as comparable text: Parquet as JSON records; JSON Lines normalised.

    The JSONL writer formats each batch on its own (a key absent from a batch is left out rather
    than written as null), and the two engines group rows into batches differently, so each
    line is compared as its non-null fields, in order.
    """
    if path.suffix == ".parquet":
        return pd.read_parquet(path).to_json(orient="records")
    if path.suffix == ".jsonl":
        lines = [json.loads(line) for line in path.read_text().splitlines()]
        return "\n".join(json.dumps({k: v for k, v in r.items() if v is not None}) for r in lines)
    return path.read_text()


def _counts(stats: RunStats) -> list[tuple[str, int, int, int]]:
    return [(s.name, s.rows_seen, s.rows_processed, s.rows_failed) for s in stats.steps]


def _frames(engine: str, plugin: Path, source: Path, params: dict | None = None,
            batches: Any = None) -> tuple[pd.DataFrame, RunStats]:  # fmt: skip
    """Every output frame of one engine, joined, with the frames' own dtypes and index."""
    plan = plan_pipeline(load_plugin(plugin), params or {}, dataset_size=count_rows(source))
    runner = get_engine(engine)
    try:
        frames = list(runner.run(plan, batches or iter_frames(source, 4), RunOptions()))
    finally:
        runner.close()
    return pd.concat(frames), runner.stats


def _missing_as_none(df: pd.DataFrame) -> pd.DataFrame:
    return df.astype(object).where(df.notna(), None)


def _rows(with_image: Path | None = None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [{"id": i, "text": t} for i, t in enumerate(TEXTS)]
    if with_image is not None:
        rows.insert(3, {"id": 100, "image_path": str(with_image)})
        rows.insert(7, {"id": 101, "image_path": str(with_image)})
    return rows


def _png(folder: Path) -> Path:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (3, 2), (200, 10, 10)).save(buf, "PNG")
    path = folder / "red.png"
    path.write_bytes(buf.getvalue())
    return path


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    elif path.suffix == ".json":
        path.write_text(json.dumps(rows))
    elif path.suffix == ".csv":
        pd.DataFrame(rows).to_csv(path, index=False)
    else:
        pd.DataFrame(rows).to_parquet(path)
    return path


@pytest.mark.parametrize("suffix", [".jsonl", ".json", ".csv", ".parquet"])
def test_each_input_format_gives_identical_output_on_both_engines(
    ray_session: None, plugin: Path, tmp_path: Path, suffix: str
) -> None:
    source = _write(tmp_path / f"in{suffix}", _rows())
    local, ray, local_stats, ray_stats = both(plugin, source, tmp_path)
    assert local == ray
    assert "ALPHA BETA" in ray and "NU XI OMICRON" in ray
    assert ray_stats.rows_in == ray_stats.rows_out == local_stats.rows_out == len(TEXTS)
    labeler = ray_stats.step("Labeler")
    assert labeler is not None and labeler.rows_processed == len(TEXTS)


def test_rows_keep_their_input_order(ray_session: None, plugin: Path, tmp_path: Path) -> None:
    rows = [{"id": i, "text": f"row {i}"} for i in range(200)]
    source = _write(tmp_path / "many.jsonl", rows)
    out = tmp_path / "ray.jsonl"
    run("ray", plugin, source, out, batch_size=7)
    ids = [json.loads(line)["id"] for line in out.read_text().splitlines()]
    assert ids == list(range(200))


def test_file_referencing_rows_are_resolved_and_routed_by_content_type(
    ray_session: None, plugin: Path, tmp_path: Path
) -> None:
    source = _write(tmp_path / "mixed.jsonl", _rows(with_image=_png(tmp_path)))
    local, ray, local_stats, ray_stats = both(plugin, source, tmp_path)
    assert local == ray
    images = [json.loads(line) for line in ray.splitlines() if "image_bytes" in line]
    assert [r["id"] for r in images] == [100, 101]
    assert all(r["n_bytes"] == 78 and r.get("label") is None for r in images)
    sizer, labeler = ray_stats.step("ImageSizer"), ray_stats.step("Labeler")
    assert sizer is not None and sizer.rows_processed == 2
    assert labeler is not None and labeler.rows_processed == len(TEXTS)
    assert _counts(ray_stats) == _counts(local_stats)


def test_failing_rows_are_reported_alike_and_the_rest_go_on(
    ray_session: None, plugin: Path, tmp_path: Path
) -> None:
    source = _write(tmp_path / "in.jsonl", _rows())
    params = {"fail_on": "eta"}
    local, ray, local_stats, ray_stats = both(plugin, source, tmp_path, params, on_error="continue")
    assert local == ray
    assert '"label": "ETA"' not in ray and len(ray.splitlines()) == len(TEXTS) - 1
    assert (
        [str(f) for f in ray_stats.failures]
        == [str(f) for f in local_stats.failures]
        == ["row 4 in step 'Labeler': ValueError: cannot label 'eta' at processors.py:23 "
            "(input: {'id': 3, 'text': 'eta'})"]
    )
    labeler = ray_stats.step("Labeler")
    assert labeler is not None and labeler.rows_failed == 1
    assert _counts(ray_stats) == _counts(local_stats)


def test_a_failing_row_stops_the_run_by_default(
    ray_session: None, plugin: Path, tmp_path: Path
) -> None:
    source = _write(tmp_path / "in.jsonl", _rows())
    with pytest.raises(RowsFailed, match="row 4 in step 'Labeler'"):
        run("ray", plugin, source, tmp_path / "out.jsonl", {"fail_on": "eta"})
    assert not (tmp_path / "out.jsonl").exists(), "a stopped run leaves no half-written output"


def test_a_gpu_step_without_a_gpu_is_refused_with_a_clear_message(
    ray_session: None, plugin: Path, tmp_path: Path
) -> None:
    import ray

    if ray.cluster_resources().get("GPU", 0):
        pytest.skip("this machine has a GPU")
    source = _write(tmp_path / "in.jsonl", _rows())
    with pytest.raises(EnvironmentFailure) as err:
        run("ray", plugin, source, tmp_path / "out.jsonl", {"gpu": True})
    text = err.value.paragraph()
    assert "step 'Labeler' needs a GPU" in text and "allow_cpu_fallback=True" in text


def test_a_gpu_step_that_allows_cpu_fallback_runs_on_cpu_and_says_so(
    ray_session: None, plugin: Path, tmp_path: Path
) -> None:
    import ray

    if ray.cluster_resources().get("GPU", 0):
        pytest.skip("this machine has a GPU")
    source = _write(tmp_path / "in.jsonl", _rows())
    local, ray_out, _, stats = both(plugin, source, tmp_path, {"gpu": True, "fallback": True})
    assert local == ray_out
    assert any("runs on CPU" in note for note in stats.notes)


def test_an_unavailable_builtin_service_stops_the_run_naming_it(
    ray_session: None, plugin: Path, tmp_path: Path
) -> None:
    source = _write(tmp_path / "in.jsonl", _rows())
    with pytest.raises(ServiceUnavailable, match="E5TextEmbeddingBatch"):
        run("ray", plugin, source, tmp_path / "out.jsonl", {"builtin": True})


def test_placeholder_outputs_are_identical_and_labelled_on_both_engines(
    ray_session: None, plugin: Path, tmp_path: Path
) -> None:
    source = _write(tmp_path / "in.jsonl", _rows())
    local, ray, _, _ = both(plugin, source, tmp_path, {"builtin": True}, placeholder_services=True)
    assert local == ray
    first = json.loads(ray.splitlines()[0])
    assert len(first["embedding"]) == 1024
    assert first["_placeholder"] == ["E5TextEmbeddingBatch"]


def test_prepare_receives_a_real_ray_dataset(
    ray_session: None, plugin: Path, tmp_path: Path
) -> None:
    rows = _rows()
    rows[2]["keep"] = False
    source = _write(tmp_path / "in.jsonl", rows)
    local, ray, _, stats = both(plugin, source, tmp_path, {"prepare": True})
    assert local == ray
    assert "DELTA EPSILON ZETA" not in ray and stats.rows_out == len(TEXTS) - 1


def test_a_prepare_that_drops_the_row_numbers_is_named_as_the_cause(
    ray_session: None, plugin: Path, tmp_path: Path
) -> None:
    source = _write(tmp_path / "in.jsonl", _rows())
    with pytest.raises(BadInput, match="lost the kit's row-number column") as info:
        run("ray", plugin, source, tmp_path / "out.jsonl", {"keep_only_text": True})
    assert "prepare" in info.value.paragraph()


def _cpus_given_back(within: float = 20.0) -> bool:
    import time

    import ray

    total = ray.cluster_resources().get("CPU", 0)
    deadline = time.monotonic() + within
    while ray.available_resources().get("CPU", 0) < total:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


@pytest.mark.parametrize(
    ("params", "error"),
    [({"fail_on": "eta"}, RowsFailed), ({"keep_only_text": True}, BadInput)],
    ids=["stopped-on-a-failed-row", "bad-prepare"],
)
def test_a_failed_run_gives_its_cpus_back_while_its_error_is_kept(
    ray_session: None, plugin: Path, tmp_path: Path, params: dict, error: type
) -> None:
    """A caller that keeps the error (a notebook, a test) must not keep the run's actors: the
    next run in the same Ray session would wait for their CPUs forever."""
    source = _write(tmp_path / "in.jsonl", _rows())
    with pytest.raises(error) as kept:
        run("ray", plugin, source, tmp_path / "out.jsonl", params)
    assert _cpus_given_back(), f"CPUs still held after: {kept.value}"


def test_the_run_command_joins_an_existing_cluster_through_ray_address(
    ray_session: None, plugin: Path, tmp_path: Path
) -> None:
    import ray

    source = _write(tmp_path / "in.csv", _rows())
    out = tmp_path / "cli.jsonl"
    env = {**os.environ, "RAY_ADDRESS": ray.get_runtime_context().gcs_address}
    proc = mixpeek("plugin", "run", "-p", str(plugin), "-i", str(source), "-o", str(out),
                   "--engine", "ray", env=env)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert f"{len(TEXTS)} rows in, {len(TEXTS)} rows out" in proc.stdout
    run("local", plugin, source, tmp_path / "local.jsonl")
    assert out.read_text() == (tmp_path / "local.jsonl").read_text()
    assert ray.is_initialized(), "joining the cluster does not shut it down"


def test_output_frames_equal_the_local_engines_dtypes_index_and_values(
    ray_session: None, plugin: Path, tmp_path: Path
) -> None:
    """Steps get numpy-typed batches and the driver rebuilds the local engine's values, so the
    frames the writer gets are equal: numpy ints (not int64[pyarrow]), dicts, bytes, input
    positions as index."""
    source = _write(tmp_path / "mixed.jsonl", _rows(with_image=_png(tmp_path)))
    local, _ = _frames("local", plugin, source)
    ray, _ = _frames("ray", plugin, source)
    assert ray.dtypes.to_dict() == local.dtypes.to_dict()
    # A missing bytes value is None on Ray (from Arrow) and NaN locally; the writers treat both
    # as missing, so they are compared as missing.
    pd.testing.assert_frame_equal(_missing_as_none(ray), _missing_as_none(local))
    assert str(ray["id"].dtype) == "int64" and ray.loc[0, "summary"] == {"words": 2,
                                                                        "chars": [5, 4]}  # fmt: skip


def test_values_arrow_holds_only_in_rays_own_types_reach_later_steps_as_written(
    ray_session: None, plugin: Path, tmp_path: Path
) -> None:
    """Numpy vectors (a Ray tensor column) and mixed Python values (pickled objects) cross
    from one step's actor to the next and to the writer as the values the step wrote."""
    source = _write(tmp_path / "in.jsonl", _rows())
    local, local_stats = _frames("local", plugin, source, {"vectors": True})
    ray, ray_stats = _frames("ray", plugin, source, {"vectors": True})
    assert not ray_stats.failures and not local_stats.failures
    assert ray["norm"].tolist() == local["norm"].tolist() == [3.0 * len(t) for t in TEXTS]
    assert all(v.dtype == "float32" for v in ray["vector"])
    assert ray["mixed"].tolist() == local["mixed"].tolist()
    ray_out, local_out = tmp_path / "ray.jsonl", tmp_path / "local.jsonl"
    run("ray", plugin, source, ray_out, {"vectors": True})
    run("local", plugin, source, local_out, {"vectors": True})
    assert _read(ray_out) == _read(local_out)


def _dtypes_seen(plugin: Path, source: Path) -> tuple[list[str], list[str]]:
    """The dtypes the first step was handed, row by row, on the local and the ray engine."""
    local, _ = _frames("local", plugin, source, {"show_dtypes": True})
    ray, _ = _frames("ray", plugin, source, {"show_dtypes": True})
    return local["dtypes"].tolist(), ray["dtypes"].tolist()


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_the_first_step_gets_the_local_engines_dtypes(
    ray_session: None, plugin: Path, tmp_path: Path, suffix: str
) -> None:
    """Input batches travel to Ray as Arrow when that changes nothing (numbers, strings, gaps)
    and as pandas otherwise; either way the step is handed the dtypes it gets locally.

    (An integer column with a gap is float in the batches that hold the gap, on either engine;
    the engines cut batches at different rows, so such a column is left out here.)"""
    rows = [{"id": i, "text": t, "score": (None if i == 2 else i / 2), "word": (None if i == 4
            else f"w{i}"), "flag": i % 2 == 0} for i, t in enumerate(TEXTS)]  # fmt: skip
    local, ray = _dtypes_seen(plugin, _write(tmp_path / f"in{suffix}", rows))
    assert ray == local
    assert "text:str" in ray[0]


def test_nullable_pandas_types_reach_the_first_step_unchanged(
    ray_session: None, plugin: Path, tmp_path: Path
) -> None:
    """A Parquet file written from pandas' nullable ``Int64`` reads back as ``Int64``; Arrow
    would turn it into objects, so such batches travel to Ray as pandas frames."""
    source = tmp_path / "in.parquet"
    pd.DataFrame({"text": TEXTS, "n": pd.array([None, *range(len(TEXTS) - 1)], dtype="Int64")}
                 ).to_parquet(source)  # fmt: skip
    local, ray = _dtypes_seen(plugin, source)
    assert ray == local
    assert "n:Int64" in ray[0]


def test_a_column_ray_data_cannot_join_is_named_with_the_fix(
    ray_session: None, plugin: Path, tmp_path: Path
) -> None:
    """Vectors on text rows and nothing on image rows: Ray Data cannot join such batches (the
    platform runs steps on Ray Data too), and the user is told which column and what to do."""
    source = _write(tmp_path / "mixed.jsonl", _rows(with_image=_png(tmp_path)))
    with pytest.raises(BadInput) as info:
        run("ray", plugin, source, tmp_path / "out.jsonl", {"vectors": True})
    message = info.value.paragraph()
    assert "vector" in message and "same kind of value in every row" in message
    assert _cpus_given_back()


def test_more_steps_than_cpus_cannot_stall_when_cpus_are_busy_at_the_start(
    ray_session: None, plugin: Path, tmp_path: Path
) -> None:
    """Four 1-CPU steps on 2 CPUs, while another actor holds both CPUs for a moment (e.g. a
    previous run's actors shutting down). Ray then places the waiting actors in an order of its
    own; at full size a downstream step could take the CPUs the first step needs, and the run
    would stall until Ray Data's no-progress timeout. Shared CPUs let every step start."""
    import ray

    from mixpeek_tools.runtime.engines.ray_engine import Hub

    holder = ray.remote(num_cpus=2)(Hub).remote(1)  # any actor importable on the workers will do
    ray.get(holder.report.remote())
    threading.Timer(2.0, ray.kill, args=(holder,)).start()
    source = _write(tmp_path / "in.jsonl", _rows())
    stats = run("ray", plugin, source, tmp_path / "out.jsonl", {"vectors": True})
    assert stats.rows_out == len(TEXTS) and not stats.failures
    assert any("4 CPUs at once" in note and "has 2" in note for note in stats.notes)
    assert _cpus_given_back()


def test_each_step_reports_the_seconds_it_spent_on_ray(
    ray_session: None, plugin: Path, tmp_path: Path
) -> None:
    source = _write(tmp_path / "in.jsonl", _rows())
    stats = run("ray", plugin, source, tmp_path / "out.jsonl", {"sleep": 0.05})
    labeler, sizer = stats.step("Labeler"), stats.step("ImageSizer")
    assert labeler is not None and sizer is not None
    # 10 rows in batches of at most 3: at least 4 batches, each sleeping 0.05 s in the step.
    assert labeler.batches >= 4
    assert labeler.seconds >= 0.05 * labeler.batches
    assert labeler.seconds < stats.seconds * 2  # two actors at most work at once
    assert 0 < sizer.seconds < labeler.seconds and sizer.batches >= 5


def test_step_seconds_survive_failed_rows_and_reach_the_cli_summary(
    ray_session: None, plugin: Path, tmp_path: Path
) -> None:
    import ray

    source = _write(tmp_path / "in.jsonl", _rows())
    stats = run("ray", plugin, source, tmp_path / "out.jsonl",
                {"sleep": 0.05, "fail_on": "eta"}, on_error="continue")  # fmt: skip
    labeler = stats.step("Labeler")
    assert labeler is not None and labeler.seconds >= 0.05 * 4 and labeler.rows_failed == 1
    out = tmp_path / "cli.jsonl"
    env = {**os.environ, "RAY_ADDRESS": ray.get_runtime_context().gcs_address}
    proc = mixpeek("plugin", "run", "-p", str(plugin), "-i", str(source), "-o", str(out),
                   "--engine", "ray", "--params", '{"sleep": 0.05}', env=env)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    line = next(x for x in proc.stdout.splitlines() if x.strip().startswith("step Labeler"))
    assert "10 processed, 0 failed, 0 passed through" in line
    seconds = float(line.rsplit(", ", 1)[1].split(" s ")[0])
    assert seconds >= 0.05 * 4, line


def test_output_flows_before_the_input_has_been_read_to_the_end(
    ray_session: None, plugin: Path, tmp_path: Path
) -> None:
    """The input streams: the reader is held after 30 of 50 batches of 1024 rows (about 5 MB)
    until the first output batch arrives, which only happens if Ray started on what was read
    so far (before, the whole input went into the object store first)."""
    first_output = threading.Event()
    pulled: list[int] = []
    size, count = 1024, 50

    def batches() -> Iterator[pd.DataFrame]:
        for i in range(count):
            if i == 30 and not first_output.wait(90):
                raise AssertionError("no output before the whole input was read")
            pulled.append(i)
            labels = pd.RangeIndex(i * size, (i + 1) * size)
            yield pd.DataFrame({"text": [f"row {n} " + "lorem ipsum " * 8 for n in labels]},
                               index=labels)  # fmt: skip

    plan = plan_pipeline(load_plugin(plugin), {}, dataset_size=size * count)
    runner = get_engine("ray")
    read_when_first: int | None = None
    frames = []
    try:
        for df in runner.run(plan, batches(), RunOptions(batch_size=size)):
            if read_when_first is None:
                read_when_first = len(pulled)
            first_output.set()
            frames.append(df)
    finally:
        runner.close()
    assert read_when_first is not None and read_when_first <= 30
    out = pd.concat(frames)
    assert list(out.index) == list(range(size * count))
    assert out.loc[size * count - 1, "label"].startswith(f"ROW {size * count - 1} LOREM")
    assert runner.stats.rows_in == runner.stats.rows_out == size * count


def test_a_reader_error_mid_stream_is_the_local_engines_error(
    ray_session: None, plugin: Path, tmp_path: Path
) -> None:
    source = tmp_path / "broken.jsonl"
    lines = [json.dumps({"id": i, "text": t}) for i, t in enumerate(TEXTS)]
    lines[6] = '{"id": 6, "text": "oops"'
    source.write_text("\n".join(lines) + "\n")
    errors = []
    for engine in ("local", "ray"):
        out = tmp_path / f"{engine}.jsonl"
        with pytest.raises(BadInput) as err:
            run(engine, plugin, source, out)
        assert not out.exists()
        errors.append(err.value.paragraph())
    assert errors[0] == errors[1] and f"{source}:7:" in errors[1]


def test_a_run_that_ends_well_leaves_its_hub_to_the_next_run_and_a_stopped_run_kills_it(
    ray_session: None, plugin: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The helper actor is a worker process of its own: a second run in the same session takes
    the first run's (emptied) hub instead of starting one; a run stopped by a failed row does
    not hand its hub on, and the next run starts a new one."""
    import ray

    from mixpeek_tools.runtime.engines.ray import engine as ray_engine

    used: list[Any] = []
    acquire = ray_engine.acquire_hub

    def recording(depth: int) -> Any:
        used.append(acquire(depth))
        return used[-1]

    monkeypatch.setattr(ray_engine, "acquire_hub", recording)
    source = _write(tmp_path / "in.jsonl", _rows())
    first = run("ray", plugin, source, tmp_path / "a.jsonl", {"fail_on": "eta"}, on_error="continue")
    second = run("ray", plugin, source, tmp_path / "b.jsonl", {"fail_on": "eta"}, on_error="continue")
    assert used[0]._actor_id == used[1]._actor_id
    assert [f.row for f in first.failures] == [f.row for f in second.failures] == [4]
    with pytest.raises(RowsFailed):
        run("ray", plugin, source, tmp_path / "c.jsonl", {"fail_on": "eta"})
    run("ray", plugin, source, tmp_path / "d.jsonl")
    assert used[3]._actor_id != used[2]._actor_id
    with pytest.raises(ray.exceptions.RayActorError):
        ray.get(used[2].rows_read.remote(), timeout=60)
