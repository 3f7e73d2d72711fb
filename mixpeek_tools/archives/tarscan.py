"""A first pass over a tar stream that reads only its 512-byte headers, before ``tarfile`` does.

``tarfile`` reads a pax extended header or a GNU long-name entry into memory whole, whatever
size its header declares, and only then looks at it: a 1 GiB pax header (1 MB once gzipped) is
1 GiB of registry memory. This pass walks the decompressed stream block by block, keeping
nothing but counters, and refuses the archive when

- an extended header (pax ``x``/``g``/``X``, GNU ``L``/``K``) declares more than
  ``max_header_bytes``,
- the sizes of all members together pass ``max_bytes`` (so a bomb is refused at its first
  header, before its data is decompressed), or there are more than ``max_entries`` members,
- a header's checksum is wrong, or the archive uses sparse files (whose real size is not the
  header's).

It skips each member's data exactly as ``tarfile`` does (only regular and unknown types carry
data; pax ``size`` records override the next header's size), so both read the same members.
"""

from __future__ import annotations

import re
import tarfile
from collections.abc import Callable
from typing import BinaryIO

BLOCK = 512
MAX_HEADER_BYTES = 256 * 1024
_HEADER_TYPES = frozenset(b"xgXLK")
_PAX_TYPES = frozenset(b"xgX")
# Types tarfile knows and does not read data for (links, devices, folders, fifos).
_NO_DATA_TYPES = frozenset(b"123456")
_SPARSE = ord("S")
_PAX_RECORD = re.compile(rb"(\d+) ([^=]+)=")


class ArchiveRefused(ValueError):
    """The headers break a bound; ``rule`` names it for the plugin's violations."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


def check_headers(
    stream: BinaryIO, *, max_bytes: int, max_entries: int,
    max_header_bytes: int = MAX_HEADER_BYTES,
) -> tuple[int, int]:  # fmt: skip
    """Walk every header of the tar ``stream``; return ``(members, total member bytes)``."""
    entries = total = 0
    size_override: int | None = None
    pax_pending = False
    while True:
        block = _read_exact(stream, BLOCK, allow_eof=True)
        if block is None or block == bytes(BLOCK):
            return entries, total
        _check_checksum(block)
        kind = block[156] or ord("0")
        size = _number(block[124:136])
        if kind in _HEADER_TYPES:
            if size > max_header_bytes:
                raise ArchiveRefused(
                    "archive.header_too_large",
                    f"an extended header declares {size} bytes; the limit is {max_header_bytes}",
                )
            data = _read_exact(stream, _blocks(size), allow_eof=False) or b""
            if kind in _PAX_TYPES:
                if pax_pending:
                    raise ArchiveRefused(
                        "archive.unreadable", "two extended headers precede one member"
                    )
                pax_pending = kind != ord("g")
                size_override = _pax_size(data[:size], global_header=kind == ord("g"))
            continue
        if kind == _SPARSE:
            raise ArchiveRefused("archive.sparse", "sparse files are not supported")
        if size_override is not None:
            size = size_override
        size_override, pax_pending = None, False
        entries += 1
        if entries > max_entries:
            raise ArchiveRefused("archive.too_many_entries", f"more than {max_entries} entries")
        if _carries_data(kind, block):
            total += size
            if total > max_bytes:
                raise ArchiveRefused("archive.too_large", f"unpacks to more than {max_bytes} bytes")
            _skip(stream, _blocks(size))


def _carries_data(kind: int, block: bytes) -> bool:
    if kind in _NO_DATA_TYPES:
        return False
    name = block[:100].split(b"\0", 1)[0]
    return not (block[156] == 0 and name.endswith(b"/"))  # old-style folder: no data


def _blocks(size: int) -> int:
    return -(-size // BLOCK) * BLOCK


def _number(field: bytes) -> int:
    """A tar numeric field: octal text, or base-256 when the top bit is set (GNU)."""
    if field and field[0] & 0x80:
        value = int.from_bytes(bytes([field[0] & 0x7F]) + field[1:], "big")
        if field[0] & 0x40:  # negative base-256 numbers are nonsense for sizes
            raise ArchiveRefused("archive.unreadable", "a header holds a negative size")
        return value
    text = field.split(b"\0", 1)[0].strip()
    try:
        return int(text or b"0", 8)
    except ValueError:
        raise ArchiveRefused("archive.unreadable", "a header holds a malformed number") from None


def _check_checksum(block: bytes) -> None:
    stored = _number(block[148:156])
    unsigned = sum(block[:148]) + 8 * 32 + sum(block[156:])
    signed = unsigned - 256 * sum(1 for b in block[:148] + block[156:] if b > 127)
    if stored not in (unsigned, signed):
        raise ArchiveRefused("archive.unreadable", "a tar header's checksum is wrong")


def _pax_size(data: bytes, *, global_header: bool) -> int | None:
    """The ``size`` record of a pax header, parsed by record length as ``tarfile`` does.

    Records are ``b"<length> <key>=<value>\\n"``; a value may itself hold newlines, so
    splitting on them would read records that ``tarfile`` does not.
    """
    size: int | None = None
    pos = 0
    while pos < len(data) and data[pos:].strip(b"\0"):
        match = _PAX_RECORD.match(data, pos)
        if match is None:
            raise ArchiveRefused("archive.unreadable", "a pax header is malformed")
        length, key = int(match.group(1)), match.group(2)
        end = match.start(1) + length
        if length < 5 or end > len(data) or data[end - 1 : end] != b"\n":
            raise ArchiveRefused("archive.unreadable", "a pax header is malformed")
        if key.startswith(b"GNU.sparse"):
            raise ArchiveRefused("archive.sparse", "sparse files are not supported")
        if key == b"size":
            if global_header:
                raise ArchiveRefused(
                    "archive.unreadable", "a global pax header sets a size for every member"
                )
            try:
                size = int(data[match.end(2) + 1 : end - 1])
            except ValueError:
                raise ArchiveRefused("archive.unreadable", "a pax size is malformed") from None
        pos = end
    return size


def _read_exact(stream: BinaryIO, count: int, *, allow_eof: bool) -> bytes | None:
    data = stream.read(count)
    if not data and allow_eof:
        return None
    if len(data) != count:
        raise ArchiveRefused("archive.unreadable", "the archive ends in the middle of an entry")
    return data


def _skip(stream: BinaryIO, count: int, read: Callable[[int], bytes] | None = None) -> None:
    read = read or stream.read
    while count:
        chunk = read(min(count, 1024 * 1024))
        if not chunk:
            raise ArchiveRefused("archive.unreadable", "the archive ends in the middle of an entry")
        count -= len(chunk)


class BoundedTarInfo(tarfile.TarInfo):
    """Second line behind :func:`check_headers`: refuses an oversized extended header even if a
    stream ever reached ``tarfile`` unchecked (``_proc_member`` is where tarfile dispatches)."""

    max_header_bytes = MAX_HEADER_BYTES

    def _proc_member(self, tarfile: tarfile.TarFile) -> tarfile.TarInfo:
        if self.type in (b"x", b"g", b"X", b"L", b"K") and self.size > self.max_header_bytes:
            raise ArchiveRefused(
                "archive.header_too_large",
                f"an extended header declares {self.size} bytes; "
                f"the limit is {self.max_header_bytes}",
            )
        return super()._proc_member(tarfile)  # type: ignore[misc]
