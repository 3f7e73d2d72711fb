"""Whole process: ``mixpeek plugin run`` over 200,000 short rows (read, process, write, start-up
included) against a bare pandas script calling the same processor (read, process, write), both
as fresh ``python`` processes on the same Parquet input, timed in the same run, alternating.
Target: at least 0.9x the bare throughput (issue 15, item 6).

A third script, timed in the same alternation but not part of the ratio, is the bare script
plus ``import bench_text.manifest``: the plugin's own module, which imports pydantic and builds
its two models. Every kit run must import it (the schemas come from it), and by instruction
count (callgrind) it alone adds about a fifth to the bare script (1,952M -> 2,337M), so its
line shows how much of the gap is the kit's own work and how much is the plugin's pydantic.

    PYTHONPATH=. python benchmarks/bench_run_process.py [--rows 200000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_run_s3 import _plugin  # the same text plugin and processor

BARE = """
import sys
import pandas as pd
sys.path.insert(0, sys.argv[3])
from bench_text.processors import TextStats
service = TextStats({})
frame = pd.read_parquet(sys.argv[1])
parts = [service(frame.iloc[i:i + 4096].copy()) for i in range(0, len(frame), 4096)]
pd.concat(parts).to_parquet(sys.argv[2])
"""


# The same, plus the plugin's manifest (pydantic and its models): the floor for any run that
# reads the plugin's schemas.
FLOOR = BARE.replace("service =", "import bench_text.manifest\nservice =")


def _data(path: Path, rows: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
    texts = [f"{words[i % 8]} {words[(i * 7) % 8]} row {i}" for i in range(rows)]
    pq.write_table(pa.table({"text": texts}), path)


def _compile_bytecode(plugin: Path) -> None:
    """Bytecode for the kit and the plugin, as an installed kit has it (pip compiles on install).

    Without it, under PYTHONDONTWRITEBYTECODE=1 every timed ``mixpeek`` process compiled the
    kit's own modules from source (about 35 ms of CPU a run) while pandas and pyarrow, installed
    as wheels, came compiled. The kit compiles the plugin's staged files from source either way.
    """
    import compileall

    import mixpeek_tools

    compileall.compile_dir(str(Path(mixpeek_tools.__file__).parent), quiet=1)
    compileall.compile_dir(str(plugin), quiet=1)


def _timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=dict(os.environ))
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        plugin = _plugin(root)
        source = root / "in.parquet"
        _data(source, args.rows)
        (root / "bare.py").write_text(textwrap.dedent(BARE))
        (root / "floor.py").write_text(textwrap.dedent(FLOOR))
        kit = [sys.executable, "-m", "mixpeek_tools.cli.main", "plugin", "run", "--path", str(plugin),
               "--input", str(source), "--output", str(root / "kit.parquet")]  # fmt: skip
        bare = [sys.executable, str(root / "bare.py"), str(source), str(root / "bare.parquet"),
                str(root)]  # fmt: skip
        floor = [sys.executable, str(root / "floor.py"), *bare[2:]]
        _compile_bytecode(plugin)
        _timed(bare), _timed(kit), _timed(floor)  # warm-up: file cache
        bare_s, kit_s, floor_s = [], [], []
        for turn in range(args.repeat):  # alternating order: the machine is shared
            runs = [(bare_s, bare), (kit_s, kit), (floor_s, floor)]
            for times, command in runs if turn % 2 == 0 else reversed(runs):
                times.append(_timed(command))
    best = min(bare_s) / min(kit_s)
    median = statistics.median(bare_s) / statistics.median(kit_s)
    print(f"rows: {args.rows:,}")
    print(f"bare pandas script: best {min(bare_s):.2f}s  median {statistics.median(bare_s):.2f}s")
    print(f"mixpeek plugin run: best {min(kit_s):.2f}s  median {statistics.median(kit_s):.2f}s")
    print(f"ratio kit/bare throughput: best {best:.2f}x  medians {median:.2f}x (target >= 0.90x)")
    floor_median = statistics.median(floor_s)
    print(f"bare + plugin manifest (pydantic, not in the ratio): best {min(floor_s):.2f}s  "
          f"median {floor_median:.2f}s; bare/that {statistics.median(bare_s) / floor_median:.2f}x, "
          f"kit/that {floor_median / statistics.median(kit_s):.2f}x")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
