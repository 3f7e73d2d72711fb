"""Face detection (bounding boxes, scores, five landmarks). Config model at ``shared.inference.insightface.face_detection.models``."""

from __future__ import annotations

from pydantic import Field

from mixpeek_tools.local_platform.shared.inference.base import BytesInputConfigs


class InferenceConfigs(BytesInputConfigs):
    """Config of ``FaceDetectionBatch``."""

    bytes_column: str = Field(default="image_bytes", min_length=1)
    output_column_name: str = Field(default="faces", min_length=1)
    min_confidence: float = Field(default=0.5, ge=0.0, le=1.0)
