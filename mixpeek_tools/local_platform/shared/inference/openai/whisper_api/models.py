"""OpenAI Whisper API transcription. Config model at ``shared.inference.openai.whisper_api.models``."""

from __future__ import annotations

from pydantic import Field

from mixpeek_tools.local_platform.shared.inference.base import BytesInputConfigs


class InferenceConfigs(BytesInputConfigs):
    """Config of ``WhisperTranscriptionBatch``."""

    bytes_column: str = Field(default="audio_bytes", min_length=1)
    output_column_name: str = Field(default="transcription", min_length=1)
    model: str = Field(default="whisper-1", description="Hosted Whisper model name.")
    language: str | None = Field(default=None, description="ISO-639-1 hint, e.g. 'en'.")
