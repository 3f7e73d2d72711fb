"""Build hook: ship the plugin template, with its version history, inside the package.

All metadata lives in pyproject.toml. This file adds one artefact: ``template-history.bundle``,
a git bundle with one tagged commit of ``copier.yml``, ``template/`` and ``hooks/`` per released
kit version (see ``mixpeek_tools/scaffold/history.py``). ``mixpeek plugin init`` renders from it and
``mixpeek plugin update`` runs Copier's three-way update between two of its versions, so plugins
rendered by an installed kit can be updated after the kit is upgraded.

- ``sdist`` builds the bundle from the checkout's git history into the sdist's root (an sdist
  has no git history to build it from later); MANIFEST.in adds ``copier.yml``, ``template/``
  and ``hooks/``.
- ``build_py`` copies that bundle into the package when it is there (a build from the sdist),
  else builds it from the checkout. Editable installs skip it: they use the checkout's template.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

ROOT = Path(__file__).resolve().parent


def _history() -> ModuleType:
    """``mixpeek_tools/scaffold/history.py`` loaded by path (the package may not import yet)."""
    path = ROOT / "mixpeek_tools" / "scaffold" / "history.py"
    spec = importlib.util.spec_from_file_location("_mixpeek_template_history", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def provide_bundle(target: Path) -> None:
    """Copy the sdist's prebuilt bundle to ``target``, or build it from the git checkout."""
    history = _history()
    prebuilt = ROOT / history.BUNDLE_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    if prebuilt.is_file():
        shutil.copy2(prebuilt, target)
    else:
        history.build_bundle(ROOT, target)


class BuildPyWithTemplate(build_py):
    """build_py that also puts the template history into the package."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        scaffold = Path(self.build_lib) / "mixpeek_tools" / "scaffold"
        provide_bundle(scaffold / _history().BUNDLE_NAME)


class SdistWithTemplateHistory(sdist):
    """sdist whose tree also holds the template history built from git."""

    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        super().make_release_tree(base_dir, files)
        provide_bundle(Path(base_dir) / _history().BUNDLE_NAME)


setup(cmdclass={"build_py": BuildPyWithTemplate, "sdist": SdistWithTemplateHistory})
