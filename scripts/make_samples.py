"""Generate the template's binary sample files with the standard library only.

The scaffolds ship tiny sample media (PNG, WAV, MP4, PDF) so that a freshly rendered plugin can
push real content through its pipeline with no network and no extra tools. The files are
committed under ``template/<<plugin_name>>/samples/`` (Copier copies them verbatim, no
``--trust`` needed); this script is how they were made and how to remake them after a change.
It is a developer's tool, not a Copier task: Copier never runs it (see docs/template.md).
A kit test runs it into a temporary folder and checks the committed bytes are identical, so the
shipped binaries are always reproducible from this source.

Usage: ``python scripts/make_samples.py [TARGET_DIR]`` (default: the template's samples folder).
Every generator is deterministic: same bytes on every machine and Python version.
"""

from __future__ import annotations

import math
import struct
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "template" / "<<plugin_name>>" / "samples"

# Conditional file names: Copier skips a file whose name renders empty, so each binary appears only
# in the categories that use it.
IMAGE_CATEGORIES = "<% if category in ['image', 'multimodal'] %>{name}<% endif %>"
ONLY = "<% if category == '{category}' %>{name}<% endif %>"


# --- PNG ---------------------------------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int, height: int, pixel: Callable[[int, int], tuple[int, int, int]]) -> bytes:
    """An 8-bit RGB PNG whose pixel (x, y) has the colour ``pixel(x, y)``."""
    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(rows, 9))
        + _png_chunk(b"IEND", b"")
    )


# --- WAV ---------------------------------------------------------------------------------------


def wav_tone(frequency: float, amplitude: float, seconds: float, rate: int = 8000) -> bytes:
    """A mono 16-bit PCM WAV file holding a sine tone (written by hand: ``wave`` needs a file)."""
    count = int(seconds * rate)
    samples = b"".join(
        struct.pack("<h", round(amplitude * 32767 * math.sin(2 * math.pi * frequency * i / rate)))
        for i in range(count)
    )
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(samples)) + samples
    return b"RIFF" + struct.pack("<I", len(body)) + body


# --- MP4 (ISO-BMFF container) --------------------------------------------------------------------


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _full_box(kind: bytes, payload: bytes, version: int = 0, flags: int = 0) -> bytes:
    return _box(kind, struct.pack(">I", (version << 24) | flags) + payload)


_IDENTITY = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)


def mp4(width: int, height: int, frames: int, fps: int) -> bytes:
    """A minimal, well-formed MP4: one video track with ``frames`` samples at ``fps``.

    The container (ftyp, moov/mvhd, trak/tkhd, mdia/mdhd, hdlr, stbl/stts, mdat) is complete, so
    a reader finds duration, frame size and frame count exactly where real encoders put them; the
    samples themselves are empty, which keeps the file a few hundred bytes.
    """
    movie_scale, duration_ms = 1000, frames * 1000 // fps
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2mp41")
    mvhd = _full_box(
        b"mvhd",
        struct.pack(">IIII", 0, 0, movie_scale, duration_ms)
        + struct.pack(">IH", 0x10000, 0x100)
        + b"\x00" * 10
        + _IDENTITY
        + b"\x00" * 24
        + struct.pack(">I", 2),
    )
    tkhd = _full_box(
        b"tkhd",
        struct.pack(">IIIII", 0, 0, 1, 0, duration_ms)
        + b"\x00" * 8
        + struct.pack(">hhhH", 0, 0, 0, 0)
        + _IDENTITY
        + struct.pack(">II", width << 16, height << 16),
        flags=3,
    )
    mdhd = _full_box(b"mdhd", struct.pack(">IIIIHH", 0, 0, fps, frames, 0x55C4, 0))
    hdlr = _full_box(b"hdlr", struct.pack(">I", 0) + b"vide" + b"\x00" * 12 + b"VideoHandler\x00")
    stbl = _box(
        b"stbl",
        _full_box(b"stsd", struct.pack(">I", 0))
        + _full_box(b"stts", struct.pack(">III", 1, frames, 1))
        + _full_box(b"stsc", struct.pack(">IIII", 1, 1, frames, 1))
        + _full_box(b"stsz", struct.pack(">II", 1, frames))
        + _full_box(b"stco", struct.pack(">I", 0)),
    )
    dinf = _box(b"dinf", _full_box(b"dref", struct.pack(">I", 1) + _full_box(b"url ", b"", flags=1)))
    minf = _box(b"minf", _full_box(b"vmhd", b"\x00" * 8, flags=1) + dinf + stbl)
    trak = _box(b"trak", tkhd + _box(b"mdia", mdhd + hdlr + minf))
    return ftyp + _box(b"moov", mvhd + trak) + _box(b"mdat", b"\x00" * frames)


# --- PDF ---------------------------------------------------------------------------------------


def pdf(pages: list[str]) -> bytes:
    """A PDF with one line of Helvetica text per page, with a correct cross-reference table."""
    count = len(pages)
    font_id = 3 + 2 * count
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(count))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode()]
    for i, text in enumerate(pages):
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        stream = f"BT /F1 14 Tf 36 96 Td ({escaped}) Tj ET".encode()
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents {4 + 2 * i} 0 R "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# --- the shipped set ---------------------------------------------------------------------------


def sample_files() -> dict[str, bytes]:
    """Every binary sample, keyed by its (conditional) file name in the template."""
    return {
        IMAGE_CATEGORIES.format(name="red_square.png"): png(16, 16, lambda x, y: (220, 30, 30)),
        IMAGE_CATEGORIES.format(name="blue_gradient.png"): png(
            32, 16, lambda x, y: (0, 8 * y, 40 + 6 * x)
        ),
        ONLY.format(category="audio", name="tone_440hz.wav"): wav_tone(440.0, 0.5, 0.25),
        ONLY.format(category="audio", name="hum_110hz_quiet.wav"): wav_tone(110.0, 0.02, 0.5),
        ONLY.format(category="video", name="clip_64x48_10fps.mp4"): mp4(64, 48, frames=20, fps=10),
        ONLY.format(category="video", name="clip_32x32_30fps.mp4"): mp4(32, 32, frames=25, fps=30),
        ONLY.format(category="document", name="invoice.pdf"): pdf(
            ["Invoice 2024-001 for ACME Corp", "Total due: 42 EUR, thank you"]
        ),
        ONLY.format(category="document", name="memo.pdf"): pdf(["Memo: the launch moves to May"]),
    }


def write_samples(target: Path) -> list[Path]:
    """Write every sample into ``target`` and return the paths written."""
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in sample_files().items():
        path = target / name
        path.write_bytes(data)
        written.append(path)
    return written


if __name__ == "__main__":
    destination = Path(sys.argv[1]) if len(sys.argv) > 1 else SAMPLES_DIR
    for written_path in write_samples(destination):
        print(f"wrote {written_path} ({written_path.stat().st_size} bytes)")
