"""The platform's documented built-in services, listed under ``source=builtin``.

They exist so that ``mixpeek plugin list`` against the local registry looks like the platform:
a plugin author sees which services a pipeline can compose without writing them.
"""

from __future__ import annotations

from typing import Any

# (service class, category, description) as documented in the plugin CLI docs.
BUILTIN_SERVICES: tuple[tuple[str, str, str], ...] = (
    ("E5TextEmbeddingBatch", "text", "E5 text embeddings (1024 dimensions)"),
    ("MiniLMEmbeddingBatch", "text", "MiniLM text embeddings (384 dimensions)"),
    ("CLIPEmbeddingBatch", "multimodal", "CLIP image and text embeddings"),
    ("SigLIPEmbeddingBatch", "multimodal", "SigLIP image and text embeddings"),
    ("WhisperTranscriptionBatch", "audio", "Speech to text through the Whisper API"),
    ("FFmpegParallelChunking", "video", "Video segmentation into chunks with FFmpeg"),
    ("FaceDetectionBatch", "image", "Face detection"),
    ("FaceEmbeddingBatch", "image", "Face embeddings"),
    ("BGERerankerBatch", "text", "BGE reranking of candidate results"),
    ("VertexAIBatch", "multimodal", "Google Vertex AI generation"),
)


def builtin_plugins() -> list[dict[str, Any]]:
    return [
        {
            "plugin_id": f"builtin_{name}",
            "name": name,
            "version": "v1",
            "source": "builtin",
            "status": "ready",
            "category": category,
            "description": description,
            "created_at": None,
        }
        for name, category, description in BUILTIN_SERVICES
    ]


def builtin_plugin(plugin_id: str) -> dict[str, Any] | None:
    return next((p for p in builtin_plugins() if p["plugin_id"] == plugin_id), None)
