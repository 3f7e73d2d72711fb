"""The baseline plugin that every rule's VALID/INVALID examples are laid over.

Each rule shows only the files it changes; the test that runs every rule's examples (and the
generated ``docs/checks.md``) start from this tree, written like the public docs' plugin. The
package is called ``example_plugin``, which is why the examples' metadata uses that name.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

PACKAGE = "example_plugin"

MANIFEST = '''\
from pydantic import BaseModel, Field


class ExampleInput(BaseModel):
    text: str = Field(..., description="Input text")


class ExampleOutput(BaseModel):
    result: str
    confidence: float = Field(..., ge=0.0, le=1.0)


class ExampleParams(BaseModel):
    threshold: float = Field(default=0.5, ge=0.0, le=1.0)
    text_column: str = "text"


metadata = {
    "name": "example_plugin",
    "version": "v1",
    "description": "Example plugin",
    "category": "text",
    "author": "Docs",
}

input_schema = ExampleInput
output_schema = ExampleOutput
parameter_schema = ExampleParams
'''

PIPELINE = '''\
from typing import Any, Dict, Optional

from engine.plugins.extractors.pipeline import (
    PipelineDefinition,
    ResourceType,
    RowCondition,
    StepDefinition,
    build_pipeline_steps,
)
from shared.collection.features.extractors.models import ExtractorDefinition

from .manifest import ExampleParams, metadata
from .processors.core import ExampleConfig, ExampleProcessor


def build_steps(
    extractor_request: Any,
    container: Optional[Any] = None,
    base_steps: Optional[list] = None,
    dataset_size: Optional[int] = None,
    content_flags: Optional[dict] = None,
) -> Dict[str, Any]:
    params = ExampleParams(**(extractor_request.extractor_config.parameters or {}))
    steps = [
        StepDefinition(
            service_class=ExampleProcessor,
            resource_type=ResourceType.CPU,
            config=ExampleConfig(threshold=params.threshold, text_column=params.text_column),
            condition=RowCondition.IS_TEXT,
        ),
    ]
    pipeline = PipelineDefinition(name="example_plugin", version="v1", steps=steps)
    return {
        "steps": (base_steps or []) + build_pipeline_steps(pipeline, dataset_size=dataset_size),
        "prepare": lambda ds: ds,
    }


extractor_definition = ExtractorDefinition(
    name=metadata["name"],
    version=metadata["version"],
    extractor_function_path=build_steps,
    requires_file_resolution=False,
)
'''

CORE = '''\
from dataclasses import dataclass


@dataclass
class ExampleConfig:
    threshold: float = 0.5
    text_column: str = "text"


class ExampleProcessor:
    def __init__(self, config: ExampleConfig, progress_actor=None):
        self.config = config

    def __call__(self, batch):
        batch["output"] = [
            {"result": f"Processed: {text[:20]}", "confidence": 0.9}
            for text in batch[self.config.text_column].fillna("")
        ]
        return batch
'''

TEST = '''\
from example_plugin.processors.core import ExampleConfig, ExampleProcessor


def test_processor_marks_every_row():
    import pandas as pd

    out = ExampleProcessor(ExampleConfig())(pd.DataFrame({"text": ["a", "b"]}))
    assert [o["result"] for o in out["output"]] == ["Processed: a", "Processed: b"]
'''

BASELINE: dict[str, str] = {
    "__init__.py": "",
    "manifest.py": MANIFEST,
    "pipeline.py": PIPELINE,
    "processors/__init__.py": "",
    "processors/core.py": CORE,
    "tests/test_plugin.py": TEST,
}

SAMPLE_ROWS = [{"text": "first sample"}, {"text": "second sample"}]

# Trees shared by several rules' examples.
BROKEN_IMPORT: dict[str, str | None] = {
    "manifest.py": "import not_a_module_anywhere\n" + MANIFEST,
}
SYNTAX_ERROR: dict[str, str | None] = {
    "pipeline.py": PIPELINE.replace("def build_steps(", "def build_steps(("),
}


def tree(overrides: Mapping[str, str | None]) -> dict[str, str]:
    """The baseline with ``overrides`` applied (``None`` deletes a file)."""
    files = dict(BASELINE)
    for name, content in overrides.items():
        if content is None:
            files.pop(name, None)
        else:
            files[name] = content
    return files


def write_tree(parent: Path, overrides: Mapping[str, str | None], name: str = PACKAGE) -> Path:
    """Write the baseline plus ``overrides`` as ``parent/name`` and return the plugin root."""
    root = parent / name
    for rel, content in tree(overrides).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    root.mkdir(parents=True, exist_ok=True)
    return root
