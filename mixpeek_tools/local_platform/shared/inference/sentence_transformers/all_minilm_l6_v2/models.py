"""all-MiniLM-L6-v2 sentence embeddings (384 dimensions), runnable offline. Config model at ``shared.inference.sentence_transformers.all_minilm_l6_v2.models``."""

from __future__ import annotations

from pydantic import Field

from mixpeek_tools.local_platform.shared.inference.base import TextInputConfigs


class InferenceConfigs(TextInputConfigs):
    """Config of ``MiniLMEmbeddingBatch``."""

    output_column_name: str = Field(default="embedding", min_length=1)
    normalize: bool = Field(default=True, description="Scale every vector to unit length.")
    device: str = Field(default="cpu", description="torch device: cpu, cuda, cuda:0, ...")
