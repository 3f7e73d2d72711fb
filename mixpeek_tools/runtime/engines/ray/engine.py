"""The Ray engine: the plan as Ray Data ``map_batches`` stages over actor pools."""

from __future__ import annotations

import dataclasses
import os
from typing import TYPE_CHECKING, Any

from mixpeek_tools.errors import EnvironmentFailure
from mixpeek_tools.runtime.engines.ray.actors import StepActor
from mixpeek_tools.runtime.engines.ray.blocks import (
    FEED_DEPTH,
    OUTPUT_BLOCK_BYTES,
    _count_bit,
    _data_frame,
    _seconds_column,
    helper_columns,
)
from mixpeek_tools.runtime.engines.ray.errors import _detached, _unwrap
from mixpeek_tools.runtime.engines.ray.feed import Feed
from mixpeek_tools.runtime.engines.ray.hubs import acquire_hub, forget_hubs, release_hub
from mixpeek_tools.runtime.engines.ray.session import _configure_data_context, _restore, init_ray
from mixpeek_tools.runtime.engines.ray.shipment import Input, Shipment

if TYPE_CHECKING:
    from collections.abc import Iterator

    from mixpeek_tools.runtime.engines.actor_shares import Shares


class RayEngine:
    """Runs a :class:`~mixpeek_tools.runtime.executor.PipelinePlan` on Ray Data actor pools."""

    name = "ray"

    def __init__(
        self, num_cpus: int | None = None, verbose: bool = False, storage: Any = None
    ) -> None:
        from mixpeek_tools.runtime.executor import RunStats

        self.num_cpus = num_cpus
        self.verbose = verbose
        self.storage = storage
        self.stats = RunStats()
        self._started = False

    def run(self, plan: Any, batches: Any, options: Any) -> Any:
        """Output batches in input order, each with its processed flags in ``df.attrs``."""
        self._reset(plan)
        return self._run(plan, options, Input(batches=batches))

    def run_source(self, plan: Any, source: Any, read_size: int, options: Any) -> Any:
        """Like :meth:`run` over a :class:`~mixpeek_tools.runtime.sources.Source`: object-store
        Parquet and JSON Lines are read in Ray tasks, the rest by the driver; object-store file
        references are fetched in Ray tasks either way."""
        self._reset(plan)
        return self._run(plan, options, Input(source=source, read_size=read_size))

    def _reset(self, plan: Any) -> None:
        from mixpeek_tools.runtime.executor import RunStats, StepStats

        self.stats = RunStats()
        self.stats.steps = [StepStats(step.name) for step in plan.steps]

    def close(self) -> None:
        """Shut down the local Ray this engine started (a joined cluster is left running)."""
        if self._started:
            import ray

            forget_hubs()
            ray.shutdown()
            self._started = False

    # -- internals ------------------------------------------------------------------------------
    def _run(self, plan: Any, options: Any, given: Input) -> Any:
        import gc

        factory = _factory(plan)
        if options.placeholder_services:
            os.environ["MIXPEEK_PLACEHOLDER_SERVICES"] = "1"
        shipped = Shipment(plan)
        started = init_ray(self.num_cpus, verbose=self.verbose, runtime_env=shipped.runtime_env)
        self._started = started or self._started
        shipped.joined_without_it = not started
        factory = dataclasses.replace(factory, shipped=started)
        previous = _configure_data_context(self.verbose)
        tables: Any = None
        ds: Any = None
        feed: Feed | None = None
        hub: Any = None
        failure: BaseException | None = None
        completed = False
        try:
            shares = self._shares(plan, options)
            hub = acquire_hub(FEED_DEPTH)
            ds, feed, layout = self._input(given, hub, previous, shipped)
            ds = self._steps(plan, (ds, layout, given), factory, shares, options, hub, shipped)
            tables = iter(_iter_blocks(ds))
            yield from self._frames(tables, options)
            self._after_stream(feed, hub, plan, options)
            completed = True
        except Exception as exc:
            failure = _unwrap(exc, plan)
        finally:
            # Stopping early (a failed row, an error, a closed consumer) must stop Ray Data's
            # executor too, or its actors keep their CPUs and the next run waits for them.
            self._release(tables, feed, hub, previous, shipped, completed)
            # Ray Data's actor handles must become unreachable, or the actors (and their CPUs)
            # outlive the run for as long as the caller keeps the error (see _detached); an
            # interrupted run also leaves them in reference cycles, freed only by a collection.
            tables = ds = feed = hub = None
            if not completed:
                gc.collect()
        if failure is not None:
            raise _detached(failure)

    def _frames(self, tables: Any, options: Any) -> Iterator[Any]:
        """The output blocks as pandas frames carrying their processed flags, counted."""
        from mixpeek_tools.runtime.executor import PROCESSED_ATTR, ProcessedFlags

        for block in tables:
            frame, flags = self._split(block)
            frame.attrs[PROCESSED_ATTR] = ProcessedFlags(flags)
            self.stats.rows_out += len(frame)
            if options.on_progress is not None:
                options.on_progress(len(frame))
            yield frame

    def _after_stream(self, feed: Feed | None, hub: Any, plan: Any, options: Any) -> None:
        """Once every block is out: the feed's own error, the row count, the step figures."""
        import ray

        if feed is not None and feed.error is not None:
            raise feed.error
        if feed is None:
            self.stats.rows_in = int(ray.get(hub.rows_read.remote()))
        self._collect(hub, plan, options)

    def _release(self, tables: Any, feed: Feed | None, hub: Any, previous: dict[str, Any],
                 shipped: Shipment, completed: bool) -> None:  # fmt: skip
        """Stop the stream and the feed; keep or kill the hub; restore Ray Data's context; final
        figures."""
        import time

        close = getattr(tables, "close", None)
        if close is not None:
            close()
        if feed is not None:
            feed.close()
        if hub is not None:
            release_hub(hub, reusable=completed)
        _restore(previous)
        shipped.remove()
        self.stats.finished = time.perf_counter()
        self._finish_step_stats()

    def _steps(self, plan: Any, read: tuple[Any, Any, Input], factory: Any, shares: Shares,
               options: Any, hub: Any, shipped: Shipment) -> Any:  # fmt: skip
        """``prepare`` and the steps' stages over the input dataset. When the input is Parquet
        read in tasks and ``prepare`` keeps it, the first step's actors read it themselves."""
        ds, layout, given = read
        prepared = self._prepared(plan, ds, shipped)
        reading = None
        if prepared is ds and layout is not None and shares.gpus[0] == 0:
            reading = _first_step_reads(plan.steps[0], given.source, layout, shares, options)
        if reading is not None:
            import ray

            # Outputs join into blocks of a few MiB: the input blocks no longer travel, and the
            # driver's cost goes by the block.
            ctx = ray.data.DataContext.get_current()
            ctx.target_max_block_size = max(int(ctx.target_max_block_size or 0), OUTPUT_BLOCK_BYTES)
            runs = [{"run": run} for run in range(len(reading[0].groups))]
            prepared = ray.data.from_items(runs, override_num_blocks=len(runs))
        for index, step in enumerate(plan.steps):
            resources = (shares.cpus[index], shares.gpus[index])
            prepared = self._stage(prepared, factory, index, step, resources, options, hub,
                                   shipped, reading if index == 0 else None)  # fmt: skip
        return prepared

    def _input(self, given: Input, hub: Any, previous: dict[str, Any], shipped: Shipment) -> Any:
        """The input dataset, the feed (when the driver reads) and the layout (when tasks read
        Parquet or JSON Lines straight from the store), with object-store file references fetched
        in tasks. The block size is sealed into the dataset made here."""
        import ray

        from mixpeek_tools.runtime.engines.ray.readers import read_in_tasks, read_layout

        ctx = ray.data.DataContext.get_current()
        previous.setdefault("target_max_block_size", ctx.target_max_block_size)
        source = given.source
        if source is not None and source.splittable:
            cpus = int(ray.cluster_resources().get("CPU", 1))
            default = int(ctx.target_max_block_size or 128 << 20)
            layout = read_layout(source, given.read_size, max(1, cpus), default)
            ctx.target_max_block_size = layout.target
            ds = read_in_tasks(source, layout, given.read_size, hub)
            resolving = self._resolving(ds, source, layout.columns, shipped)
            return resolving, None, layout if resolving is ds else None
        batches = given.batches
        if source is not None:
            batches = source.batches(given.read_size, fetch_remote=False)
        feed = Feed(batches, self.stats, hub)
        ctx.target_max_block_size = feed.block_bytes()
        columns = None if source is not None and source.kind == "media" else feed.columns()
        ds = feed.dataset()
        feed.start()  # before prepare: a prepare that materializes reads the whole feed
        return self._resolving(ds, source, columns, shipped), feed, None

    def _resolving(self, ds: Any, source: Any, columns: list[str] | None, shipped: Shipment) -> Any:
        """Object-store references fetched by Ray tasks holding no CPU (I/O, not compute),
        only when the input has reference fields (``columns`` None: not known up front)."""
        from mixpeek_tools.runtime.files import base_of, needs_resolving, resolve_block
        from mixpeek_tools.runtime.storage import StorageOptions

        if columns is not None and not needs_resolving(columns):
            return ds
        location = source.location if source is not None else None
        storage = self.storage or (source.storage if source is not None else None)
        return ds.map_batches(
            resolve_block,
            fn_kwargs={"base": base_of(location) if location else None,
                       "storage": storage or StorageOptions.from_env(),
                       "source": location or "input"},
            batch_size=None, batch_format=None, zero_copy_batch=True, num_cpus=0,
            **shipped.remote_args(),
        )  # fmt: skip

    def _prepared(self, plan: Any, ds: Any, shipped: Shipment) -> Any:
        """The input dataset through ``prepare``."""
        import ray

        from mixpeek_tools.errors import BadInput

        if plan.prepare is None:
            return ds
        shipped.before_prepare()
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

        resources = ray.cluster_resources()
        cpus = float(resources.get("CPU", 0))
        if step.num_cpus > cpus:
            raise EnvironmentFailure(
                f"step '{step.name}' asks for {step.num_cpus:g} CPUs per worker but the Ray "
                f"cluster has {cpus:g}",
                where=f"step '{step.name}'",
                hint="Lower num_cpus in the StepDefinition, or run on a bigger cluster",
            )
        from mixpeek_tools.runtime.core import gpu_decision

        note = gpu_decision(step, options, float(resources.get("GPU", 0)), "the Ray cluster")
        if note is None:
            return float(step.num_gpus)
        self.stats.notes.append(note)
        return 0.0

    def _stage(
        self,
        ds: Any,
        factory: Any,
        index: int,
        step: Any,
        resources: tuple[float, float],
        options: Any,
        hub: Any,
        shipped: Shipment,
        reading: tuple[Any, int] | None = None,
    ) -> Any:
        """One step's actor pool; with ``reading`` (the runs and how many actors start), over
        the runs its actors read, one at a time per actor, so that every actor gets its own."""
        import ray

        reads, starting = reading if reading is not None else (None, None)
        cpus, gpus = resources
        size = int(options.batch_size or step.batch_size)
        actors = max(1, int(step.concurrency))
        return ds.map_batches(
            StepActor,
            fn_constructor_kwargs={"factory": factory, "index": index,
                                   "placeholders": bool(options.placeholder_services),
                                   "hub": hub, "on_error": options.on_error, "reads": reads},
            batch_size=1 if reads is not None else size,
            # Blocks as they are: the reader's pandas frames for the first step; Arrow outputs
            # of earlier steps, which the actor converts the way the driver does (Ray's own
            # conversion leaves frames that pandas' concat and row selection trip over).
            batch_format="pyarrow" if reads is not None else None,
            # The actor never writes into its batch (pandas copy-on-write; apply_step hands the
            # service a shallow copy), so Ray's defensive copy of every batch is not needed.
            zero_copy_batch=True,
            # A reading pool starts with its actors (first_pool_size): it has a run for each, and
            # Ray's autoscaler sees no queued input to grow it by (runs wait upstream).
            compute=ray.data.ActorPoolStrategy(
                min_size=1, max_size=actors, initial_size=starting,
                max_tasks_in_flight_per_actor=1 if reads is not None else None,
            ),
            num_cpus=cpus,
            num_gpus=gpus,
            # Our actors are cheap to rebuild from plain data; restarts only add a warning.
            max_restarts=0,
            **shipped.remote_args(),
        )  # fmt: skip

    def _split(self, table: Any) -> tuple[Any, Any]:
        """An output block as the frame the local engine would give (index = input rows) and its
        processed flags; its helper columns go into the per-step counts and seconds."""
        import numpy as np
        import pandas as pd

        rows, hits, flags, timings = helper_columns(table)
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


def _first_step_reads(step: Any, source: Any, layout: Any, shares: Shares,
                      options: Any) -> tuple[Any, int] | None:  # fmt: skip
    """The runs the first step's actors read themselves and how many actors start (None: read
    tasks read the input): as many as the step's concurrency that the cluster holds beside one
    actor of every other step."""
    import ray

    from mixpeek_tools.runtime.engines.actor_shares import first_pool_size
    from mixpeek_tools.runtime.engines.ray.readers import actor_reads

    size = int(options.batch_size or step.batch_size)
    starting = first_pool_size(shares, max(1, int(step.concurrency)), ray.cluster_resources())
    reads = actor_reads(source, layout, starting, size)
    return (reads, starting) if reads is not None else None


def _iter_blocks(ds: Any) -> Any:
    return ds.iter_batches(batch_format="pyarrow", batch_size=None, prefetch_batches=2)
