"""The ``ray`` engine: a plugin's pipeline as Ray Data ``map_batches`` stages over actor pools.

This is how the platform runs extractors, so a run here shows what batching, actor resources
and GPU steps do before publishing. One Ray actor class (:class:`StepActor`) serves every step:
each actor builds its step's service once and then applies it batch after batch with the local
executor's own ``apply_step`` (row-condition selection, pass-through, per-row failure capture),
which is what makes ``ray`` and ``local`` give identical output for the same input.

Actors receive only plain data (the plugin path, the parameters, the step index) and rebuild the
plan themselves: plugin classes live in a package imported straight from its folder, which a Ray
worker could not unpickle by reference.

Session: ``RAY_ADDRESS`` joins an existing cluster (whose nodes must see the plugin's path);
otherwise a local Ray starts with ``num_cpus`` CPUs, no dashboard and quiet logs (workers' output
is forwarded only when verbose), and is shut down when the run ends. Rows keep their input order
(``preserve_order``).

Streaming input. The input is read by the kit's own readers in the driver, exactly as on the
local engine (same row numbers, same file resolution against the driver's folders, same
``file:line:column`` errors), and fed to Ray while the run goes: a feeder thread joins about one
target block of batches, puts the block in the object store (one put per block: a put costs the
driver about a millisecond of CPU, which the actors need on a small machine) and hands its
reference to the run's helper actor (:class:`Hub`, a queue a few blocks deep, so reading waits
when Ray falls behind); one read task on the driver's node, holding no CPU, takes the references
off the queue and yields the blocks. Memory
therefore stays flat with input size. We chose this over read tasks that open slices of the file
themselves because it keeps one reader for every format and both engines (CSV with quoted
newlines, a ``.json`` list, ``--limit`` and relative ``*_path`` resolution need no second
implementation) and works for any iterable of batches, not only files. Its limits: reading and
turning batches into blocks happen in the driver process, so steps faster than the reader wait
for it (as on the local engine), and input crosses from the driver's node to the cluster. A
``prepare`` that returns a new dataset is run to completion first (``materialize``): its task
stages would otherwise wait for CPUs the actor pools hold on a small cluster, so such plugins
hold their prepared input in the object store; a ``prepare`` that returns the dataset it was
given (the template's ``lambda ds: ds``) keeps the stream.

Blocks. An input batch whose columns all come back from Arrow unchanged (numbers, booleans,
strings, dates: the usual text and table inputs) is fed as an Arrow block; one holding Python
objects (dicts, bytes, mixed values) is fed as the reader's pandas frame, so in both cases the
first step sees exactly what it sees on the local engine. Arrow input is cheaper all the way: the
read task and the object store move its buffers without pickling, and Ray sizes it without
walking its values. Step outputs are Arrow blocks, built by the actor: the step's columns go
through Ray Data's own pandas-to-Arrow conversion (so they hold what plain ``map_batches`` would
give, including Ray's tensor and pickled-object types), and the helper columns below are
appended as Arrow arrays straight from numpy. Ray's conversion costs about a tenth of a
millisecond per column and batch, which made the four helper columns the largest part of the
engine's overhead on short rows while Ray converted them. We tried keeping the outputs pandas,
but Ray sizes a pandas block by walking every Python object in it (about 2 ms per 1024 rows of
dicts, several times per block). Actors take blocks in their own format (``batch_format=None``)
and, like the driver, turn Arrow back into the values the local engine holds (numpy dtypes;
nested values and integers with gaps as Python objects; a numpy array per row for tensors);
Ray's own conversion gives ``int64[pyarrow]`` columns, ``TensorArrayElement`` rows and frames
that pandas' ``concat`` trips over. A missing value that went through Arrow is ``None`` where the
local engine may hold ``NaN``, and dicts carry every key seen in their column. Ray Data cannot
join batches where one column holds tensors in some and other objects in others (arrays on
some rows, nothing on rows a step skipped); that run stops with a message naming the column.

Helper columns: the input row number, the processed flag, a bitmask of the steps that selected
the row, and per step the seconds its actor spent in ``apply_step`` (on the first row of each
batch), which the driver sums into the run summary's per-step seconds. When a batch comes out of
a step with the rows it went in with (the common case) the actor's bookkeeping is a few array
operations. Failed rows leave the stream: with ``on_error=stop`` the actor raises and
Ray stops the run at that batch; with ``continue`` they go to the hub's ledger, which the driver
reads at the end and sorts by row.
"""

from __future__ import annotations

import logging
import os
import warnings
from typing import TYPE_CHECKING, Any

from mixpeek_tools.errors import EnvironmentFailure

if TYPE_CHECKING:
    from mixpeek_tools.runtime.engines.actor_shares import Shares

QUIET_LOGGERS = ("ray", "ray.data", "ray.serve", "ray.train", "ray.tune")


def _quiet() -> None:
    """Keep Ray's own chatter (progress bars, execution plans, deprecations) off the terminal."""
    for name in QUIET_LOGGERS:  # errors reach the user as the kit's own one-paragraph message
        logging.getLogger(name).setLevel(logging.CRITICAL)
    warnings.filterwarnings("ignore", module=r"ray(\.|$)")
    warnings.filterwarnings("ignore", message=r".*ray_remote_args.*")
    os.environ.setdefault("RAY_DEDUP_LOGS", "1")
    os.environ.setdefault("RAY_DATA_LOG_LEVEL", "CRITICAL")  # read when ray.data configures logging


def init_ray(num_cpus: int | None = None, *, verbose: bool = False) -> bool:
    """Join ``RAY_ADDRESS`` or start a local Ray; True when this call started the session."""
    try:
        import ray
    except ImportError as exc:
        raise EnvironmentFailure(
            "the ray engine needs Ray, which is not installed",
            hint="Pip install 'mixpeek-tools[ray]' (or use --engine local)",
        ) from exc
    if ray.is_initialized():
        return False
    if not verbose:
        _quiet()
    level = logging.INFO if verbose else logging.ERROR
    address = os.environ.get("RAY_ADDRESS") or None
    try:
        # Worker output (prints, and Ray's own crash reports of idle workers killed at shutdown)
        # reaches the terminal only with --verbose.
        common: dict[str, Any] = {"logging_level": level, "log_to_driver": verbose}
        if address:
            ray.init(address=address, **common)
        else:
            ray.init(num_cpus=num_cpus, include_dashboard=False, **common)
    except Exception as exc:  # ConnectionError, RuntimeError, ... all mean: no usable cluster
        where = f"RAY_ADDRESS={address}" if address else "local Ray"
        raise EnvironmentFailure(
            f"could not start or join Ray: {type(exc).__name__}: {exc}",
            where=where,
            hint="Check that the cluster at RAY_ADDRESS is up, or unset RAY_ADDRESS to start a "
            "local one",
        ) from exc
    if not verbose:
        _quiet()
    return True


# =========================================================================== the engine

PREFIX = "__mixpeek_"
ROW = "__mixpeek_row__"  # 0-based input row number
PROCESSED = "__mixpeek_processed__"  # some step selected the row (executor's processed flags)
HITS = "__mixpeek_hits__"  # bit i set: step i processed the row (for per-step counts)
SECONDS = "__mixpeek_seconds_{}__"  # seconds step i spent on one batch, on that batch's first row
FEED_DEPTH = 8  # input blocks the driver may put ahead of Ray
MIN_BLOCK_BYTES = 1 << 20  # smallest target block size (see Feed.block_bytes)
HIT_BITS = 62  # steps past this many are not counted per step (int64 bitmask)
POLL_SECONDS = 0.5  # how often the feeder re-checks that the run is still wanted


def _seconds_column(index: int) -> str:
    return SECONDS.format(index)


def _is_helper(name: Any) -> bool:
    return isinstance(name, str) and name.startswith(PREFIX)


def _bit(index: int) -> int:
    return (1 << index) if index < HIT_BITS else 0


class StepFailed(Exception):
    """Rows of one batch failed under ``on_error=stop``: raised in the actor so Ray stops the run
    at once, turned back into :class:`~mixpeek_tools.runtime.executor.RowsFailed` by the driver
    (``RowsFailed`` itself cannot be rebuilt from the arguments Ray pickles)."""

    def __init__(self, failures: list[Any], *_notes: Any) -> None:
        super().__init__(failures)
        self.failures = failures

    def __reduce__(self) -> tuple[Any, ...]:
        # Ray Data appends its retry note to ``args``; rebuild from the failures alone.
        return (type(self), (self.failures,))


class Hub:
    """The run's one helper actor (async, holding no CPU; one process start per run, not two).

    It is the input queue between the driver's feeder thread and the read task (a few block
    references deep, so reading waits when Ray falls behind), and the ledger of what output
    blocks cannot carry: failed rows (``on_error=continue``) and the seconds, batch counts and
    processed counts of batches whose rows changed in a step (rare; the common case rides in
    helper columns). The driver reads the ledger once every block has reached it.
    """

    def __init__(self, depth: int) -> None:
        import asyncio

        self.queue: Any = asyncio.Queue(maxsize=depth)
        self.failures: list[Any] = []
        self.seconds: dict[int, float] = {}
        self.batches: dict[int, int] = {}
        self.processed: dict[int, int] = {}

    async def put(self, item: Any, timeout: float) -> bool:
        import asyncio

        try:
            await asyncio.wait_for(self.queue.put(item), timeout)
        except asyncio.TimeoutError:
            return False
        return True

    async def get(self) -> Any:
        return await self.queue.get()

    async def add(
        self,
        failures: list[Any],
        seconds: dict[int, float],
        batches: dict[int, int],
        processed: dict[int, int],
    ) -> None:
        self.failures.extend(failures)
        for index, value in seconds.items():
            self.seconds[index] = self.seconds.get(index, 0.0) + value
        for index, count in batches.items():
            self.batches[index] = self.batches.get(index, 0) + count
        for index, count in processed.items():
            self.processed[index] = self.processed.get(index, 0) + count

    async def report(self) -> tuple[list[Any], dict[int, float], dict[int, int], dict[int, int]]:
        return self.failures, self.seconds, self.batches, self.processed


class StepActor:
    """One Ray actor of one step: builds the plan and the step's service once, then applies it.

    A service that cannot even be created fails the first batch with its own error, which the
    driver unwraps into the usual one-paragraph message.
    """

    def __init__(
        self,
        factory: Any,
        index: int,
        placeholders: bool,
        hub: Any = None,
        on_error: str = "continue",
    ) -> None:
        if placeholders:
            os.environ["MIXPEEK_PLACEHOLDER_SERVICES"] = "1"
        self.error: BaseException | None = None
        self.index = index
        self.bit = _bit(index)
        self.column = _seconds_column(index)
        self.hub = hub
        self.stop = on_error == "stop"
        try:
            from mixpeek_tools.runtime.executor import instantiate

            plan = factory()
            self.step = plan.steps[index]
            self.service = instantiate(self.step)
        except BaseException as exc:  # raised again on the first batch, where Ray reports it
            self.error = exc

    def __call__(self, batch: Any) -> Any:
        import time

        import numpy as np
        import pandas as pd

        from mixpeek_tools.runtime.executor import apply_step

        if self.error is not None:
            raise self.error
        rows, hits, flags, timings = _helpers(batch)
        frame = _data_frame(batch, pd.Index(rows))
        started = time.perf_counter()
        outcome = apply_step(self.step, self.service, frame, flags, on_error="continue")
        seconds = max(time.perf_counter() - started, 1e-9)
        if outcome.failures and self.stop:
            raise StepFailed(outcome.failures)
        out = outcome.frame
        labels = np.asarray(out.index)
        if not outcome.failures and len(labels) == len(rows) and np.array_equal(labels, rows):
            # The common case: the rows that came in went out, in order; helpers ride along.
            if outcome.selected == len(rows):
                hits = hits | self.bit
            elif outcome.selected:
                hits = hits | np.where(self._mask(frame), self.bit, 0)
            first = np.zeros(len(rows))
            if len(rows):
                first[0] = seconds
            timings[self.column] = first
            return _block(out, rows, outcome.processed, hits, timings)
        return self._changed(timings, rows, hits, frame, outcome, seconds)

    def _mask(self, frame: Any) -> Any:
        from mixpeek_tools.runtime.content import condition_mask

        return condition_mask(frame, self.step.condition)

    def _changed(
        self,
        timings: dict[str, Any],
        rows: Any,
        hits: Any,
        frame: Any,
        outcome: Any,
        seconds: float,
    ) -> Any:
        """Rows failed, or the service returned other rows than it got: output rows take their
        bits by row number; what leaves the stream here (failures, the step counts of rows that
        are gone, and every step's seconds on this batch) goes to the ledger."""
        import numpy as np

        labels = _labels(outcome.frame)
        selected = self._mask(frame) if 0 < outcome.selected < len(rows) else (
            np.full(len(rows), bool(outcome.selected)))  # fmt: skip
        chosen = rows[selected]
        out_hits = _lookup(rows, hits, labels) | np.where(np.isin(labels, chosen), self.bit, 0)
        failed = np.array([f.row - 1 for f in outcome.failures], dtype="int64")
        gone = ~np.isin(rows, labels)
        gone_hits = hits[gone] | np.where(
            selected[gone] & ~np.isin(rows[gone], failed), self.bit, 0
        )
        processed = {i: n for i in range(HIT_BITS) if (n := _count_bit(gone_hits, i))}
        spent = {self.index: seconds}
        batches = {self.index: 1}
        for column, values in timings.items():
            index = _seconds_index(column)
            spent[index] = spent.get(index, 0.0) + float(np.nansum(values))
            batches[index] = batches.get(index, 0) + int(np.count_nonzero(values > 0))
        if self.hub is not None:
            import ray

            # Waited for: the driver reads the ledger once every block reached it.
            ray.get(self.hub.add.remote(outcome.failures, spent, batches, processed))
        return _block(outcome.frame, labels, outcome.processed, out_hits, {})


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


def _helpers(batch: Any) -> tuple[Any, Any, Any, dict[str, Any]]:
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
    table = _arrow_block(pd.DataFrame(columns, copy=False)) if arrow else None
    if table is not None:
        for name, values in helpers.items():
            table = table.append_column(name, pa.array(values))
        return table
    columns.update(helpers)
    return pd.DataFrame(columns, copy=False)


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


def _group_block(frames: list[Any]) -> Any:
    """Reader batches as one Ray block: joined (row numbers kept), plus the helper columns.

    Ray Data would join a read task's small blocks into one anyway; joining them here, before
    the put, makes one put, one helper-column build and one block sizing per block instead of
    one per batch.
    """
    import pandas as pd

    return _input_block(frames[0] if len(frames) == 1 else pd.concat(frames))


def _read_feed(hub: Any) -> Any:
    """The read task's body: the fed blocks off the hub's queue until the end marker."""
    import ray

    while True:
        item = ray.get(hub.get.remote())
        if item is None:
            return
        (block,) = item  # a reference in a list: Ray resolves only top-level arguments
        yield ray.get(block)


class Feed:
    """Streams the driver's input batches into Ray while the run goes (module docstring)."""

    def __init__(self, batches: Any, stats: Any, hub: Any) -> None:
        import threading

        self.hub = hub
        self.stats = stats
        self.error: BaseException | None = None
        self._batches = iter(batches)
        self._first: Any = None
        self._row_bytes = 0.0  # Ray's size estimate per row, from the first batch
        self._target = MIN_BLOCK_BYTES
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._pump, name="mixpeek-ray-feed", daemon=True)

    def block_bytes(self) -> int:
        """Ray Data's target block size for this run, from the first input batch (read here, in
        the caller's thread, so an unreadable file fails before Ray starts any work).

        Ray Data joins the blocks a task yields until they pass ``target_max_block_size``
        (128 MiB by default: a whole small input, read before any step starts) and slices
        blocks past 1.5 times it. Twice the first batch, at least 1 MiB, lets a few batches
        form each block (fewer, larger tasks) without slicing a step's larger output blocks.
        """
        import ray

        default = int(ray.data.DataContext.get_current().target_max_block_size or 128 << 20)
        for df in self._batches:
            self.stats.rows_in += len(df)
            if len(df):
                self._first = df
                break
        if self._first is None:
            return min(default, MIN_BLOCK_BYTES)
        try:
            from ray.data.block import BlockAccessor

            size = int(BlockAccessor.for_block(_input_block(self._first)).size_bytes())
        except Exception:  # Ray moved its developer API: pandas' own estimate
            size = int(self._first.memory_usage(deep=True).sum())
        self._row_bytes = size / len(self._first)
        self._target = min(default, max(MIN_BLOCK_BYTES, 2 * size))
        return self._target

    def dataset(self) -> Any:
        import functools

        import ray
        from ray.data import Datasource, ReadTask
        from ray.data.block import BlockMetadata

        read = functools.partial(_read_feed, self.hub)

        class FeedDatasource(Datasource):
            def estimate_inmemory_data_size(self) -> int | None:
                return None

            def get_read_tasks(
                self, parallelism: int, per_task_row_limit: int | None = None,
                data_context: Any = None,
            ) -> list[Any]:  # fmt: skip
                meta = BlockMetadata(num_rows=None, size_bytes=None, input_files=None,
                                     exec_stats=None)  # fmt: skip
                return [ReadTask(read, meta, per_task_row_limit=per_task_row_limit)]

            @property
            def supports_distributed_reads(self) -> bool:
                return False  # next to the driver's object store: its puts are local reads

            def get_name(self) -> str:
                return "MixpeekInput"

        # One read task, holding no CPU: the steps' actor pools get every CPU of the cluster.
        return ray.data.read_datasource(FeedDatasource(), override_num_blocks=1, num_cpus=0)

    def start(self) -> None:
        self._thread.start()

    def _pump(self) -> None:
        """Put batches in the object store in groups of about one target block, and hand each
        group's reference to the hub: one put and one round trip per block, not per batch (a
        put costs about a millisecond of the driver's CPU, which the steps' actors need)."""
        import ray

        group: list[Any] = []
        held = 0.0
        try:
            if self._first is not None:
                group, held = [self._first], self._row_bytes * len(self._first)
            self._first = None
            for df in self._batches:
                if self._stopping.is_set():
                    return
                self.stats.rows_in += len(df)
                if not len(df):
                    continue
                group.append(df)
                held += self._row_bytes * len(df)
                if held > self._target:
                    if not self._offer([ray.put(_group_block(group))]):
                        return
                    group, held = [], 0.0
            if group and not self._offer([ray.put(_group_block(group))]):
                return
        except BaseException as exc:  # a reader error: raised by the driver once Ray drained
            self.error = exc
        finally:
            self._offer(None)

    def _offer(self, item: Any) -> bool:
        import ray

        while not self._stopping.is_set():
            try:
                if ray.get(self.hub.put.remote(item, POLL_SECONDS)):
                    return True
            except Exception:  # the hub is gone: the run is over
                return False
        return False

    def close(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)


class RayEngine:
    """Runs a :class:`~mixpeek_tools.runtime.executor.PipelinePlan` on Ray Data actor pools."""

    name = "ray"

    def __init__(self, num_cpus: int | None = None, verbose: bool | None = None) -> None:
        from mixpeek_tools.runtime.executor import RunStats

        if verbose is None:  # inside the CLI: follow the global --verbose flag
            from mixpeek_tools.cli.context import settings

            verbose = settings().verbose
        self.num_cpus = num_cpus
        self.verbose = verbose
        self.stats = RunStats()
        self._started = False

    def run(self, plan: Any, batches: Any, options: Any) -> Any:
        """Output batches in input order, each with its processed flags in ``df.attrs``."""
        from mixpeek_tools.runtime.executor import RunStats, StepStats

        self.stats = RunStats()
        self.stats.steps = [StepStats(step.name) for step in plan.steps]
        return self._run(plan, batches, options)

    def close(self) -> None:
        """Shut down the local Ray this engine started (a joined cluster is left running)."""
        if self._started:
            import ray

            ray.shutdown()
            self._started = False

    # -- internals ------------------------------------------------------------------------------
    def _run(self, plan: Any, batches: Any, options: Any) -> Any:
        import gc
        import time

        import ray

        from mixpeek_tools.runtime.executor import PROCESSED_ATTR, ProcessedFlags

        factory = _factory(plan)
        if options.placeholder_services:
            os.environ["MIXPEEK_PLACEHOLDER_SERVICES"] = "1"
        self._started = init_ray(self.num_cpus, verbose=self.verbose) or self._started
        previous = _configure_data_context(self.verbose)
        tables: Any = None
        ds: Any = None
        feed: Feed | None = None
        hub: Any = None
        failure: BaseException | None = None
        completed = False
        try:
            shares = self._shares(plan, options)
            hub = ray.remote(num_cpus=0)(Hub).remote(FEED_DEPTH)
            feed = Feed(batches, self.stats, hub)
            ds = self._prepared(plan, feed, previous)
            for index, step in enumerate(plan.steps):
                resources = (shares.cpus[index], shares.gpus[index])
                ds = self._stage(ds, factory, index, step, resources, options, hub)
            tables = iter(_iter_blocks(ds))
            for block in tables:
                frame, flags = self._split(block)
                frame.attrs[PROCESSED_ATTR] = ProcessedFlags(flags)
                self.stats.rows_out += len(frame)
                if options.on_progress is not None:
                    options.on_progress(len(frame))
                yield frame
            if feed.error is not None:
                raise feed.error
            self._collect(hub, plan, options)
            completed = True
        except Exception as exc:
            failure = _unwrap(exc)
        finally:
            # Stopping early (a failed row, an error, a closed consumer) must stop Ray Data's
            # executor too, or its actors keep their CPUs and the next run waits for them.
            close = getattr(tables, "close", None)
            if close is not None:
                close()
            if feed is not None:
                feed.close()
            if hub is not None:
                ray.kill(hub)
            _restore(previous)
            self.stats.finished = time.perf_counter()
            self._finish_step_stats()
            # Ray Data's actor handles must become unreachable, or the actors (and their CPUs)
            # outlive the run for as long as the caller keeps the error (see _detached); an
            # interrupted run also leaves them in reference cycles, freed only by a collection.
            tables = ds = feed = hub = None
            if not completed:
                gc.collect()
        if failure is not None:
            raise _detached(failure)

    def _prepared(self, plan: Any, feed: Feed, previous: dict[str, Any]) -> Any:
        """The fed input dataset, through ``prepare``; the feed starts once the plan is built."""
        import ray

        from mixpeek_tools.errors import BadInput

        ctx = ray.data.DataContext.get_current()
        previous.setdefault("target_max_block_size", ctx.target_max_block_size)
        ctx.target_max_block_size = feed.block_bytes()  # sealed into the dataset made next
        ds = feed.dataset()
        feed.start()
        if plan.prepare is None:
            return ds
        prepared = plan.prepare(ds)
        if prepared is ds:
            return ds
        if not isinstance(prepared, ray.data.Dataset):
            raise BadInput(
                f"prepare returned {type(prepared).__name__}, not the Ray Dataset it was given",
                where="pipeline.py: prepare",
                hint="Prepare must return the dataset, e.g. lambda ds: ds.filter(...)",
            )
        # prepare's own tasks (filter, map) need CPUs that the steps' actor pools would hold on
        # a small cluster, which deadlocks the stream; running prepare to completion first
        # avoids that (at the price of holding its output in the object store).
        return prepared.materialize()

    def _shares(self, plan: Any, options: Any) -> Shares:
        """Each step's actor CPUs and GPUs on this cluster (see :mod:`.actor_shares`)."""
        import ray

        from mixpeek_tools.runtime.engines.actor_shares import fit_to_cluster

        gpus = [self._gpus_for(step, options) for step in plan.steps]
        cpus = [float(step.num_cpus) for step in plan.steps]
        shares = fit_to_cluster(cpus, gpus, ray.cluster_resources())
        if shares.note:
            self.stats.notes.append(shares.note)
        return shares

    def _gpus_for(self, step: Any, options: Any) -> float:
        """The step's ``num_gpus`` on this cluster, 0 when it may fall back to CPU; else an error."""
        import ray

        from mixpeek_tools.errors import EnvironmentFailure

        resources = ray.cluster_resources()
        cpus = float(resources.get("CPU", 0))
        if step.num_cpus > cpus:
            raise EnvironmentFailure(
                f"step '{step.name}' asks for {step.num_cpus:g} CPUs per worker but the Ray "
                f"cluster has {cpus:g}",
                where=f"step '{step.name}'",
                hint="Lower num_cpus in the StepDefinition, or run on a bigger cluster",
            )
        if step.num_gpus <= 0 or float(resources.get("GPU", 0)) >= step.num_gpus:
            return float(step.num_gpus)
        if step.allow_cpu_fallback or options.placeholder_services:
            self.stats.notes.append(
                f"step '{step.name}' asked for a GPU; the Ray cluster has none, so it runs on CPU"
            )
            return 0.0
        raise EnvironmentFailure(
            f"step '{step.name}' needs a GPU (num_gpus={step.num_gpus:g}) but the Ray cluster "
            "has none",
            where=f"step '{step.name}'",
            hint="Run on a cluster with a GPU (RAY_ADDRESS), or declare the step with "
            "allow_cpu_fallback=True (or resource_type=ResourceType.CPU) if it can run on CPU",
        )

    def _stage(
        self,
        ds: Any,
        factory: Any,
        index: int,
        step: Any,
        resources: tuple[float, float],
        options: Any,
        hub: Any,
    ) -> Any:
        import ray

        cpus, gpus = resources
        size = int(options.batch_size or step.batch_size)
        return ds.map_batches(
            StepActor,
            fn_constructor_kwargs={"factory": factory, "index": index,
                                   "placeholders": bool(options.placeholder_services),
                                   "hub": hub, "on_error": options.on_error},
            batch_size=size,
            # Blocks as they are: the reader's pandas frames for the first step; Arrow outputs
            # of earlier steps, which the actor converts the way the driver does (Ray's own
            # conversion leaves frames that pandas' concat and row selection trip over).
            batch_format=None,
            # The actor never writes into its batch (pandas copy-on-write; apply_step hands the
            # service a shallow copy), so Ray's defensive copy of every batch is not needed.
            zero_copy_batch=True,
            compute=ray.data.ActorPoolStrategy(min_size=1, max_size=max(1, int(step.concurrency))),
            num_cpus=cpus,
            num_gpus=gpus,
            # Our actors are cheap to rebuild from plain data; restarts only add a warning.
            max_restarts=0,
        )  # fmt: skip

    def _split(self, table: Any) -> tuple[Any, Any]:
        """An output block as the frame the local engine would give (index = input rows) and its
        processed flags; its helper columns go into the per-step counts and seconds."""
        import numpy as np
        import pandas as pd

        rows, hits, flags, timings = _helpers(table)
        for index, step_stats in enumerate(self.stats.steps):
            step_stats.rows_processed += _count_bit(hits, index)
            values = timings.get(_seconds_column(index))
            if values is not None:
                step_stats.seconds += float(np.nansum(values))
                step_stats.batches += int(np.count_nonzero(values > 0))
        return _data_frame(table, pd.Index(rows)), flags

    def _collect(self, hub: Any, plan: Any, options: Any) -> None:
        """Add what the ledger holds; with ``on_error=stop`` any failure stops the run here."""
        import ray

        from mixpeek_tools.runtime.executor import RowsFailed

        failures, seconds, batches, processed = ray.get(hub.report.remote())
        for index, step_stats in enumerate(self.stats.steps):
            step_stats.seconds += seconds.get(index, 0.0)
            step_stats.batches += batches.get(index, 0)
            step_stats.rows_processed += processed.get(index, 0)
        order = {step.name: i for i, step in reversed(list(enumerate(plan.steps)))}
        failures = sorted(failures, key=lambda f: (f.row, order.get(f.step, 0)))
        self.stats.failures.extend(failures)
        if failures and options.on_error == "stop":
            raise RowsFailed(failures)

    def _finish_step_stats(self) -> None:
        """Rows per step, derived in the driver: what reached each step and what failed there."""
        failed: dict[str, int] = {}
        for failure in self.stats.failures:
            failed[failure.step] = failed.get(failure.step, 0) + 1
        seen = self.stats.rows_in
        for step_stats in self.stats.steps:
            step_stats.rows_seen = seen
            step_stats.rows_failed = failed.get(step_stats.name, 0)
            seen -= step_stats.rows_failed


def _factory(plan: Any) -> Any:
    from mixpeek_tools.errors import BadInput

    factory = plan.factory
    if factory is None:
        raise BadInput(
            "the ray engine needs a plan built from a plugin folder (its actors rebuild it)",
            where="--engine ray",
            hint="Plan the pipeline with plan_pipeline(load_plugin(path), ...)",
        )
    return factory


def _configure_data_context(verbose: bool) -> dict[str, Any]:
    """Set the run's Ray Data options; returns the previous values for :func:`_restore`.

    ``enable_arrow_backed_pandas_conversion`` off: a ``prepare`` asking for pandas batches gets
    numpy dtypes, as on the local engine, rather than ``pd.ArrowDtype`` columns (Ray 2.56+).
    """
    import ray

    if not verbose:
        _quiet()  # importing ray.data configures its loggers anew
    ctx = ray.data.DataContext.get_current()
    wanted: dict[str, Any] = {
        "raise_original_map_exception": True,  # the kit's own errors reach the driver intact
        "enable_progress_bars": verbose,
        "print_on_execution_start": verbose,
        "enable_arrow_backed_pandas_conversion": False,
    }
    previous = {"preserve_order": ctx.execution_options.preserve_order}
    ctx.execution_options.preserve_order = True  # rows come back in input order
    for name, value in wanted.items():
        if hasattr(ctx, name):  # older Ray versions lack some of them
            previous[name] = getattr(ctx, name)
            setattr(ctx, name, value)
    return previous


def _restore(previous: dict[str, Any]) -> None:
    """Put back the Ray Data options a run changed (other Ray Data use in the process)."""
    import ray

    ctx = ray.data.DataContext.get_current()
    for name, value in previous.items():
        if name == "preserve_order":
            ctx.execution_options.preserve_order = value
        else:
            setattr(ctx, name, value)


def _iter_blocks(ds: Any) -> Any:
    return ds.iter_batches(batch_format="pyarrow", batch_size=None, prefetch_batches=2)


def _column(table: Any, name: str) -> Any:
    """One Arrow column as pandas values the way the local engine holds them: nested values
    (lists, structs, maps) and integers with gaps as Python objects, the rest vectorised."""
    import pyarrow as pa

    column = table.column(name)
    kind = column.type
    nested = pa.types.is_nested(kind) or pa.types.is_dictionary(kind)
    if nested or (pa.types.is_integer(kind) and column.null_count):
        return column.to_pylist()
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


def _detached(error: BaseException) -> BaseException:
    """``error`` without the traceback and context it was caught with.

    Those lead to the frames of Ray Data's executor, whose operators hold the actor pools'
    handles; a Ray actor lives while a handle to it does, so a caller that keeps the error
    (a test, a notebook, a long-lived service) would keep a failed run's actors, and their CPUs,
    and the next run would wait for CPUs that never free.
    """
    error.__context__ = None
    error.__cause__ = None
    return error.with_traceback(None)


def _arrow_failure(error: BaseException) -> BaseException:
    """Ray Data could not store or join a step's output as Arrow, named with Ray's own reason:
    the plugin works on the local engine, but the platform runs its steps on Ray Data too."""
    from mixpeek_tools.errors import BadInput

    text = " ".join(line.strip() for line in str(error).splitlines() if line.strip())
    marker = "Failed to unify"
    if marker in text:
        return BadInput(
            f"Ray Data could not join the steps' output batches: {text[text.find(marker) :]}",
            where="--engine ray (a step's output column)",
            hint="Give a column the same kind of value in every row it reaches on Ray: numpy "
            "arrays in all of them (fill rows a step skips with an array, e.g. in a later "
            "step), or lists instead of arrays",
        )
    return BadInput(
        f"Ray Data could not store a step's output as Arrow: {text or type(error).__name__}",
        where="--engine ray (a step's output column)",
        hint="Return columns of plain values (numbers, strings, lists, dicts, numpy arrays, "
        "bytes) or objects that can be pickled",
    )


def _unwrap(exc: BaseException) -> BaseException:
    """The kit's own error inside a Ray task error (e.g. a service that cannot run here)."""
    from mixpeek_tools.errors import EnvironmentFailure, KitError
    from mixpeek_tools.runtime.executor import RowsFailed

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, KitError):
            return current
        if isinstance(current, StepFailed):
            return RowsFailed(current.failures)
        if type(current).__name__ == "ArrowConversionError":
            return _arrow_failure(current)
        seen.add(id(current))
        current = getattr(current, "cause", None) or current.__cause__
    if type(exc).__module__.startswith("ray"):
        return EnvironmentFailure(
            f"the Ray run failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
            where="--engine ray",
            hint="Run again with --verbose for Ray's full report",
        )
    return exc
