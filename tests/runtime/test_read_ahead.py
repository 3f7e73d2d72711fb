"""Parquet input decoded one piece ahead in a background thread: same frames in the same order,
a decode error raised where it happened as the reader's BadInput, the thread joined however the
loop is left, at most one piece ahead. Real files; the corrupt one is corrupted for real."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mixpeek_tools.errors import BadInput
from mixpeek_tools.runtime import io
from mixpeek_tools.runtime.read_ahead import read_ahead

READER = "mixpeek-parquet-reader"


def _readers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == READER and t.is_alive()]


@pytest.fixture
def pieces_of_1000(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(io, "READ_ROWS", 1000)


def _file(path: Path, rows: int = 10_000) -> pa.Table:
    table = pa.table({"n": list(range(rows)), "text": [f"row {i} " * 5 for i in range(rows)]})
    pq.write_table(table, path, row_group_size=1000)
    return table


def test_frames_read_ahead_are_the_file_in_order(tmp_path: Path, pieces_of_1000: None) -> None:
    table = _file(tmp_path / "in.parquet")
    frames = io.iter_frames(tmp_path / "in.parquet", 250)
    first = next(frames)
    assert len(_readers()) == 1  # the next piece is being decoded behind this one
    rest = list(frames)
    assert _readers() == []
    back = pd.concat([first, *rest])
    assert [len(f) for f in [first, *rest]] == [250] * 40  # ten pieces of 1000, sliced
    assert back.index.tolist() == list(range(10_000))
    assert back.equals(table.to_pandas())


def test_a_file_of_one_piece_is_read_without_a_thread(tmp_path: Path) -> None:
    _file(tmp_path / "in.parquet", rows=500)
    frames = io.iter_frames(tmp_path / "in.parquet", 100)
    next(frames)
    assert _readers() == []
    assert sum(len(f) for f in frames) == 400


def test_leaving_the_loop_early_joins_the_reader(tmp_path: Path, pieces_of_1000: None) -> None:
    _file(tmp_path / "in.parquet")
    frames = io.iter_frames(tmp_path / "in.parquet", 1000)
    for _ in range(2):
        next(frames)
    assert len(_readers()) == 1
    frames.close()
    assert _readers() == []


def test_a_corrupt_piece_raises_the_readers_error_after_the_good_ones(
    tmp_path: Path, pieces_of_1000: None
) -> None:
    path = tmp_path / "in.parquet"
    _file(path)
    column = pq.ParquetFile(path).metadata.row_group(6).column(1)
    data = bytearray(path.read_bytes())
    data[column.data_page_offset + 40 : column.data_page_offset + 240] = bytes(200)
    path.write_bytes(data)  # the seventh row group's text pages no longer decompress
    rows = 0
    with pytest.raises(BadInput, match="cannot read Parquet: Corrupt snappy") as caught:
        for df in io.iter_frames(path, 500):
            rows += len(df)
    assert rows == 6000 and str(path) in str(caught.value)
    assert _readers() == []


def test_read_ahead_stays_at_most_one_item_ahead() -> None:
    made: list[int] = []

    def items() -> Iterator[int]:
        for i in range(20):
            made.append(i)
            yield i

    ahead = []
    for i in read_ahead(items(), depth=1, name="test-read-ahead"):
        time.sleep(0.005)  # the consumer is the slow side: the producer waits for it
        ahead.append(len(made) - (i + 1))
    assert max(ahead) <= 2  # one queued, one made and waiting to be queued
    assert max(ahead) >= 1  # and it did read ahead
    assert "test-read-ahead" not in {t.name for t in threading.enumerate()}


def test_an_error_in_the_iterator_reaches_the_caller_at_its_place() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise OSError("the disk went away")

    got = []
    with pytest.raises(OSError, match="the disk went away"):
        for i in read_ahead(items(), name="test-read-ahead"):
            got.append(i)
    assert got == [1, 2]
    assert "test-read-ahead" not in {t.name for t in threading.enumerate()}


def test_a_closed_read_ahead_starts_no_new_item_and_closes_the_iterator() -> None:
    made: list[int] = []
    closed: list[bool] = []

    def items() -> Iterator[int]:
        try:
            for i in range(1000):
                made.append(i)
                yield i
        finally:
            closed.append(True)

    reader = read_ahead(items(), name="test-read-ahead")
    assert next(reader) == 0
    reader.close()
    count = len(made)
    assert count <= 3 and closed == [True]
    assert "test-read-ahead" not in {t.name for t in threading.enumerate()}
