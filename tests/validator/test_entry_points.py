"""The entry-point probe answers "none" only when ``importlib.metadata`` would find none; the
import child uses it to skip pydantic's plugin search, which a declared pydantic plugin (a real
one, installed as a distribution on the path) keeps."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mixpeek_tools.entry_points import may_declare
from mixpeek_tools.validator.examples import MANIFEST, write_tree
from mixpeek_tools.validator.manager import may_declare_checks
from tests.support.pydantic_plugin import site_with_a_pydantic_plugin

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("group", ["mixpeek.checks", "pydantic"])
def test_a_declaring_distribution_or_one_that_cannot_be_seen_through_answers_maybe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, group: str
) -> None:
    site = tmp_path / "site"
    info = site / "team_tools-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "entry_points.txt").write_text("[console_scripts]\nx = y\n")
    (site / "legacy-0.1.egg-info").write_text("Metadata-Version: 1.0\n")  # a one-file egg-info
    monkeypatch.setattr(sys, "path", [str(site)])
    assert may_declare(group) is False
    (info / "entry_points.txt").write_text(f"[{group}]\nteam = team_mod\n")
    assert may_declare(group) is True
    (info / "entry_points.txt").unlink()
    archive = tmp_path / "lib.zip"
    archive.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    monkeypatch.setattr(sys, "path", [str(site), str(archive)])
    assert may_declare(group) is True  # a zip cannot be seen through: the full lookup runs


def test_the_check_group_is_what_the_plugin_manager_asks_about(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = tmp_path / "team_checks-1.0.dist-info"
    info.mkdir()
    (info / "entry_points.txt").write_text("[pydantic]\nx = y\n")
    monkeypatch.setattr(sys, "path", [str(tmp_path)])
    assert may_declare_checks() is False
    (info / "entry_points.txt").write_text("[mixpeek.checks]\nteam = team_mod\n")
    assert may_declare_checks() is True


def test_another_distribution_finder_answers_maybe(monkeypatch: pytest.MonkeyPatch) -> None:
    class Finder:
        def find_spec(self, *args: object) -> None:
            return None

        def find_distributions(self, *args: object) -> list[object]:
            return []

    monkeypatch.setattr(sys, "path", [])
    assert may_declare("pydantic") is False
    monkeypatch.setattr(sys, "meta_path", [*sys.meta_path, Finder()])
    assert may_declare("pydantic") is True


# The manifest records, in the process that imports it, pydantic's switch as the kit left it.
SWITCH_MARK = ('import os\nimport pathlib\n\npathlib.Path(os.environ["MIXPEEK_SWITCH_MARK"])'
               '.write_text(str(os.environ.get("PYDANTIC_DISABLE_PLUGINS")))\n')  # fmt: skip
VALIDATE = """
import sys
from pathlib import Path
from mixpeek_tools.validator import import_child, run_checks
import_child.prefork()
report = run_checks(Path(sys.argv[1]), static_only=True)
print("failed" if report.failed else "passed")
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the import child is Linux-only")
@pytest.mark.parametrize("installed", [False, True])
def test_the_import_child_skips_pydantics_plugin_search_only_when_none_is_installed(
    tmp_path: Path, installed: bool
) -> None:
    root = write_tree(tmp_path / "plugin", {"manifest.py": MANIFEST + "\n" + SWITCH_MARK})
    switch, used = tmp_path / "switch", tmp_path / "plugin-used"
    path = [str(REPO), os.environ.get("PYTHONPATH", "")]
    if installed:
        path.insert(0, str(site_with_a_pydantic_plugin(tmp_path / "site")))
    env = dict(os.environ, MIXPEEK_IMPORT_CHILD="on", MIXPEEK_SWITCH_MARK=str(switch),
               MIXPEEK_PLUGIN_MARK=str(used), PYTHONPATH=os.pathsep.join(path))  # fmt: skip
    env.pop("PYDANTIC_DISABLE_PLUGINS", None)
    done = subprocess.run([sys.executable, "-c", VALIDATE, str(root)], capture_output=True,
                          text=True, timeout=300, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "passed", done.stdout
    if installed:  # pydantic found the plugin and called it for the plugin's models
        assert switch.read_text() == "None"
        assert used.read_text() == "used"
    else:
        assert switch.read_text() == "__all__" and not used.exists()
