"""``SigLIPEmbeddingBatch``: local stand-in (768-dimensional vectors).

It cannot run offline (the SigLIP weights are not bundled with the kit and cannot be downloaded at run time); pipelines using it build and validate, and running them needs
placeholder outputs switched on (see docs/services.md).
"""

from __future__ import annotations

from mixpeek_tools.local_platform.engine.inference.kinds import MediaOrTextEmbeddingService
from mixpeek_tools.local_platform.shared.inference.google.siglip_base_patch16_224.models import (
    InferenceConfigs,
)


class SigLIPEmbeddingBatch(MediaOrTextEmbeddingService):
    """768-dimensional embeddings; placeholders locally."""

    service_name = "SigLIPEmbeddingBatch"
    config_class = InferenceConfigs
    dimensions = 768
    offline_reason = (
        "the SigLIP weights are not bundled with the kit and cannot be downloaded at run time"
    )


__all__ = ["InferenceConfigs", "SigLIPEmbeddingBatch"]
