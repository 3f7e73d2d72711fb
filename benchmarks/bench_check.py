"""Benchmark: the kit's checks against the tools they replace, on the same plugin.

Whole processes, as a developer meets them, measured in one run (interleaved) so the ratios
compare like with like. Baselines: ``bandit -q -r <plugin>`` (the static checks replace it) and
a plain ``python -m pytest -q`` in the plugin (``mixpeek plugin test`` replaces it). Every
command that has a cache is timed twice, and both rows are printed:

* **cold**: an empty cache before every run (a first run, or every file changed);
* **warm**: the cache already holds the unchanged plugin (the usual re-run, as with ruff/mypy).

Measured: ``mixpeek-check`` (the pre-commit hook), ``mixpeek plugin validate`` (every static
check, including importing the plugin for the schemas and pipeline checks) and ``mixpeek plugin
test`` (the static checks, then the plugin's pytest in a child, which also runs the schemas and
pipeline checks: the plugin is imported in that one process). A floor row, ``python -c`` of ``from
pydantic import BaseModel`` and one model class (``import pydantic`` alone is lazy and imports
almost nothing; the first model class sets up the rest, including pydantic's scan of every
installed distribution for its plugins), is what a cold validate cannot avoid: the platform imports the plugin to read its
schemas and steps, and what that import loads is pydantic (``manifest.py``) and the kit's
``engine``/``shared`` stand-ins (``pipeline.py``); the scaffold's processors import pandas,
Pillow and pypdf inside the methods that use them (annotations under ``TYPE_CHECKING``), so the
import loads none of them. A plugin that imports pandas at module level adds its import (about
2x bandit) to every cold validate.

Targets, and the row each judges (a cold row is printed beside every warm verdict, never hidden):

* hook warm <= 0.5x bandit (warm row), hook cold <= 1.0x bandit (cold row) (validator issue);
* ``plugin validate`` <= 1.0x bandit (issue 15 item 6): judged on the **cold** row (a first
  run, or the run after any edit), the warm row is printed against the same limit, next to the
  floor;
* ``plugin test`` <= 1.2x pytest (issue 15): judged on the cold row (pytest has no cache to
  warm), the warm row is printed too.

Each row gives the median wall time (what the targets judge) and the median CPU time (user +
system of the command and its children), which a machine shared with other work disturbs much
less: read the CPU ratios when the wall figures wander between runs.

Every command runs with Python's bytecode cache on (``PYTHONDONTWRITEBYTECODE`` is dropped from
the children's environment): bandit and pytest come with compiled bytecode from their wheels,
and so does an installed kit; an editable checkout run with that variable set would compile the
kit from source on every run (about 100 ms on this machine) and time that instead.

The check cache (``mixpeek_tools.validator.check_cache``; ``--no-cache`` turns it off) is keyed
by the plugin's exact file set, the kit's code and the environment the import resolves in, so a
warm run returns the same findings without importing anything of the plugin.

    .venv/bin/python benchmarks/bench_check.py [--runs 9]

The plugin is freshly rendered with ``mixpeek plugin init`` when the scaffold command works,
else the docs-style fixture plugin is used (the output says which).
"""

from __future__ import annotations

import argparse
import os
import resource
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


FLOOR = "from pydantic import BaseModel\nclass Model(BaseModel):\n    value: int\n"


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


def timed(cmd: list[str], env: dict[str, str],
          before: Callable[[], None] | None = None) -> tuple[float, float]:
    """Wall seconds, and CPU seconds (user + system) of the process and its children."""
    if before is not None:
        before()
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - used.ru_utime) + (after.ru_stime - used.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=9, help="runs per command (median reported)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mixpeek-bench-") as tmp:
        work = Path(tmp)
        root, origin = render_plugin(work)
        files = sorted(str(p) for p in root.rglob("*.py") if "__pycache__" not in p.parts)
        lines = sum(len(Path(f).read_text().splitlines()) for f in files)
        caches = {name: work / f"cache-{name}" for name in ("cold", "warm")}
        plain = dict(os.environ)
        plain.pop("PYTHONDONTWRITEBYTECODE", None)  # see the module docstring
        env_cold = dict(plain, MIXPEEK_CACHE_DIR=str(caches["cold"]))
        env_warm = dict(plain, MIXPEEK_CACHE_DIR=str(caches["warm"]))
        check = [str(BIN / "mixpeek-check"), *files]
        validate = [str(BIN / "mixpeek"), "plugin", "validate", "-p", str(root)]
        test = [str(BIN / "mixpeek"), "plugin", "test", "-p", str(root)]
        for warm_up in (check, validate, test):  # fill the warm cache
            subprocess.run(warm_up, env=env_warm, capture_output=True, check=False)

        def clear_cold() -> None:
            shutil.rmtree(caches["cold"], ignore_errors=True)

        pytest_env = dict(plain, PYTHONPATH=os.pathsep.join(
            p for p in (str(root.parent), os.environ.get("PYTHONPATH")) if p))
        floor = [sys.executable, "-c", FLOOR]
        commands: dict[str, tuple[list[str], dict[str, str], Callable[[], None] | None]] = {
            "python -c pass": ([sys.executable, "-c", "pass"], plain, None),
            "pydantic model (floor)": (floor, plain, None),
            "bandit -r (baseline)": ([str(BIN / "bandit"), "-q", "-r", str(root)], plain, None),
            "mixpeek-check cold": (check, env_cold, clear_cold),
            "mixpeek-check warm": (check, env_warm, None),
            "plugin validate cold": (validate, env_cold, clear_cold),
            "plugin validate warm": (validate, env_warm, None),
            "pytest (baseline)": (
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(root / "tests")],
                pytest_env, None,
            ),
            "plugin test cold": (test, env_cold, clear_cold),
            "plugin test warm": (test, env_warm, None),
        }
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for cmd, env, before in commands.values():  # warm the OS caches once
            timed(cmd, env, before)
        for _ in range(args.runs):  # interleaved, so drift hits every command alike
            for name, (cmd, env, before) in commands.items():
                samples[name].append(timed(cmd, env, before))
    medians = {name: statistics.median(w for w, _ in values) for name, values in samples.items()}
    cpu = {name: statistics.median(c for _, c in values) for name, values in samples.items()}
    base, tests = medians["bandit -r (baseline)"], medians["pytest (baseline)"]
    cpu_base, cpu_tests = cpu["bandit -r (baseline)"], cpu["pytest (baseline)"]
    print(f"plugin: {origin}; {len(files)} Python files, {lines} lines; {args.runs} runs each")
    print(f"{'command':<26}{'median ms':>10}{'x bandit':>10}{'x pytest':>10}"
          f"{'cpu ms':>10}{'x bandit':>10}{'x pytest':>10}")
    for name, value in medians.items():
        print(f"{name:<26}{value * 1000:>10.1f}{value / base:>10.2f}{value / tests:>10.2f}"
              f"{cpu[name] * 1000:>10.1f}{cpu[name] / cpu_base:>10.2f}{cpu[name] / cpu_tests:>10.2f}")
    targets = [
        ("mixpeek-check warm", "mixpeek-check warm", 0.5, base, "bandit"),
        ("mixpeek-check cold", "mixpeek-check cold", 1.0, base, "bandit"),
        ("plugin validate (judged cold)", "plugin validate cold", 1.0, base, "bandit"),
        ("plugin validate warm", "plugin validate warm", 1.0, base, "bandit"),
        ("plugin test (judged cold)", "plugin test cold", 1.2, tests, "pytest"),
        ("plugin test warm", "plugin test warm", 1.2, tests, "pytest"),
    ]
    for label, row, limit, against, name in targets:
        ratio = medians[row] / against
        cpu_ratio = cpu[row] / (cpu_base if name == "bandit" else cpu_tests)
        verdict = "met" if ratio <= limit else "MISSED"
        print(f"target {label} <= {limit}x {name}: {verdict} ({ratio:.2f}x wall; "
              f"{cpu_ratio:.2f}x cpu)")
    floor_ratio = medians["pydantic model (floor)"] / base
    print(f"floor of a cold validate (the plugin's own imports): {floor_ratio:.2f}x bandit")
    return 0


if __name__ == "__main__":
    sys.exit(main())
