"""The run's actors: :class:`StepActor` (one step's service) and :class:`Hub` (feed queue, ledger)."""

from __future__ import annotations

import os
from typing import Any

from mixpeek_tools.runtime.engines.ray.blocks import (
    HIT_BITS,
    _bit,
    _block,
    _count_bit,
    _data_frame,
    _labels,
    _lookup,
    _seconds_column,
    _seconds_index,
    helper_columns,
)


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
        self.depth = depth
        self._empty()

    def _empty(self) -> None:
        import asyncio

        self.queue: Any = asyncio.Queue(maxsize=self.depth)
        self.failures: list[Any] = []
        self.read_rows = 0
        self.seconds: dict[int, float] = {}
        self.batches: dict[int, int] = {}
        self.processed: dict[int, int] = {}

    async def reset(self) -> None:
        """Empty, for the next run of the session (see :mod:`.hubs`)."""
        self._empty()

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

    async def count(self, rows: int) -> None:
        """Rows a read task read (object-store inputs read in tasks, not by the driver)."""
        self.read_rows += rows

    async def rows_read(self) -> int:
        return self.read_rows

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
        reads: Any = None,
    ) -> None:
        self.reads = reads  # ActorReads: this first step reads its own input (see .readers)
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
        """The step over one block; for a reading first step, a generator of output blocks
        over the runs the batch names."""
        if self.reads is not None:
            return self._read_and_apply(batch.column("run").to_pylist())
        return self._apply(batch)

    def _read_and_apply(self, runs: list[int]) -> Any:
        for run in runs:
            for block in self.reads.blocks(run, self.hub):
                yield self._apply(block)

    def _apply(self, batch: Any) -> Any:
        import time

        import numpy as np
        import pandas as pd

        from mixpeek_tools.runtime.executor import apply_step

        if self.error is not None:
            raise self.error
        rows, hits, flags, timings = helper_columns(batch)
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
