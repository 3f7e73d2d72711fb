"""Placeholder outputs (``--placeholder-services`` on ``run`` and ``test``): deterministic per
input, different for different inputs, of the service's shape, for every kind of service."""

from __future__ import annotations

import importlib

import pandas as pd
import pytest

from mixpeek_tools.local_platform.service_base import PLACEHOLDER_ENV

P = "mixpeek_tools.local_platform"
# (service module, class, a batch of three rows where rows 0 and 2 are equal, output column)
CASES = [
    ("openai.whisper_api", "WhisperTranscriptionBatch", {"audio_bytes": [b"RIFF1", b"RIFF2", b"RIFF1"]},
     "transcription"),
    ("google.vertex_ai", "VertexAIBatch", {"text": ["a", "b", "a"]}, "llm_output"),
    ("intfloat.multilingual_e5_large_instruct", "E5TextEmbeddingBatch", {"text": ["a", "b", "a"]},
     "embedding"),
    ("baai.bge_reranker_v2_m3", "BGERerankerBatch", {"text": ["a", "b", "a"]}, "rerank_score"),
]  # fmt: skip


def _service(path: str, name: str) -> object:
    services = importlib.import_module(f"{P}.engine.inference.{path}.services")
    models = importlib.import_module(f"{P}.shared.inference.{path}.models")
    return getattr(services, name)(models.InferenceConfigs())


@pytest.mark.parametrize(("path", "name", "data", "column"), CASES, ids=[c[1] for c in CASES])
def test_placeholders_are_deterministic_per_input_and_differ_between_inputs(
    monkeypatch: pytest.MonkeyPatch, path: str, name: str, data: dict, column: str
) -> None:
    monkeypatch.setenv(PLACEHOLDER_ENV, "1")
    first = _service(path, name)(pd.DataFrame(data))[column].tolist()  # type: ignore[operator]
    again = _service(path, name)(pd.DataFrame(data))[column].tolist()  # type: ignore[operator]
    assert first == again, "the same input gives the same placeholder"
    assert first[0] == first[2]
    assert first[0] != first[1], "different inputs give different placeholders"
    if isinstance(first[0], str):
        assert "placeholder" in first[0] and name in first[0]
