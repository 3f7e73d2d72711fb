"""Archive bounds are checked before memory or disk is spent: extended headers by their declared
size, unpacked size against the archive's own size, zip entries by their declared sizes."""

from __future__ import annotations

import io
import tarfile
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from bombs import MIB, extended_header_bomb, tar_bomb, zip_bomb

from mixpeek_tools.archives.unpack import UnsafeArchive, safe_unpack, unpack_limit


def refused(archive: Path, out: Path) -> tuple[str, float, int]:
    """The rule, seconds taken and peak Python memory (bytes) of refusing ``archive``."""
    tracemalloc.start()
    start = time.monotonic()
    try:
        with pytest.raises(UnsafeArchive) as err:
            safe_unpack(archive, out)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return err.value.rule, time.monotonic() - start, peak


@pytest.mark.parametrize("kind", [tarfile.XHDTYPE, tarfile.GNUTYPE_LONGNAME])
def test_a_one_gib_extended_header_is_refused_before_it_is_read(
    tmp_path: Path, kind: bytes
) -> None:
    archive = extended_header_bomb(tmp_path / "h.tar.gz", kind=kind, declared=1024 * MIB)
    assert archive.stat().st_size < 3 * MIB
    rule, seconds, peak = refused(archive, tmp_path / "out")
    assert rule == "archive.header_too_large"
    assert peak < 4 * MIB, f"refusing held {peak} bytes"
    assert seconds < 5


def test_a_two_mb_archive_that_unpacks_to_1_9_gb_is_refused_at_its_first_header(
    tmp_path: Path,
) -> None:
    archive = tar_bomb(tmp_path / "b.tar.gz", top="plug", data_bytes=1900 * MIB)
    size = archive.stat().st_size
    assert size < 3 * MIB
    assert unpack_limit(size) < 1900 * MIB
    rule, seconds, peak = refused(archive, tmp_path / "out")
    assert rule == "archive.too_large"
    assert seconds < 5 and peak < 4 * MIB
    written = sum(p.stat().st_size for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert written == 0, "nothing is unpacked before the headers are checked"


def test_a_zip_bomb_is_refused_by_its_declared_sizes(tmp_path: Path) -> None:
    archive = zip_bomb(tmp_path / "z.zip", top="plug", data_bytes=200 * MIB)
    assert archive.stat().st_size < 2 * MIB
    rule, _, peak = refused(archive, tmp_path / "out")
    assert rule == "archive.too_large" and peak < 4 * MIB
    assert not (tmp_path / "out" / "plug" / "zeros.bin").exists()


def test_a_well_formed_zip_unpacks_and_a_zip_link_is_refused(tmp_path: Path) -> None:
    good = tmp_path / "g.zip"
    with zipfile.ZipFile(good, "w") as zf:
        zf.writestr("plug/manifest.py", "x = 1\n")
        zf.writestr("plug/processors/core.py", "y = 2\n")
    out = safe_unpack(good, tmp_path / "out")
    assert out.top == "plug" and out.files == 2
    assert (out.root / "processors" / "core.py").read_text() == "y = 2\n"
    bad = tmp_path / "l.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        link = zipfile.ZipInfo("plug/evil.py")
        link.external_attr = (0o120777) << 16
        zf.writestr(link, "/etc/passwd")
    with pytest.raises(UnsafeArchive) as err:
        safe_unpack(bad, tmp_path / "out2")
    assert err.value.rule == "archive.link"


@pytest.mark.parametrize("fmt", [tarfile.PAX_FORMAT, tarfile.GNU_FORMAT])
def test_long_names_in_pax_and_gnu_form_still_unpack(tmp_path: Path, fmt: int) -> None:
    """The header pass skips entries exactly as tarfile does, so honest archives still pass."""
    long_dir = "/".join(["sub" * 10] * 6)
    archive = tmp_path / "long.tar.gz"
    with tarfile.open(archive, "w:gz", format=fmt) as tar:
        for name, data in (("plug/manifest.py", b"x = 1\n"), (f"plug/{long_dir}/core.py", b"y\n")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            if fmt == tarfile.PAX_FORMAT:
                info.pax_headers = {"comment": "a\n9 size=999\n"}  # a newline inside a value
            tar.addfile(info, io.BytesIO(data))
    out = safe_unpack(archive, tmp_path / "out")
    assert out.files == 2 and (out.root / long_dir / "core.py").read_bytes() == b"y\n"


def test_a_bad_header_checksum_is_unreadable(tmp_path: Path) -> None:
    import gzip

    info = tarfile.TarInfo("plug/a.py")
    info.size = 2
    block = bytearray(info.tobuf(tarfile.USTAR_FORMAT, "utf-8", "strict"))
    block[0:1] = b"q"  # name changed after the checksum was computed
    archive = tmp_path / "c.tar.gz"
    archive.write_bytes(gzip.compress(bytes(block) + b"x\n".ljust(512, b"\0") + bytes(1024)))
    with pytest.raises(UnsafeArchive) as err:
        safe_unpack(archive, tmp_path / "out")
    assert err.value.rule == "archive.unreadable"


def _pax_block(records: bytes) -> bytes:
    info = tarfile.TarInfo("././@PaxHeader")
    info.type = tarfile.XHDTYPE
    info.size = len(records)
    return info.tobuf(tarfile.USTAR_FORMAT, "utf-8", "strict") + records.ljust(512, b"\0")


def test_a_pax_size_record_is_honoured_as_tarfile_honours_it(tmp_path: Path) -> None:
    """The member's own header says 0 bytes, its pax record 6: both passes read 6."""
    import gzip

    member = tarfile.TarInfo("plug/a.py")
    member.size = 0
    body = (_pax_block(b"9 size=6\n") + member.tobuf(tarfile.USTAR_FORMAT, "utf-8", "strict")
            + b"x = 1\n".ljust(512, b"\0") + bytes(1024))  # fmt: skip
    archive = tmp_path / "p.tar.gz"
    archive.write_bytes(gzip.compress(body))
    out = safe_unpack(archive, tmp_path / "out")
    assert (out.root / "a.py").read_bytes() == b"x = 1\n"
    twice = tmp_path / "two.tar.gz"
    twice.write_bytes(gzip.compress(_pax_block(b"9 size=6\n") + body))
    with pytest.raises(UnsafeArchive) as err:
        safe_unpack(twice, tmp_path / "out2")
    assert err.value.rule == "archive.unreadable"
