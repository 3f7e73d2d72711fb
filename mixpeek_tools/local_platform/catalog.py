"""The built-in services as one table: each row makes a service class and its config model.

On the platform every service has two modules, ``engine.inference.<vendor>.<model>.services``
(the class) and ``shared.inference.<vendor>.<model>.models`` (its ``InferenceConfigs``). Here one
row of :data:`BUILTINS` says what differs between services (names, the shape of the output, the
vector size, the config's fields, why it cannot run offline); :mod:`.layout` serves both modules
of a row from it, so adding a placeholder service is adding a row. The two services that really
run locally (MiniLM, FFmpeg chunking) have their code in :mod:`.minilm` and :mod:`.ffmpeg`, named
by ``implementation``; their configs still come from their rows.

Generated classes live at their documented modules (``__module__`` is
``mixpeek_tools.local_platform.engine.inference...services``), which any process can import once
it imports this package, so pickles (Ray) refer to them by name. They are built once per process
(:func:`functools.cache`), so ``isinstance`` holds however a class was reached.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field, create_model

from mixpeek_tools.local_platform.configs import (
    BaseInferenceConfigs,
    BytesInputConfigs,
    TextInputConfigs,
)
from mixpeek_tools.local_platform.service_base import BuiltinService
from mixpeek_tools.local_platform.service_kinds import (
    BytesEmbeddingService,
    FaceListService,
    MediaOrTextEmbeddingService,
    ScoreService,
    TextEmbeddingService,
    TextGenerationService,
)

PREFIX = "mixpeek_tools.local_platform"
_NOT_BUNDLED = "{} not bundled with the kit and cannot be downloaded at run time"


@dataclass(frozen=True)
class Builtin:
    """One built-in service: where it lives, what it outputs, what its config accepts."""

    vendor: str
    model: str
    service_name: str
    summary: str
    config_base: type[BaseInferenceConfigs]
    config_fields: Mapping[str, tuple[Any, Any]]
    kind: type[BuiltinService] | None = None
    dimensions: int | None = None
    offline_reason: str | None = None
    implementation: str | None = None
    class_attrs: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.vendor}.{self.model}"

    @property
    def services_path(self) -> str:
        return f"engine.inference.{self.key}.services"

    @property
    def models_path(self) -> str:
        return f"shared.inference.{self.key}.models"


def _col(default: str) -> tuple[Any, Any]:
    return (str, Field(default=default, min_length=1))


_TEXT_INSTEAD = (str | None, Field(default=None, description="Embed this text column instead."))

BUILTINS: tuple[Builtin, ...] = (
    Builtin(
        "intfloat", "multilingual_e5_large_instruct", "E5TextEmbeddingBatch",
        "E5 multilingual large instruct text embeddings (1024 dimensions)",
        TextInputConfigs,
        {
            "output_column_name": _col("embedding"),
            "instruction": (str | None, Field(
                default=None,
                description="Task instruction prepended to each query (E5-instruct style).")),
            "normalize": (bool, Field(default=True, description="Scale every vector to unit length.")),
        },
        kind=TextEmbeddingService, dimensions=1024,
        offline_reason="multilingual-e5-large-instruct (560M parameters) ships no offline "
        "package this kit can use",
    ),
    Builtin(
        "sentence_transformers", "all_minilm_l6_v2", "MiniLMEmbeddingBatch",
        "all-MiniLM-L6-v2 sentence embeddings (384 dimensions), runnable offline",
        TextInputConfigs,
        {
            "output_column_name": _col("embedding"),
            "normalize": (bool, Field(default=True, description="Scale every vector to unit length.")),
            "device": (str, Field(default="cpu", description="torch device: cpu, cuda, cuda:0, ...")),
        },
        implementation=f"{PREFIX}.minilm",
    ),
    Builtin(
        "openai", "clip_vit_base_patch32", "CLIPEmbeddingBatch",
        "CLIP ViT-B/32 image or text embeddings (512 dimensions)",
        BytesInputConfigs,
        {"bytes_column": _col("image_bytes"), "text_column": _TEXT_INSTEAD,
         "output_column_name": _col("embedding")},
        kind=MediaOrTextEmbeddingService, dimensions=512,
        offline_reason=_NOT_BUNDLED.format("the CLIP weights are"),
    ),
    Builtin(
        "google", "siglip_base_patch16_224", "SigLIPEmbeddingBatch",
        "SigLIP base patch16/224 image or text embeddings (768 dimensions)",
        BytesInputConfigs,
        {"bytes_column": _col("image_bytes"), "text_column": _TEXT_INSTEAD,
         "output_column_name": _col("embedding")},
        kind=MediaOrTextEmbeddingService, dimensions=768,
        offline_reason=_NOT_BUNDLED.format("the SigLIP weights are"),
    ),
    Builtin(
        "openai", "whisper_api", "WhisperTranscriptionBatch",
        "OpenAI Whisper API transcription",
        BytesInputConfigs,
        {
            "bytes_column": _col("audio_bytes"),
            "output_column_name": _col("transcription"),
            "model": (str, Field(default="whisper-1", description="Hosted Whisper model name.")),
            "language": (str | None, Field(default=None, description="ISO-639-1 hint, e.g. 'en'.")),
        },
        kind=TextGenerationService,
        offline_reason="it calls OpenAI's hosted Whisper API, which a local run does not reach",
        class_attrs={"source_field": "bytes_column"},
    ),
    Builtin(
        "ffmpeg", "parallel_chunking", "FFmpegParallelChunking",
        "FFmpeg video segmentation into fixed-length chunks",
        BytesInputConfigs,
        {
            "bytes_column": _col("video_bytes"),
            "output_column_name": _col("chunks"),
            "chunk_duration_seconds": (float, Field(default=10.0, gt=0, le=3600)),
            "container": (str, Field(default="mp4", pattern=r"^[a-z0-9]+$",
                                     description="Chunk file format.")),
            "max_workers": (int, Field(default=4, ge=1, le=64, description="Videos cut in parallel.")),
        },
        implementation=f"{PREFIX}.ffmpeg",
    ),
    Builtin(
        "insightface", "face_detection", "FaceDetectionBatch",
        "face detection (bounding boxes, scores, five landmarks)",
        BytesInputConfigs,
        {
            "bytes_column": _col("image_bytes"),
            "output_column_name": _col("faces"),
            "min_confidence": (float, Field(default=0.5, ge=0.0, le=1.0)),
        },
        kind=FaceListService,
        offline_reason="the face-detection model is not bundled with the kit",
    ),
    Builtin(
        "insightface", "face_embedding", "FaceEmbeddingBatch",
        "ArcFace face embeddings (512 dimensions) of face crops",
        BytesInputConfigs,
        {"bytes_column": _col("face_bytes"), "output_column_name": _col("face_embedding")},
        kind=BytesEmbeddingService, dimensions=512,
        offline_reason=_NOT_BUNDLED.format("the face-embedding model is"),
    ),
    Builtin(
        "baai", "bge_reranker_v2_m3", "BGERerankerBatch",
        "relevance of each row's text to a query (BGE reranker v2 m3)",
        TextInputConfigs,
        {
            "query": (str, Field(default="", description="The query every row's text is scored against.")),
            "output_column_name": _col("rerank_score"),
        },
        kind=ScoreService,
        offline_reason="the BGE reranker weights are not bundled with the kit",
    ),
    Builtin(
        "google", "vertex_ai", "VertexAIBatch",
        "Google Vertex AI text generation over each row",
        TextInputConfigs,
        {
            "model": (str, Field(default="gemini-2.0-flash", description="Vertex AI model name.")),
            "prompt": (str, Field(default="", description="Prompt; the row's text is appended to it.")),
            "output_column_name": _col("llm_output"),
            "temperature": (float, Field(default=0.0, ge=0.0, le=2.0)),
        },
        kind=TextGenerationService,
        offline_reason="it calls Google Vertex AI, a hosted API that a local run does not reach",
    ),
)  # fmt: skip

BY_KEY: dict[str, Builtin] = {b.key: b for b in BUILTINS}


def config_for(key: str) -> type[BaseInferenceConfigs]:
    """The ``InferenceConfigs`` of service ``key`` (``vendor.model``), through its module."""
    module = importlib.import_module(f"{PREFIX}.{BY_KEY[key].models_path}")
    config: type[BaseInferenceConfigs] = module.InferenceConfigs
    return config


@functools.cache
def build_config(key: str) -> type[BaseInferenceConfigs]:
    """Make the config model of ``key`` (called by its module; use :func:`config_for`)."""
    row = BY_KEY[key]
    model: type[BaseInferenceConfigs] = create_model(
        "InferenceConfigs",
        __base__=row.config_base,
        __module__=f"{PREFIX}.{row.models_path}",
        __doc__=f"Config of ``{row.service_name}``: {row.summary}.",
        **row.config_fields,  # type: ignore[call-overload]
    )
    return model


@functools.cache
def build_service(key: str) -> type[BuiltinService]:
    """The service class of ``key``: its implementation's, or one made from its row."""
    row = BY_KEY[key]
    if row.implementation is not None:
        service: type[BuiltinService] = getattr(
            importlib.import_module(row.implementation), row.service_name
        )
        return service
    if row.kind is None:
        raise TypeError(f"built-in {key} names neither a kind nor an implementation")
    attrs: dict[str, Any] = {
        "__module__": f"{PREFIX}.{row.services_path}",
        "__qualname__": row.service_name,
        "__doc__": f"{row.summary[:1].upper()}{row.summary[1:]}; placeholders locally.",
        "service_name": row.service_name,
        "config_class": config_for(key),
        **row.class_attrs,
    }
    if row.offline_reason is not None:
        attrs["offline_reason"] = row.offline_reason
    if row.dimensions is not None:
        attrs["dimensions"] = row.dimensions
    return type(row.service_name, (row.kind,), attrs)


__all__ = ["BUILTINS", "BY_KEY", "Builtin", "build_config", "build_service", "config_for"]
