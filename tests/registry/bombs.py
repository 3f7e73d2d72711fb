"""Archive bombs, built cheaply: gzip allows many members in one file, so a megabyte of zeros is
compressed once and repeated, and a 2 MB file unpacks to gigabytes without ever holding them."""

from __future__ import annotations

import gzip
import io
import tarfile
import zlib
from pathlib import Path

MIB = 1024 * 1024


def _zero_member(size: int) -> bytes:
    return gzip.compress(b"\0" * size, compresslevel=9, mtime=0)


def gz_zeros(out: io.BufferedWriter, total: int) -> None:
    """Write ``total`` zero bytes as repeated gzip members (each 1 MiB of zeros)."""
    chunk = _zero_member(MIB)
    full, rest = divmod(total, MIB)
    for _ in range(full):
        out.write(chunk)
    if rest:
        out.write(_zero_member(rest))


def header_bytes(info: tarfile.TarInfo, fmt: int) -> bytes:
    return info.tobuf(fmt, "utf-8", "surrogateescape")


def tar_bomb(path: Path, *, top: str, data_bytes: int) -> Path:
    """``top/manifest.py`` then ``top/zeros.bin`` of ``data_bytes`` zeros."""
    small = tarfile.TarInfo(f"{top}/manifest.py")
    small.size = 6
    big = tarfile.TarInfo(f"{top}/zeros.bin")
    big.size = data_bytes
    with path.open("wb") as out:
        head = header_bytes(small, tarfile.USTAR_FORMAT) + b"x = 1\n".ljust(512, b"\0")
        out.write(gzip.compress(head + header_bytes(big, tarfile.GNU_FORMAT), mtime=0))
        gz_zeros(out, -(-data_bytes // 512) * 512 + 1024)  # data, then the end-of-archive blocks
    return path


def extended_header_bomb(path: Path, *, kind: bytes, declared: int) -> Path:
    """One extended header (pax ``x`` or GNU long name ``L``) claiming ``declared`` bytes."""
    info = tarfile.TarInfo("././@PaxHeader" if kind == tarfile.XHDTYPE else "././@LongLink")
    info.type = kind
    info.size = declared
    with path.open("wb") as out:
        out.write(gzip.compress(header_bytes(info, tarfile.GNU_FORMAT), mtime=0))
        gz_zeros(out, -(-declared // 512) * 512 + 1024)
    return path


def zip_bomb(path: Path, *, top: str, data_bytes: int) -> Path:
    """A zip whose one big entry is ``data_bytes`` zeros (deflated at level 1: fast to build)."""
    import zipfile

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr(f"{top}/manifest.py", "x = 1\n")
        with zf.open(f"{top}/zeros.bin", "w", force_zip64=True) as entry:
            block = bytes(MIB)
            for _ in range(data_bytes // MIB):
                entry.write(block)
    return path


__all__ = ["MIB", "extended_header_bomb", "tar_bomb", "zip_bomb", "zlib"]
