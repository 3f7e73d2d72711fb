"""Parquet output in large row groups, one part per schema, merged only when schemas differ."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from mixpeek_tools.runtime import parquet_parts
from mixpeek_tools.runtime.writers import write_frames


def _batches(n: int, start: int = 0) -> list[pd.DataFrame]:
    return [
        pd.DataFrame({"n": [i], "text": [f"row {i}"]}, index=[i]) for i in range(start, start + n)
    ]


def test_batches_of_one_schema_become_row_groups_of_the_held_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parquet_parts, "ROW_GROUP_ROWS", 2)
    path = tmp_path / "out.parquet"
    assert write_frames(path, _batches(5)) == 5
    meta = pq.ParquetFile(path).metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [2, 2, 1]
    assert pd.read_parquet(path)["n"].tolist() == [0, 1, 2, 3, 4]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.parquet"]


def test_a_new_schema_starts_a_part_and_the_parts_are_merged_in_order(tmp_path: Path) -> None:
    path = tmp_path / "out.parquet"
    later = [df.assign(score=0.5) for df in _batches(2, start=3)]
    write_frames(path, [*_batches(3), *later, *_batches(1, start=5)])
    back = pd.read_parquet(path)
    assert back["n"].tolist() == [0, 1, 2, 3, 4, 5]
    assert back["score"].isna().tolist() == [True, True, True, False, False, True]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.parquet"]


def _kinds(i: int) -> pd.DataFrame:
    """Two rows of many column kinds; ``i`` varies the values and, for ``odd``, the Arrow type."""
    import numpy as np

    return pd.DataFrame(
        {
            "text": [f"a{i}", None],
            "n": np.array([i, i + 1], dtype="int64"),
            "x": [0.5 * i, float("nan")],
            "flag": [True, i % 2 == 0],
            "maybe": pd.array([i, None], dtype="Int64"),
            "cat": pd.Categorical(["u", "v"], categories=["u", "v", "w"]),
            "when": pd.to_datetime(["2026-01-01", "2026-01-02"]).tz_localize("UTC"),
            "naive": pd.to_datetime(["2026-01-01", "2026-01-02"]),
            "tags": [[i, i + 1], []],
            "obj": [{"k": i}, {"k": None}],
            "blob": [b"\x00\x01", b""],
            # always an object column, but its Arrow type changes: null, list<int64>, struct
            "odd": [None, None] if i == 2 else ([[1], [2]] if i == 3 else [{"a": i}, None]),
        },
        index=[2 * i, 2 * i + 1],
    )


def test_arrow_tables_equal_from_pandas_in_types_values_and_metadata(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The kept-schema path builds exactly what ``Table.from_pandas`` builds, batch after batch,
    including the pandas metadata written to the file; a batch whose inferred types differ
    (``odd``: null, then list, then struct again) gets its own schema, as from_pandas does."""
    import pyarrow as pa

    kept: list[bool] = []
    of_schema = parquet_parts._of_schema

    def spy(arrays: list[object], schema: pa.Schema) -> pa.Table | None:
        table = of_schema(arrays, schema)
        kept.append(table is not None)
        return table

    monkeypatch.setattr(parquet_parts, "_of_schema", spy)
    tables = parquet_parts.ArrowTables()
    for i in range(6):
        df = _kinds(i)
        df.attrs["bookkeeping"] = object()  # not data: left out, as before
        plain = df.copy(deep=False)
        plain.attrs = {}
        expected = pa.Table.from_pandas(plain, preserve_index=False)
        made = tables.table(df)
        assert made.equals(expected), i
        assert made.schema.equals(expected.schema, check_metadata=True), i
        assert df.attrs  # the caller's frame is untouched
    assert kept == [True, False, False, False, True]  # batches 1 and 5 took the kept schema


def test_a_batch_with_other_columns_or_dtypes_is_converted_afresh() -> None:
    tables = parquet_parts.ArrowTables()
    first = tables.table(pd.DataFrame({"a": [1], "b": ["x"]}))
    renamed = tables.table(pd.DataFrame({"a": [1], "c": ["x"]}))
    floats = tables.table(pd.DataFrame({"a": [1.5], "c": ["x"]}))
    assert first.column_names == ["a", "b"] and renamed.column_names == ["a", "c"]
    assert str(floats.schema.field("a").type) == "double"
    assert b'"float64"' in floats.schema.metadata[b"pandas"]


def test_a_batch_pyarrow_cannot_convert_raises_the_writers_message(tmp_path: Path) -> None:
    from mixpeek_tools.errors import BadInput

    good = pd.DataFrame({"mixed": [1, 2]}, dtype=object)
    bad = pd.DataFrame({"mixed": [1, "b"]}, dtype=object)  # int and str in one object column
    with pytest.raises(BadInput, match="cannot convert this batch to Parquet"):
        write_frames(tmp_path / "out.parquet", [good, bad])
    assert not (tmp_path / "out.parquet").exists()


def test_the_written_file_is_byte_for_byte_what_from_pandas_batches_give(tmp_path: Path) -> None:
    import pyarrow as pa

    batches = [
        pd.DataFrame({"text": [f"t{i}"] * 50, "n": range(i, i + 50)}, index=range(i, i + 50))
        for i in range(0, 500, 50)
    ]
    write_frames(tmp_path / "kit.parquet", batches)
    tables = [pa.Table.from_pandas(b, preserve_index=False) for b in batches]
    pq.write_table(pa.concat_tables(tables), tmp_path / "reference.parquet")
    assert (tmp_path / "kit.parquet").read_bytes() == (tmp_path / "reference.parquet").read_bytes()
