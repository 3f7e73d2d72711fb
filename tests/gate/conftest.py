"""Plugins for the gate tests: copies of the docs fixture plugin with one hostile file each."""

from __future__ import annotations

import importlib.util
import marshal
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.support.plugins import copy_docs_plugin


def copy_plugin(parent: Path, name: str = "gate_plugin") -> Path:
    """The docs fixture plugin under ``parent/name`` with its metadata name set to ``name``."""
    return copy_docs_plugin(parent / name, name=name)


def payload(marker: Path) -> str:
    """Python that proves it ran by writing ``marker``."""
    return f"open({str(marker)!r}, 'w').write('ran')\n"


def pyc(source: str, flags: int, filename: str = "core.py") -> bytes:
    """A real .pyc: 0 timestamp-based, 1 unchecked hash, 3 checked hash."""
    code = compile(source, filename, "exec")
    return importlib.util.MAGIC_NUMBER + flags.to_bytes(4, "little") + b"\0" * 8 + marshal.dumps(code)


def native_extension(dest: Path, module: str, marker: Path) -> None:
    """Compile a real extension module whose initialisation writes ``marker``."""
    if shutil.which("cc") is None:
        pytest.skip("no C compiler to build a real extension module")
    source = dest.parent / f"_{module}_ext.c"
    source.write_text(
        "#include <Python.h>\n#include <stdio.h>\n"
        f"static struct PyModuleDef def = {{PyModuleDef_HEAD_INIT, \"{module}\", NULL, -1, NULL}};\n"
        f"PyMODINIT_FUNC PyInit_{module}(void) {{ FILE *f = fopen(\"{marker}\", \"w\");"
        " if (f) { fputs(\"ran\", f); fclose(f); } return PyModule_Create(&def); }\n"
    )
    include = sysconfig.get_paths()["include"]
    subprocess.run(["cc", "-shared", "-fPIC", f"-I{include}", str(source), "-o", str(dest)], check=True)
    source.unlink()


ARTIFACTS = ("sourceless_pyc", "unchecked_hash_pyc", "shadowing_so", "pth")


def plant(plugin: Path, kind: str, marker: Path) -> str:
    """Put one hostile artifact into ``plugin`` that the plugin would import; its path."""
    core = plugin / "processors" / "core.py"
    if kind == "sourceless_pyc":
        (plugin / "helper.pyc").write_bytes(pyc(payload(marker), 0, "helper.py"))
        init = plugin / "__init__.py"
        init.write_text("from . import helper  # noqa: F401\n" + init.read_text())
        return "helper.pyc"
    if kind == "unchecked_hash_pyc":
        rel = f"processors/__pycache__/core.{sys.implementation.cache_tag}.pyc"
        (plugin / rel).parent.mkdir()
        (plugin / rel).write_bytes(pyc(payload(marker) + core.read_text(), 1))
        return rel
    if kind == "shadowing_so":
        rel = "processors/core" + sysconfig.get_config_var("EXT_SUFFIX")
        native_extension(plugin / rel, "core", marker)
        return rel
    assert kind == "pth"
    (plugin / "vendor.pth").write_text(f"import os; {payload(marker).strip()}\n")
    return "vendor.pth"
