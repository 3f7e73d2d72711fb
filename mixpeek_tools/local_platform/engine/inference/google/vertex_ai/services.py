"""``VertexAIBatch``: text generation through Google Vertex AI (hosted)."""

from __future__ import annotations

from mixpeek_tools.local_platform.engine.inference.kinds import TextGenerationService
from mixpeek_tools.local_platform.shared.inference.google.vertex_ai.models import InferenceConfigs


class VertexAIBatch(TextGenerationService):
    """One generated string per row: ``prompt`` followed by the row's text."""

    service_name = "VertexAIBatch"
    config_class = InferenceConfigs
    offline_reason = "it calls Google Vertex AI, a hosted API that a local run does not reach"


__all__ = ["InferenceConfigs", "VertexAIBatch"]
