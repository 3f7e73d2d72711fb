"""Which files a scan covers, what kind each one is, and how its code is read.

The scan covers every file that would be published, not only ``*.py``: a folder's files are
its file set (:mod:`mixpeek_tools.plugin.files`, the one selection the archive builder uses
too), and each file is classified by name and by its first bytes. Python source is decoded exactly as Python would (BOM and coding cookie via
:func:`tokenize.detect_encoding`), notebooks contribute their code cells (IPython shell escapes
become findings), ``.pth`` files contribute the lines that ``site`` executes.
"""

from __future__ import annotations

import io
import json
import os
import re
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mixpeek_tools.plugin.files import FileSet

# Bytecode suffixes: classified as ``bytecode`` (MP415) wherever they are found.
SKIP_FILE_SUFFIXES = (".pyc", ".pyo")

PYTHON_SUFFIXES = (".py", ".pyw")
NATIVE_SUFFIXES = (".so", ".pyd", ".dll", ".dylib")
EXECUTABLE_SUFFIXES = (".exe", ".com", ".bat", ".cmd", ".msi")
ARCHIVE_SUFFIXES = (".egg", ".whl", ".zip", ".pyz")
HOOK_NAMES = frozenset({"setup.py", "sitecustomize.py", "usercustomize.py"})
HEAD_BYTES = 64

_MACHO = {b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe"}
_PY_SHEBANG = re.compile(rb"^#![^\n]*python")


@dataclass
class SourceFile:
    """A file to scan: where it is on disk and the path to report it under."""

    path: Path
    display: str
    explicit: bool = False


@dataclass
class CodeUnit:
    """Python source extracted from a file, ready for the analyzer.

    ``line_map`` maps the analysed text's 1-based lines to ``(cell, line)`` for notebooks;
    ``problems`` are file-level findings (as ``(kind, message, line)``) found while reading.
    """

    text: str | None
    line_map: list[tuple[int, int]] | None = None
    problems: list[tuple[str, str, int | None]] = field(default_factory=list)
    shell_lines: list[tuple[int, str]] = field(default_factory=list)


def iter_files(root: Path, display: str) -> Iterator[SourceFile]:
    """Every file of the plugin's file set below ``root`` (what its archive would hold).

    The selection is :func:`mixpeek_tools.plugin.files.plugin_files` (trusted mode): the same
    rules the archive builder, the validator and the pre-commit hook use, so bytecode that is
    not Python's own cache, native extensions and ``.pth`` files are scanned (and refused).
    """
    from mixpeek_tools.plugin.files import plugin_files

    yield from file_set_sources(plugin_files(root), display)


def file_set_sources(files: FileSet, display: str) -> list[SourceFile]:
    """The files of a plugin file set, each shown as ``display`` joined with its path in it."""
    return [SourceFile(f.path, os.path.join(display, *f.rel.split("/"))) for f in files]


def classify(path: Path, head: bytes) -> str:
    """``python``, ``notebook``, ``pth``, ``native``, ``executable``, ``bytecode``, ``archive`` or ``data``."""
    name = path.name.lower()
    if name.endswith(PYTHON_SUFFIXES):
        return "python"
    if name.endswith(".ipynb"):
        return "notebook"
    if name.endswith(".pth"):
        return "pth"
    if name.endswith(SKIP_FILE_SUFFIXES):
        return "bytecode"
    binary = _binary_kind(name, head)
    if binary is not None:
        return binary
    if name.endswith(NATIVE_SUFFIXES):
        return "native"
    if name.endswith(EXECUTABLE_SUFFIXES):
        return "executable"
    if name.endswith(ARCHIVE_SUFFIXES) or (head.startswith(b"PK\x03\x04") and name.endswith(".pyz")):
        return "archive"
    if "." not in name and _PY_SHEBANG.match(head):
        return "python"
    return "data"


def _binary_kind(name: str, head: bytes) -> str | None:
    library = name.endswith(NATIVE_SUFFIXES) or ".so." in name
    if head.startswith(b"\x7fELF") and len(head) >= 18:
        little = head[5:6] == b"\x01"
        e_type = int.from_bytes(head[16:18], "little" if little else "big")
        return "native" if library or (e_type == 3 and ".so" in name) else "executable"
    if head[:4] in _MACHO and len(head) >= 16:
        little = head[:4] in (b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe")
        filetype = int.from_bytes(head[12:16], "little" if little else "big")
        return "native" if library or filetype in (6, 8) else "executable"
    if head.startswith(b"MZ"):
        return "native" if library else "executable"
    return None


def decode_python(data: bytes) -> tuple[str | None, tuple[str, str, int | None] | None]:
    """Source bytes decoded the way Python decodes them, or a problem ``(kind, message, line)``."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as err:
        return None, ("undecodable", f"its encoding declaration is not usable ({err.msg})", getattr(err, "lineno", None) or 1)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        return None, ("undecodable", f"it is not valid {encoding} (byte {err.start}: {err.reason})", line)
    except LookupError:
        return None, ("undecodable", f"its declared encoding {encoding!r} is unknown", 1)
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return None, ("unparsable", "it contains a NUL character, which Python refuses in source", line)
    return text, None


SHELL_CELL_MAGICS = frozenset({"bash", "sh", "script", "system", "sx", "ruby", "perl", "python", "python2", "python3", "pypy", "zsh", "powershell", "cmd"})
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})
SHELL_LINE_MAGICS = frozenset({"system", "sx", "sc", "bash", "sh"})
CODE_LINE_MAGICS = frozenset({"run", "load", "load_ext", "loadpy", "pip", "conda", "mamba", "install"})


def notebook_code(data: bytes) -> CodeUnit:
    """The code cells of a notebook as one text, with shell escapes and magics taken out.

    ``!cmd``, ``%system`` and shell cell magics (``%%bash``...) are shell commands; ``%run``,
    ``%load`` and ``%pip`` load or install code. They are reported by the engine; all other
    magic lines are blanked so that line numbers stay right.
    """
    try:
        notebook = json.loads(data.decode("utf-8-sig"))
        cells = notebook.get("cells", []) if isinstance(notebook, dict) else None
        if not isinstance(cells, list):
            raise ValueError("no cells list")
    except (ValueError, UnicodeDecodeError) as err:
        return CodeUnit(None, problems=[("unparsable", f"it is not a readable notebook ({err})", None)])
    lines: list[str] = []
    line_map: list[tuple[int, int]] = []
    unit = CodeUnit(None)
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else str(source)
        cell_lines = text.split("\n")
        shell_cell = False
        python_body = True
        first = cell_lines[0].strip() if cell_lines else ""
        if first.startswith("%%"):
            magic = first[2:].split()[0] if first[2:].split() else ""
            shell_cell = magic in SHELL_CELL_MAGICS
            python_body = magic in PYTHON_CELL_MAGICS
        for offset, raw in enumerate(cell_lines, start=1):
            header = offset == 1 and first.startswith("%%")
            code, escape = _cell_line(raw, header=header, shell_cell=shell_cell,
                                      python_body=python_body)  # fmt: skip
            if escape:
                unit.shell_lines.append((len(lines) + 1, raw))
            lines.append(code)
            line_map.append((number, offset))
    unit.text = "\n".join(lines) + "\n"
    unit.line_map = line_map
    return unit


def _cell_line(raw: str, *, header: bool, shell_cell: bool, python_body: bool) -> tuple[str, bool]:
    """One notebook line: (the code kept for Python, whether it is a shell or code-loading escape)."""
    stripped = raw.strip()
    if header:  # the %%magic line itself
        return "", shell_cell
    if not python_body or shell_cell:
        return "", False
    if stripped.startswith("!") or re.match(r"^[\w.\[\]]+\s*=\s*!", stripped):
        return "", True
    if stripped.startswith("%"):
        magic = stripped[1:].split()[0] if stripped[1:].split() else ""
        return "", magic in SHELL_LINE_MAGICS or magic in CODE_LINE_MAGICS
    if stripped.endswith("?") and not stripped.startswith("#"):
        return "", False
    return raw, False


def pth_code(text: str) -> CodeUnit:
    """The lines of a ``.pth`` file that ``site`` executes (those starting with ``import``)."""
    lines = []
    unit = CodeUnit(None)
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(("import ", "import\t")):
            lines.append(line)
            unit.problems.append(("install_hook", "this .pth line is executed as Python at interpreter start-up", number))
        else:
            lines.append("")
    unit.text = "\n".join(lines) + "\n"
    return unit
