"""`mixpeek-check`, the pre-commit hook: finds plugins from file names, fast checks, cached."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mixpeek_tools.validator.examples import BASELINE, CORE, write_tree
from mixpeek_tools.validator.session import plugin_roots

from .helpers import REPO

FORBIDDEN = {"processors/core.py": "import subprocess\n" + CORE}


def mixpeek_check(*args: str, cwd: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MIXPEEK_CACHE_DIR=str(cache))
    return subprocess.run([sys.executable, "-m", "mixpeek_tools.cli.precommit", *args],
                          capture_output=True, text=True, cwd=cwd, env=env, timeout=120)


def test_files_map_to_the_plugins_that_contain_them(tmp_path: Path) -> None:
    one = write_tree(tmp_path / "plugins", {}, name="one")
    two = write_tree(tmp_path / "plugins", {}, name="two")
    (tmp_path / "README.md").write_text("not in a plugin")
    roots = plugin_roots(["plugins/one/processors/core.py", "plugins/two/manifest.py",
                          "plugins/one/pipeline.py", "README.md"], tmp_path)
    assert roots == [one.resolve(), two.resolve()]
    assert sorted(plugin_roots([], tmp_path)) == sorted([one.resolve(), two.resolve()])
    assert plugin_roots([], one) == [one.resolve()]


def test_a_clean_plugin_passes_silently(tmp_path: Path) -> None:
    write_tree(tmp_path, {})
    result = mixpeek_check("example_plugin/manifest.py", cwd=tmp_path, cache=tmp_path / "cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_a_forbidden_import_fails_with_file_and_line(tmp_path: Path) -> None:
    write_tree(tmp_path, FORBIDDEN)
    result = mixpeek_check("example_plugin/processors/core.py", cwd=tmp_path, cache=tmp_path / "c")
    assert result.returncode == 1
    assert "example_plugin/processors/core.py:1" in result.stdout
    assert "subprocess" in result.stdout and "MP4" in result.stdout
    assert "FAILED" in result.stdout.splitlines()[-1]


def test_structure_and_syntax_problems_are_reported(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pipeline.py": None, "processors/core.py": "def broken(:\n"})
    result = mixpeek_check(cwd=tmp_path / "example_plugin", cache=tmp_path / "c")
    assert result.returncode == 1
    assert "MP101 required file pipeline.py is missing" in result.stdout
    assert "processors/core.py:1:12: error MP104" in result.stdout


def test_several_plugins_in_one_repository(tmp_path: Path) -> None:
    write_tree(tmp_path, {}, name="good")
    write_tree(tmp_path, FORBIDDEN, name="bad")
    result = mixpeek_check("good/manifest.py", "bad/manifest.py", cwd=tmp_path, cache=tmp_path / "c")
    assert result.returncode == 1
    assert "bad/processors/core.py:1" in result.stdout and "good/" not in result.stdout
    assert "2 plugin(s)" in result.stdout


def test_plugin_configuration_applies(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pyproject.toml": '[tool.mixpeek]\nextra-forbidden = ["json.loads"]\n',
                          "processors/core.py": "import json\njson.loads('1')\n" + CORE})
    result = mixpeek_check(cwd=tmp_path / "example_plugin", cache=tmp_path / "c")
    assert result.returncode == 1 and "json.loads" in result.stdout


def test_bad_configuration_is_exit_2_without_traceback(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pyproject.toml": "[tool.mixpeek\n"})
    result = mixpeek_check(cwd=tmp_path / "example_plugin", cache=tmp_path / "c")
    assert result.returncode == 2
    assert "pyproject.toml" in result.stderr and "Traceback" not in result.stderr


PROBE = """
import json, sys
from mixpeek_tools.cli.precommit import run
code = run(sys.argv[1:])
print(json.dumps({"code": code, "libcst": "libcst" in sys.modules,
                  "pydantic": "pydantic" in sys.modules, "pandas": "pandas" in sys.modules,
                  "scanner": "mixpeek_tools.scanner.engine" in sys.modules}))
"""


def _probe(tmp_path: Path, cache: Path, *files: str) -> dict[str, object]:
    env = dict(os.environ, MIXPEEK_CACHE_DIR=str(cache))
    result = subprocess.run([sys.executable, "-c", PROBE, *files], capture_output=True, text=True,
                            cwd=tmp_path, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_warm_run_on_unchanged_files_does_not_import_libcst(tmp_path: Path) -> None:
    write_tree(tmp_path, FORBIDDEN)
    cache = tmp_path / "cache"
    cold = _probe(tmp_path, cache, "example_plugin/manifest.py")
    warm = _probe(tmp_path, cache, "example_plugin/manifest.py")
    assert cold["code"] == warm["code"] == 1  # the cached result still fails the commit
    assert cold["libcst"] is True
    assert warm == {"code": 1, "libcst": False, "pydantic": False, "pandas": False,
                    "scanner": False}
    (tmp_path / "example_plugin" / "processors" / "core.py").write_text(CORE)
    changed = _probe(tmp_path, cache, "example_plugin/processors/core.py")
    assert changed["code"] == 0  # the edited file was re-scanned, not served stale


@pytest.mark.slow
def test_pre_commit_try_repo_runs_the_hook_for_real(tmp_path: Path) -> None:
    """pre-commit installs the kit from a git copy of this repository and runs mixpeek-check."""
    pre_commit = shutil.which("pre-commit", path=str(Path(sys.executable).parent))
    assert pre_commit, "pre-commit is part of the dev extras"
    kit = tmp_path / "kit"
    shutil.copytree(REPO, kit, ignore=shutil.ignore_patterns(
        ".venv", ".git", "__pycache__", "*.egg-info", ".mypy_cache", ".ruff_cache", "tests",
        "benchmarks", "docs", ".pytest_cache"))
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q"], cwd=kit, check=True)
    subprocess.run([*git, "add", "-A"], cwd=kit, check=True)
    subprocess.run([*git, "commit", "-qm", "kit"], cwd=kit, check=True)

    repo = tmp_path / "plugins"
    write_tree(repo, {})
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "pc-home"),
               MIXPEEK_CACHE_DIR=str(tmp_path / "cache"))

    def try_repo() -> subprocess.CompletedProcess[str]:
        return subprocess.run([pre_commit, "try-repo", str(kit), "mixpeek-check", "--all-files"],
                              cwd=repo, capture_output=True, text=True, env=env, timeout=900)

    clean = try_repo()
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "mixpeek plugin checks" in clean.stdout and "Passed" in clean.stdout

    core = repo / "example_plugin" / "processors" / "core.py"
    core.write_text("import subprocess\n" + BASELINE["processors/core.py"])
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    dirty = try_repo()
    assert dirty.returncode == 1, dirty.stdout + dirty.stderr
    assert "Failed" in dirty.stdout and "example_plugin/processors/core.py:1" in dirty.stdout


def test_the_hook_walks_the_same_files_as_the_scanner_and_the_archive(tmp_path: Path) -> None:
    """One file set (mixpeek_tools.plugin.files): hook, scanner and archive agree."""
    from mixpeek_tools.publishing.archive import collect_entries
    from mixpeek_tools.scanner import sources
    from mixpeek_tools.validator import session

    root = write_tree(tmp_path, {".venv/lib/x.py": "import subprocess\n", "data/model.bin": "x",
                                 "node_modules/p/x.js": "x",
                                 "processors/__pycache__/core.cpython-311.pyc": "x"})
    walked = {p.relative_to(root).as_posix() for p in session.plugin_files(root)}
    scanned = {Path(s.path).relative_to(root).as_posix() for s in sources.iter_files(root, str(root))}
    shipped = {e.name.split("/", 1)[1] for e in collect_entries(root, "top")}
    assert walked == scanned == shipped
    assert "data/model.bin" in walked and ".venv/lib/x.py" not in walked
    assert "node_modules/p/x.js" not in walked
    # not a timestamp cache Python wrote: it is part of the plugin, so it is scanned (and refused)
    assert "processors/__pycache__/core.cpython-311.pyc" in walked


def test_a_corrupt_cache_is_a_miss_not_an_error(tmp_path: Path) -> None:
    write_tree(tmp_path, FORBIDDEN)
    cache = tmp_path / "cache"
    assert mixpeek_check(cwd=tmp_path, cache=cache).returncode == 1
    for entry in cache.glob("*.json"):
        entry.write_text("{not json")
    again = mixpeek_check(cwd=tmp_path, cache=cache)
    assert again.returncode == 1 and "subprocess" in again.stdout
    assert "Traceback" not in again.stderr


def test_no_cache_leaves_no_files(tmp_path: Path) -> None:
    write_tree(tmp_path, {})
    result = mixpeek_check("--no-cache", cwd=tmp_path, cache=tmp_path / "cache")
    assert result.returncode == 0
    assert not (tmp_path / "cache").exists()


MEMO_PROBE = PROBE.replace('"scanner": ', '"config": "mixpeek_tools.validator.config" in sys.modules,'
                           ' "pathspec": "pathspec" in sys.modules, "scanner": ')


def test_an_unchanged_folder_is_answered_without_reading_settings_or_ignore_rules(
    tmp_path: Path,
) -> None:
    # A negation needs pathspec (plain globs do not): its import shows the ignore rules were read.
    write_tree(tmp_path, {**FORBIDDEN, ".gitignore": "*.log\n!keep.log\n"})
    cache = tmp_path / "cache"
    env = dict(os.environ, MIXPEEK_CACHE_DIR=str(cache))

    def probe() -> dict[str, object]:
        result = subprocess.run([sys.executable, "-c", MEMO_PROBE, "example_plugin/manifest.py"],
                                capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout.strip().splitlines()[-1])

    cold = probe()
    assert cold["config"] is True and cold["pathspec"] is True
    warm = probe()
    assert warm["code"] == 1 and warm["config"] is False and warm["pathspec"] is False
    (tmp_path / "example_plugin" / "notes.log").write_text("ignored, but the folder changed")
    assert probe()["config"] is True  # any change falls through to the per-file cache


def test_an_edit_that_keeps_size_and_mtime_is_still_seen(tmp_path: Path) -> None:
    write_tree(tmp_path, FORBIDDEN)
    cache = tmp_path / "cache"
    assert mixpeek_check(cwd=tmp_path, cache=cache).returncode == 1
    core = tmp_path / "example_plugin" / "processors" / "core.py"
    before = core.stat()
    text = core.read_text()
    core.write_text(text.replace("import subprocess\n", "import contextlib\n"))  # same length
    os.utime(core, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert core.stat().st_size == before.st_size and core.stat().st_mtime_ns == before.st_mtime_ns
    result = mixpeek_check(cwd=tmp_path, cache=cache)
    assert "subprocess" not in result.stdout
