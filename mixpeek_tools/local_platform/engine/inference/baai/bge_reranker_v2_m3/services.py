"""``BGERerankerBatch``: relevance score of each row's text to a query (BGE reranker v2 m3)."""

from __future__ import annotations

from mixpeek_tools.local_platform.engine.inference.kinds import ScoreService
from mixpeek_tools.local_platform.shared.inference.baai.bge_reranker_v2_m3.models import (
    InferenceConfigs,
)


class BGERerankerBatch(ScoreService):
    """One float score per row; placeholders locally."""

    service_name = "BGERerankerBatch"
    config_class = InferenceConfigs
    offline_reason = "the BGE reranker weights are not bundled with the kit"


__all__ = ["BGERerankerBatch", "InferenceConfigs"]
