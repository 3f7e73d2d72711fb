"""Reading object-store inputs in Ray tasks, next to the data, instead of in the driver.

Parquet: the driver reads only the footer; each read task takes a run of row groups, opens the
object with its own S3 client and yields blocks, numbering rows from the row groups' known
offsets, so failures name the same input rows as on the local engine (one task per
``BYTES_PER_READ_TASK``, at most two per CPU: see :func:`read_layout`). JSON Lines: one read
task per object streams it with the kit's own reader (same line errors). Both build blocks with
the feed's own code (:func:`~.blocks._group_block`), so the first step sees exactly what it sees
from the driver's reader. Ray Data's ``read_parquet`` yields no row positions, which the kit's
row-numbered failures and ``preserve_order`` bookkeeping need; these tasks are Ray Data read
tasks all the same (parallel, streamed, back-pressured).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from mixpeek_tools.runtime.engines.ray.blocks import MIN_BLOCK_BYTES, _frame_groups, _group_block

ROW_GROUPS_PER_TASK_MIN = 1
# A read task costs a worker process (about a second of CPU to start, in Ray's pool or not)
# while reading a row group costs milliseconds: one task per this many bytes of (uncompressed)
# Parquet, so a small object is one streamed task, not one process per CPU.
BYTES_PER_READ_TASK = 64 << 20
JSONL_BLOCK_BYTES = 8 << 20  # JSON Lines has no footer to size blocks from


@dataclass
class ReadLayout:
    """How the tasks read one object: the block size, the tasks' row groups and offsets
    (Parquet), and its columns when the footer names them (None: known only once read)."""

    target: int
    groups: list[list[int]] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)
    columns: list[str] | None = None
    counts: list[int] = field(default_factory=list)  # rows per row group (Parquet)


def read_layout(source: Any, size: int, cpus: int, default_target: int) -> ReadLayout:
    """The layout of ``source`` for a cluster of ``cpus`` CPUs; the driver reads only the footer.

    Blocks of about two batches (at least 1 MiB, as the driver's feed makes them): enough rows
    per block to keep Ray's per-block costs small, and enough blocks that every actor of the
    first step has work from the start (a 300,000-row block per task left one actor idle while
    the other finished the last block).
    """
    if source.kind != "parquet":
        return ReadLayout(min(default_target, JSONL_BLOCK_BYTES))
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(source.file().open_binary()).metadata
    counts = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    sizes = [meta.row_group(i).total_byte_size for i in range(meta.num_row_groups)]
    rows = sum(counts)
    row_bytes = sum(sizes) / rows if rows else 0.0
    wanted = rows if source.limit is None else min(rows, source.limit)
    tasks = -(-int(row_bytes * wanted) // BYTES_PER_READ_TASK)
    target = min(default_target, max(MIN_BLOCK_BYTES, int(2 * row_bytes * size)))
    layout = ReadLayout(target, columns=list(meta.schema.to_arrow_schema().names), counts=counts)
    _split_groups(layout, counts, max(1, min(tasks, 2 * cpus)), source.limit)
    return layout


def _split_groups(layout: ReadLayout, counts: list[int], tasks: int, limit: int | None) -> None:
    """About ``tasks`` runs of consecutive row groups, each with its first row's offset."""
    per_task = max(ROW_GROUPS_PER_TASK_MIN, -(-len(counts) // tasks))
    offset = 0
    for first in range(0, len(counts), per_task):
        if limit is not None and offset >= limit:
            break
        groups = list(range(first, min(first + per_task, len(counts))))
        layout.groups.append(groups)
        layout.offsets.append(offset)
        offset += sum(counts[g] for g in groups)


def _blocks(frames: Iterator[Any], target_bytes: int, hub: Any) -> Iterator[Any]:
    """Frames joined into blocks of about ``target_bytes``; rows read are counted on the hub."""
    import ray

    rows = 0
    for group in _frame_groups(frames, target_bytes):
        rows += sum(len(df) for df in group)
        yield _group_block(group)
    if hub is not None:
        ray.get(hub.count.remote(rows))


def _plain_arrow(table: Any) -> bool:
    """Whether the actors' Arrow-to-pandas conversion gives exactly what the local reader's
    ``to_pandas`` gives (strings, floats, booleans, integers without gaps): then the read task
    hands Ray the Arrow batch as it is, with no pandas round trip."""
    import pyarrow as pa

    for column in table.columns:
        kind = column.type
        if pa.types.is_integer(kind) and column.null_count == 0:
            continue
        if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)
                or pa.types.is_floating(kind) or pa.types.is_boolean(kind)):  # fmt: skip
            return False
    return True


def _arrow_block(tables: list[Any], start: int) -> Any:
    """Arrow batches as one input block: joined, plus the helper columns the feed would add."""
    import numpy as np
    import pyarrow as pa

    from mixpeek_tools.runtime.engines.ray.blocks import HITS, PROCESSED, ROW

    table = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
    count = table.num_rows
    table = table.append_column(ROW, pa.array(np.arange(start, start + count, dtype="int64")))
    table = table.append_column(PROCESSED, pa.array(np.zeros(count, dtype=bool)))
    return table.append_column(HITS, pa.array(np.zeros(count, dtype="int64")))


def _parquet_task(
    source: Any, groups: list[int], offset: int, stop: int | None, size: int, target: int, hub: Any
) -> Iterator[Any]:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    def tables() -> Iterator[Any]:
        start = offset
        handle = pq.ParquetFile(source.file().open_binary())
        for batch in handle.iter_batches(batch_size=size, row_groups=groups):
            table = pa.Table.from_batches([batch])
            if stop is not None and start + table.num_rows > stop:
                table = table.slice(0, max(0, stop - start))
            yield start, table
            start += table.num_rows
            if stop is not None and start >= stop:
                return

    def frames(items: Iterator[Any]) -> Iterator[Any]:
        for start, table in items:
            df = table.to_pandas()
            df.index = pd.RangeIndex(start, start + len(df))
            yield df

    items = tables()
    first = next(items, None)
    if first is None:
        return
    if not _plain_arrow(first[1]):  # nested or gappy columns: exactly the driver's pandas path
        yield from _blocks(frames(_chain(first, items)), target, hub)
        return
    yield from _arrow_blocks(_chain(first, items), target, hub)


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


def _arrow_blocks(items: Iterator[Any], target_bytes: int, hub: Any) -> Iterator[Any]:
    import ray

    group: list[Any] = []
    start = held = rows = 0
    for offset, table in items:
        if not table.num_rows:
            continue
        if not group:
            start = offset
        group.append(table)
        rows += table.num_rows
        held += table.nbytes
        if held >= target_bytes:
            yield _arrow_block(group, start)
            group, held = [], 0
    if group:
        yield _arrow_block(group, start)
    if hub is not None:
        ray.get(hub.count.remote(rows))


def _jsonl_task(source: Any, size: int, target: int, hub: Any) -> Iterator[Any]:
    from mixpeek_tools.runtime.io import iter_frames

    frames = iter_frames(source.file(), size, limit=source.limit, resolve_files=False)
    yield from _blocks(frames, target, hub)


@dataclass
class ActorReads:
    """Runs of row groups that the first step's actors read themselves (see :func:`actor_reads`)."""

    source: Any
    groups: list[list[int]]
    offsets: list[int]
    size: int  # rows per batch: the first step's batch size

    def blocks(self, run: int, hub: Any) -> Iterator[Any]:
        """Run ``run`` as input blocks of one batch each, helper columns included."""
        return _parquet_task(
            self.source, self.groups[run], self.offsets[run], self.source.limit, self.size, 0, hub
        )


def actor_reads(source: Any, layout: ReadLayout, actors: int, size: int) -> ActorReads | None:
    """The Parquet object as runs of row groups for ``actors`` actors that read it themselves,
    two runs per actor so the last run does not leave an actor idle long; None when the object
    has fewer row groups than actors (the separate read tasks then feed every actor).

    Reading in the first step's actors is what Ray Data's operator fusion does for a read
    followed by a map of compatible resources (which it does not do here: the steps set a batch
    size and ``max_restarts``). It saves the read tasks' worker processes, which on a small
    machine start after the actors and hold back the first batch, and the object store round
    trip of every input block.
    """
    if source.kind != "parquet" or len(layout.counts) < max(1, actors):
        return None
    runs = ReadLayout(layout.target, columns=layout.columns, counts=layout.counts)
    _split_groups(runs, layout.counts, min(len(layout.counts), 2 * actors), source.limit)
    return ActorReads(source, runs.groups, runs.offsets, size)


def read_in_tasks(source: Any, layout: ReadLayout, size: int, hub: Any) -> Any:
    """The input as a Ray Dataset whose read tasks open the object themselves."""
    target = layout.target
    if source.kind == "parquet":
        reads = [
            functools.partial(
                _parquet_task, source, groups, offset, source.limit, size, target, hub
            )
            for groups, offset in zip(layout.groups, layout.offsets, strict=True)
        ]
    else:
        reads = [functools.partial(_jsonl_task, source, size, target, hub)]
    return tasks_dataset(reads, f"MixpeekRead{source.kind.capitalize()}")


def tasks_dataset(reads: list[Any], name: str, *, on_driver_node: bool = False) -> Any:
    """A Ray Dataset of one read task per function in ``reads`` (each yields blocks), all run
    at once and holding no CPU: the steps' actor pools keep every CPU of the cluster.
    ``on_driver_node``: the task reads what the driver put in its own object store."""
    import ray
    from ray.data import Datasource, ReadTask
    from ray.data.block import BlockMetadata

    class TasksSource(Datasource):
        def estimate_inmemory_data_size(self) -> int | None:
            return None

        def get_read_tasks(
            self, parallelism: int, per_task_row_limit: int | None = None,
            data_context: Any = None,
        ) -> list[Any]:  # fmt: skip
            meta = BlockMetadata(num_rows=None, size_bytes=None, input_files=None,
                                 exec_stats=None)  # fmt: skip
            return [ReadTask(read, meta, per_task_row_limit=per_task_row_limit) for read in reads]

        @property
        def supports_distributed_reads(self) -> bool:
            return not on_driver_node

        def get_name(self) -> str:
            return name

    return ray.data.read_datasource(
        TasksSource(), override_num_blocks=max(1, len(reads)), num_cpus=0,
        concurrency=max(1, len(reads)),
    )  # fmt: skip


__all__ = [
    "ActorReads", "ReadLayout", "actor_reads", "read_in_tasks", "read_layout", "tasks_dataset"
]
