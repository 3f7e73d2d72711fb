"""Helpers shared by the scaffold tests (fixtures are in conftest.py)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

KIT_ROOT = Path(__file__).resolve().parents[2]
# The template fix that the update tests release: a docstring line of the one pipeline template
# every category shares.
PIPELINE_TEMPLATE = Path("template/<<plugin_name>>/pipeline.py.jinja")
OLD_LINE = '"""How << plugin_name >> runs: one CPU step over the << parts.part.rows >> rows.'
NEW_LINE = (
    '"""How << plugin_name >> runs: one CPU step (<< parts.part.condition >>) over the '
    '<< parts.part.rows >> rows.'
)


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd`` and return its stdout; fail the test with git's message otherwise."""
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, f"git {' '.join(args)} failed: {result.stderr}"
    return result.stdout


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def apply_template_fix(template_root: Path) -> None:
    """Edit the template under ``template_root`` as a fixed release would (committing is the
    caller's part)."""
    path = template_root / PIPELINE_TEMPLATE
    source = path.read_text()
    assert OLD_LINE in source, f"{path} changed: update OLD_LINE in tests/scaffold/helpers.py"
    path.write_text(source.replace(OLD_LINE, NEW_LINE))


def copier_answers(plugin: Path) -> dict[str, Any]:
    """What Copier recorded in a rendered plugin (``_commit`` says which template release)."""
    answers: dict[str, Any] = yaml.safe_load((plugin / ".copier-answers.yml").read_text())
    return answers


def copy_template(target: Path) -> Path:
    """The kit's template files (copier.yml, template/, hooks/) copied into ``target``."""
    target.mkdir(parents=True)
    shutil.copy2(KIT_ROOT / "copier.yml", target / "copier.yml")
    for folder in ("template", "hooks"):
        shutil.copytree(
            KIT_ROOT / folder,
            target / folder,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache"),
        )
    return target


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (relative POSIX path -> bytes), ignoring caches."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and ".pytest_cache" not in p.parts
    }
