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
(``preserve_order``). The input is read by the kit's own readers (the same as the local engine)
and handed to Ray as Arrow blocks, so the whole input sits in Ray's object store during a run.
"""

from __future__ import annotations

import logging
import os
import warnings
from typing import Any

from mixpeek_tools.errors import EnvironmentFailure

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

ROW = "__mixpeek_row__"
PROCESSED = "__mixpeek_processed__"
ERROR = "__mixpeek_error__"
STEP = "__mixpeek_step__"
HITS = "__mixpeek_hits__"  # bit i set: step i processed the row (for per-step counts)
_HELPERS = (ROW, PROCESSED, ERROR, STEP, HITS)


def _is_tombstone(df: Any) -> Any:
    """Rows that stand for an input row a step failed on (carried to the driver in order)."""
    if ERROR not in df.columns:
        import numpy as np

        return np.zeros(len(df), dtype=bool)
    return df[ERROR].notna().to_numpy()


class StepActor:
    """One Ray actor of one step: builds the plan and the step's service once, then applies it.

    Failing rows (``on_error=continue``) travel on as *tombstone* rows (input row number, step,
    error) so the driver reports them in order; with ``on_error=stop`` the driver stops at the
    first one. A service that cannot even be created fails the first batch with its own error,
    which the driver unwraps into the usual one-paragraph message.
    """

    def __init__(self, factory: Any, index: int, placeholders: bool) -> None:
        if placeholders:
            os.environ["MIXPEEK_PLACEHOLDER_SERVICES"] = "1"
        self.error: BaseException | None = None
        try:
            from mixpeek_tools.runtime.executor import instantiate

            plan = factory()
            self.index = index
            self.step = plan.steps[index]
            self.service = instantiate(self.step)
        except BaseException as exc:  # raised again on the first batch, where Ray reports it
            self.error = exc

    def __call__(self, batch: Any) -> Any:
        import numpy as np
        import pandas as pd

        from mixpeek_tools.runtime.content import condition_mask
        from mixpeek_tools.runtime.executor import apply_step

        if self.error is not None:
            raise self.error
        dead = _is_tombstone(batch)
        rows = batch[~dead] if dead.any() else batch
        frame = rows.drop(columns=[c for c in _HELPERS if c in rows.columns])
        labels = rows[ROW].to_numpy(dtype="int64")
        frame.index = pd.Index(labels)
        flags = rows[PROCESSED].to_numpy(dtype=bool)
        hits = _hits(rows)
        mask = condition_mask(frame, self.step.condition)
        outcome = apply_step(self.step, self.service, frame, flags, on_error="continue")
        out = outcome.frame.copy(deep=False)
        out_labels = np.asarray(out.index, dtype="int64")
        out[ROW] = out_labels
        out[PROCESSED] = outcome.processed
        out[HITS] = _mark_hits(labels, hits, mask, out_labels, np.int64(1) << np.int64(self.index))
        out = out.reset_index(drop=True)
        graves = [batch[dead]] if dead.any() else []
        for failure in outcome.failures:
            graves.append(pd.DataFrame({ROW: [failure.row - 1], PROCESSED: [False],
                                        ERROR: [failure.error], STEP: [failure.step]}))  # fmt: skip
        if not graves:
            return out
        merged = pd.concat([out, *graves], ignore_index=True)
        return merged.iloc[np.argsort(merged[ROW].to_numpy(), kind="stable")].reset_index(drop=True)


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
        import time

        from mixpeek_tools.runtime.executor import PROCESSED_ATTR, ProcessedFlags

        factory = _factory(plan)
        if options.placeholder_services:
            os.environ["MIXPEEK_PLACEHOLDER_SERVICES"] = "1"
        self._started = init_ray(self.num_cpus, verbose=self.verbose) or self._started
        _configure_data_context(self.verbose)
        gpus = [self._gpus_for(step, options) for step in plan.steps]
        ds = self._input_dataset(plan, batches)
        for index, step in enumerate(plan.steps):
            ds = self._stage(ds, factory, index, step, gpus[index], options)
        tables = iter(_iter_tables(ds))
        try:
            for table in tables:
                frame, flags, failures = _split(table)
                self._count_hits(frame.attrs.pop(HITS))
                self._count_failures(failures, options)
                frame.attrs[PROCESSED_ATTR] = ProcessedFlags(flags)
                self.stats.rows_out += len(frame)
                if options.on_progress is not None:
                    options.on_progress(len(frame) + len(failures))
                yield frame
        except Exception as exc:
            raise _unwrap(exc) from None
        finally:
            # Stopping early (a failed row, an error, a closed consumer) must stop Ray Data's
            # executor too, or its actors keep their CPUs and the next run waits for them.
            close = getattr(tables, "close", None)
            if close is not None:
                close()
            self.stats.finished = time.perf_counter()
            self._finish_step_stats()

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

    def _input_dataset(self, plan: Any, batches: Any) -> Any:
        """Input batches as Arrow blocks (row numbers kept in a column), then ``prepare``."""
        import numpy as np
        import pyarrow as pa
        import ray

        from mixpeek_tools.errors import BadInput

        tables = []
        for df in batches:
            self.stats.rows_in += len(df)
            block = df.reset_index(drop=True)
            block[ROW] = np.asarray(df.index, dtype="int64")
            block[PROCESSED] = np.zeros(len(df), dtype=bool)
            tables.append(pa.Table.from_pandas(block, preserve_index=False))
        if not tables:
            tables = [pa.table({ROW: pa.array([], pa.int64()), PROCESSED: pa.array([], pa.bool_())})]
        ds = ray.data.from_arrow(tables)
        if plan.prepare is None:
            return ds
        prepared = plan.prepare(ds)
        if not isinstance(prepared, ray.data.Dataset):
            raise BadInput(
                f"prepare returned {type(prepared).__name__}, not the Ray Dataset it was given",
                where="pipeline.py: prepare",
                hint="Prepare must return the dataset, e.g. lambda ds: ds.filter(...)",
            )
        # prepare's own tasks (filter, map) need CPUs that the steps' actor pools would hold on
        # a small cluster, which deadlocks the stream; running prepare to completion first
        # avoids that.
        return prepared.materialize()

    def _stage(
        self, ds: Any, factory: Any, index: int, step: Any, gpus: float, options: Any
    ) -> Any:
        import ray

        size = int(options.batch_size or step.batch_size)
        return ds.map_batches(
            StepActor,
            fn_constructor_kwargs={"factory": factory, "index": index,
                                   "placeholders": bool(options.placeholder_services)},
            batch_size=size,
            batch_format="pandas",
            zero_copy_batch=False,
            compute=ray.data.ActorPoolStrategy(min_size=1, max_size=max(1, int(step.concurrency))),
            num_cpus=float(step.num_cpus),
            num_gpus=gpus,
            # Our actors are cheap to rebuild from plain data; restarts only add a warning.
            max_restarts=0,
        )  # fmt: skip

    def _count_failures(self, failures: list[Any], options: Any) -> None:
        from mixpeek_tools.runtime.executor import RowsFailed

        if not failures:
            return
        self.stats.failures.extend(failures)
        if options.on_error == "stop":
            raise RowsFailed(failures)

    def _count_hits(self, hits: Any) -> None:
        import numpy as np

        for index, step_stats in enumerate(self.stats.steps):
            step_stats.rows_processed += int(np.count_nonzero(hits & (1 << index)))
            step_stats.batches += 1

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


def _configure_data_context(verbose: bool) -> None:
    import ray

    if not verbose:
        _quiet()  # importing ray.data configures its loggers anew
    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True  # rows come back in input order
    ctx.raise_original_map_exception = True  # the kit's own errors reach the driver intact
    ctx.enable_progress_bars = verbose
    if hasattr(ctx, "print_on_execution_start"):
        ctx.print_on_execution_start = verbose


def _iter_tables(ds: Any) -> Any:
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
    return column.to_pandas()


def _split(table: Any) -> tuple[Any, Any, list[Any]]:
    """Output frame (index = input rows), its processed flags, and the failures it carried."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from mixpeek_tools.runtime.executor import RowFailure

    names = [n for n in table.column_names if n not in _HELPERS]
    rows = table.column(ROW).to_numpy(zero_copy_only=False)
    hits = _hits_of(table)
    failures: list[Any] = []
    if ERROR in table.column_names and table.column(ERROR).null_count < table.num_rows:
        errors = table.column(ERROR).to_pylist()
        steps = table.column(STEP).to_pylist()
        dead = np.array([e is not None for e in errors])
        failures = [RowFailure(int(r) + 1, str(s), str(e))
                    for r, s, e, d in zip(rows, steps, errors, dead, strict=True) if d]  # fmt: skip
        table = table.filter(pa.array(~dead))
        rows, hits = rows[~dead], hits[~dead]
    frame = pd.DataFrame({n: _column(table, n) for n in names})
    frame.index = pd.Index(rows)
    flags = table.column(PROCESSED).to_numpy(zero_copy_only=False).astype(bool)
    frame.attrs[HITS] = hits
    return frame, flags, failures


def _mark_hits(labels: Any, hits: Any, mask: Any, out_labels: Any, bit: Any) -> Any:
    """Each output row's step bitmask: its bits so far, plus ``bit`` where this step selected it.

    The common case (same rows out as in, every row selected) avoids any lookup.
    """
    import numpy as np
    import pandas as pd

    same = len(out_labels) == len(labels) and bool(np.array_equal(out_labels, labels))
    before = hits if same else pd.Series(hits, index=labels).reindex(out_labels).fillna(0)
    before = np.asarray(before, dtype="int64")
    if mask.all():
        return before | bit
    if same:
        return before | np.where(mask, bit, np.int64(0))
    return before | np.where(np.isin(out_labels, labels[mask]), bit, np.int64(0))


def _hits(df: Any) -> Any:
    import numpy as np

    if HITS not in df.columns:
        return np.zeros(len(df), dtype="int64")
    return df[HITS].fillna(0).to_numpy(dtype="int64")


def _hits_of(table: Any) -> Any:
    import numpy as np

    if HITS not in table.column_names:
        return np.zeros(table.num_rows, dtype="int64")
    return table.column(HITS).fill_null(0).to_numpy(zero_copy_only=False).astype("int64")


def _unwrap(exc: BaseException) -> BaseException:
    """The kit's own error inside a Ray task error (e.g. a service that cannot run here)."""
    from mixpeek_tools.errors import EnvironmentFailure, KitError

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, KitError):
            return current
        seen.add(id(current))
        current = getattr(current, "cause", None) or current.__cause__
    if type(exc).__module__.startswith("ray"):
        return EnvironmentFailure(
            f"the Ray run failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
            where="--engine ray",
            hint="Run again with --verbose for Ray's full report",
        )
    return exc
