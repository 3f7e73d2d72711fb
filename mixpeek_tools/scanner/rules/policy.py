"""MP410-MP415 file policy: files in a plugin the scan cannot see into, or that run on install.

The scan is only worth something if it sees every line that could run, so each of these is a
finding (fail closed), never a crash. Every policy rule also carries one of the five capability
categories, so that consumers filtering by category still see it. MP416 (``.pth`` files) is in
:mod:`mixpeek_tools.scanner.rules.artifacts`.
"""

from __future__ import annotations

from mixpeek_tools.scanner.rules.model import PolicyRule, file

_ELF_LIBRARY = b"\x7fELF\x02\x01\x01" + b"\x00" * 9 + b"\x03\x00" + b"\x00" * 40
_ELF_PROGRAM = b"\x7fELF\x02\x01\x01" + b"\x00" * 9 + b"\x02\x00" + b"\x00" * 40
_MACHO_PROGRAM = b"\xcf\xfa\xed\xfe" + b"\x00" * 8 + b"\x02\x00\x00\x00" + b"\x00" * 16
_PE = b"MZ\x90\x00"
_PYC = b"\x55\x0d\x0d\x0a" + b"\x00" * 12
_ZIP_WITH_SOURCE = (  # a zip archive holding a.py
    b"PK\x03\x04\x14\x00\x00\x00\x00\x00\to\x81];\x89\xf6\x8b\x06\x00\x00\x00\x06\x00\x00\x00\x04\x00\x00\x00"
    b"a.pyx = 1\nPK\x01\x02\x14\x03\x14\x00\x00\x00\x00\x00\to\x81];\x89\xf6\x8b\x06\x00\x00\x00\x06\x00\x00"
    b"\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x01\x00\x00\x00\x00a.pyPK\x05\x06\x00\x00\x00\x00"
    b"\x01\x00\x01\x002\x00\x00\x00(\x00\x00\x00\x00\x00"
)
_ZIP_WITH_TEXT = (  # a zip archive holding a.txt
    b"PK\x03\x04\x14\x00\x00\x00\x00\x00\to\x81]\x83\x16\xdc\x8c\x01\x00\x00\x00\x01\x00\x00\x00\x05\x00\x00"
    b"\x00a.txtxPK\x01\x02\x14\x03\x14\x00\x00\x00\x00\x00\to\x81]\x83\x16\xdc\x8c\x01\x00\x00\x00\x01\x00\x00"
    b"\x00\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x01\x00\x00\x00\x00a.txtPK\x05\x06\x00\x00\x00"
    b"\x00\x01\x00\x01\x003\x00\x00\x00$\x00\x00\x00\x00\x00"
)
_NOTEBOOK = (
    b'{"cells": [{"cell_type": "code", "source": ["x = 1\\n", "print(x)"]}], '
    b'"metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
)


class NativeBinary(PolicyRule):
    """A compiled extension or native library shipped with the plugin.

    Catches: ``.so``/``.pyd``/``.dll``/``.dylib`` files and any file whose ELF, Mach-O or PE
    header says it is a library, wherever it lies in the plugin. Why: native code is opaque to
    the scan and runs with the worker's full rights as soon as it is imported; a ``.so`` next to
    ``core.py`` even shadows the source the scan read. Fix: remove the compiled module; plugins
    must be pure Python source (depend on a published wheel for native code).
    """

    id = "MP410"
    name = "native-binary"
    category = "native_memory"
    kind = "native_binary"
    hint = "Remove the compiled module; plugins must be pure Python source (depend on a published wheel for native code)"
    VALID = [
        file("weights.bin", b"\x00\x01\x02\x03", "model weights are data"),
        file("pipeline.py", b"def build_steps():\n    return []\n"),
        file("vectors.npy", b"\x93NUMPY\x01\x00"),
    ]
    INVALID = [
        file("ext.so", _ELF_LIBRARY, "an ELF shared library"),
        file("lib.pyd", _PE, "a Windows extension module"),
        file("libhelpers.so.1", _ELF_LIBRARY, "a versioned shared library"),
    ]


class ExecutableProgram(PolicyRule):
    """An executable program shipped with the plugin.

    Catches: ELF, Mach-O and PE executables, whatever their name, and ``.exe`` files. Why: a
    program is opaque to the scan and only useful to a plugin if something starts it, which
    MP401 forbids; shipping one is a staging step for an attack. Fix: remove the program from
    the plugin; plugins may not ship or run executables.
    """

    id = "MP411"
    name = "executable-program"
    category = "command_execution"
    kind = "executable"
    hint = "Remove the program from the plugin; plugins may not ship or run executables"
    VALID = [
        file("script.sh", b"#!/bin/sh\necho hi\n", "a shell script is text (nothing starts it)"),
        file("README.md", b"Run `subprocess.run` never.\n"),
        file("data.csv", b"a,b\n1,2\n"),
    ]
    INVALID = [
        file("tool", _ELF_PROGRAM, "an ELF executable without a suffix"),
        file("run.exe", _PE, "a Windows program"),
        file("macho", _MACHO_PROGRAM, "a Mach-O executable"),
    ]


class InstallHook(PolicyRule):
    """Code that runs when the plugin is installed or Python starts.

    Catches: a ``setup.py``, ``sitecustomize.py`` or ``usercustomize.py`` anywhere in the plugin
    (the file is still scanned) and executable (``import``) lines in ``.pth`` files. Why: install and start-up hooks run before and outside the plugin's own code, where
    no check of the plugin's behaviour applies. Fix: remove the hook: plugins are imported,
    never installed, so ``setup.py`` and ``.pth`` code are not needed.
    """

    id = "MP412"
    name = "install-hook"
    category = "dynamic_code"
    kind = "install_hook"
    hint = "Remove the hook: plugins are imported, never installed, so setup.py and .pth code are not needed"
    VALID = [
        file("pipeline.py", b"def build_steps():\n    return []\n"),
        file("setup.cfg", b"[metadata]\nname = x\n", "configuration, not code"),
        file("notebook.ipynb", _NOTEBOOK, "a notebook without shell escapes"),
    ]
    INVALID = [
        file("setup.py", b"from setuptools import setup\nsetup(name='x')\n"),
        file("sitecustomize.py", b"x = 1\n", "runs at every interpreter start"),
        file("evil.pth", b"import os; os.system('id')\n", "also MP416 (every .pth file) and MP401 (what the line runs)", also=("MP401", "MP416")),
    ]


class UnparsableSource(PolicyRule):
    """Python source that does not parse.

    Catches: a ``.py`` file with a syntax error, a NUL character or an unreadable notebook. Why:
    the scan refuses code it cannot read rather than guessing: a file Python cannot parse today
    may parse on another interpreter version. Fix: fix the syntax error; run
    ``python -m py_compile FILE`` to see it.
    """

    id = "MP413"
    name = "unparsable-source"
    category = "dynamic_code"
    kind = "unparsable"
    hint = "Fix the syntax error (the scan refuses code it cannot read); run `python -m py_compile FILE` to see it"
    VALID = [
        file("pipeline.py", b"def build_steps():\n    return []\n"),
        file("matcher.py", b"match x:\n    case [1, *rest]:\n        pass\n", "newer syntax that parses"),
    ]
    INVALID = [
        file("broken.py", b"def f(:\n    pass\n"),
        file("nul.py", b"x = 1\x00\n", "a NUL character"),
    ]


class UndecodableSource(PolicyRule):
    """Python source that cannot be decoded with its declared encoding.

    Catches: bytes that are not valid in the file's encoding (UTF-8 unless a coding declaration
    says otherwise), an unknown codec name in the declaration, and a file that cannot be read.
    Why: the scan must read exactly the text Python would run; a file it cannot decode could
    hide anything. Fix: save the file as UTF-8 (or fix its coding declaration).
    """

    id = "MP414"
    name = "undecodable-source"
    category = "dynamic_code"
    kind = "undecodable"
    hint = "Save the file as UTF-8 (or fix its coding declaration) so that it can be scanned"
    VALID = [
        file("latin.py", "# -*- coding: latin-1 -*-\nname = 'caf\u00e9'\n".encode("latin-1"), "a declared latin-1 file"),
        file("bom.py", b"\xef\xbb\xbfx = 1\n", "UTF-8 with a byte-order mark"),
        file("utf8.py", "name = 'caf\u00e9'\n".encode()),
    ]
    INVALID = [
        file("bad.py", b"# -*- coding: utf-8 -*-\nx = '\xff\xfe'\n", "bytes that are not UTF-8"),
        file("nocodec.py", b"# -*- coding: no-such-codec -*-\nx = 1\n", "an unknown codec"),
    ]


class HiddenCode(PolicyRule):
    """Compiled bytecode, or a nested archive that holds code.

    Catches: ``.pyc``/``.pyo`` files (sourceless or in ``__pycache__``) and ``.egg``, ``.whl`` or
    ``.zip`` archives with ``.py``/``.pyc``/native members. Why: Python imports bytecode in place
    of (or without) its source, so code the scan never read would run; archives hide source
    from the scan. Fix: ship source files only: remove bytecode and nested archives that
    contain code.
    """

    id = "MP415"
    name = "hidden-code"
    category = "dynamic_import"
    kind = "hidden_code"
    hint = "Ship source files only: remove bytecode and nested archives that contain code"
    VALID = [
        file("pipeline.py", b"def build_steps():\n    return []\n"),
        file("data.csv", b"a,b\n1,2\n"),
        file("texts.zip", _ZIP_WITH_TEXT, "an archive of data files"),
    ]
    INVALID = [
        file("mod.pyc", _PYC, "sourceless bytecode"),
        file("__pycache__/mod.cpython-311.pyc", _PYC, "bytecode in __pycache__"),
        file("vendor.whl", _ZIP_WITH_SOURCE, "a wheel holding source"),
        file("vendor.zip", b"", "an unreadable archive is refused too"),
    ]


POLICY_RULES: tuple[type[PolicyRule], ...] = (
    NativeBinary,
    ExecutableProgram,
    InstallHook,
    UnparsableSource,
    UndecodableSource,
    HiddenCode,
)
