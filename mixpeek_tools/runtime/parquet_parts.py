"""A run's Parquet output in one pass when its batches share a schema, merged when they do not.

Batches arrive as Arrow tables, a few thousand rows each. Written one row group per batch, a
200,000-row output costs half again what one pandas ``to_parquet`` does, and spooling every
batch to a side file to rewrite it at the end doubles that. So tables are held until they make
a large row group (:data:`ROW_GROUP_ROWS` rows or :data:`ROW_GROUP_BYTES` bytes, which keeps
memory bounded) and written straight into a Parquet *part*; a batch whose schema differs (a
step adds its columns only to batches where it selected rows) starts the next part. One part,
the usual case, simply becomes the output; several are rewritten at the end under the union of
their schemas (types unified, missing columns as nulls), as the writer always did.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from mixpeek_tools.errors import BadInput

ROW_GROUP_ROWS = 1 << 20  # pyarrow's own default row-group ceiling
ROW_GROUP_BYTES = 16 << 20  # enough for ~250,000 short rows; memory stays bounded by it


class ParquetParts:
    """Arrow tables in, one Parquet file out (:meth:`finish`); parts live in ``folder``."""

    def __init__(self, folder: Path, where: Path) -> None:
        self.folder = folder
        self.where = where  # the output the user named, for error messages
        self.parts: list[Path] = []
        self._writer: Any = None
        self._held: list[Any] = []
        self._held_rows = 0
        self._held_bytes = 0

    def add(self, table: Any) -> None:
        """Queue one batch; writes a row group once enough rows are held."""
        if self._writer is None or not table.schema.equals(self._writer.schema):
            self._start_part(table.schema)
        self._held.append(table)
        self._held_rows += table.num_rows
        self._held_bytes += table.nbytes
        if self._held_rows >= ROW_GROUP_ROWS or self._held_bytes >= ROW_GROUP_BYTES:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self._held:
            table = self._held[0] if len(self._held) == 1 else pa.concat_tables(self._held)
            self._writer.write_table(table)
        self._held, self._held_rows, self._held_bytes = [], 0, 0

    def _start_part(self, schema: Any) -> None:
        import pyarrow.parquet as pq

        self._close_part()
        part = self.folder / f"part{len(self.parts):05d}.parquet"
        self.parts.append(part)
        self._writer = pq.ParquetWriter(str(part), schema)

    def _close_part(self) -> None:
        if self._writer is not None:
            self._flush()
            self._writer.close()
            self._writer = None

    def finish(self, target: Path) -> None:
        """Write everything to ``target`` (which may exist and is replaced)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._close_part()
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
        with pq.ParquetWriter(str(target), schema) as writer:
            for part in self.parts:
                for batch in pq.ParquetFile(part).iter_batches(batch_size=ROW_GROUP_ROWS):
                    table = pa.Table.from_batches([batch])
                    writer.write_table(conform(table, schema, self.where))

    def close(self) -> None:
        """Release the open part (after a failure; the caller removes the folder)."""
        with contextlib.suppress(Exception):
            if self._writer is not None:
                self._writer.close()
        self._writer = None


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


__all__ = ["ROW_GROUP_BYTES", "ROW_GROUP_ROWS", "ParquetParts", "conform"]
