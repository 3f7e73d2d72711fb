"""FFmpeg video segmentation into fixed-length chunks. Config model at ``shared.inference.ffmpeg.parallel_chunking.models``."""

from __future__ import annotations

from pydantic import Field

from mixpeek_tools.local_platform.shared.inference.base import BytesInputConfigs


class InferenceConfigs(BytesInputConfigs):
    """Config of ``FFmpegParallelChunking``."""

    bytes_column: str = Field(default="video_bytes", min_length=1)
    output_column_name: str = Field(default="chunks", min_length=1)
    chunk_duration_seconds: float = Field(default=10.0, gt=0, le=3600)
    container: str = Field(default="mp4", pattern=r"^[a-z0-9]+$", description="Chunk file format.")
    max_workers: int = Field(default=4, ge=1, le=64, description="Videos cut in parallel.")
