"""LocalDataset (what prepare functions receive) and the engine registry."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mixpeek_tools.errors import BadInput
from mixpeek_tools.plugin.loader import load_plugin
from mixpeek_tools.runtime.dataset import LocalDataset
from mixpeek_tools.runtime.engines import LocalEngine, get_engine
from mixpeek_tools.runtime.executor import RunOptions, plan_pipeline, processed_flags, run_frame


def frames() -> list[pd.DataFrame]:
    df = pd.DataFrame({"n": range(7), "word": list("abcdefg")})
    return [df.iloc[:3], df.iloc[3:]]


def test_map_batches_with_numpy_batches_and_a_batch_size() -> None:
    seen: list[int] = []

    def double(batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        seen.append(len(batch["n"]))
        return {"n": batch["n"] * 2, "word": batch["word"]}

    ds = LocalDataset.from_pandas(frames()).map_batches(double, batch_size=4)
    out = ds.to_pandas()
    assert list(out["n"]) == [0, 2, 4, 6, 8, 10, 12]
    assert seen == [4, 3]
    assert list(out.index) == list(range(7))


def test_map_batches_instantiates_a_callable_class_once() -> None:
    created: list[int] = []

    class Upper:
        def __init__(self, suffix: str) -> None:
            created.append(1)
            self.suffix = suffix

        def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
            return batch.assign(word=batch["word"].str.upper() + self.suffix)

    ds = LocalDataset.from_pandas(frames()).map_batches(
        Upper, batch_format="pandas", fn_constructor_args=("!",), concurrency=2
    )
    assert list(ds.to_pandas()["word"]) == [w.upper() + "!" for w in "abcdefg"]
    assert created == [1]


def test_row_operations_keep_input_positions() -> None:
    ds = LocalDataset.from_pandas(frames())
    mapped = ds.map(lambda r: {**r, "n2": r["n"] ** 2}).filter(lambda r: r["n"] % 2 == 0)
    out = mapped.to_pandas()
    assert list(out.index) == [0, 2, 4, 6]
    assert list(out["n2"]) == [0, 4, 16, 36]
    flat = ds.limit(2).flat_map(lambda r: [r, r]).to_pandas()
    assert list(flat.index) == [0, 0, 1, 1]


def test_column_operations_and_consumers() -> None:
    ds = (
        LocalDataset.from_pandas(frames())
        .add_column("len", lambda b: b["word"].str.len())
        .rename_columns({"word": "w"})
        .select_columns(["n", "w", "len"])
        .drop_columns("len")
        .repartition(4)
        .materialize()
    )
    assert ds.columns() == ["n", "w"]
    assert ds.count() == 7
    assert ds.take(2) == [{"n": 0, "w": "a"}, {"n": 1, "w": "b"}]
    assert [len(b) for b in ds.iter_batches(batch_size=5)] == [5, 2]
    assert len(ds.take_all()) == 7
    assert next(ds.iter_rows()) == {"n": 0, "w": "a"}


def test_unsupported_dataset_calls_say_so() -> None:
    with pytest.raises(NotImplementedError, match="row function"):
        LocalDataset.from_pandas(frames()).filter(expr="n > 1")
    with pytest.raises(ValueError, match="batch_format"):
        LocalDataset.from_pandas(frames()).map_batches(lambda b: b, batch_format="arrow2").count()


def test_get_engine_local_and_unknown() -> None:
    assert isinstance(get_engine("local"), LocalEngine)
    with pytest.raises(BadInput, match="unknown engine 'spark'"):
        get_engine("spark")


def test_local_engine_matches_run_frame_and_fills_stats(
    make_plugin: Callable[..., Path],
) -> None:
    plan = plan_pipeline(load_plugin(make_plugin()))
    df = pd.DataFrame({"text": ["a", None, "c"] * 5})
    engine = get_engine("local")
    outputs = list(engine.run(plan, [df.iloc[:7], df.iloc[7:]], RunOptions(batch_size=4)))
    engine.close()
    combined = pd.concat(outputs)
    pd.testing.assert_frame_equal(combined, run_frame(plan, df).frame)
    flags = np.concatenate([processed_flags(o) for o in outputs])
    assert flags.sum() == 10
    assert (engine.stats.rows_in, engine.stats.rows_out) == (15, 15)
    assert engine.stats.steps[0].rows_processed == 10


def test_run_file_runs_rows_in_memory_and_keeps_the_output_frame(
    make_plugin: Callable[..., Path], tmp_path: Path
) -> None:
    """What mixpeek_tools.testing calls: a frame in, no output file, the output frame (with its
    processed flags) and the usual validation and failures in the report."""
    from mixpeek_tools.runtime.executor import RowsFailed
    from mixpeek_tools.runtime.run import RunRequest, run_file

    plugin = make_plugin()
    rows = pd.DataFrame({"text": ["a", "b", "c"]})
    report = run_file(RunRequest(plugin=plugin, input=rows, output=None, params={"suffix": "?"}))
    assert report.frame is not None and report.output == ""
    assert list(report.frame["label"]) == ["a?", "b?", "c?"]
    assert list(report.frame.index) == [0, 1, 2]
    assert list(processed_flags(report.frame)) == [True, True, True]
    assert report.outputs.checked == 3 and not report.outputs.errors
    assert report.stats.rows_in == 3 and report.ok
    limited = run_file(RunRequest(plugin=load_plugin(plugin), input=rows, output=None, limit=2))
    assert limited.frame is not None and len(limited.frame) == 2
    with pytest.raises(RowsFailed) as info:
        run_file(RunRequest(plugin=plugin, input=rows, output=None, params={"fail_on": "b"}))
    assert [f.row for f in info.value.failures] == [2]
    written = [p for p in tmp_path.rglob("*") if p.suffix in (".jsonl", ".json", ".parquet")]
    assert written == []  # no output file anywhere
