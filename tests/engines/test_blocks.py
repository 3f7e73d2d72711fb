"""Step outputs as Arrow blocks: the kit's own conversion of plain columns gives exactly the
table Ray Data's conversion gives, and leaves every other column to Ray's."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ray")


def _ray_conversion(frame: pd.DataFrame) -> object:
    from ray.data.block import BlockAccessor, BlockType

    return BlockAccessor.batch_to_block(frame, block_type=BlockType.ARROW)


PLAIN = {
    "ints": pd.Series([1, 2, 3], dtype="int64"),
    "small": pd.Series([1, 2, 3], dtype="int8"),
    "floats": pd.Series([1.5, np.nan, 3.0]),
    "flags": pd.Series([True, False, True]),
    "when": pd.Series(pd.to_datetime(["2026-01-01", "2026-01-02", None])),
    "text": pd.Series(["a", None, "c"], dtype="str"),
    "python_strings": pd.Series(["a", "b", None], dtype="string[python]"),
    "arrow_ints": pd.Series([1, None, 3], dtype="int64[pyarrow]"),
    "nothing": pd.Series([np.nan, np.nan, np.nan]),
}


@pytest.mark.parametrize("column", sorted(PLAIN))
def test_plain_columns_convert_as_ray_converts_them(column: str) -> None:
    from mixpeek_tools.runtime.engines.ray.blocks import HITS, PROCESSED, ROW, _block

    frame = pd.DataFrame({column: PLAIN[column]})
    rows = np.arange(3, dtype="int64")
    table = _block(frame, rows, np.ones(3, dtype=bool), np.zeros(3, dtype="int64"), {})
    expected = _ray_conversion(frame)
    assert table.column_names == [column, ROW, PROCESSED, HITS]
    assert table.schema.field(column).type == expected.schema.field(column).type
    assert table.column(column).to_pylist() == expected.column(column).to_pylist()
    assert table.column(ROW).to_pylist() == [0, 1, 2]


def test_object_columns_are_left_to_rays_conversion() -> None:
    """Dicts and arrays per row take Ray's own types (structs, tensors), as plain map_batches
    would give them; the kit's fast path steps aside."""
    from mixpeek_tools.runtime.engines.ray.blocks import _block, _plain_table

    frame = pd.DataFrame({"meta": [{"a": 1}, {"a": 2}], "vector": [np.ones(2), np.zeros(2)]})
    rows = np.arange(2, dtype="int64")
    assert _plain_table(frame, list(frame.columns), {"r": rows}) is None
    table = _block(frame, rows, np.ones(2, dtype=bool), np.zeros(2, dtype="int64"), {})
    expected = _ray_conversion(frame)
    for name in frame.columns:
        assert table.schema.field(name).type == expected.schema.field(name).type
