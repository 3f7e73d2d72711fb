"""Feeding the driver's input batches into Ray while the run goes (package docstring)."""

from __future__ import annotations

from typing import Any

from mixpeek_tools.runtime.engines.ray.blocks import (
    MIN_BLOCK_BYTES,
    POLL_SECONDS,
    _frame_groups,
    _group_block,
    _input_block,
)


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

    def columns(self) -> list[str]:
        """The first batch's columns (after :meth:`block_bytes` read it)."""
        return [str(c) for c in self._first.columns] if self._first is not None else []

    def dataset(self) -> Any:
        """One read task on the driver's node (its puts are local reads there)."""
        import functools

        from mixpeek_tools.runtime.engines.ray.readers import tasks_dataset

        read = functools.partial(_read_feed, self.hub)
        return tasks_dataset([read], "MixpeekInput", on_driver_node=True)

    def start(self) -> None:
        self._thread.start()

    def _pump(self) -> None:
        """Put batches in the object store in groups of about one target block, and hand each
        group's reference to the hub: one put and one round trip per block, not per batch (a
        put costs about a millisecond of the driver's CPU, which the steps' actors need)."""
        import ray

        try:
            for group in _frame_groups(self._counted(), self._target, self._row_bytes):
                if not self._offer([ray.put(_group_block(group))]):
                    return
        except BaseException as exc:  # a reader error: raised by the driver once Ray drained
            self.error = exc
        finally:
            self._offer(None)

    def _counted(self) -> Any:
        """The input batches (the first one already read and counted), counted, until the run
        no longer wants them."""
        first, self._first = self._first, None
        if first is not None:
            yield first
        for df in self._batches:
            if self._stopping.is_set():
                return
            self.stats.rows_in += len(df)
            yield df

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
