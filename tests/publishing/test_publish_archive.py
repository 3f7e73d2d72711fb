"""The plugin archive: reproducible bytes, nothing secret or junk inside, no escaping links."""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
from pathlib import Path

import pytest

from mixpeek_tools.errors import BadInput
from mixpeek_tools.publishing.archive import (
    FIXED_MTIME,
    ArchiveTooLarge,
    build_archive,
    collect_entries,
    write_archive,
)
from tests.support.plugins import DOCS_PLUGIN


def make_plugin(root: Path) -> Path:
    """A small plugin tree with code, data and an executable script."""
    (root / "processors").mkdir(parents=True)
    (root / "manifest.py").write_text('metadata = {"name": "demo_plugin", "version": "v1"}\n')
    (root / "pipeline.py").write_text("def build_steps(*a, **k):\n    return {}\n")
    (root / "processors" / "__init__.py").write_text("")
    (root / "processors" / "core.py").write_text("X = 1\n")
    (root / "data.bin").write_bytes(os.urandom(4096))
    script = root / "run.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    script.chmod(0o750)
    return root


def names(archive: Path) -> list[str]:
    with tarfile.open(archive) as tar:
        return [m.name for m in tar.getmembers() if m.isfile()]


def test_the_same_tree_gives_the_same_bytes_even_after_touching_files(tmp_path: Path) -> None:
    plugin = make_plugin(tmp_path / "p")
    first = build_archive(plugin, "demo_plugin", tmp_path / "a.tar.gz")
    for path in plugin.rglob("*"):
        os.utime(path, (1_700_000_000, 1_234_567_890))
    (plugin / "manifest.py").chmod(0o600)  # a different umask must not change the bytes either
    second = build_archive(plugin, "demo_plugin", tmp_path / "b.tar.gz")
    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.sha256 == second.sha256 == hashlib.sha256(first.path.read_bytes()).hexdigest()
    assert first.size == first.path.stat().st_size


def test_a_copy_elsewhere_gives_the_same_bytes_and_a_changed_file_does_not(tmp_path: Path) -> None:
    plugin = make_plugin(tmp_path / "p")
    copy = tmp_path / "elsewhere" / "deeper" / "p"
    shutil.copytree(plugin, copy)
    a = build_archive(plugin, "demo_plugin", tmp_path / "a.tar.gz")
    b = build_archive(copy, "demo_plugin", tmp_path / "b.tar.gz")
    assert a.sha256 == b.sha256
    (copy / "processors" / "core.py").write_text("X = 2\n")
    assert build_archive(copy, "demo_plugin", tmp_path / "c.tar.gz").sha256 != a.sha256


def test_entries_are_sorted_and_normalised(tmp_path: Path) -> None:
    plugin = make_plugin(tmp_path / "p")
    info = build_archive(plugin, "demo_plugin", tmp_path / "a.tar.gz")
    raw = info.path.read_bytes()
    assert raw[4:8] == b"\x00\x00\x00\x00", "gzip header mtime must be 0"
    assert raw[3] & 0x08 == 0, "gzip header must not carry a file name"
    with tarfile.open(info.path) as tar:
        members = tar.getmembers()
    files = [m.name for m in members if m.isfile()]
    assert files == sorted(files)
    assert all(m.name.startswith("demo_plugin/") or m.name == "demo_plugin" for m in members)
    for m in members:
        assert (m.uid, m.gid, m.uname, m.gname, m.mtime) == (0, 0, "", "", FIXED_MTIME)
        assert m.mode in (0o644, 0o755)
    modes = {m.name: m.mode for m in members}
    assert modes["demo_plugin/run.sh"] == 0o755
    assert modes["demo_plugin/manifest.py"] == 0o644


def test_secrets_caches_and_build_output_stay_out(tmp_path: Path) -> None:
    plugin = make_plugin(tmp_path / "p")
    junk = [
        ".git/config", ".env", ".env.local", "id_rsa", "id_ed25519.pub", "certs/server.pem",
        "tls.key", "credentials.json", "gcp-credentials-prod.json", "node_modules/x/index.js",
        ".venv/bin/python", "venv/lib/x.py",
        "build/lib/x.py", "dist/p-1.whl", "p.egg-info/PKG-INFO", ".pytest_cache/v/x",
        ".mypy_cache/x", ".ruff_cache/x", ".DS_Store", ".mixpeek/dist/old.tar.gz", ".aws/credentials",
    ]  # fmt: skip
    for rel in junk:
        target = plugin / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("SECRET")
    # Python's own cache (timestamp-based, beside its source) stays out too
    cache = plugin / "processors" / "__pycache__" / "core.cpython-311.pyc"
    cache.parent.mkdir()
    cache.write_bytes(b"\xa7\r\r\n" + b"\x00" * 12)
    info = build_archive(plugin, "demo_plugin", tmp_path / "a.tar.gz")
    stored = {n.removeprefix("demo_plugin/") for n in names(info.path)}
    assert stored == {"manifest.py", "pipeline.py", "processors/__init__.py", "processors/core.py",
                      "data.bin", "run.sh"}  # fmt: skip


def test_gitignore_and_mixpeekignore_are_honoured_but_cannot_re_include_secrets(
    tmp_path: Path,
) -> None:
    plugin = make_plugin(tmp_path / "p")
    (plugin / ".gitignore").write_text("*.log\nmodels/\n")
    (plugin / ".mixpeekignore").write_text("data.bin\n!models/\n!.env\n")
    (plugin / "debug.log").write_text("x")
    (plugin / "models").mkdir()
    (plugin / "models" / "weights.txt").write_text("w")
    (plugin / ".env").write_text("API_TOKEN=x")
    stored = {
        n.removeprefix("demo_plugin/")
        for n in names(build_archive(plugin, "demo_plugin", tmp_path / "a.tar.gz").path)
    }
    assert "debug.log" not in stored and "data.bin" not in stored
    assert "models/weights.txt" in stored, (
        ".mixpeekignore's !models/ re-includes what .gitignore left out"
    )
    assert ".env" not in stored, "secrets are always excluded"
    assert ".gitignore" in stored


def test_a_link_inside_the_plugin_is_stored_as_the_file_it_points_at(tmp_path: Path) -> None:
    plugin = make_plugin(tmp_path / "p")
    (plugin / "alias.py").symlink_to(plugin / "processors" / "core.py")
    info = build_archive(plugin, "demo_plugin", tmp_path / "a.tar.gz")
    with tarfile.open(info.path) as tar:
        member = tar.getmember("demo_plugin/alias.py")
        assert member.isfile()
        assert tar.extractfile(member).read() == b"X = 1\n"  # type: ignore[union-attr]


def test_a_link_that_leaves_the_plugin_is_refused_with_its_path(tmp_path: Path) -> None:
    plugin = make_plugin(tmp_path / "p")
    outside = tmp_path / "secret.txt"
    outside.write_text("do not ship")
    (plugin / "innocent.txt").symlink_to(outside)
    with pytest.raises(BadInput) as err:
        build_archive(plugin, "demo_plugin", tmp_path / "a.tar.gz")
    text = err.value.paragraph()
    assert "innocent.txt" in text and "outside the plugin" in text and ".mixpeekignore" in text
    assert not (tmp_path / "a.tar.gz").exists()


def test_a_link_to_a_folder_is_refused_unless_ignored(tmp_path: Path) -> None:
    plugin = make_plugin(tmp_path / "p")
    (plugin / "shared").symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(BadInput, match="shared"):
        collect_entries(plugin, "demo_plugin")
    (plugin / ".mixpeekignore").write_text("shared\n")
    assert all("shared" not in e.name for e in collect_entries(plugin, "demo_plugin"))


def test_an_archive_over_the_limit_is_refused_and_leaves_no_file(tmp_path: Path) -> None:
    plugin = make_plugin(tmp_path / "p")
    (plugin / "big.bin").write_bytes(os.urandom(200_000))
    dest = tmp_path / "out" / "a.tar.gz"
    with pytest.raises(ArchiveTooLarge, match="500 MB"):
        write_archive(collect_entries(plugin, "demo_plugin"), dest, limit=100_000)
    assert list(dest.parent.iterdir()) == []


@pytest.mark.skipif(not DOCS_PLUGIN.is_dir(), reason="docs fixture plugin not present")
def test_the_docs_fixture_plugin_archives_its_sources_and_samples(tmp_path: Path) -> None:
    info = build_archive(DOCS_PLUGIN, "my_extractor", tmp_path / "a.tar.gz")
    stored = names(info.path)
    assert "my_extractor/manifest.py" in stored and "my_extractor/processors/core.py" in stored
    assert not any("__pycache__" in n for n in stored)


def test_a_zip_is_reproducible_with_one_top_folder_and_normalised_entries(tmp_path: Path) -> None:
    import zipfile

    from mixpeek_tools.publishing.archive_format import ArchiveFormat, write

    plugin = make_plugin(tmp_path / "p")
    first = write(collect_entries(plugin, "demo_plugin"), tmp_path / "a.zip", ArchiveFormat.ZIP)
    for path in plugin.rglob("*"):
        os.utime(path, (1_700_000_000, 1_234_567_890))
    second = write(collect_entries(plugin, "demo_plugin"), tmp_path / "b.zip", ArchiveFormat.ZIP)
    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.sha256 == hashlib.sha256(first.path.read_bytes()).hexdigest()
    with zipfile.ZipFile(first.path) as zf:
        assert zf.testzip() is None
        infos = zf.infolist()
        assert {i.filename.split("/")[0] for i in infos} == {"demo_plugin"}
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in infos)
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in infos}
        assert modes["demo_plugin/run.sh"] == 0o755 and modes["demo_plugin/manifest.py"] == 0o644
        assert zf.read("demo_plugin/processors/core.py") == b"X = 1\n"
    assert ArchiveFormat.ZIP.content_type == "application/zip"
    assert ArchiveFormat.TAR_GZ.content_type == "application/gzip"
