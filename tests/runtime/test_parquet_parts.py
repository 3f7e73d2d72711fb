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
