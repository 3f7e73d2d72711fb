"""A kit built and installed as users get it: sdist and wheel from ``python -m build``, a fresh venv.

``KitBuilds`` makes a git repository from the checkout's files (what a clean clone holds), builds
version 1 from it, then commits a template fix with a bumped version and builds version 2, so
the second wheel's template history holds both versions. ``KitVenv`` is a fresh virtual
environment (no system site-packages, no PYTHONPATH) with one of the wheels installed; its core
dependencies come from the package index or pip's cache on the first run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .helpers import KIT_ROOT, apply_template_fix, commit_all, git

BUILD_FILES = ("pyproject.toml", "setup.py", "README.md", "MANIFEST.in", "copier.yml")
BUILD_DIRS = ("mixpeek_tools", "template", "hooks")
_IGNORE = shutil.ignore_patterns(
    "__pycache__", "*.pyc", "*.egg-info", ".pytest_cache", "template-history.bundle"
)
VERSION_FILE = Path("mixpeek_tools/__init__.py")
# The venv gets a private HOME (the template history lives there), but pip keeps the user's
# cache: after the first run, the core dependencies install from it in seconds.
PIP_CACHE = os.environ.get("PIP_CACHE_DIR") or str(Path.home() / ".cache" / "pip")


def run(cmd: list[str], *, cwd: Path, env: dict[str, str] | None = None,
        timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def build(repo: Path, out: Path) -> tuple[Path, Path]:
    """``python -m build`` (sdist, then the wheel built from that sdist); offline."""
    done = run([sys.executable, "-m", "build", "--no-isolation", "-o", str(out), str(repo)],
               cwd=repo)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return next(out.glob("*.tar.gz")), next(out.glob("*.whl"))


@dataclass
class KitBuilds:
    """Two releases of the kit, the second with a template fix."""

    repo: Path
    version1: str
    sdist1: Path
    wheel1: Path
    version2: str = ""
    wheel2: Path = field(default_factory=Path)

    @classmethod
    def make(cls, root: Path) -> KitBuilds:
        repo = root / "kit"
        repo.mkdir(parents=True)
        for name in BUILD_FILES:
            shutil.copy2(KIT_ROOT / name, repo / name)
        for name in BUILD_DIRS:
            shutil.copytree(KIT_ROOT / name, repo / name, ignore=_IGNORE)
        git(repo, "init", "-q")
        commit_all(repo, "kit release 1")
        version1 = re.search(r'__version__ = "([^"]+)"', (repo / VERSION_FILE).read_text())[1]
        sdist1, wheel1 = build(repo, root / "dist1")
        builds = cls(repo, version1, sdist1, wheel1)
        builds._release_fix(root / "dist2")
        return builds

    def _release_fix(self, out: Path) -> None:
        apply_template_fix(self.repo)
        self.version2 = f"{self.version1}.1"
        init = self.repo / VERSION_FILE
        init.write_text(init.read_text().replace(
            f'__version__ = "{self.version1}"', f'__version__ = "{self.version2}"'))
        commit_all(self.repo, "kit release 2: template fix")
        _, self.wheel2 = build(self.repo, out)


@dataclass
class KitVenv:
    """A fresh venv with the kit installed; ``env`` leaves the checkout out of every import."""

    path: Path
    home: Path
    installed: str = ""

    @classmethod
    def make(cls, root: Path, wheel: Path, version: str, gitconfig: Path) -> KitVenv:
        venv = cls(root / "venv", root / "home")
        venv.home.mkdir(parents=True)
        shutil.copy2(gitconfig, venv.home / ".gitconfig")
        done = run([sys.executable, "-m", "venv", str(venv.path)], cwd=root)
        assert done.returncode == 0, done.stderr
        venv.install(wheel, version, deps=True)
        return venv

    @property
    def bin(self) -> Path:
        return self.path / "bin"

    def env(self) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items()
                if k not in ("PYTHONPATH", "VIRTUAL_ENV", "GIT_CONFIG_GLOBAL", "PYTEST_ADDOPTS")}
        return {**keep, "HOME": str(self.home), "PATH": f"{self.bin}{os.pathsep}{keep['PATH']}",
                "VIRTUAL_ENV": str(self.path), "CI": "true", "GIT_CONFIG_NOSYSTEM": "1",
                "PIP_CACHE_DIR": PIP_CACHE}

    def install(self, wheel: Path, version: str, *, deps: bool = False) -> None:
        """Install ``wheel`` (an upgrade keeps the dependencies already there)."""
        if self.installed == version:
            return
        args = [str(self.bin / "python"), "-m", "pip", "install", "-q", str(wheel)]
        if not deps:
            args[5:5] = ["--no-deps", "--force-reinstall"]
        done = run(args, cwd=self.path, env=self.env(), timeout=1500)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        self.installed = version

    def mixpeek(self, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        return run([str(self.bin / "mixpeek"), *args], cwd=cwd, env=self.env())

    def python(self, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        return run([str(self.bin / "python"), *args], cwd=cwd, env=self.env())
