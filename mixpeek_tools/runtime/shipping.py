"""Shipping a plugin's code to a Ray cluster: exactly the files ``publish`` would ship, staged
as a package under the name the loader imported it by.

Ray's ``runtime_env`` ``py_modules`` takes a local folder, zips it, uploads it to the cluster
once (content-addressed) and puts it on every worker's import path, so the plugin package
imports by its own name on any node, including nodes that cannot see the driver's disk. The
folder must carry the import name (``my-extractor/`` is imported as ``my_extractor``, or
``mixpeek_plugin_<name>`` when a library owns the plain name), or functions the driver pickled
by reference (``prepare``'s filters, the steps' classes) would name a module the workers lack.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path


def plugin_files(root: Path) -> list[tuple[str, Path]]:
    """``(relative POSIX path, source file)`` of every file publish ships from ``root``.

    The kit's one file set (:mod:`mixpeek_tools.plugin.files`) decides, so what runs on the
    cluster is what ``validate`` checked and ``publish`` uploads.
    """
    from mixpeek_tools.plugin.files import plugin_files as file_set

    return [(item.rel, item.path) for item in file_set(root).files]


def stage_package(root: Path, package_name: str) -> Path:
    """A temporary folder ``<tmp>/<package_name>/`` holding the shipped files; the caller
    removes ``result.parent`` when the run is over (see :func:`remove_stage`)."""
    stage = Path(tempfile.mkdtemp(prefix="mixpeek-ship-")) / package_name
    for rel, source in plugin_files(root):
        target = stage / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    stage.mkdir(parents=True, exist_ok=True)  # a plugin of only ignored files still imports
    return stage


def remove_stage(stage: Path | None) -> None:
    if stage is not None:
        shutil.rmtree(stage.parent, ignore_errors=True)


def staged_root(package_name: str) -> Path | None:
    """Inside a Ray worker: the folder of the shipped copy of ``package_name``, if importable."""
    import importlib.util
    import sys

    existing = sys.modules.get(package_name)
    locations = list(getattr(existing, "__path__", []) or []) if existing else []
    if not locations:
        try:
            spec = importlib.util.find_spec(package_name)
        except (ImportError, ValueError):
            return None
        locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        folder = Path(location)
        if folder.name == package_name and (folder / "manifest.py").is_file():
            return folder
    return None


__all__ = ["plugin_files", "remove_stage", "stage_package", "staged_root"]
