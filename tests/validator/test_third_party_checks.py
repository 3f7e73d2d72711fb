"""Third-party checks arrive through the ``mixpeek.checks`` entry-point group.

Each test installs a throwaway distribution (a real ``.dist-info`` with ``entry_points.txt`` on
``PYTHONPATH``, which is exactly what ``importlib.metadata`` reads) and runs the real CLI.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .conftest import MakePlugin
from .helpers import REPO, run_mixpeek

GOOD_CHECK = '''
from mixpeek_tools.validator.hookspecs import hookimpl
from mixpeek_tools.validator.model import Check, Example, Rule


class NoTodo(Rule):
    """No TODO comments.

    Catches: TODO. Why: unfinished. Fix: finish it.
    """
    id = "TC001"
    name = "no-todo"
    check = "naming"


def run(ctx):
    for path in ctx.python_files():
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if "TODO" in line:
                yield NoTodo.finding("TODO left in code", path=ctx.relpath(path), line=number)


@hookimpl
def mixpeek_register_checks():
    return [Check(name="naming", run=run, rules=(NoTodo,), description="team naming rules")]


@hookimpl
def mixpeek_configure(config):
    config.extra_forbidden.append("json.loads")


@hookimpl
def mixpeek_register_reporters():
    return {"count": lambda report, verbose=False: f"{len(report.findings)} finding(s)\\n"}
'''


def install_throwaway(site: Path, module_source: str, *, dist: str = "throwaway-check") -> Path:
    """A minimal installed distribution: a module plus dist-info with one entry point."""
    site.mkdir(parents=True, exist_ok=True)
    (site / "throwaway_check_mod.py").write_text(textwrap.dedent(module_source))
    info = site / f"{dist.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[mixpeek.checks]\nteam = throwaway_check_mod\n")
    return site


def validate_with(site: Path, root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_mixpeek("plugin", "validate", "--path", str(root), "--select", "structure",
                       *args, env={"PYTHONPATH": str(site)})


def test_a_check_from_an_entry_point_runs_and_reports(tmp_path: Path, make_plugin: MakePlugin) -> None:
    site = install_throwaway(tmp_path / "site", GOOD_CHECK)
    root = make_plugin({"processors/core.py": "# TODO: write it\n"})
    result = validate_with(site, root, "--select", "naming")
    assert "naming" in result.stdout
    assert "processors/core.py:1: error TC001: TODO left in code" in result.stdout
    assert result.returncode == 1


def test_a_third_party_reporter_and_configure_hook_take_part(
    tmp_path: Path, make_plugin: MakePlugin
) -> None:
    site = install_throwaway(tmp_path / "site", GOOD_CHECK)
    root = make_plugin({"processors/core.py": "import json\njson.loads('1')\n"})
    result = validate_with(site, root, "--format", "count")
    assert result.stdout.strip() == "1 finding(s)"  # json.loads, forbidden by the configure hook
    assert result.returncode == 1


def test_a_third_party_check_can_be_skipped_by_name(tmp_path: Path, make_plugin: MakePlugin) -> None:
    site = install_throwaway(tmp_path / "site", GOOD_CHECK)
    root = make_plugin({"processors/core.py": "# TODO: write it\n"})
    result = validate_with(site, root, "--skip", "naming")
    assert "TC001" not in result.stdout
    assert "naming        skipped" in result.stdout


def test_a_distribution_that_fails_to_import_is_named_not_a_traceback(
    tmp_path: Path, make_plugin: MakePlugin
) -> None:
    site = install_throwaway(tmp_path / "site", "import no_such_dependency_xyz\n", dist="broken-dist")
    result = validate_with(site, make_plugin())
    out = result.stdout + result.stderr
    assert result.returncode == 1
    assert "MP002" in out and "'broken-dist'" in out and "team = throwaway_check_mod" in out
    assert "no_such_dependency_xyz" in out
    assert "Traceback" not in out


def test_a_crashing_check_is_an_error_naming_its_distribution(
    tmp_path: Path, make_plugin: MakePlugin
) -> None:
    source = GOOD_CHECK.replace("    for path in ctx.python_files():", "    raise KeyError('boom')\n    for path in ctx.python_files():")
    site = install_throwaway(tmp_path / "site", source)
    result = validate_with(site, make_plugin(), "--select", "naming")
    out = result.stdout + result.stderr
    assert result.returncode == 1
    assert "MP001" in out and "check 'naming'" in out and "'throwaway-check'" in out
    assert "KeyError" in out and "Traceback" not in out


def test_a_crashing_registration_hook_is_reported(tmp_path: Path, make_plugin: MakePlugin) -> None:
    source = GOOD_CHECK.replace("    return [Check(", "    raise RuntimeError('no checks today')\n    return [Check(")
    site = install_throwaway(tmp_path / "site", source)
    result = validate_with(site, make_plugin())
    out = result.stdout + result.stderr
    assert result.returncode == 1
    assert "MP001" in out and "mixpeek_register_checks" in out and "no checks today" in out


def test_a_misspelt_hook_is_not_silently_ignored(tmp_path: Path, make_plugin: MakePlugin) -> None:
    source = GOOD_CHECK.replace("def mixpeek_register_checks", "def mixpeek_register_check")
    site = install_throwaway(tmp_path / "site", source)
    result = validate_with(site, make_plugin())
    out = result.stdout + result.stderr
    assert result.returncode == 1
    assert "MP002" in out and "mixpeek_register_check" in out


@pytest.mark.slow
def test_the_example_license_distribution_installs_and_shows_up_in_plugin_test(
    tmp_path: Path, make_plugin: MakePlugin
) -> None:
    """checks/ is a real distribution: pip-install it and run `mixpeek plugin test`."""
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--target", str(site), str(REPO / "checks")],
        check=True, capture_output=True, text=True, timeout=300,
    )
    bare = make_plugin()
    result = run_mixpeek("plugin", "test", "--path", str(bare), "--select", "license",
                         env={"PYTHONPATH": str(site)})
    assert "license" in result.stdout
    assert "error ML001: no SPDX-License-Identifier header" in result.stdout
    assert result.returncode == 1

    header = "# SPDX-License-Identifier: Apache-2.0\n"
    from mixpeek_tools.validator.examples import BASELINE

    licensed = make_plugin({name: header + body for name, body in BASELINE.items() if name.endswith(".py")})
    result = run_mixpeek("plugin", "test", "--path", str(licensed), "--select", "license",
                         env={"PYTHONPATH": str(site)})
    assert "ML001" not in result.stdout
