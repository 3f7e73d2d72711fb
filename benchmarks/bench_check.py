"""Benchmark: the kit's checks against the tools they replace, on the same plugin.

Whole processes, as a developer meets them, measured in one run (interleaved) so the ratios
compare like with like. Baselines: ``bandit -q -r <plugin>`` (the static checks replace it) and
a plain ``python -m pytest -q`` in the plugin (``mixpeek plugin test`` replaces it). Measured:

* ``mixpeek-check`` cold: an empty cache every time (first commit, or every file changed);
* ``mixpeek-check`` warm: the cache already holds every file (the usual commit);
* ``mixpeek plugin validate``: every static check, including importing the plugin;
* ``mixpeek plugin test``: the static checks, then the plugin's pytest in a child.

Targets: hook warm at most 0.5x bandit, cold at most 1x (validator issue); validate at most
1.0x bandit and test at most 1.2x pytest (issue 15).

    .venv/bin/python benchmarks/bench_check.py [--runs 9]

The plugin is freshly rendered with ``mixpeek plugin init`` when the scaffold command works,
else the docs-style fixture plugin is used (the output says which).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
FIXTURE = REPO / "tests" / "fixtures" / "docs_plugin" / "my_extractor"


def render_plugin(workdir: Path) -> tuple[Path, str]:
    """A rendered text plugin, or a copy of the docs fixture when rendering is unavailable."""
    out = workdir / "rendered"
    result = subprocess.run(
        [str(BIN / "mixpeek"), "plugin", "init", "bench_plugin", "-c", "text", "-o", str(out)],
        capture_output=True, text=True,
    )
    root = out / "bench_plugin"
    if result.returncode == 0 and (root / "manifest.py").is_file():
        return root, "rendered with `mixpeek plugin init bench_plugin -c text`"
    target = workdir / "fixture" / "my_extractor"
    shutil.copytree(FIXTURE, target)
    return target, "copy of tests/fixtures/docs_plugin/my_extractor (plugin init unavailable)"


def timed(cmd: list[str], env: dict[str, str], before: Callable[[], None] | None = None) -> float:
    if before is not None:
        before()
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=9, help="runs per command (median reported)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mixpeek-bench-") as tmp:
        work = Path(tmp)
        root, origin = render_plugin(work)
        files = sorted(str(p) for p in root.rglob("*.py") if "__pycache__" not in p.parts)
        lines = sum(len(Path(f).read_text().splitlines()) for f in files)
        cold_cache, warm_cache = work / "cold-cache", work / "warm-cache"
        env_cold = dict(os.environ, MIXPEEK_CACHE_DIR=str(cold_cache))
        env_warm = dict(os.environ, MIXPEEK_CACHE_DIR=str(warm_cache))
        check = [str(BIN / "mixpeek-check"), *files]
        subprocess.run(check, env=env_warm, capture_output=True, check=False)  # fill warm cache

        def clear_cold() -> None:
            shutil.rmtree(cold_cache, ignore_errors=True)

        commands: dict[str, tuple[list[str], dict[str, str], Callable[[], None] | None]] = {
            "python -c pass": ([sys.executable, "-c", "pass"], dict(os.environ), None),
            "bandit -r (baseline)": ([str(BIN / "bandit"), "-q", "-r", str(root)], dict(os.environ), None),
            "mixpeek-check cold": (check, env_cold, clear_cold),
            "mixpeek-check warm": (check, env_warm, None),
            "mixpeek plugin validate": (
                [str(BIN / "mixpeek"), "plugin", "validate", "-p", str(root)], dict(os.environ), None
            ),
            "pytest (baseline)": (
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(root / "tests")],
                dict(os.environ, PYTHONPATH=os.pathsep.join(
                    p for p in (str(root.parent), os.environ.get("PYTHONPATH")) if p)), None,
            ),
            "mixpeek plugin test": (
                [str(BIN / "mixpeek"), "plugin", "test", "-p", str(root)], dict(os.environ), None
            ),
        }
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for cmd, env, before in commands.values():  # warm the OS caches once
            timed(cmd, env, before)
        for _ in range(args.runs):  # interleaved, so drift hits every command alike
            for name, (cmd, env, before) in commands.items():
                samples[name].append(timed(cmd, env, before))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    base, tests = medians["bandit -r (baseline)"], medians["pytest (baseline)"]
    print(f"plugin: {origin}; {len(files)} Python files, {lines} lines; {args.runs} runs each")
    print(f"{'command':<26}{'median ms':>10}{'x bandit':>10}{'x pytest':>10}")
    for name, value in medians.items():
        print(f"{name:<26}{value * 1000:>10.1f}{value / base:>10.2f}{value / tests:>10.2f}")
    targets = [
        ("mixpeek-check warm", medians["mixpeek-check warm"] / base, 0.5, "bandit"),
        ("mixpeek-check cold", medians["mixpeek-check cold"] / base, 1.0, "bandit"),
        ("plugin validate", medians["mixpeek plugin validate"] / base, 1.0, "bandit"),
        ("plugin test", medians["mixpeek plugin test"] / tests, 1.2, "pytest"),
    ]
    for name, ratio, limit, against in targets:
        verdict = "met" if ratio <= limit else "MISSED"
        print(f"target {name} <= {limit}x {against}: {verdict} ({ratio:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
