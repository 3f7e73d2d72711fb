"""A small but real plugin written to disk for the engine tests: text and image steps,
a step that fails on chosen rows (or sleeps a set time per batch), optional GPU and
built-in-service steps, optional prepare, and optional steps that pass values Arrow holds only
in Ray's own types (numpy vectors, mixed Python values) from one step to the next."""

from __future__ import annotations

import textwrap
from pathlib import Path

MANIFEST = """
from pydantic import BaseModel, Field

class Input(BaseModel):
    text: str | None = None

class Output(BaseModel):
    label: str | None = None
    n_bytes: int | None = None

class Params(BaseModel):
    fail_on: str | None = None
    gpu: bool = False
    fallback: bool = False
    builtin: bool = False
    prepare: bool = False
    keep_only_text: bool = False
    vectors: bool = False
    show_dtypes: bool = False
    sleep: float = 0.0

metadata = {"name": "engine_probe", "version": "v1", "description": "engine tests",
            "category": "multimodal", "author": "tests"}
input_schema = Input
output_schema = Output
parameter_schema = Params
"""

PROCESSORS = '''
import time
from dataclasses import dataclass

import pandas as pd

@dataclass
class Cfg:
    fail_on: str | None = None
    sleep: float = 0.0
    show_dtypes: bool = False

class Labeler:
    """Text rows: a label and a nested summary; raises on the row whose text is fail_on."""
    def __init__(self, config, progress_actor=None):
        self.config = config

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        time.sleep(self.config.sleep)  # a known cost per batch, for the per-step seconds
        labels, summaries = [], []
        for text in batch["text"]:
            if self.config.fail_on is not None and text == self.config.fail_on:
                raise ValueError(f"cannot label {text!r}")
            labels.append(text.upper())
            summaries.append({"words": len(text.split()), "chars": [len(w) for w in text.split()]})
        if self.config.show_dtypes:  # what the step was given, for the engine tests to compare
            batch["dtypes"] = ",".join(f"{c}:{t}" for c, t in batch.dtypes.items())
        batch["label"] = labels
        batch["summary"] = summaries
        return batch

class ImageSizer:
    """Image rows (resolved from image_path): the number of bytes."""
    def __init__(self, config=None):
        self.config = config

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        column = "image_bytes" if "image_bytes" in batch.columns else "file_bytes"  # media rows
        batch["n_bytes"] = [len(b) for b in batch[column]]
        return batch

class Embedder:
    """Text rows: a float32 vector (Ray keeps it as a tensor column) and a value of mixed
    Python types (Ray keeps it as pickled objects)."""
    def __init__(self, config=None):
        self.config = config

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        import numpy as np

        batch["vector"] = [np.full(3, len(t), dtype="float32") for t in batch["text"]]
        batch["mixed"] = [len(t) if len(t) % 2 else t for t in batch["text"]]
        return batch

class VectorReader:
    """Reads what Embedder wrote, insisting on the types it wrote."""
    def __init__(self, config=None):
        self.config = config

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        norms = []
        for vector, mixed in zip(batch["vector"], batch["mixed"]):
            if getattr(vector, "dtype", None) != "float32" or getattr(vector, "shape", None) != (3,):
                raise TypeError(f"vector came as {type(vector).__name__} {vector!r}")
            if not isinstance(mixed, (int, str)):
                raise TypeError(f"mixed came as {type(mixed).__name__}")
            norms.append(float(vector.sum()))
        batch["norm"] = norms
        return batch
'''

PIPELINE = """
from engine.plugins.extractors.pipeline import (
    PipelineDefinition, ResourceType, RowCondition, StepDefinition, build_pipeline_steps,
)
from .manifest import Params
from .processors import Cfg, Embedder, ImageSizer, Labeler, VectorReader

def build_steps(extractor_request, container=None, base_steps=None, dataset_size=None,
                content_flags=None):
    p = Params(**(extractor_request.extractor_config.parameters or {}))
    steps = [
        StepDefinition(service_class=Labeler, config=Cfg(p.fail_on, p.sleep, p.show_dtypes),
                       resource_type=ResourceType.GPU if p.gpu else ResourceType.CPU,
                       allow_cpu_fallback=p.fallback, condition=RowCondition.IS_TEXT,
                       batch_size=3),
        StepDefinition(service_class=ImageSizer, condition=RowCondition.IS_IMAGE, batch_size=2),
    ]
    if p.vectors:
        steps += [StepDefinition(service_class=Embedder, condition=RowCondition.IS_TEXT,
                                 batch_size=4),
                  StepDefinition(service_class=VectorReader, condition=RowCondition.IS_TEXT,
                                 batch_size=3)]
    if p.builtin:
        from engine.inference.intfloat.multilingual_e5_large_instruct.services import (
            E5TextEmbeddingBatch,
        )
        from shared.inference.intfloat.multilingual_e5_large_instruct.models import (
            InferenceConfigs,
        )
        steps.append(StepDefinition(service_class=E5TextEmbeddingBatch,
                                    config=InferenceConfigs(text_column="text"),
                                    condition=RowCondition.IS_TEXT))
    pipeline = PipelineDefinition(name="engine_probe", steps=steps)
    prepare = (lambda ds: ds.filter(lambda row: row.get("keep", True) is not False)) if p.prepare \\
        else (lambda ds: ds.select_columns(["text"])) if p.keep_only_text else (lambda ds: ds)
    return {"steps": (base_steps or []) + build_pipeline_steps(pipeline, dataset_size),
            "prepare": prepare}
"""


def write_plugin(root: Path) -> Path:
    """Write the probe plugin under ``root/engine_probe`` and return its folder."""
    folder = root / "engine_probe"
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    (folder / "manifest.py").write_text(textwrap.dedent(MANIFEST))
    (folder / "processors.py").write_text(textwrap.dedent(PROCESSORS))
    (folder / "pipeline.py").write_text(textwrap.dedent(PIPELINE))
    return folder
