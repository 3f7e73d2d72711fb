"""Benchmark: ``mixpeek plugin run`` on both engines in one go, against their bare baselines.

Run: ``.venv/bin/python benchmarks/bench_run.py [--rows 1000000] [--cpus 2]``

Runs ``bench_run_local.py`` (the local engine against a bare loop over the same processor and
batches; peak memory of the whole command at N/10 and N rows) and then ``bench_run_ray.py`` (the
ray engine against a bare Ray Data ``map_batches`` over the same processor, batches and blocks,
on ``--cpus`` CPUs; peak memory at 100k and N rows), each in its own process so that neither
measures the other's threads or memory, and prints their full reports followed by the headline
figures against the targets. Every ratio is against a baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (figure, label, target as text, passes?)
LOCAL_TARGETS = (
    ("local_vs_bare", "local engine / bare loop, throughput", ">= 0.9x", lambda v: v >= 0.9),
    ("peak_large_vs_small", "local run, peak RSS N / N/10 rows", "<= 1.5x", lambda v: v <= 1.5),
)
RAY_TARGETS = (
    ("ray_vs_bare_map_batches", "ray engine / bare map_batches, best", ">= 0.9x",
     lambda v: v >= 0.9),
    ("ray_vs_bare_map_batches_medians", "ray engine / bare map_batches, medians", ">= 0.9x",
     lambda v: v >= 0.9),
    ("peak_large_vs_small", "ray run, peak RSS N / 100k rows", "<= 1.5x", lambda v: v <= 1.5),
)  # fmt: skip


def run(script: str, args: list[str], out: Path) -> dict[str, float]:
    command = [sys.executable, str(HERE / script), *args, "--json", str(out)]
    print(f"\n$ {' '.join(command[1:])}", flush=True)
    subprocess.run(command, check=True)
    figures: dict[str, float] = json.loads(out.read_text())
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cpus", type=int, default=2, help="CPUs of the local Ray")
    args = parser.parse_args()
    rows = ["--rows", str(args.rows)]
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        local = run("bench_run_local.py", rows, Path(tmp) / "local.json")
        ray = run("bench_run_ray.py", [*rows, "--cpus", str(args.cpus)], Path(tmp) / "ray.json")
    print(f"\nheadline figures, {args.rows:,} short text rows:")
    print(f"  local engine {local['local_rows_per_s']:>10,.0f} rows/s   bare loop "
          f"{local['bare_rows_per_s']:>10,.0f} rows/s")  # fmt: skip
    print(f"  ray engine   {ray['ray_rows_per_s']:>10,.0f} rows/s   bare map_batches "
          f"{ray['bare_map_batches_rows_per_s']:>10,.0f} rows/s")  # fmt: skip
    print(f"  per batch, in core-ms (wall time x CPUs) beyond the processor's own work: Ray Data "
          f"itself {ray['ray_data_overhead_ms_per_batch']:.2f}, the ray engine "
          f"{ray['engine_extra_ms_per_batch']:+.2f} more")  # fmt: skip
    for figures, targets in ((local, LOCAL_TARGETS), (ray, RAY_TARGETS)):
        for key, label, target, passes in targets:
            value = figures[key]
            verdict = "met" if passes(value) else "MISSED"
            print(f"  {label:<42} {value:5.2f}x  target {target}: {verdict}")


if __name__ == "__main__":
    main()
