"""Common ground of every built-in service's ``InferenceConfigs`` model.

On the platform each service ships its config as ``shared.inference.<vendor>.<model>.models
.InferenceConfigs``. Locally the configs are strict pydantic models (unknown fields are refused),
so a typo in a pipeline's ``config=...`` fails when the pipeline is *built*, naming the field,
instead of silently doing nothing when it runs.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class BaseInferenceConfigs(BaseModel):
    """Fields every built-in service understands."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    output_column_name: str = Field(
        default="output", min_length=1, description="Column the service writes its result to."
    )
    batch_size: int = Field(
        default=32, ge=1, le=65536, description="Rows the model sees at once inside one batch."
    )


class TextInputConfigs(BaseInferenceConfigs):
    """A service that reads one text column."""

    text_column: str = Field(default="text", min_length=1, description="Column holding the text.")


class BytesInputConfigs(BaseInferenceConfigs):
    """A service that reads the raw bytes of a file (image, audio, video) from one column."""

    bytes_column: str = Field(
        default="file_bytes", min_length=1, description="Column holding the file's bytes."
    )
