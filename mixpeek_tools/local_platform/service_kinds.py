"""Shapes of built-in services: embeddings, text generation, scores, face lists.

Each kind knows which columns it reads and what one placeholder output looks like, so a row of
:mod:`.catalog` only names the service, its config and its sizes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from mixpeek_tools.local_platform.service_base import (
    BuiltinService,
    placeholder_unit_float,
    placeholder_vector,
    stable_seed,
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
        """Labelled text that differs per input (same input, same text) so joins can be tested."""
        column = getattr(self.config, self.source_field)
        return [
            f"[placeholder output of {self.service_name} #{stable_seed(_key(self.service_name, v)):016x}]"
            for v in batch[column].fillna("")
        ]


class ScoreService(BuiltinService):
    """Writes one float in [0, 1) per row (reranking scores)."""

    def input_columns(self) -> Sequence[tuple[str, str]]:
        return (("text_column", self.config.text_column),)

    def placeholder_values(self, batch: pd.DataFrame) -> list[Any]:
        prefix = f"{self.service_name}:{getattr(self.config, 'query', '')}:"
        return [placeholder_unit_float(prefix + str(t)) for t in batch[self.config.text_column]]


class FaceListService(BuiltinService):
    """A list of ``{"bbox", "score", "landmarks"}`` per image; coordinates are 0..1 fractions.

    The placeholder is one face covering the middle of the image, in the platform's structure.
    """

    def input_columns(self) -> Sequence[tuple[str, str]]:
        return (("bytes_column", self.config.bytes_column),)

    def placeholder_values(self, batch: pd.DataFrame) -> list[Any]:
        return [[self._middle_face(value)] for value in batch[self.config.bytes_column]]

    def _middle_face(self, value: Any) -> dict[str, Any]:
        score = 0.5 + placeholder_unit_float(value if value is not None else b"") / 2
        return {
            "bbox": [0.25, 0.25, 0.75, 0.75],
            "score": max(score, self.config.min_confidence),
            "landmarks": [[0.4, 0.4], [0.6, 0.4], [0.5, 0.5], [0.42, 0.62], [0.58, 0.62]],
        }


def _key(service_name: str, value: Any) -> Any:
    """Hash input for a placeholder: bytes stay bytes (prefixed), anything else becomes text."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return service_name.encode() + b":" + bytes(value)
    return f"{service_name}:{value}"
