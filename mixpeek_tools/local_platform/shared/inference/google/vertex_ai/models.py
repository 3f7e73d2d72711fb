"""Google Vertex AI text generation over each row. Config model at ``shared.inference.google.vertex_ai.models``."""

from __future__ import annotations

from pydantic import Field

from mixpeek_tools.local_platform.shared.inference.base import TextInputConfigs


class InferenceConfigs(TextInputConfigs):
    """Config of ``VertexAIBatch``."""

    model: str = Field(default="gemini-2.0-flash", description="Vertex AI model name.")
    prompt: str = Field(default="", description="Prompt; the row's text is appended to it.")
    output_column_name: str = Field(default="llm_output", min_length=1)
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
