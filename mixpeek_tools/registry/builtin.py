"""The platform's documented built-in services, listed as built-in extractors.

They exist so that the extractor listings (what the official ``mixpeek plugin list`` calls)
look like the platform's: a plugin author sees which services a pipeline can compose without
writing them. Custom extractors are the namespace's validated plugins and those enabled in it.
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


def builtin_extractors() -> list[dict[str, Any]]:
    return [
        {"extractor_id": f"builtin_{name}", "feature_extractor_name": name, "version": "1.0.0",
         "description": description, "source": "builtin", "category": category,
         "feature_uri": f"mixpeek://{name}@1.0.0", "deployed": True}
        for name, category, description in BUILTIN_SERVICES
    ]  # fmt: skip


def custom_extractor(plugin: dict[str, Any]) -> dict[str, Any]:
    name, version = plugin["name"], plugin["version"]
    return {"extractor_id": plugin["plugin_id"], "feature_extractor_name": name,
            "version": version, "description": plugin["description"], "source": "custom",
            "category": None, "feature_uri": f"mixpeek://{name}@{version}",
            "deployed": plugin["deployment_status"] == "deployed"}  # fmt: skip
