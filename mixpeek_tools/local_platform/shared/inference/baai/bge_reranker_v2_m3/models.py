"""BGE reranker v2 m3: relevance of each row's text to a query. Config model at ``shared.inference.baai.bge_reranker_v2_m3.models``."""

from __future__ import annotations

from pydantic import Field

from mixpeek_tools.local_platform.shared.inference.base import TextInputConfigs


class InferenceConfigs(TextInputConfigs):
    """Config of ``BGERerankerBatch``."""

    query: str = Field(default="", description="The query every row's text is scored against.")
    output_column_name: str = Field(default="rerank_score", min_length=1)
