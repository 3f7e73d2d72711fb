"""``FaceDetectionBatch``: faces found in each image (box, score, five landmarks).

The detector's weights are not bundled, so locally it only gives placeholders: one face
covering the middle of the image, in the same structure the platform returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mixpeek_tools.local_platform.engine.inference.base import (
    BuiltinService,
    placeholder_unit_float,
)
from mixpeek_tools.local_platform.shared.inference.insightface.face_detection.models import (
    InferenceConfigs,
)

if TYPE_CHECKING:
    import pandas as pd


class FaceDetectionBatch(BuiltinService):
    """A list of ``{"bbox", "score", "landmarks"}`` per image; coordinates are 0..1 fractions."""

    service_name = "FaceDetectionBatch"
    config_class = InferenceConfigs
    offline_reason = "the face-detection model is not bundled with the kit"

    def input_columns(self) -> Sequence[tuple[str, str]]:
        return (("bytes_column", self.config.bytes_column),)

    def placeholder_values(self, batch: pd.DataFrame) -> list[Any]:
        out = []
        for value in batch[self.config.bytes_column]:
            score = 0.5 + placeholder_unit_float(value if value is not None else b"") / 2
            out.append(
                [
                    {
                        "bbox": [0.25, 0.25, 0.75, 0.75],
                        "score": max(score, self.config.min_confidence),
                        "landmarks": [
                            [0.4, 0.4],
                            [0.6, 0.4],
                            [0.5, 0.5],
                            [0.42, 0.62],
                            [0.58, 0.62],
                        ],
                    }
                ]
            )
        return out


__all__ = ["FaceDetectionBatch", "InferenceConfigs"]
