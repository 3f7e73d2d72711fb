"""From a wheel (no repository root), init renders the template packaged inside the wheel."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from .helpers import KIT_ROOT

pytestmark = pytest.mark.slow


def source_copy(target: Path) -> Path:
    """The files a build needs, copied so the build leaves nothing in the checkout."""
    target.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "kit_template")
    for name in ("pyproject.toml", "setup.py", "README.md", "copier.yml"):
        shutil.copy2(KIT_ROOT / name, target / name)
    for name in ("mixpeek_tools", "template"):
        shutil.copytree(KIT_ROOT / name, target / name, ignore=ignore)
    return target


def test_a_wheel_ships_the_template_and_init_uses_it(tmp_path: Path) -> None:
    source = source_copy(tmp_path / "src")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation",
         "-q", "-w", str(tmp_path / "dist")],
        capture_output=True, text=True, timeout=300,
    )
    assert built.returncode == 0, built.stderr
    wheel = next((tmp_path / "dist").glob("mixpeek_tools-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    packaged = "mixpeek_tools/scaffold/kit_template/"
    assert f"{packaged}copier.yml" in names
    assert f"{packaged}template/<<plugin_name>>/manifest.py.jinja" in names
    assert f"{packaged}template/_categories/video/processors/core.py.jinja" in names

    site = tmp_path / "site-packages"
    zipfile.ZipFile(wheel).extractall(site)
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run(
        [sys.executable, "-m", "mixpeek_tools", "plugin", "init", "wheel_plugin", "-c", "video",
         "-a", "Wheel User", "-o", str(tmp_path / "out")],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    answers = yaml.safe_load((tmp_path / "out" / "wheel_plugin" / ".copier-answers.yml").read_text())
    assert Path(answers["_src_path"]) == site / "mixpeek_tools" / "scaffold" / "kit_template"
    assert (tmp_path / "out" / "wheel_plugin" / "samples" / "clip_64x48_10fps.mp4").is_file()
