"""Shapes of built-in services, shared by the concrete ones: embeddings, text generation, scores.

Each kind knows which columns it reads and what one placeholder output looks like, so a concrete
service module only names itself, its config and (when it can really run) its ``process``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from mixpeek_tools.local_platform.engine.inference.base import (
    BuiltinService,
    placeholder_unit_float,
    placeholder_vector,
)

if TYPE_CHECKING:
    import pandas as pd


class TextEmbeddingService(BuiltinService):
    """Reads ``text_column``, writes a ``dimensions``-long float vector per row."""

    dimensions: ClassVar[int]

    def input_columns(self) -> Sequence[tuple[str, str]]:
        return (("text_column", self.config.text_column),)

    def placeholder_values(self, batch: pd.DataFrame) -> list[Any]:
        texts = batch[self.config.text_column].fillna("")
        return [placeholder_vector(f"{self.service_name}:{t}", self.dimensions) for t in texts]


class MediaOrTextEmbeddingService(BuiltinService):
    """Embeds the file in ``bytes_column``, or the text in ``text_column`` when that is set.

    CLIP and SigLIP put images and text in one space, so one config field decides which side
    of the model a step uses.
    """

    dimensions: ClassVar[int]

    def _source(self) -> tuple[str, str]:
        if self.config.text_column:
            return ("text_column", self.config.text_column)
        return ("bytes_column", self.config.bytes_column)

    def input_columns(self) -> Sequence[tuple[str, str]]:
        return (self._source(),)

    def placeholder_values(self, batch: pd.DataFrame) -> list[Any]:
        column = self._source()[1]
        return [
            placeholder_vector(_key(self.service_name, v), self.dimensions) for v in batch[column]
        ]


class BytesEmbeddingService(BuiltinService):
    """Reads ``bytes_column`` (an image, a face crop), writes a vector per row."""

    dimensions: ClassVar[int]

    def input_columns(self) -> Sequence[tuple[str, str]]:
        return (("bytes_column", self.config.bytes_column),)

    def placeholder_values(self, batch: pd.DataFrame) -> list[Any]:
        values = batch[self.config.bytes_column]
        return [placeholder_vector(_key(self.service_name, v), self.dimensions) for v in values]


class TextGenerationService(BuiltinService):
    """Writes one string per row (transcripts, LLM answers)."""

    source_field: ClassVar[str] = "text_column"

    def input_columns(self) -> Sequence[tuple[str, str]]:
        return ((self.source_field, getattr(self.config, self.source_field)),)

    def placeholder_values(self, batch: pd.DataFrame) -> list[Any]:
        return [f"[placeholder output of {self.service_name}]" for _ in range(len(batch))]


class ScoreService(BuiltinService):
    """Writes one float in [0, 1) per row (reranking scores)."""

    def input_columns(self) -> Sequence[tuple[str, str]]:
        return (("text_column", self.config.text_column),)

    def placeholder_values(self, batch: pd.DataFrame) -> list[Any]:
        prefix = f"{self.service_name}:{getattr(self.config, 'query', '')}:"
        return [placeholder_unit_float(prefix + str(t)) for t in batch[self.config.text_column]]


def _key(service_name: str, value: Any) -> Any:
    """Hash input for a placeholder: bytes stay bytes (prefixed), anything else becomes text."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return service_name.encode() + b":" + bytes(value)
    return f"{service_name}:{value}"
