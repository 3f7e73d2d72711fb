"""Benchmark: ``mixpeek plugin scan`` against ``bandit -r -q`` on the same large real tree.

Both run as whole processes (start-up included) over the installed pandas package (about
700k lines), in the same run so the machine's state is shared. The baseline is bandit; the
scanner runs with one worker (``--jobs 1``) and two (``--jobs 2``), cold (no cache), plus one
warm-cache run as the pre-commit hook would see it. Printed: wall time, CPU time of the child
processes, lines per second and ratios against bandit (>1 means faster than bandit).

Usage: .venv/bin/python benchmarks/bench_scan.py [--tree PATH] [--repeat N]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def default_tree() -> Path:
    spec = importlib.util.find_spec("pandas")
    if spec is None or spec.origin is None:
        sys.exit("pandas is not installed; pass --tree PATH")
    return Path(spec.origin).parent


def count_lines(tree: Path) -> int:
    total = 0
    for path in tree.rglob("*.py"):
        with open(path, "rb") as handle:
            total += handle.read().count(b"\n")
    return total


def run(cmd: list[str]) -> tuple[float, float, int]:
    """Wall seconds, child CPU seconds (user+sys) and exit code of one whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return wall, cpu, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=1, help="runs per command; the best is kept")
    args = parser.parse_args()
    tree = args.tree or default_tree()
    bandit = shutil.which("bandit", path=os.path.dirname(sys.executable)) or shutil.which("bandit")
    if bandit is None:
        sys.exit("bandit is not installed (pip install bandit)")
    lines = count_lines(tree)
    scan = [sys.executable, "-m", "mixpeek_tools", "plugin", "scan", str(tree), "--format", "json"]
    cache_dir = tempfile.mkdtemp(prefix="mixpeek-bench-cache-")
    commands = {
        "bandit -r -q (baseline)": [bandit, "-r", "-q", str(tree)],
        "mixpeek plugin scan --jobs 1": [*scan, "--jobs", "1"],
        "mixpeek plugin scan --jobs 2": [*scan, "--jobs", "2"],
    }
    print(f"tree: {tree} ({lines} lines of Python), machine: {os.cpu_count()} CPUs, repeat={args.repeat}")
    results: dict[str, tuple[float, float]] = {}
    for _ in range(args.repeat):
        for name, cmd in commands.items():
            wall, cpu, _code = run(cmd)
            best = results.get(name)
            results[name] = (min(wall, best[0]), min(cpu, best[1])) if best else (wall, cpu)
    run([*scan, "--jobs", "2", "--cache-dir", cache_dir])  # fill the cache
    warm = run([*scan, "--jobs", "2", "--cache-dir", cache_dir])
    results["mixpeek plugin scan, warm cache"] = (warm[0], warm[1])
    shutil.rmtree(cache_dir, ignore_errors=True)

    base_wall, base_cpu = results["bandit -r -q (baseline)"]
    print(f"{'command':40} {'wall s':>8} {'cpu s':>8} {'lines/s':>10} {'x bandit (wall)':>16} {'x bandit (cpu)':>15}")
    for name, (wall, cpu) in results.items():
        print(
            f"{name:40} {wall:8.2f} {cpu:8.2f} {lines / wall:10.0f} "
            f"{base_wall / wall:16.2f} {base_cpu / cpu if cpu else float('inf'):15.2f}"
        )


if __name__ == "__main__":
    main()
