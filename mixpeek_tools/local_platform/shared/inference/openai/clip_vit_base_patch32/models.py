"""CLIP ViT-B/32 image or text embeddings (512 dimensions). Config model at ``shared.inference.openai.clip_vit_base_patch32.models``."""

from __future__ import annotations

from pydantic import Field

from mixpeek_tools.local_platform.shared.inference.base import BytesInputConfigs


class InferenceConfigs(BytesInputConfigs):
    """Config of ``CLIPEmbeddingBatch``: embeds ``bytes_column`` images, or ``text_column`` text."""

    bytes_column: str = Field(default="image_bytes", min_length=1)
    text_column: str | None = Field(default=None, description="Embed this text column instead.")
    output_column_name: str = Field(default="embedding", min_length=1)
