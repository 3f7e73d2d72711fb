"""``E5TextEmbeddingBatch``: local stand-in (1024-dimensional vectors).

It cannot run offline (multilingual-e5-large-instruct (560M parameters) ships no offline package this kit can use); pipelines using it build and validate, and running them needs
placeholder outputs switched on (see docs/services.md).
"""

from __future__ import annotations

from mixpeek_tools.local_platform.engine.inference.kinds import TextEmbeddingService
from mixpeek_tools.local_platform.shared.inference.intfloat.multilingual_e5_large_instruct.models import (
    InferenceConfigs,
)


class E5TextEmbeddingBatch(TextEmbeddingService):
    """1024-dimensional embeddings; placeholders locally."""

    service_name = "E5TextEmbeddingBatch"
    config_class = InferenceConfigs
    dimensions = 1024
    offline_reason = (
        "multilingual-e5-large-instruct (560M parameters) ships no offline package this kit can use"
    )


__all__ = ["E5TextEmbeddingBatch", "InferenceConfigs"]
