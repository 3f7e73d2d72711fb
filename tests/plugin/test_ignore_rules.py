"""A plugin's ``.gitignore``/``.mixpeekignore`` read without pathspec when every line is a plain
component glob (``mixpeek_tools.plugin.files._component_rules``): the answers must be pathspec's
own, for every file and folder, or the file set (what is scanned, imported and shipped) would
differ from what git and the archive builder agree on. pathspec is the oracle here.
"""

from __future__ import annotations

import random
from pathlib import Path

import pathspec
import pytest

from mixpeek_tools.plugin.files import _component_rules, plugin_files, user_rules

TEMPLATE_STYLE = ["__pycache__/", "*.py[co]", ".pytest_cache/", ".coverage", "htmlcov/", ".venv/",
                  "venv/", "build/", "dist/", "*.egg-info/", ".mixpeek/", "outputs/", "*.rej",
                  "*.orig"]  # fmt: skip
NAMES = ["a", "b.py", "b.pyc", "x.rej", ".coverage", "build", "dist", "venv", "out", "outputs",
         "m.egg-info", "data.csv", ".hidden", "a-b", "a_b", "Build", "x.orig", "pkg"]  # fmt: skip
PIECES = ["*", "?", ".", "a", "b", "py", "[co]", "[ab]", "-", "_", "x", "rej", "build", "egg-info"]


def _paths(rng: random.Random) -> list[tuple[str, bool]]:
    out = []
    for _ in range(60):
        depth = rng.randint(1, 3)
        parts = [rng.choice(NAMES) for _ in range(depth)]
        out.append(("/".join(parts), rng.random() < 0.4))
    return out


def _agree(lines: list[str], paths: list[tuple[str, bool]]) -> None:
    ours = _component_rules(lines)
    assert ours is not None, lines
    spec = pathspec.GitIgnoreSpec.from_lines(lines)
    for rel, is_dir in paths:
        # The walk never enters an excluded folder, so only the last component is ours to judge:
        # pathspec is asked about the entry as the walk meets it (its parents were not excluded).
        parents = rel.split("/")[:-1]
        if any(spec.match_file("/".join(parents[: i + 1]) + "/") for i in range(len(parents))):
            continue
        expected = spec.match_file(rel + "/" if is_dir else rel)
        assert ours(rel, is_dir) == expected, (lines, rel, is_dir)


def test_the_templates_ignore_file_is_read_as_pathspec_reads_it() -> None:
    rng = random.Random(0)
    _agree(TEMPLATE_STYLE, _paths(rng) + [(n, d) for n in NAMES for d in (True, False)])


@pytest.mark.parametrize("seed", range(40))
def test_random_component_globs_match_what_pathspec_matches(seed: int) -> None:
    rng = random.Random(seed)
    lines = []
    for _ in range(rng.randint(1, 6)):
        line = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 4)))
        lines.append(line.replace("**", "*") + ("/" if rng.random() < 0.3 else ""))
    _agree(lines, _paths(rng) + [(n, d) for n in NAMES for d in (True, False)])


@pytest.mark.parametrize("line", ["!keep.py", "docs/*.md", "/top", "**/x", "a b", "\\#x", "[!a]",
                                  "x[a-z]", "a**b"])  # fmt: skip
def test_lines_beyond_component_globs_go_to_pathspec(line: str) -> None:
    assert _component_rules(["*.log", line]) is None


def test_negation_still_follows_git_through_pathspec(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*.log\n!keep.log\n")
    for name in ("a.log", "keep.log", "b.py"):
        (tmp_path / name).write_text("x")
    assert [f.rel for f in plugin_files(tmp_path)] == [".gitignore", "b.py", "keep.log"]
    rules = user_rules(tmp_path)
    assert rules is not None and rules("keep.log", False) is False


def test_a_simple_ignore_file_leaves_out_files_and_folders_as_git_would(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("# comment\n\n*.rej\noutputs/\nscratch\n")
    for rel in ("a.py", "a.py.rej", "outputs/x.parquet", "scratch/y.txt", "sub/scratch",
                "sub/outputs", "sub/keep.py"):  # fmt: skip
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    # "outputs/" names folders only: sub/outputs is a file and stays; "scratch" names both.
    assert [f.rel for f in plugin_files(tmp_path)] == [".gitignore", "a.py", "sub/keep.py",
                                                       "sub/outputs"]  # fmt: skip
