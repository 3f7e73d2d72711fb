"""Benchmark: the core install of mixpeek-tools against the install before the extras split.

Both are installed in the same run, each into a fresh virtual environment (``python -m venv``,
no system site-packages), from the package index through pip's cache, which a first pass of
``pip download`` fills for both, so the timed installs compare like with like.

* baseline: the wheel together with the dependency list the kit had before ``[registry]`` and
  ``[parquet]`` were split off (``BASELINE_DEPS``, copied from that pyproject.toml);
* measured: ``pip install <wheel>``, the core install users get today.

Reported: packages installed (``pip list``, pip itself included in both), size of the venv on
disk, and install time. Target from issue 14: the core install at most half the baseline size.

    .venv/bin/python benchmarks/bench_install.py [--runs 1] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# The core dependencies before issue 14 (boto3 and moto[server] moved to [registry], pyarrow to
# [parquet]); everything else is unchanged.
BASELINE_DEPS = (
    "click>=8.1", "copier>=9.4", "pluggy>=1.5", "pydantic>=2.6", "libcst>=1.0", "pytest>=8",
    "requests>=2.31", "requests-toolbelt>=1.0", "boto3>=1.34", "jinja2>=3.1", "pandas>=2.1",
    "pyarrow>=14", "pathspec>=0.12", "starlette>=0.37", "uvicorn>=0.29", "moto[server]>=5.0",
    "pillow>=10", "pypdf>=4",
)


def run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(cmd, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done


def build_wheel(out: Path) -> Path:
    run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "-o", str(out), str(REPO)])
    return next(out.glob("mixpeek_tools-*.whl"))


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def install(venv: Path, args: list[str]) -> dict[str, float]:
    """A fresh venv, one timed ``pip install ARGS``: packages, bytes on disk, seconds."""
    if venv.exists():
        shutil.rmtree(venv)
    run([sys.executable, "-m", "venv", str(venv)])
    pip = [str(venv / "bin" / "python"), "-m", "pip"]
    start = time.perf_counter()
    run([*pip, "install", "-q", *args])
    seconds = time.perf_counter() - start
    listed = json.loads(run([*pip, "list", "--format=json"]).stdout)
    return {"packages": len(listed), "bytes": du(venv), "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="timed installs of each (best kept)")
    parser.add_argument("--keep", type=Path, default=None, help="leave the venvs in this folder")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-install."))
    work.mkdir(parents=True, exist_ok=True)
    wheel = build_wheel(work / "dist")
    cases = {
        # the wheel's own dependencies are a subset of the baseline list
        "baseline (pre-split deps)": [str(wheel), *BASELINE_DEPS],
        "core install (pip install wheel)": [str(wheel)],
    }
    for case in cases.values():  # fill pip's cache for both, untimed
        run([sys.executable, "-m", "pip", "download", "-q", "-d", str(work / "dl"), *case])
    results = {}
    for name, case in cases.items():
        runs = [install(work / name.split()[0], case) for _ in range(args.runs)]
        results[name] = min(runs, key=lambda r: r["seconds"])
    base = results["baseline (pre-split deps)"]
    print(f"{'install':36} {'packages':>8} {'MB on disk':>11} {'seconds':>8}  size ratio")
    for name, r in results.items():
        print(f"{name:36} {int(r['packages']):8d} {r['bytes'] / 1e6:11.1f} {r['seconds']:8.1f}"
              f"  {r['bytes'] / base['bytes']:.2f}x")
    core = results["core install (pip install wheel)"]
    verdict = "met" if core["bytes"] <= base["bytes"] / 2 else "NOT met"
    print(f"target (core at most 0.5x baseline size): {verdict}")
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
