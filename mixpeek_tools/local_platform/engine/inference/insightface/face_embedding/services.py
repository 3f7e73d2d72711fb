"""``FaceEmbeddingBatch``: local stand-in (512-dimensional vectors).

It cannot run offline (the face-embedding model is not bundled with the kit and cannot be downloaded at run time); pipelines using it build and validate, and running them needs
placeholder outputs switched on (see docs/services.md).
"""

from __future__ import annotations

from mixpeek_tools.local_platform.engine.inference.kinds import BytesEmbeddingService
from mixpeek_tools.local_platform.shared.inference.insightface.face_embedding.models import (
    InferenceConfigs,
)


class FaceEmbeddingBatch(BytesEmbeddingService):
    """512-dimensional embeddings; placeholders locally."""

    service_name = "FaceEmbeddingBatch"
    config_class = InferenceConfigs
    dimensions = 512
    offline_reason = (
        "the face-embedding model is not bundled with the kit and cannot be downloaded at run time"
    )


__all__ = ["FaceEmbeddingBatch", "InferenceConfigs"]
