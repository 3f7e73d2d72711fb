"""Blocks and helper columns: how rows travel between the driver and the step actors.

See the package docstring for why input batches travel as Arrow or pandas blocks and step
outputs as Arrow, and what each helper column carries.
"""

from __future__ import annotations

from typing import Any

# =========================================================================== the engine

PREFIX = "__mixpeek_"
ROW = "__mixpeek_row__"  # 0-based input row number
PROCESSED = "__mixpeek_processed__"  # some step selected the row (executor's processed flags)
HITS = "__mixpeek_hits__"  # bit i set: step i processed the row (for per-step counts)
SECONDS = "__mixpeek_seconds_{}__"  # seconds step i spent on one batch, on that batch's first row
FEED_DEPTH = 8  # input blocks the driver may put ahead of Ray
MIN_BLOCK_BYTES = 1 << 20  # smallest target block size (see Feed.block_bytes)
OUTPUT_BLOCK_BYTES = 8 << 20  # target output block size when the first step reads its input
HIT_BITS = 62  # steps past this many are not counted per step (int64 bitmask)
POLL_SECONDS = 0.5  # how often the feeder re-checks that the run is still wanted


def _seconds_column(index: int) -> str:
    return SECONDS.format(index)


def _is_helper(name: Any) -> bool:
    return isinstance(name, str) and name.startswith(PREFIX)


def _bit(index: int) -> int:
    return (1 << index) if index < HIT_BITS else 0


def _is_seconds(name: Any) -> bool:
    return _is_helper(name) and str(name).startswith(PREFIX + "seconds_")


def _seconds_index(name: str) -> int:
    return int(name[len(PREFIX + "seconds_") : -2])


def _floats(series: Any) -> Any:
    import numpy as np

    return np.asarray(series.to_numpy(dtype="float64", na_value=np.nan))


def _lost_row_numbers() -> Exception:
    """A ``prepare`` that dropped the helper columns: the rows can no longer be numbered."""
    from mixpeek_tools.errors import BadInput

    return BadInput(
        f"the dataset lost the kit's row-number column {ROW}",
        where="pipeline.py: prepare",
        hint="Keep every column whose name starts with __mixpeek_ when prepare selects or "
        "drops columns (they carry row numbers for error messages)",
    )


def helper_columns(batch: Any) -> tuple[Any, Any, Any, dict[str, Any]]:
    """A block's helper columns, read from either block format: row numbers, step bits,
    processed flags, and the earlier steps' seconds (by column name)."""
    import pandas as pd

    if isinstance(batch, pd.DataFrame):
        if ROW not in batch.columns:
            raise _lost_row_numbers()
        names = list(batch.columns)
        rows, hits = _int_column(batch, ROW), _int_column(batch, HITS)
        flags = _int_column(batch, PROCESSED).astype(bool)
        timings = {c: _floats(batch[c]) for c in names if _is_seconds(c)}
        return rows, hits, flags, timings
    rows, hits = _arrow_ints(batch, ROW), _arrow_ints(batch, HITS)
    flags = _arrow_ints(batch, PROCESSED).astype(bool)
    timings = {c: _arrow_floats(batch, c) for c in batch.column_names if _is_seconds(c)}
    return rows, hits, flags, timings


def _int_column(df: Any, name: str) -> Any:
    import numpy as np

    if name not in df.columns:
        return np.zeros(len(df), dtype="int64")
    column = df[name]
    if column.dtype != "int64":  # blocks without the column were joined with ones with it
        return column.fillna(0).to_numpy(dtype="int64")
    return column.to_numpy()


def _data_frame(batch: Any, index: Any) -> Any:
    """The block without helper columns, as a pandas frame the way the local engine holds it
    (pandas columns shared, not copied; Arrow columns converted by :func:`_column`).

    Built column by column: cheaper than ``drop``/``take`` on pandas 3, and safe with any
    column layout.
    """
    import pandas as pd

    if not isinstance(batch, pd.DataFrame):  # an Arrow block
        names = [name for name in batch.column_names if not _is_helper(name)]
        return pd.DataFrame({name: _column(batch, name) for name in names}, index=index)
    if batch.columns.has_duplicates:
        frame = batch.drop(columns=[c for c in batch.columns if _is_helper(c)])
        frame.index = index
        return frame
    names = [name for name in batch.columns if not _is_helper(name)]
    return pd.DataFrame({name: batch[name].array for name in names}, index=index, copy=False)


def _arrow_floats(table: Any, name: str) -> Any:
    import numpy as np

    return np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype="float64")


def _arrow_ints(table: Any, name: str) -> Any:
    import numpy as np
    import pyarrow as pa

    if name not in table.column_names:
        if name == ROW:
            raise _lost_row_numbers()
        return np.zeros(table.num_rows, dtype="int64")
    column = table.column(name)
    if column.type != pa.int64():  # the processed flags (bool); or joined with missing ones
        column = column.cast(pa.int64())
    return column.fill_null(0).to_numpy(zero_copy_only=False)


def _labels(frame: Any) -> Any:
    import numpy as np

    try:
        return np.asarray(frame.index, dtype="int64")
    except (TypeError, ValueError):  # a service that gave its output another index
        return np.arange(len(frame), dtype="int64") - len(frame) - 1


def _lookup(keys: Any, values: Any, wanted: Any) -> Any:
    """``values`` of ``wanted`` keys (first match; 0 where absent), without a pandas reindex
    (which refuses the repeated labels a ``flat_map`` in prepare makes)."""
    import numpy as np

    if len(keys) == 0 or len(wanted) == 0:
        return np.zeros(len(wanted), dtype="int64")
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    at = np.minimum(np.searchsorted(ordered, wanted), len(keys) - 1)
    return np.where(ordered[at] == wanted, values[order][at], 0).astype("int64")


def _count_bit(hits: Any, index: int) -> int:
    import numpy as np

    bit = _bit(index)
    return int(np.count_nonzero(hits & bit)) if bit else 0


def _block(
    out: Any, rows: Any, processed: Any, hits: Any, extra: dict[str, Any], *, arrow: bool = True
) -> Any:
    """A block: the step's frame plus helper columns. Arrow unless asked for pandas or Ray cannot
    convert the step's columns (then Ray's own fallbacks apply, as for any pandas batch); the
    pandas block is built in one constructor call (adding columns one by one costs several times
    more on pandas 3)."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    helpers: dict[str, Any] = {
        ROW: np.asarray(rows, dtype="int64"),
        PROCESSED: np.asarray(processed, dtype=bool),
        HITS: np.asarray(hits, dtype="int64"),
        **extra,
    }
    names = [c for c in out.columns if not _is_helper(c)]
    if out.columns.has_duplicates or len(names) != len(out.columns):
        block = out.drop(columns=[c for c in out.columns if _is_helper(c)]).reset_index(drop=True)
        for name, values in helpers.items():
            block[name] = values
        return block
    columns = {name: out[name].array for name in names}
    if arrow:
        table = _plain_table(out, names, helpers)
        if table is None:
            table = _arrow_block(pd.DataFrame(columns, copy=False))
            for name, values in helpers.items() if table is not None else ():
                table = table.append_column(name, pa.array(values))
        if table is not None:
            return table
    columns.update(helpers)
    return pd.DataFrame(columns, copy=False)


def _plain_table(out: Any, names: list[str], helpers: dict[str, Any]) -> Any:
    """The step's columns and the helpers as one Arrow table, when every step column is a plain
    one (numbers, booleans, dates, strings); None otherwise, for Ray's own conversion.

    Column by column as ``Table.from_pandas`` converts them (``pa.array(..., from_pandas=True)``),
    and a column with no value as Arrow's null type, as Ray Data does: the same table as Ray's
    conversion at a third of its cost per batch, most of which goes to checks that only object
    columns need.
    """
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    arrays = []
    for name in names:
        series = out[name]
        dtype = series.dtype
        if isinstance(dtype, np.dtype) and dtype.kind in "biufM":
            values = series.to_numpy()
        elif isinstance(dtype, (pd.StringDtype, pd.ArrowDtype)):
            values = series.array
        else:
            return None
        try:
            array = pa.array(values, from_pandas=True)
        except (pa.ArrowException, ValueError, TypeError):
            return None
        if len(array) and array.null_count == len(array):
            array = pa.nulls(len(array))
        arrays.append(array)
    arrays.extend(pa.array(values) for values in helpers.values())
    return pa.Table.from_arrays(arrays, names=[*names, *helpers])


def _arrow_block(data: Any) -> Any:
    """The step's columns as Ray would convert them; None when Arrow cannot hold them."""
    from ray.data.block import BlockAccessor, BlockType

    try:
        return BlockAccessor.batch_to_block(data, block_type=BlockType.ARROW)
    except Exception:
        return None


def _input_block(df: Any) -> Any:
    """A reader batch as a Ray block: its columns plus the row numbers and empty flags."""
    import numpy as np

    rows = np.asarray(df.index, dtype="int64")
    empty = np.zeros(len(df), dtype="int64")
    return _block(df, rows, empty.astype(bool), empty, {}, arrow=_round_trips(df))


def _round_trips(df: Any) -> bool:
    """Whether the batch comes back from Arrow as the same frame (the first step must see what
    it sees on the local engine): numpy numbers, booleans and dates and pandas strings do;
    Python objects (dicts, lists, mixed values) and pandas' nullable types (``Int64`` would come
    back as objects) may not, so such batches travel as pandas blocks."""
    import numpy as np
    import pandas as pd

    return all(
        isinstance(dtype, pd.StringDtype) or (isinstance(dtype, np.dtype) and dtype.kind in "biufM")
        for dtype in df.dtypes
    )


def _frame_groups(frames: Any, target_bytes: float, row_bytes: float = 0.0) -> Any:
    """Reader batches in groups of about ``target_bytes`` (empty batches dropped), for
    :func:`_group_block`: the driver's feed and the read tasks group alike. ``row_bytes``: the
    size of a row, else taken from the first batch with strings counted (a shallow count sees
    only pointers)."""
    group: list[Any] = []
    held = 0.0
    for df in frames:
        if not len(df):
            continue
        if not row_bytes:
            row_bytes = max(1.0, float(df.memory_usage(deep=True).sum()) / len(df))
        group.append(df)
        held += row_bytes * len(df)
        if held >= target_bytes:
            yield group
            group, held = [], 0.0
    if group:
        yield group


def _group_block(frames: list[Any]) -> Any:
    """Reader batches as one Ray block: joined (row numbers kept), plus the helper columns.

    Ray Data would join a read task's small blocks into one anyway; joining them here, before
    the put, makes one put, one helper-column build and one block sizing per block instead of
    one per batch.
    """
    import pandas as pd

    return _input_block(frames[0] if len(frames) == 1 else pd.concat(frames))


def _column(table: Any, name: str) -> Any:
    """One Arrow column as pandas values the way the local engine holds them: nested values
    (lists, structs, maps) as Python objects, integers with gaps as ``Int64``, the rest vectorised."""
    import pyarrow as pa

    column = table.column(name)
    kind = column.type
    nested = pa.types.is_nested(kind) or pa.types.is_dictionary(kind)
    if nested:
        return column.to_pylist()
    if pa.types.is_integer(kind) and column.null_count:  # as the local engine: nullable Int64
        import pandas as pd

        return pd.array(column.to_pylist(), dtype="UInt64" if pa.types.is_unsigned_integer(kind)
                        else "Int64")  # fmt: skip
    if isinstance(kind, pa.ExtensionType):
        return _plain_objects(column)
    return column.to_pandas().array  # values only: the caller gives the frame its index


def _plain_objects(column: Any) -> Any:
    """A column of Ray's own Arrow types (tensors, pickled Python objects) as the object array
    the local engine holds: one numpy array or Python value per row. Ray's pandas forms
    (``TensorArray`` elements, ``PythonObjectArray``) are neither what the step wrote nor
    something pandas can concatenate with plain columns."""
    import numpy as np

    plain = np.empty(len(column), dtype=object)
    position = 0
    for chunk in column.chunks:
        try:
            values = chunk.to_numpy(zero_copy_only=False)  # tensors: one array, rows first
        except Exception:  # an extension type without a numpy form
            values = chunk.to_pandas()
        for value in values:  # row by row: a row's array stays an array
            plain[position] = value
            position += 1
    return plain
