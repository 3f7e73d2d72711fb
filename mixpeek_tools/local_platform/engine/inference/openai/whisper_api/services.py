"""``WhisperTranscriptionBatch``: transcription through OpenAI's hosted Whisper API.

A hosted API cannot be reached from a local run, so locally this service gives labelled
placeholder transcripts (when switched on) and otherwise stops the run naming itself.
"""

from __future__ import annotations

from typing import ClassVar

from mixpeek_tools.local_platform.engine.inference.kinds import TextGenerationService
from mixpeek_tools.local_platform.shared.inference.openai.whisper_api.models import (
    InferenceConfigs,
)


class WhisperTranscriptionBatch(TextGenerationService):
    """One transcript string per audio or video row."""

    service_name = "WhisperTranscriptionBatch"
    config_class = InferenceConfigs
    source_field: ClassVar[str] = "bytes_column"
    offline_reason = "it calls OpenAI's hosted Whisper API, which a local run does not reach"


__all__ = ["InferenceConfigs", "WhisperTranscriptionBatch"]
