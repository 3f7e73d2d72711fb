"""Whole-archive coverage: every file kind, encodings, notebooks, .pth files, binaries, folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mixpeek_tools.errors import BadInput
from mixpeek_tools.scanner import scan_paths


def _write(root: Path, name: str, data: bytes | str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def _rules(root: Path) -> set[tuple[str, str | None]]:
    return {(Path(f.path or "").name, f.rule) for f in scan_paths([root], jobs=1).findings}


def test_source_in_a_declared_encoding_is_decoded_like_python(tmp_path: Path) -> None:
    source = "# -*- coding: latin-1 -*-\n# caf\u00e9\nimport os\nos.system('id')\n".encode("latin-1")
    _write(tmp_path, "latin.py", source)
    assert ("latin.py", "MP401") in _rules(tmp_path)


def test_unicode_escape_cookie_is_followed(tmp_path: Path) -> None:
    # With this cookie Python decodes \\u escapes in the source before tokenizing.
    _write(tmp_path, "esc.py", b"# coding: unicode_escape\nimport os\nos.\\u0073ystem('id')\n")
    assert ("esc.py", "MP401") in _rules(tmp_path)


def test_undecodable_source_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    _write(tmp_path, "bad.py", b"x = 1\ny = '\xff'\n")
    findings = scan_paths([tmp_path], jobs=1).findings
    assert [(f.rule, f.line) for f in findings] == [("MP414", 2)]


def test_syntax_error_is_a_finding_with_its_line(tmp_path: Path) -> None:
    _write(tmp_path, "broken.py", "x = 1\ndef f(:\n    pass\n")
    (finding,) = scan_paths([tmp_path], jobs=1).findings
    assert finding.rule == "MP413" and finding.line == 2 and finding.category == "dynamic_code"


def test_notebook_code_cells_are_scanned_with_cell_positions(tmp_path: Path) -> None:
    notebook = {
        "cells": [
            {"cell_type": "markdown", "source": ["import subprocess"]},
            {"cell_type": "code", "source": ["import os\n", "x = 1"]},
            {"cell_type": "code", "source": ["%matplotlib inline\n", "os.system('id')"]},
            {"cell_type": "code", "source": ["!ls -la"]},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    _write(tmp_path, "nb.ipynb", json.dumps(notebook))
    findings = scan_paths([tmp_path], jobs=1).findings
    located = {(f.rule, f.extra.get("cell"), f.line) for f in findings}
    assert ("MP401", 3, 2) in located  # os.system in cell 3, line 2 (imports from cell 2)
    assert ("MP401", 4, 1) in located  # the shell escape
    assert not any("subprocess" in f.message for f in findings)  # markdown is not code


def test_pth_file_import_lines_are_startup_hooks(tmp_path: Path) -> None:
    _write(tmp_path, "x.pth", "/some/path\nimport os; os.system('id')\n")
    rules = _rules(tmp_path)
    assert ("x.pth", "MP412") in rules and ("x.pth", "MP401") in rules


def test_setup_py_is_an_install_hook_and_still_scanned(tmp_path: Path) -> None:
    _write(tmp_path, "setup.py", "import subprocess\nfrom setuptools import setup\nsetup()\n")
    rules = _rules(tmp_path)
    assert ("setup.py", "MP412") in rules and ("setup.py", "MP401") in rules


@pytest.mark.parametrize(
    ("name", "data", "rule"),
    [
        ("fast.cpython-311-x86_64-linux-gnu.so", b"\x7fELF\x02\x01\x01" + b"\0" * 9 + b"\x03\x00" + b"\0" * 40, "MP410"),
        ("renamed.bin", b"\x7fELF\x02\x01\x01" + b"\0" * 9 + b"\x02\x00" + b"\0" * 40, "MP411"),
        ("helper.dll", b"MZ" + b"\0" * 60, "MP410"),
        ("tool", b"\xcf\xfa\xed\xfe" + b"\0" * 8 + b"\x02\0\0\0" + b"\0" * 16, "MP411"),
        ("vendored.whl", None, "MP415"),
    ],
)
def test_binaries_and_code_archives_are_policy_findings(tmp_path: Path, name: str, data: bytes | None, rule: str) -> None:
    if data is None:
        import zipfile

        with zipfile.ZipFile(tmp_path / name, "w") as archive:
            archive.writestr("pkg/mod.py", "print(1)")
    else:
        _write(tmp_path, name, data)
    assert (name, rule) in _rules(tmp_path)


def test_data_files_are_not_flagged(tmp_path: Path) -> None:
    _write(tmp_path, "weights.bin", b"\0\1\2\3" * 100)
    _write(tmp_path, "notes.md", "Never call os.system('rm -rf /').\n")
    _write(tmp_path, "rows.csv", "text\neval('x')\n")
    result = scan_paths([tmp_path], jobs=1)
    assert result.findings == [] and result.files_scanned == 3


def test_folders_are_walked_like_the_archive(tmp_path: Path) -> None:
    for skipped in (".git/hooks/x.py", ".venv/lib/s.py", "node_modules/p/x.py", "build/lib/x.py", "pkg.egg-info/x.py"):
        _write(tmp_path, skipped, "import subprocess\n")
    _write(tmp_path, "pkg/deep/mod.py", "import subprocess\n")
    _write(tmp_path, "__pycache__/m.py", "import subprocess\n")  # source ships wherever it is
    findings = scan_paths([tmp_path], jobs=1).findings
    assert {f.path for f in findings} == {
        str(tmp_path / "pkg" / "deep" / "mod.py"), str(tmp_path / "__pycache__" / "m.py")
    }


def test_paths_are_reported_as_given_joined_with_the_file_below(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, "plugin/a/b.py", "eval('1')\n")
    monkeypatch.chdir(tmp_path)
    (finding,) = scan_paths(["plugin"], jobs=1).findings
    assert finding.path == "plugin/a/b.py"
    (finding,) = scan_paths(["plugin/a/b.py"], jobs=1).findings
    assert finding.path == "plugin/a/b.py"


def test_a_missing_path_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput) as info:
        scan_paths([tmp_path / "nope"])
    assert "nope" in info.value.paragraph()


def test_findings_carry_position_and_source_line(tmp_path: Path) -> None:
    _write(tmp_path, "m.py", "import os\n\nx = 1;  os.popen('id')\n")
    (finding,) = scan_paths([tmp_path], jobs=1).findings
    assert (finding.line, finding.column) == (3, 9)
    assert finding.source_line == "x = 1;  os.popen('id')"
    assert finding.rule == "MP401" and finding.category == "command_execution"


# -- importable artifacts: the file set keeps them, the scan refuses them -----------------------


def _pyc(source: str, flags: int) -> bytes:
    """A real .pyc of ``source`` with the given header flags (0 timestamp, 1 unchecked, 3 checked)."""
    import importlib.util
    import marshal

    code = compile(source, "m.py", "exec")
    return importlib.util.MAGIC_NUMBER + flags.to_bytes(4, "little") + b"\0" * 8 + marshal.dumps(code)


@pytest.mark.parametrize(
    ("rel", "data", "rule"),
    [
        ("helper.pyc", _pyc("x = 1\n", 0), "MP415"),  # sourceless, at the root
        ("pkg/deep/helper.pyc", _pyc("x = 1\n", 0), "MP415"),  # sourceless, any level
        ("__pycache__/core.cpython-311.pyc", _pyc("x = 1\n", 1), "MP415"),  # unchecked hash
        ("__pycache__/core.cpython-311.pyc", _pyc("x = 1\n", 3), "MP415"),  # checked hash
        ("__pycache__/gone.cpython-311.pyc", _pyc("x = 1\n", 0), "MP415"),  # cache without source
        ("core.cpython-311-x86_64-linux-gnu.so", b"\x7fELF\x02\x01\x01" + b"\0" * 9 + b"\x03\x00" + b"\0" * 40, "MP410"),
        ("paths.pth", b"/opt/elsewhere\n", "MP416"),
        ("legacy.pyo", b"\0" * 16, "MP415"),
    ],
)
def test_every_importable_non_source_file_is_refused(tmp_path: Path, rel: str, data: bytes, rule: str) -> None:
    _write(tmp_path, "core.py", "x = 1\n")
    _write(tmp_path, rel, data)
    rules = {(f.rule, Path(f.path).relative_to(tmp_path).as_posix()) for f in scan_paths([tmp_path], jobs=1).findings}
    assert (rule, rel) in rules


def test_pythons_own_cache_beside_its_source_is_not_part_of_the_plugin(tmp_path: Path) -> None:
    from mixpeek_tools.plugin.files import plugin_files

    _write(tmp_path, "core.py", "x = 1\n")
    _write(tmp_path, "__pycache__/core.cpython-311.pyc", _pyc("x = 1\n", 0))
    assert plugin_files(tmp_path).rels() == ["core.py"]
    assert scan_paths([tmp_path], jobs=1).findings == []
    # the registry's untrusted mode skips nothing, not even a genuine cache
    assert plugin_files(tmp_path, untrusted=True).rels() == ["__pycache__/core.cpython-311.pyc", "core.py"]
