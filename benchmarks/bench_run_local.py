"""Benchmark: the local engine against a bare loop over the same processor, and its memory.

Run: ``.venv/bin/python benchmarks/bench_run_local.py [--rows 1000000] [--repeat 5] [--json F]``
(``benchmarks/bench_run.py`` runs this and the Ray benchmark in one go.)

1. Throughput, in one process: N short text rows through a text plugin (rendered from
   ``template/`` when ``copier`` and the template are available, else the docs-exact fixture
   ``tests/fixtures/docs_plugin/my_extractor``). Baseline: a bare loop that instantiates the same
   processor class with the same config and calls it on pandas batches of the same size. The
   engine (``executor.run_batches``: row selection by RowCondition, stats, failure isolation) gets
   the identical batches. Best of ``--repeat`` runs each, interleaved. Target: >= 0.9x.
2. Memory, in child processes: ``mixpeek plugin run`` (the whole command: read JSONL, run,
   validate, write JSONL) over N/10 and N rows; peak RSS from ``wait4``. Target: 1M/100k <= 1.5x.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "docs_plugin" / "my_extractor"


def text_plugin(workdir: Path) -> tuple[Path, str]:
    """A text plugin: rendered from the template when possible, else the docs fixture."""
    if (REPO / "copier.yml").is_file() and (REPO / "template").is_dir():
        try:
            from copier import run_copy

            run_copy(
                str(REPO),
                str(workdir),
                data={"plugin_name": "bench_text", "category": "text"},
                defaults=True,
                unsafe=True,
                quiet=True,
                vcs_ref="HEAD",
            )
            found = [p.parent for p in workdir.rglob("manifest.py")]
            if found:
                return found[0], "rendered from template/ (text category)"
        except Exception as exc:  # fall back: the benchmark must run even while the template moves
            print(f"(template render failed: {type(exc).__name__}: {exc}; using the docs fixture)")
    return FIXTURE, "tests/fixtures/docs_plugin/my_extractor (docs-exact text plugin)"


def make_rows(n: int):  # -> pd.DataFrame
    import pandas as pd

    return pd.DataFrame({"text": [f"short text number {i}" for i in range(n)]})


def batches_of(df, size: int) -> list:
    return [df.iloc[i : i + size] for i in range(0, len(df), size)]


def bare_loop(step, batches: list) -> tuple[float, float]:
    """The baseline: the processor called directly on each batch. (wall s, CPU s)"""
    w0, c0 = time.perf_counter(), time.process_time()
    processor = step.service_class(step.config)
    out = [processor(b) for b in batches]
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    assert sum(len(o) for o in out) == sum(len(b) for b in batches)
    return wall, cpu


def engine_run(plan, batches: list, processes: int = 0) -> tuple[float, float]:
    """The local engine over the same batches. (wall s, CPU s of this process)"""
    from mixpeek_tools.runtime.executor import RunOptions, run_batches

    w0, c0 = time.perf_counter(), time.process_time()
    out = list(run_batches(plan, batches, RunOptions(cpu_processes=processes)))
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    assert sum(len(o) for o in out) == sum(len(b) for b in batches)
    return wall, cpu


def throughput(plugin_dir: Path, rows: int, repeat: int) -> dict[str, float]:
    from mixpeek_tools.plugin.loader import load_plugin
    from mixpeek_tools.runtime.executor import plan_pipeline

    plan = plan_pipeline(load_plugin(plugin_dir), dataset_size=rows)
    step = plan.steps[0]
    df = make_rows(rows)
    bare: list[tuple[float, float]] = []
    local: list[tuple[float, float]] = []
    for _ in range(repeat):  # interleaved, so background load hits both alike
        bare.append(bare_loop(step, batches_of(df, step.batch_size)))
        local.append(engine_run(plan, batches_of(df, step.batch_size)))
    bare_wall, bare_cpu = min(w for w, _ in bare), min(c for _, c in bare)
    local_wall, local_cpu = min(w for w, _ in local), min(c for _, c in local)
    print(f"\n[1] throughput, {rows:,} rows, batch size {step.batch_size}, best of {repeat}")
    print(f"  baseline  bare loop over batches : {rows / bare_wall:>12,.0f} rows/s")
    print(f"  local engine (run_batches)       : {rows / local_wall:>12,.0f} rows/s")
    print(
        f"  ratio local / bare loop, wall    : {bare_wall / local_wall:>12.2f}x  (target >= 0.9x)"
    )
    print(
        f"  ratio local / bare loop, CPU time: {bare_cpu / local_cpu:>12.2f}x  "
        "(less sensitive to other load on the machine)"
    )
    procs = os.cpu_count() or 1
    if procs > 1:
        best_procs = min(
            engine_run(plan, batches_of(df, step.batch_size), processes=procs)[0] for _ in range(2)
        )
        print(
            f"  local engine, --cpu-processes {procs}  : {rows / best_procs:>12,.0f} rows/s  "
            f"({bare_wall / best_procs:.2f}x the bare loop, wall; includes worker start-up)"
        )
    return {"bare_rows_per_s": rows / bare_wall, "local_rows_per_s": rows / local_wall,
            "local_vs_bare": bare_wall / local_wall}  # fmt: skip


def write_jsonl(path: Path, n: int) -> None:
    with path.open("w") as fh:
        for start in range(0, n, 100_000):
            fh.write(
                "".join(
                    json.dumps({"text": f"short text number {i}"}) + "\n"
                    for i in range(start, min(n, start + 100_000))
                )
            )


# Linux keeps ru_maxrss across fork+exec, so a child would report the benchmark's own (large)
# peak. VmHWM in /proc/self/status belongs to the process image and starts afresh at exec: each
# child writes its own VmHWM to a file when it exits.
_PEAK_WRAPPER = """
import atexit, sys
def _peak():
    with open('/proc/self/status') as fh:
        kb = next(int(l.split()[1]) for l in fh if l.startswith('VmHWM:'))
    with open(sys.argv[1], 'w') as out:
        out.write(str(kb))
atexit.register(_peak)
if sys.argv[2] == '-c':
    exec(sys.argv[3])
else:
    from mixpeek_tools.cli.main import cli, run_cli
    sys.exit(run_cli(cli, sys.argv[2:]))
"""


def child_run(args: list[str], workdir: Path) -> tuple[float, float, int]:
    """(seconds, peak RSS MiB, exit code) of one child process running ``args``."""
    peak_file = workdir / "peak_kb"
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _PEAK_WRAPPER, str(peak_file), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    elapsed = time.perf_counter() - t0
    if proc.returncode:
        print("  child stderr:", proc.stderr.strip()[:500])
    return elapsed, int(peak_file.read_text()) / 1024, proc.returncode


def memory(plugin_dir: Path, rows: int, workdir: Path) -> dict[str, float]:
    small = max(1, rows // 10)
    mixpeek = ["plugin", "run", "-p", str(plugin_dir)]
    _, base_rss, _ = child_run(["-c", "import pandas, pydantic"], workdir)
    print("\n[2] whole command `mixpeek plugin run` (JSONL in, JSONL out), child processes")
    print(f"  baseline  python -c 'import pandas, pydantic' : peak RSS {base_rss:7.1f} MiB")
    results = {}
    for n in (small, rows):
        src, dst = workdir / f"in_{n}.jsonl", workdir / f"out_{n}.jsonl"
        write_jsonl(src, n)
        sec, rss, code = child_run([*mixpeek, "-i", str(src), "-o", str(dst)], workdir)
        results[n] = rss
        print(
            f"  {n:>9,} rows: {sec:6.2f} s  {n / sec:>10,.0f} rows/s end to end  "
            f"peak RSS {rss:7.1f} MiB  (exit {code})"
        )
        src.unlink()
        dst.unlink(missing_ok=True)
    ratio = results[rows] / results[small]
    print(f"  peak RSS {rows:,} / {small:,} rows          : {ratio:.2f}x  (target <= 1.5x)")
    return {"peak_mib_small": results[small], "peak_mib_large": results[rows],
            "peak_large_vs_small": ratio}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the headline figures here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_run_local_") as tmp:
        workdir = Path(tmp)
        plugin_dir, origin = text_plugin(workdir / "plugin")
        print(f"plugin: {origin}")
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPU(s)")
        figures = throughput(plugin_dir, args.rows, args.repeat)
        figures.update(memory(plugin_dir, args.rows, workdir))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
