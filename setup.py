"""Build hook: ship the plugin template inside the wheel.

All metadata lives in pyproject.toml. This file only adds one build step: the Copier template
(``copier.yml`` and ``template/`` at the repository root) is copied into
``mixpeek_tools/scaffold/kit_template/`` of the built package, so ``mixpeek plugin init`` works
from a wheel too. Editable installs skip it and use the checkout's template directly.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
TEMPLATE_PARTS = ("copier.yml", "template")


class BuildPyWithTemplate(build_py):
    """build_py that also copies the Copier template into the package."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        target = Path(self.build_lib) / "mixpeek_tools" / "scaffold" / "kit_template"
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        for part in TEMPLATE_PARTS:
            source = ROOT / part
            if source.is_dir():
                shutil.copytree(source, target / part,
                                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                shutil.copy2(source, target / part)


setup(cmdclass={"build_py": BuildPyWithTemplate})
