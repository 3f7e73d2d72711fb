"""MP41x file policy: files in a plugin that the scan cannot see into, or that run on install.

Why: the scan is only worth something if it sees every line that could run. A compiled module
or program is opaque, a build hook or ``.pth`` line runs at install or start-up, bytecode and
nested archives hide source, and a file that does not parse or decode cannot be checked: each
is a finding (fail closed), never a crash. Every policy rule also carries one of the five
capability categories so that consumers filtering by category still see it:

* MP410 native binary (``.so``/``.pyd``/``.dll``/``.dylib`` or a file with an ELF, Mach-O or
  PE header that is a library): ``native_memory``.
* MP411 executable program (ELF/Mach-O/PE executables, ``.exe``): ``command_execution``.
* MP412 install or start-up hook (``setup.py``, executable lines in ``.pth`` files, notebook
  shell escapes are MP401 instead): ``dynamic_code``.
* MP413 Python source that does not parse: ``dynamic_code``.
* MP414 Python source that cannot be decoded with its declared encoding: ``dynamic_code``.
* MP415 compiled bytecode or nested archives holding code (``.pyc``, ``.pyo``, ``.egg``,
  ``.whl``, ``.zip`` with ``.py``/``.pyc``/native members): ``dynamic_import``.
"""

from __future__ import annotations

NATIVE_BINARY = ("MP410", "native_memory", "Remove the compiled module; plugins must be pure Python source (depend on a published wheel for native code)")
EXECUTABLE = ("MP411", "command_execution", "Remove the program from the plugin; plugins may not ship or run executables")
INSTALL_HOOK = ("MP412", "dynamic_code", "Remove the hook: plugins are imported, never installed, so setup.py and .pth code are not needed")
UNPARSABLE = ("MP413", "dynamic_code", "Fix the syntax error (the scan refuses code it cannot read); run `python -m py_compile FILE` to see it")
UNDECODABLE = ("MP414", "dynamic_code", "Save the file as UTF-8 (or fix its coding declaration) so that it can be scanned")
HIDDEN_CODE = ("MP415", "dynamic_import", "Ship source files only: remove bytecode and nested archives that contain code")

RULES: dict[str, tuple[str, str, str]] = {
    "native_binary": NATIVE_BINARY,
    "executable": EXECUTABLE,
    "install_hook": INSTALL_HOOK,
    "unparsable": UNPARSABLE,
    "undecodable": UNDECODABLE,
    "hidden_code": HIDDEN_CODE,
}

# (file name, content): the file must produce no finding / exactly this rule's finding.
VALID: list[tuple[str, bytes]] = [
    ("pipeline.py", b"def build_steps():\n    return []\n"),
    ("latin.py", "# -*- coding: latin-1 -*-\nname = 'caf\u00e9'\n".encode("latin-1")),
    ("bom.py", b"\xef\xbb\xbfx = 1\n"),
    ("README.md", b"Run `subprocess.run` never.\n"),
    ("data.csv", b"a,b\n1,2\n"),
    ("paths.pth", b"/opt/lib\n# comment\n"),
    ("notebook.ipynb", b'{"cells": [{"cell_type": "code", "source": ["x = 1\\n", "print(x)"]}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'),
    ("weights.bin", b"\x00\x01\x02\x03"),
    ("script.sh", b"#!/bin/sh\necho hi\n"),
]

INVALID: list[tuple[str, bytes, str]] = [
    ("ext.so", b"\x7fELF\x02\x01\x01" + b"\x00" * 9 + b"\x03\x00" + b"\x00" * 40, "MP410"),
    ("lib.pyd", b"MZ\x90\x00", "MP410"),
    ("tool", b"\x7fELF\x02\x01\x01" + b"\x00" * 9 + b"\x02\x00" + b"\x00" * 40, "MP411"),
    ("run.exe", b"MZ\x90\x00", "MP411"),
    ("macho", b"\xcf\xfa\xed\xfe" + b"\x00" * 8 + b"\x02\x00\x00\x00" + b"\x00" * 16, "MP411"),
    ("setup.py", b"from setuptools import setup\nsetup(name='x')\n", "MP412"),
    ("evil.pth", b"import os; os.system('id')\n", "MP412"),
    ("broken.py", b"def f(:\n    pass\n", "MP413"),
    ("bad.py", b"# -*- coding: utf-8 -*-\nx = '\xff\xfe'\n", "MP414"),
    ("nocodec.py", b"# -*- coding: no-such-codec -*-\nx = 1\n", "MP414"),
    ("mod.pyc", b"\x55\x0d\x0d\x0a" + b"\x00" * 12, "MP415"),
]
