"""Fixtures for runtime tests: real plugin folders written to tmp_path, imported for real."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

# DOCS_PLUGIN: the runtime tests import it from here.
from tests.support.plugins import DOCS_PLUGIN as DOCS_PLUGIN
from tests.support.plugins import copy_docs_plugin

REPO = Path(__file__).resolve().parents[2]

MANIFEST = """
from pydantic import BaseModel, Field

class Input(BaseModel):
    text: str | None = None

class Output(BaseModel):
    label: str
    score: float = Field(ge=0.0, le=1.0)

class Params(BaseModel):
    threshold: float = Field(default=0.5, ge=0.0, le=1.0)
    suffix: str = "!"
    fail_on: str | None = None

metadata = {"name": "NAME", "version": "v1", "description": "test plugin", "category": "text",
            "author": "tests"}
input_schema = Input
output_schema = Output
parameter_schema = Params
"""

PROCESSORS = '''
import threading
from dataclasses import dataclass

import pandas as pd

CALLS = []          # (service name, batch length, index labels) per call
INSTANCES = []      # one entry per constructed service
THREADS = set()

@dataclass
class Cfg:
    threshold: float = 0.5
    suffix: str = "!"
    fail_on: str | None = None
    column: str = "text"
    name: str = "label"

class Labeler:
    """Writes top-level label/score columns; raises on rows whose text equals fail_on."""
    def __init__(self, config, progress_actor=None):
        self.config = config
        INSTANCES.append(("Labeler", config))

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        CALLS.append(("Labeler", len(batch), list(batch.index)))
        THREADS.add(threading.current_thread().name)
        labels = []
        for text in batch[self.config.column]:
            if self.config.fail_on is not None and text == self.config.fail_on:
                raise ValueError(f"cannot label {text!r}")
            labels.append(str(text) + self.config.suffix)
        batch["label"] = labels
        batch["score"] = self.config.threshold
        return batch

class ConfigOnly:
    def __init__(self, config):
        self.config = config
        INSTANCES.append(("ConfigOnly", config))

    def __call__(self, batch):
        CALLS.append(("ConfigOnly", len(batch), list(batch.index)))
        batch["seen_by_config_only"] = True
        return batch

class NoArgs:
    def __init__(self):
        INSTANCES.append(("NoArgs", None))

    def __call__(self, batch):
        CALLS.append(("NoArgs", len(batch), list(batch.index)))
        batch["image_size"] = [len(b) for b in batch["image_bytes"]]
        return batch
'''


def write_plugin(
    root: Path,
    name: str,
    pipeline: str,
    *,
    manifest: str = MANIFEST,
    processors: str = PROCESSORS,
) -> Path:
    """Write a plugin folder ``root/name`` with the given pipeline.py body."""
    plugin = root / name
    (plugin / "processors").mkdir(parents=True, exist_ok=True)
    (plugin / "__init__.py").write_text("")
    (plugin / "manifest.py").write_text(textwrap.dedent(manifest).replace("NAME", name))
    (plugin / "processors" / "__init__.py").write_text("")
    (plugin / "processors" / "core.py").write_text(textwrap.dedent(processors))
    (plugin / "pipeline.py").write_text(textwrap.dedent(pipeline))
    return plugin


PIPELINE_HEADER = """
from engine.plugins.extractors.pipeline import (
    PipelineDefinition, ResourceType, RowCondition, StepDefinition, build_pipeline_steps,
)
from .manifest import Params
from .processors.core import Cfg, Labeler, ConfigOnly, NoArgs
"""

SIMPLE_PIPELINE = (
    PIPELINE_HEADER
    + """
LAST_REQUEST = []

def build_steps(extractor_request, container=None, base_steps=None, dataset_size=None,
                content_flags=None):
    LAST_REQUEST.append(extractor_request)
    p = Params(**(extractor_request.extractor_config.parameters or {}))
    steps = [StepDefinition(service_class=Labeler, resource_type=ResourceType.CPU,
                            config=Cfg(threshold=p.threshold, suffix=p.suffix, fail_on=p.fail_on),
                            condition=RowCondition.IS_TEXT)]
    pipeline = PipelineDefinition(name="simple", version="v1", steps=steps)
    return {"steps": (base_steps or []) + build_pipeline_steps(pipeline, dataset_size=dataset_size),
            "prepare": lambda ds: ds}
"""
)


@pytest.fixture
def make_plugin(tmp_path: Path) -> Callable[..., Path]:
    def make(pipeline: str = SIMPLE_PIPELINE, name: str = "labeler", **kwargs: str) -> Path:
        return write_plugin(tmp_path, name, pipeline, **kwargs)

    return make


@pytest.fixture
def docs_plugin(tmp_path: Path) -> Path:
    """A private copy of the docs-exact plugin (tests may edit it)."""
    return copy_docs_plugin(tmp_path / "docs" / "my_extractor")
