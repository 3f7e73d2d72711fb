"""Benchmark: the ``ray`` engine against a bare Ray Data ``map_batches`` over the same processor.

Run: ``.venv/bin/python benchmarks/bench_run_ray.py [--rows 1000000] [--cpus 2] [--batch 1024]
[--repeat 3] [--small 100000] [--json F]``
(``benchmarks/bench_run.py`` runs this and the local benchmark in one go.)

One local Ray (``--cpus`` CPUs) serves both measurements; its start-up is timed separately and
left out of both. Input: N short text rows, already in memory as pandas batches (reading files
is the same for both engines and not what is measured). Plugin: the text plugin rendered from
``template/`` (as in ``bench_run_local.py``), else the docs fixture.

* baseline: ``ray.data.from_arrow(tables).map_batches(Bare, batch_size=B, batch_format="pandas",
  compute=ActorPoolStrategy(...))`` where ``Bare`` builds the plugin's processor exactly as the
  engine does and only calls it; output consumed as Arrow tables and counted. The tables are
  the input batches joined into blocks of at least 1 MiB, the block size the engine feeds.
* engine: ``RayEngine.run(plan, batches, options)`` consumed to the end: the kit's actors
  (``apply_step`` row selection, failure isolation, per-step counts) plus turning each output
  block back into the pandas frame the writer gets.

Ray Data's own overhead: the processor alone over the same batches in this process (no Ray) is
the work both runs share; the bare stage's wall time on ``--cpus`` cores beyond it, per batch, is
what Ray Data itself costs, and the engine's extra wall time on those cores is what the kit adds.

Each is run ``--repeat`` times interleaved; the best is reported, with the medians and every run
beside it (this kind of machine varies by several percent from run to run). Peak memory: the
highest summed RSS of this process and every Ray process it started, sampled every 0.1 s during
each run (the object store's shared pages are counted in the processes that touch them).

Memory with input size: each is run once more at ``--small`` and at ``--rows`` rows, the input
made batch by batch as it is consumed (nothing held by the benchmark itself): the engine streams
it, the bare baseline has to take it whole (``from_arrow``). The ratio large/small of the peaks
says whether memory stays flat (1.0x) or grows with the input.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))


class Bare:
    """The baseline's actor: the plugin's first step's service, nothing else."""

    def __init__(self, factory: Any) -> None:
        from mixpeek_tools.runtime.executor import instantiate

        self.service = instantiate(factory().steps[0])

    def __call__(self, batch: Any) -> Any:
        return self.service(batch)


class PeakRss:
    """Samples the summed RSS of this process tree in a thread; ``peak`` in bytes."""

    def __init__(self) -> None:
        import psutil

        self.root = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _total(self) -> int:
        total = 0
        for proc in [self.root, *self.root.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except Exception:  # a worker that exited between listing and reading
                continue
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._total())
            self._stop.wait(0.1)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def text_plugin(workdir: Path) -> tuple[Path, str]:
    try:
        from bench_run_local import text_plugin as render
    except ImportError:
        fixture = REPO / "tests" / "fixtures" / "docs_plugin" / "my_extractor"
        return fixture, "tests/fixtures/docs_plugin/my_extractor"
    return render(workdir)


def input_batches(rows: int, size: int) -> list[Any]:
    return list(lazy_batches(rows, size))


def lazy_batches(rows: int, size: int) -> Any:
    """The same batches as :func:`input_batches`, made one at a time (index = row position)."""
    import pandas as pd

    for start in range(0, rows, size):
        labels = pd.RangeIndex(start, min(start + size, rows))
        yield pd.DataFrame({"text": [f"short text number {i}" for i in labels]}, index=labels)


def run_bare(factory: Any, batches: Any, size: int, workers: int) -> int:
    import numpy as np
    import pyarrow as pa
    import ray

    tables = same_blocks([pa.Table.from_pandas(b.reset_index(drop=True), preserve_index=False)
                          for b in batches])  # fmt: skip
    ds = ray.data.from_arrow(tables).map_batches(
        Bare, fn_constructor_kwargs={"factory": factory}, batch_size=size, batch_format="pandas",
        zero_copy_batch=False, compute=ray.data.ActorPoolStrategy(min_size=1, max_size=workers),
        num_cpus=1, max_restarts=0,
    )  # fmt: skip
    count = 0
    for table in ds.iter_batches(batch_format="pyarrow", batch_size=None, prefetch_batches=2):
        count += table.num_rows
    return int(np.int64(count))


def same_blocks(tables: list[Any]) -> list[Any]:
    """The batches joined into blocks of at least ``MIN_BLOCK_BYTES``, as the engine feeds them.

    One tiny block per batch would make Ray pay its per-task cost on every batch and flatter the
    engine; the baseline gets the block size the engine uses, so only the kit's own work differs.
    """
    import pyarrow as pa

    from mixpeek_tools.runtime.engines.ray_engine import MIN_BLOCK_BYTES

    blocks: list[Any] = []
    pending: list[Any] = []
    size = 0
    for table in tables:
        pending.append(table)
        size += table.nbytes
        if size >= MIN_BLOCK_BYTES:
            blocks.append(pa.concat_tables(pending))
            pending, size = [], 0
    if pending:
        blocks.append(pa.concat_tables(pending))
    return blocks


def run_loop(factory: Any, batches: Any) -> float:
    """Seconds the processor alone takes over the batches in this process (no Ray): the work
    both Ray runs share, so what they take beyond it is Ray Data's and the kit's overhead."""
    bare = Bare(factory)
    started = time.perf_counter()
    for batch in batches:
        bare(batch.copy(deep=False))
    return time.perf_counter() - started


def run_engine(plan: Any, batches: Any, size: int) -> int:
    from mixpeek_tools.runtime.engines.ray_engine import RayEngine
    from mixpeek_tools.runtime.executor import RunOptions

    engine = RayEngine()
    count = 0
    for frame in engine.run(plan, iter(batches), RunOptions(batch_size=size)):
        count += len(frame)
    return count


def timed(fn: Callable[[], int]) -> tuple[float, int, int]:
    with PeakRss() as rss:
        t0 = time.perf_counter()
        rows = fn()
        seconds = time.perf_counter() - t0
    return seconds, rows, rss.peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cpus", type=int, default=2)
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--small", type=int, default=100_000, help="rows of the memory check")
    parser.add_argument("--json", type=Path, help="also write the headline figures here")
    args = parser.parse_args()

    import tempfile
    from functools import partial

    from mixpeek_tools.plugin.loader import load_plugin
    from mixpeek_tools.runtime.engines.ray_engine import init_ray
    from mixpeek_tools.runtime.executor import plan_pipeline

    with tempfile.TemporaryDirectory(prefix="bench-ray-") as tmp:
        plugin_dir, origin = text_plugin(Path(tmp))
        plan = plan_pipeline(load_plugin(plugin_dir), {}, dataset_size=args.rows)
        workers = max(1, min(plan.steps[0].concurrency, args.cpus))
        batches = input_batches(args.rows, args.batch)
        t0 = time.perf_counter()
        init_ray(num_cpus=args.cpus)
        startup = time.perf_counter() - t0
        best: dict[str, tuple[float, int, int]] = {}
        every: dict[str, list[float]] = {"bare map_batches": [], "ray engine": []}
        loop_s = min(run_loop(plan.factory, batches) for _ in range(args.repeat))
        for _ in range(args.repeat):
            for name, fn in (
                ("bare map_batches", lambda: run_bare(plan.factory, batches, args.batch, workers)),
                ("ray engine", lambda: run_engine(plan, batches, args.batch)),
            ):
                result = timed(fn)
                if result[1] != args.rows:
                    raise SystemExit(f"{name} returned {result[1]} rows, expected {args.rows}")
                every[name].append(result[0])
                if name not in best or result[0] < best[name][0]:
                    best[name] = result
        batches.clear()  # the memory runs below hold no input of their own
        memory: dict[str, dict[int, int]] = {"bare map_batches": {}, "ray engine": {}}
        for rows in (args.small, args.rows):
            memory["bare map_batches"][rows] = timed(partial(
                lambda n: run_bare(plan.factory, lazy_batches(n, args.batch), args.batch, workers),
                rows))[2]  # fmt: skip
            memory["ray engine"][rows] = timed(partial(
                lambda n: run_engine(plan, lazy_batches(n, args.batch), args.batch), rows))[2]  # fmt: skip
        import ray

        ray.shutdown()

    print(f"plugin: {origin}")
    print(f"rows: {args.rows:,}  batch size: {args.batch}  Ray CPUs: {args.cpus}  "
          f"actors per step: up to {workers}  best of {args.repeat}")  # fmt: skip
    print(f"ray.init(num_cpus={args.cpus}): {startup:.2f} s (left out of both figures)")
    base_s = best["bare map_batches"][0]
    for name, (seconds, rows, peak) in best.items():
        print(f"  {name:<18} {seconds:7.2f} s  {rows / seconds:>10,.0f} rows/s  "
              f"peak RSS {peak / 2**20:8,.0f} MiB  ratio vs baseline {base_s / seconds:.2f}x")  # fmt: skip
    engine_s = best["ray engine"][0]
    print(f"ray engine throughput = {base_s / engine_s:.2f}x the bare map_batches baseline "
          f"(overhead {engine_s - base_s:+.2f} s, "
          f"{(engine_s - base_s) / (args.rows / args.batch) * 1000:+.2f} ms per batch)")  # fmt: skip
    import statistics

    # Core-milliseconds (wall time x CPUs) per batch beyond the processor's own work.
    count = args.rows / args.batch
    ray_data_ms = (base_s * args.cpus - loop_s) / count * 1000
    kit_ms = (engine_s - base_s) * args.cpus / count * 1000
    print(f"processor alone, one process, no Ray: {loop_s:.2f} s; on {args.cpus} CPUs Ray Data "
          f"itself adds {ray_data_ms:.2f} core-ms per batch (wall time x CPUs), the engine "
          f"{kit_ms:+.2f} core-ms more ({kit_ms / ray_data_ms:.2f}x Ray Data's own overhead)")  # fmt: skip

    base_mid, engine_mid = (statistics.median(every[n]) for n in ("bare map_batches", "ray engine"))
    print(f"medians: bare {base_mid:.2f} s, engine {engine_mid:.2f} s = "
          f"{base_mid / engine_mid:.2f}x; each run (bare / engine): "
          + ", ".join(f"{b:.2f}/{e:.2f}" for b, e in zip(every["bare map_batches"],
                                                         every["ray engine"], strict=True)))  # fmt: skip
    print(f"peak memory, input made batch by batch, {args.small:,} vs {args.rows:,} rows:")
    for name, peaks in memory.items():
        small, large = peaks[args.small], peaks[args.rows]
        print(f"  {name:<18} {small / 2**20:8,.0f} MiB  {large / 2**20:8,.0f} MiB  "
              f"ratio {large / small:.2f}x")  # fmt: skip
    if args.json:
        import json

        engine = memory["ray engine"]
        args.json.write_text(json.dumps({
            "bare_map_batches_rows_per_s": args.rows / base_s,
            "ray_rows_per_s": args.rows / engine_s,
            "ray_vs_bare_map_batches": base_s / engine_s,
            "ray_vs_bare_map_batches_medians": base_mid / engine_mid,
            "ray_data_overhead_ms_per_batch": ray_data_ms,
            "engine_extra_ms_per_batch": kit_ms,
            "peak_mib_small": engine[args.small] / 2**20,
            "peak_mib_large": engine[args.rows] / 2**20,
            "peak_large_vs_small": engine[args.rows] / engine[args.small],
        }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
