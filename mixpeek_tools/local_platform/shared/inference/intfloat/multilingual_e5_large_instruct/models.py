"""E5 multilingual large instruct text embeddings (1024 dimensions). Config model at ``shared.inference.intfloat.multilingual_e5_large_instruct.models``."""

from __future__ import annotations

from pydantic import Field

from mixpeek_tools.local_platform.shared.inference.base import TextInputConfigs


class InferenceConfigs(TextInputConfigs):
    """Config of ``E5TextEmbeddingBatch``."""

    output_column_name: str = Field(default="embedding", min_length=1)
    instruction: str | None = Field(
        default=None, description="Task instruction prepended to each query (E5-instruct style)."
    )
    normalize: bool = Field(default=True, description="Scale every vector to unit length.")
