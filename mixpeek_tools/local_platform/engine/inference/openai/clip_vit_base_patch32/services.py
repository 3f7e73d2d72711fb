"""``CLIPEmbeddingBatch``: local stand-in (512-dimensional vectors).

It cannot run offline (the CLIP weights are not bundled with the kit and cannot be downloaded at run time); pipelines using it build and validate, and running them needs
placeholder outputs switched on (see docs/services.md).
"""

from __future__ import annotations

from mixpeek_tools.local_platform.engine.inference.kinds import MediaOrTextEmbeddingService
from mixpeek_tools.local_platform.shared.inference.openai.clip_vit_base_patch32.models import (
    InferenceConfigs,
)


class CLIPEmbeddingBatch(MediaOrTextEmbeddingService):
    """512-dimensional embeddings; placeholders locally."""

    service_name = "CLIPEmbeddingBatch"
    config_class = InferenceConfigs
    dimensions = 512
    offline_reason = (
        "the CLIP weights are not bundled with the kit and cannot be downloaded at run time"
    )


__all__ = ["CLIPEmbeddingBatch", "InferenceConfigs"]
