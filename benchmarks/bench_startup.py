"""Start-up and ``plugin init`` cost of the ``mixpeek`` command, as whole processes.

Why whole processes: what a user feels is interpreter start + imports + work, and that is what
regresses when someone adds a top-level ``import pandas``. Every figure is the median of several
runs, measured in this same run against a named baseline, and printed as a ratio:

* ``mixpeek --version`` against ``python -c pass`` and ``python -c 'import click'``
  (target: within 1.5x of ``import click``);
* ``mixpeek plugin init`` against a bare ``copier copy`` of the same template with the same
  answers (target: within 1.2x).

Both renders use a tagged git copy of the kit's template in a temporary folder, so neither pays
for a dirty checkout. Runs are interleaved so machine noise hits both sides alike.

Usage: ``.venv/bin/python benchmarks/bench_startup.py [--runs N]``
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

KIT_ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PYTHON = sys.executable
MIXPEEK = str(BIN / "mixpeek")
COPIER = str(BIN / "copier")
GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}


def timed(command: list[str], cwd: Path | None = None) -> float:
    """Wall-clock seconds of one whole process; fails loudly if the command fails."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"benchmark command failed: {' '.join(command)}\n{done.stderr}")
    return elapsed


def medians(commands: dict[str, Callable[[int], float]], runs: int) -> dict[str, float]:
    """Median seconds per command, runs interleaved (a, b, c, a, b, c, ...)."""
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for warm_up in commands.values():  # one warm-up each: page cache, .pyc files
        warm_up(-1)
    for i in range(runs):
        for name, run in commands.items():
            samples[name].append(run(i))
    return {name: statistics.median(values) for name, values in samples.items()}


def tagged_template(workdir: Path) -> Path:
    """A git repository holding the kit's copier.yml and template/, tagged v1."""
    import os

    repo = workdir / "template-repo"
    repo.mkdir()
    shutil.copy2(KIT_ROOT / "copier.yml", repo / "copier.yml")
    shutil.copytree(KIT_ROOT / "template", repo / "template",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    env = {**os.environ, **GIT_ENV}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "v1"], ["tag", "v1"]):
        subprocess.run(["git", *args], cwd=repo, check=True, env=env, capture_output=True)
    return repo


def startup(runs: int) -> dict[str, float]:
    return medians(
        {
            "python -c pass": lambda _: timed([PYTHON, "-c", "pass"]),
            "python -c 'import click'": lambda _: timed([PYTHON, "-c", "import click"]),
            "mixpeek --version": lambda _: timed([MIXPEEK, "--version"]),
        },
        runs,
    )


def init_vs_copier(runs: int, workdir: Path) -> dict[str, float]:
    template = str(tagged_template(workdir))
    answers = ["-d", "plugin_name=bench_plugin", "-d", "category=image", "-d", "author=Bench"]

    def bare_copier(i: int) -> float:
        out = workdir / f"copier-{i}"
        return timed([COPIER, "copy", "--quiet", "--trust", "--defaults", *answers, template, str(out)])

    def mixpeek_init(i: int) -> float:
        out = workdir / f"init-{i}"
        return timed([MIXPEEK, "plugin", "init", "bench_plugin", "-c", "image", "-a", "Bench",
                      "-o", str(out), "--template", template])

    return medians({"copier copy (bare)": bare_copier, "mixpeek plugin init": mixpeek_init}, runs)


def report(title: str, figures: dict[str, float], baseline: str, target: tuple[str, float]) -> bool:
    print(f"\n{title} (median seconds, ratio to '{baseline}')")
    for name, seconds in figures.items():
        print(f"  {name:<28} {seconds * 1000:8.1f} ms   {seconds / figures[baseline]:5.2f}x")
    name, limit = target
    ratio = figures[name] / figures[baseline]
    verdict = "OK" if ratio <= limit else "OVER TARGET"
    print(f"  target: {name} within {limit}x of {baseline}: {ratio:.2f}x {verdict}")
    return ratio <= limit


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="runs per command (default 9)")
    args = parser.parse_args()
    figures = startup(args.runs)
    ok = report("Start-up", figures, "python -c 'import click'", ("mixpeek --version", 1.5))
    print(f"  (python -c pass: {figures['python -c pass'] * 1000:.1f} ms; mixpeek --version is "
          f"{figures['mixpeek --version'] / figures['python -c pass']:.2f}x of it)")
    with tempfile.TemporaryDirectory(prefix="mixpeek-bench-") as tmp:
        renders = init_vs_copier(max(3, args.runs // 2), Path(tmp))
    ok &= report("Render an image plugin", renders, "copier copy (bare)", ("mixpeek plugin init", 1.2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
