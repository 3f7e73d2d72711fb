"""What ``mixpeek plugin run`` imports on the local engine: only what the run uses.

A short run's time is mostly start-up, so the parts a local Parquet run never touches stay out of
the process: the built-in services' catalog (it builds pydantic config models for every service),
the Ray engine, the progress bar's ``rich`` when stderr is not a terminal, and the kit's other
subsystems. The catalog, its config models and ``tomllib`` were imported by every run until
they were made lazy; the other names keep the run from growing new start-up costs.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd

NOT_IMPORTED = [
    "mixpeek_tools.local_platform.catalog",  # built-ins: only when a plugin imports one
    "mixpeek_tools.local_platform.configs",
    "mixpeek_tools.runtime.engines.ray",
    "ray",
    "rich",  # the progress bar, drawn only on a terminal
    "mixpeek_tools.scanner",
    "mixpeek_tools.validator",
    "boto3",
    "copier",
    "libcst",
    "tomllib",  # the config file is parsed only when there is one
    "difflib",  # close-name suggestions, only for a mistyped command
    "mimetypes",  # media inputs only
    # Parts of the kit and libraries a local Parquet run has no use for.
    "mixpeek_tools.runtime.serving",
    "mixpeek_tools.runtime.shipping",
    "mixpeek_tools.runtime.engines.actor_shares",
    "mixpeek_tools.registry",
    "mixpeek_tools.guard",
    "mixpeek_tools.cli.commands.check",
    "mixpeek_tools.cli.commands.scaffold",
    "multiprocessing",  # worker processes, only with --cpu-processes
    "pyarrow.dataset",
    "fsspec",
    "botocore",
    "pathspec",  # only for a plugin with an ignore file
    "jsonschema",
    "httpx",
    "fastapi",
]


def _modules_after_run(argv: list[str], cwd: Path) -> list[str]:
    probe = (
        "import json, sys\n"
        "from mixpeek_tools.cli.main import cli, run_cli\n"
        f"code = run_cli(cli, {argv!r})\n"
        f"print(json.dumps([code, [m for m in {NOT_IMPORTED!r} if m in sys.modules]]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=_env(cwd),
    )
    assert result.returncode == 0, result.stderr
    code, loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert code == 0, result.stdout + result.stderr
    return list(loaded)


def _env(home: Path) -> dict[str, str]:
    import os

    env = dict(os.environ)
    env["MIXPEEK_CONFIG"] = str(home / "no-config.toml")  # no config file: nothing to parse
    env.pop("MIXPEEK_PROFILE", None)
    return env


def test_a_local_parquet_run_imports_only_what_it_uses(
    make_plugin: Callable[..., Path], tmp_path: Path
) -> None:
    plugin = make_plugin()
    source = tmp_path / "in.parquet"
    pd.DataFrame({"text": ["a", "b", "c"]}).to_parquet(source)
    argv = ["plugin", "run", "--path", str(plugin), "--input", str(source),
            "--output", str(tmp_path / "out.parquet")]  # fmt: skip
    assert _modules_after_run(argv, tmp_path) == []
    assert len(pd.read_parquet(tmp_path / "out.parquet")) == 3
