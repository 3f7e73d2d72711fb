"""How a Ray worker rebuilds the plan: which copy of the plugin it loads.

Each case runs in a fresh interpreter, as a worker is: the process that loaded the plugin
already resolves its name to its own staged copy.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mixpeek_tools.plugin.loader import load_plugin
from tests.support.plugins import copy_docs_plugin

REPO = Path(__file__).resolve().parents[2]
WORKER = """
import sys
import pandas as pd
from mixpeek_tools.runtime.executor import instantiate
from mixpeek_tools.runtime.plan import PlanFactory
root, name, shipped = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
plan = PlanFactory(root, {}, None, name, shipped=shipped)()
out = instantiate(plan.steps[0])(pd.DataFrame({"text": ["x"]}))
print(out["output"].iloc[0]["result"])
"""


def _worker_answer(root: Path, name: str, shipped: bool, on_path: Path) -> str:
    """What a fresh process with ``on_path`` on its import path builds from the factory."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), str(on_path)]))
    done = subprocess.run([sys.executable, "-c", WORKER, str(root), name, "1" if shipped else "0"],
                          capture_output=True, text=True, env=env, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def two_copies(tmp_path: Path) -> tuple[Path, str, Path]:
    """The plugin's folder, its import name, and a folder holding another package of that name
    (answering "Shadowed"), as a driver's script folder is on a Ray worker's path."""
    root = copy_docs_plugin(tmp_path / "mine" / "my_extractor")
    name = load_plugin(root).package_name
    other = copy_docs_plugin(tmp_path / "elsewhere" / name)
    core = other / "processors" / "core.py"
    core.write_text(core.read_text().replace('f"Processed: ', 'f"Shadowed: '))
    return root, name, other.parent


def test_a_same_named_package_on_the_path_does_not_stand_in_for_an_unshipped_plugin(
    two_copies: tuple[Path, str, Path],
) -> None:
    root, name, elsewhere = two_copies
    assert _worker_answer(root, name, False, elsewhere) == "Processed: x"


def test_a_shipped_copy_is_preferred_to_the_drivers_folder(
    two_copies: tuple[Path, str, Path],
) -> None:
    root, name, elsewhere = two_copies
    assert _worker_answer(root, name, True, elsewhere) == "Shadowed: x"


def test_a_copy_is_used_where_the_folder_does_not_exist(
    two_copies: tuple[Path, str, Path], tmp_path: Path
) -> None:
    _, name, elsewhere = two_copies
    gone = tmp_path / "gone" / "my_extractor"
    assert _worker_answer(gone, name, False, elsewhere) == "Shadowed: x"
