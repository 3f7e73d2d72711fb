"""A run's Parquet output in one pass when its batches share a schema, merged when they do not.

Batches arrive as Arrow tables, a few thousand rows each. Written one row group per batch, a
200,000-row output costs half again what one pandas ``to_parquet`` does, and spooling every
batch to a side file to rewrite it at the end doubles that. So tables are held until they make
a row group (:data:`ROW_GROUP_ROWS` rows or :data:`ROW_GROUP_BYTES` bytes, which keeps memory
bounded) and written straight into a Parquet *part*; a batch whose schema differs (a step adds
its columns only to batches where it selected rows) starts the next part. One part, the usual
case, simply becomes the output; several are rewritten at the end under the union of their
schemas (types unified, missing columns as nulls), as the writer always did.

Row groups are encoded and written behind the pipeline: a full row group goes to one
background thread (:mod:`.write_behind`; pyarrow encodes without the GIL) while the next
batches are processed, at most :data:`WRITES_WAITING` of them waiting. An output smaller than
one row group never starts the thread and is written at :meth:`ParquetParts.finish`, as before.
Merging parts works the same way: each piece is read and conformed here while the writer thread
encodes the one before.

Why :data:`ROW_GROUP_ROWS` is 131,072 rows (or :data:`ROW_GROUP_BYTES`, 8 MiB of Arrow data,
whichever comes first). Only a full row group can be written while the pipeline runs (the last
one is always written after the last batch), so smaller groups overlap more of the encoding;
but each group restarts pyarrow's dictionary attempt for every column (for a column of unique
strings about 1 MiB of values hashed again per group) and adds a footer entry. On 200,000 short
text rows (``benchmarks/bench_run_process.py``'s output, three columns) encoding one group costs
254M instructions, 131,072-row groups 315M, 65,536-row groups 356M. At 2,000,000 rows the writer
thread had more work than the pipeline with 65,536-row groups and the run was slower than with
131,072 (664 against 531 ms median, in-process); at 200,000 rows both gave the same wall time,
131,072 with 8 ms less CPU. DuckDB's groups are of the same order (122,880 rows). The byte
ceiling keeps a column of images or embeddings to groups of a few MiB, and memory bounded: one
group held, :data:`WRITES_WAITING` queued and one being written, about 32 MiB at most.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from mixpeek_tools.errors import BadInput, EnvironmentFailure
from mixpeek_tools.runtime.write_behind import WriteBehind

ROW_GROUP_ROWS = 1 << 17  # why this size: the module's docstring
ROW_GROUP_BYTES = 8 << 20
WRITES_WAITING = 2  # full row groups queued behind the one being written; then add() waits


class ParquetParts:
    """Arrow tables in, one Parquet file out (:meth:`finish`); parts live in ``folder``."""

    def __init__(self, folder: Path, where: Path) -> None:
        self.folder = folder
        self.where = where  # the output the user named, for error messages
        self.parts: list[Path] = []
        self._writer: Any = None  # the open part's
        self._writers: list[Any] = []  # every part's, closed on failure
        self._schema: Any = None
        self._held: list[Any] = []
        self._held_rows = 0
        self._held_bytes = 0
        self._behind = WriteBehind(WRITES_WAITING, name="mixpeek-parquet-writer")

    def add(self, table: Any) -> None:
        """Queue one batch; a full row group goes to the writer thread. Raises the error an
        earlier row group's write raised."""
        self._behind.check()
        if self._writer is None or not table.schema.equals(self._schema):
            self._start_part(table.schema)
        self._held.append(table)
        self._held_rows += table.num_rows
        self._held_bytes += table.nbytes
        if self._held_rows >= ROW_GROUP_ROWS or self._held_bytes >= ROW_GROUP_BYTES:
            self._behind.submit(self._flush())

    def _flush(self) -> Callable[[], None]:
        """The job that writes the held tables as one row group of the open part."""
        held, writer, where = self._held, self._writer, self.where
        self._held, self._held_rows, self._held_bytes = [], 0, 0

        def write() -> None:
            import pyarrow as pa

            if held:
                table = held[0] if len(held) == 1 else pa.concat_tables(held)
                with _write_errors(where):
                    writer.write_table(table)

        return write

    def _start_part(self, schema: Any) -> None:
        import pyarrow.parquet as pq

        self._close_part()
        part = self.folder / f"part{len(self.parts):05d}.parquet"
        self.parts.append(part)
        with _write_errors(self.where):
            self._writer = pq.ParquetWriter(str(part), schema)
        self._writers.append(self._writer)
        self._schema = schema

    def _close_part(self) -> None:
        """The rest of the open part written and its footer closed, in order behind the
        queued row groups (here, when the writer thread never started)."""
        if self._writer is not None:
            self._behind.run(self._flush())
            writer, where = self._writer, self.where

            def close() -> None:
                with _write_errors(where):
                    writer.close()

            self._behind.run(close)
            self._writer = None

    def finish(self, target: Path) -> None:
        """Write everything to ``target`` (which may exist and is replaced)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._close_part()
        self._behind.drain()  # every part complete; a write's error is raised here
        if not self.parts:
            pq.write_table(pa.table({}), str(target))
        elif len(self.parts) == 1:
            os.replace(self.parts[0], target)
        else:
            self._merge(target)

    def _merge(self, target: Path) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        schemas = [pq.read_schema(part) for part in self.parts]
        try:
            schema = pa.unify_schemas(schemas, promote_options="permissive")
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise BadInput(
                f"batches have columns of incompatible types: {exc}",
                where=str(self.where),
                hint="Make each output column hold one type, or write .jsonl instead",
            ) from None
        with _write_errors(self.where), pq.ParquetWriter(str(target), schema) as writer:
            behind = WriteBehind(WRITES_WAITING, name="mixpeek-parquet-writer")
            try:  # each part read and conformed here while the group before is written behind
                for part in self.parts:
                    for batch in pq.ParquetFile(part).iter_batches(batch_size=ROW_GROUP_ROWS):
                        table = conform(pa.Table.from_batches([batch]), schema, self.where)
                        behind.submit(functools.partial(_write_group, writer, table, self.where))
                behind.drain()
            finally:
                behind.abandon()  # after a failure here or in a write: the thread joined first

    def close(self) -> None:
        """Stop writing and release every part (after a failure; the caller then removes the
        folder, so the writer thread is ended first)."""
        self._behind.abandon()
        for writer in self._writers:
            with contextlib.suppress(Exception):
                writer.close()
        self._writers, self._writer = [], None


def _write_group(writer: Any, table: Any, where: Path) -> None:
    with _write_errors(where):
        writer.write_table(table)


@contextlib.contextmanager
def _write_errors(where: Path) -> Iterator[None]:
    """A failed write of the output (disk full, no permission) as the kit's environment error."""
    try:
        yield
    except OSError as err:
        raise EnvironmentFailure(f"cannot write the output: {err}", where=str(where)) from None


class ArrowTables:
    """pandas batches to Arrow tables, equal to ``Table.from_pandas(df, preserve_index=False)``.

    ``from_pandas`` costs about 0.2 ms a batch whatever its size (a 200,000-row run of 4,096-row
    batches: 55M instructions, more than the output check), nearly all of it building a pandas
    Series per column and the schema's pandas metadata. The metadata depends only on the column
    names, their pandas dtypes and the Arrow types, which a run's batches almost always share.
    So the first batch goes through ``from_pandas`` and its schema is kept; a later batch with
    the same names and dtypes has each column array converted by the very call ``from_pandas``
    makes per column (``pa.array(values, from_pandas=True)``), taken straight from the frame
    without a Series, and, when every resulting type equals the kept schema's, becomes a table of
    that schema (the same bytes written). Anything else (other columns, dtypes or inferred
    types, a conversion error, a pandas without ``DataFrame._iter_column_arrays``) goes through
    ``from_pandas`` as before, with its errors.
    """

    def __init__(self) -> None:
        self._signature: tuple[Any, ...] | None = None
        self._schema: Any = None

    def table(self, df: Any) -> Any:
        import pyarrow as pa

        arrays = _column_arrays(df)
        signature = _signature(df, arrays)
        if arrays is not None and signature == self._signature:
            table = _of_schema(arrays, self._schema)
            if table is not None:
                return table
        if df.attrs:
            # attrs carry the runtime's bookkeeping (which rows each step processed); it is not
            # data and pyarrow would warn on every batch trying to store it as metadata.
            df = df.copy(deep=False)
            df.attrs = {}
        # One thread: for a batch of a few thousand rows pyarrow's thread pool costs more than
        # the conversion itself.
        table = pa.Table.from_pandas(df, preserve_index=False, nthreads=1)
        self._signature, self._schema = signature, table.schema
        return table


def _column_arrays(df: Any) -> list[Any] | None:
    """Each column's values (numpy array or pandas extension array), no Series built."""
    columns = getattr(df, "_iter_column_arrays", None)
    return list(columns()) if callable(columns) else None


def _signature(df: Any, arrays: list[Any] | None) -> tuple[Any, ...] | None:
    """What ``from_pandas``'s metadata depends on besides the Arrow types."""
    if arrays is None:
        return None
    columns = df.columns
    dtypes = tuple(a.dtype for a in arrays)
    return (type(columns), columns.dtype, tuple(columns.names), tuple(columns), dtypes)


def _of_schema(arrays: list[Any], schema: Any) -> Any:
    """The columns as a table of ``schema`` when each converts to its field's type, else None."""
    import pyarrow as pa

    try:
        converted = [pa.array(values, from_pandas=True) for values in arrays]
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, TypeError, ValueError):
        return None  # from_pandas raises its own message for it
    if any(a.type != f.type for a, f in zip(converted, schema, strict=True)):
        return None
    return pa.Table.from_arrays(converted, schema=schema)


def conform(table: Any, schema: Any, path: Path) -> Any:
    """``table`` with exactly ``schema``'s columns: missing ones as nulls, types cast."""
    import pyarrow as pa

    columns = []
    for field in schema:
        if field.name in table.column_names:
            column = table.column(field.name)
            try:
                columns.append(column.cast(field.type) if column.type != field.type else column)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
                raise BadInput(
                    f"column '{field.name}' changes type between batches: {exc}",
                    where=str(path),
                    hint="Make the column hold one type, or write .jsonl instead",
                ) from None
        else:
            columns.append(pa.nulls(len(table), field.type))
    return pa.Table.from_arrays(columns, schema=schema)


__all__ = [
    "ROW_GROUP_BYTES",
    "ROW_GROUP_ROWS",
    "WRITES_WAITING",
    "ArrowTables",
    "ParquetParts",
    "conform",
]
