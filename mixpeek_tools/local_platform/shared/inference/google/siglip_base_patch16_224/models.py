"""SigLIP base patch16/224 image or text embeddings (768 dimensions). Config model at ``shared.inference.google.siglip_base_patch16_224.models``."""

from __future__ import annotations

from pydantic import Field

from mixpeek_tools.local_platform.shared.inference.base import BytesInputConfigs


class InferenceConfigs(BytesInputConfigs):
    """Config of ``SigLIPEmbeddingBatch``: embeds ``bytes_column`` images, or ``text_column`` text."""

    bytes_column: str = Field(default="image_bytes", min_length=1)
    text_column: str | None = Field(default=None, description="Embed this text column instead.")
    output_column_name: str = Field(default="embedding", min_length=1)
