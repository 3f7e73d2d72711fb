"""The registry unpacks uploads without trusting them: every trick ends as a named violation."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from mixpeek_tools.archives.unpack import UnsafeArchive, safe_unpack


def tar_gz(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def regular(name: str, data: bytes = b"x = 1\n") -> tuple[tarfile.TarInfo, bytes]:
    return tarfile.TarInfo(name), data


def link(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info, None


def test_a_well_formed_archive_unpacks_under_its_one_top_folder(tmp_path: Path) -> None:
    archive = tar_gz(
        tmp_path / "a.tar.gz", [regular("plug/manifest.py"), regular("plug/sub/core.py")]
    )
    out = safe_unpack(archive, tmp_path / "out")
    assert out.top == "plug" and out.files == 2
    assert (out.root / "sub" / "core.py").read_bytes() == b"x = 1\n"


@pytest.mark.parametrize(
    ("members", "rule"),
    [
        ([regular("plug/../../etc/evil.py")], "archive.traversal"),
        ([regular("/etc/evil.py")], "archive.traversal"),
        ([regular("plug/a.py"), link("plug/b.py", "/etc/passwd")], "archive.link"),
        ([regular("plug/a.py"), link("plug/b.py", "plug/a.py", tarfile.LNKTYPE)], "archive.link"),
        ([regular("plug/a.py"), regular("other/b.py")], "archive.layout"),
        ([regular("plug/a.py"), regular("plug/a.py")], "archive.duplicate"),
    ],
)
def test_unsafe_archives_are_refused_with_a_rule(tmp_path: Path, members: list, rule: str) -> None:
    archive = tar_gz(tmp_path / "a.tar.gz", members)
    with pytest.raises(UnsafeArchive) as err:
        safe_unpack(archive, tmp_path / "out")
    assert err.value.rule == rule
    assert not (tmp_path / "etc").exists()


def test_a_decompression_bomb_stops_at_the_size_limit(tmp_path: Path) -> None:
    archive = tar_gz(tmp_path / "a.tar.gz", [regular("plug/zeros.bin", b"\0" * 3_000_000)])
    assert archive.stat().st_size < 50_000
    with pytest.raises(UnsafeArchive) as err:
        safe_unpack(archive, tmp_path / "out", max_bytes=1_000_000)
    assert err.value.rule == "archive.too_large"


def test_garbage_is_reported_as_unreadable(tmp_path: Path) -> None:
    bad = tmp_path / "a.tar.gz"
    bad.write_bytes(b"\x1f\x8b not really gzip")
    with pytest.raises(UnsafeArchive) as err:
        safe_unpack(bad, tmp_path / "out")
    assert err.value.rule == "archive.unreadable"
    assert err.value.violation()["severity"] == "error"


# -- zip archives and format sniffing ----------------------------------------------------------

import stat  # noqa: E402
import zipfile  # noqa: E402

from mixpeek_tools.archives.formats import sniff  # noqa: E402
from mixpeek_tools.archives.unpack import safe_unpack as unpack_archive  # noqa: E402


def zip_file(path: Path, members: list[tuple[str, bytes]], link: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members:
            zf.writestr(name, data)
        if link:
            info = zipfile.ZipInfo(link)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, "/etc/passwd")
    return path


def test_formats_are_told_apart_by_their_bytes_not_their_names(tmp_path: Path) -> None:
    tgz = tar_gz(tmp_path / "a.zip", [regular("plug/manifest.py")])
    zipped = zip_file(tmp_path / "b.tar.gz", [("plug/manifest.py", b"x = 1\n")])
    assert (sniff(tgz), sniff(zipped)) == ("tar.gz", "zip")
    assert unpack_archive(zipped, tmp_path / "z").files == 1
    assert unpack_archive(tgz, tmp_path / "t").top == "plug"
    junk = tmp_path / "junk"
    junk.write_bytes(b"hello")
    with pytest.raises(UnsafeArchive) as err:
        unpack_archive(junk, tmp_path / "j")
    assert err.value.rule == "archive.unreadable"


@pytest.mark.parametrize(
    ("members", "link", "rule"),
    [
        ([("plug/../../evil.py", b"")], None, "archive.traversal"),
        ([("/abs/evil.py", b"")], None, "archive.traversal"),
        ([("plug/a.py", b"")], "plug/b.py", "archive.link"),
        ([("plug/a.py", b""), ("other/b.py", b"")], None, "archive.layout"),
    ],
)
def test_unsafe_zips_are_refused_with_a_rule(
    tmp_path: Path, members: list, link: str | None, rule: str
) -> None:
    archive = zip_file(tmp_path / "a.zip", members, link)
    with pytest.raises(UnsafeArchive) as err:
        unpack_archive(archive, tmp_path / "out")
    assert err.value.rule == rule


def test_a_zip_bomb_stops_at_the_size_limit(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("plug/zeros.bin", b"\0" * 3_000_000)
    assert archive.stat().st_size < 50_000
    with pytest.raises(UnsafeArchive) as err:
        unpack_archive(archive, tmp_path / "out", max_bytes=1_000_000)
    assert err.value.rule == "archive.too_large"
