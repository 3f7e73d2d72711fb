"""ArcFace face embeddings (512 dimensions) of face crops. Config model at ``shared.inference.insightface.face_embedding.models``."""

from __future__ import annotations

from pydantic import Field

from mixpeek_tools.local_platform.shared.inference.base import BytesInputConfigs


class InferenceConfigs(BytesInputConfigs):
    """Config of ``FaceEmbeddingBatch``."""

    bytes_column: str = Field(default="face_bytes", min_length=1)
    output_column_name: str = Field(default="face_embedding", min_length=1)
