"""``FFmpegParallelChunking``: cut each video into fixed-length chunks with a real ``ffmpeg``.

Runs when an ``ffmpeg`` binary is found (the kit may start processes; only *plugins* are
forbidden to): ``$MIXPEEK_FFMPEG``, else ``ffmpeg`` on PATH, else the binary the
``imageio-ffmpeg`` wheel ships (installed with the kit's ``video`` and ``dev`` extras, so a
laptop without a system FFmpeg still cuts real videos). Videos of one batch are cut in parallel threads, each in its own temporary
folder, with stream copy (no re-encoding), so chunk boundaries fall on key frames. Each row gets a
list of chunks: ``chunk_index``, ``start_time``, ``end_time`` (seconds), ``video_bytes`` and
``mime_type``. Without ffmpeg the run stops naming the service, unless placeholders are on.
"""

from __future__ import annotations

import csv
import shutil
import subprocess  # nosec B404 - the kit runs ffmpeg itself; plugins never get this
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mixpeek_tools.local_platform.catalog import config_for
from mixpeek_tools.local_platform.service_base import BuiltinService

if TYPE_CHECKING:
    import pandas as pd

InferenceConfigs = config_for("ffmpeg.parallel_chunking")

_MIME = {
    "mp4": "video/mp4",
    "mkv": "video/x-matroska",
    "webm": "video/webm",
    "mov": "video/quicktime",
}


def ffmpeg_binary() -> str | None:
    """The ffmpeg to run: ``$MIXPEEK_FFMPEG``, PATH, then imageio-ffmpeg's bundled binary."""
    import os

    chosen = os.environ.get("MIXPEEK_FFMPEG")
    if chosen:
        return chosen if os.access(chosen, os.X_OK) else None
    found = shutil.which("ffmpeg")
    if found is not None:
        return found
    try:
        import imageio_ffmpeg
    except ImportError:
        return None
    try:
        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except RuntimeError:  # the wheel has no binary for this platform
        return None


class FFmpegParallelChunking(BuiltinService):
    """A list of chunk dicts per video row."""

    service_name = "FFmpegParallelChunking"
    config_class = InferenceConfigs

    def unavailable_reason(self) -> str | None:
        import os

        chosen = os.environ.get("MIXPEEK_FFMPEG")
        if chosen and ffmpeg_binary() is None:
            return (
                f"MIXPEEK_FFMPEG={chosen} is not an executable file; point it at ffmpeg or unset it"
            )
        if ffmpeg_binary() is None:
            return (
                "no ffmpeg binary: none on PATH and imageio-ffmpeg is not installed; install "
                "FFmpeg (apt-get install ffmpeg), or pip install 'mixpeek-tools[video]', or set "
                "MIXPEEK_FFMPEG to an ffmpeg executable"
            )
        return None

    def input_columns(self) -> Sequence[tuple[str, str]]:
        return (("bytes_column", self.config.bytes_column),)

    def process(self, batch: pd.DataFrame) -> pd.DataFrame:
        videos = list(batch[self.config.bytes_column])
        workers = max(1, min(self.config.max_workers, len(videos)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            batch[self.config.output_column_name] = list(pool.map(self.cut, videos))
        return batch

    def cut(self, data: Any) -> list[dict[str, Any]]:
        """Cut one video's bytes into chunks; a file ffmpeg cannot read raises ``ValueError``."""
        if not isinstance(data, (bytes, bytearray, memoryview)) or len(data) == 0:
            raise ValueError(f"{self.service_name}: the row has no video bytes to cut")
        ext = self.config.container
        with tempfile.TemporaryDirectory(prefix="mixpeek-chunks-") as tmp:
            folder = Path(tmp)
            source = folder / "input"
            source.write_bytes(bytes(data))
            listing = folder / "chunks.csv"
            command = [
                ffmpeg_binary() or "ffmpeg",
                "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
                "-i", str(source), "-map", "0", "-c", "copy",
                "-f", "segment", "-segment_time", f"{self.config.chunk_duration_seconds:g}",
                "-reset_timestamps", "1",
                "-segment_list", str(listing), "-segment_list_type", "csv",
                str(folder / f"chunk_%05d.{ext}"),
            ]  # fmt: skip
            proc = subprocess.run(command, capture_output=True, timeout=600, check=False)  # nosec B603
            if proc.returncode != 0 or not listing.exists():
                detail = proc.stderr.decode(errors="replace").strip().splitlines()
                raise ValueError(
                    f"{self.service_name}: ffmpeg could not cut the video "
                    f"({detail[-1] if detail else f'exit code {proc.returncode}'})"
                )
            return _read_listing(folder, listing, _MIME.get(ext, f"video/{ext}"))

    def placeholder_values(self, batch: pd.DataFrame) -> list[Any]:
        step = self.config.chunk_duration_seconds
        return [
            [{"chunk_index": 0, "start_time": 0.0, "end_time": step, "video_bytes": b"",
              "mime_type": _MIME.get(self.config.container, "video/mp4")}]
            for _ in range(len(batch))
        ]  # fmt: skip


def _read_listing(folder: Path, listing: Path, mime: str) -> list[dict[str, Any]]:
    """The chunks named in ffmpeg's CSV segment list (``file,start,end`` per line), in order."""
    chunks = []
    with listing.open(newline="") as fh:
        for index, row in enumerate(csv.reader(fh)):
            if len(row) < 3:
                continue
            chunks.append(
                {
                    "chunk_index": index,
                    "start_time": round(float(row[1]), 3),
                    "end_time": round(float(row[2]), 3),
                    "video_bytes": (folder / row[0]).read_bytes(),
                    "mime_type": mime,
                }
            )
    return chunks


__all__ = ["FFmpegParallelChunking", "InferenceConfigs"]
