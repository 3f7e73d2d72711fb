"""Undefined names (pyflakes), services-only plugins, and imports of files the archive leaves out."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.gate.conftest import copy_plugin, payload
from tests.support.cli import mixpeek

# ../shared beside the checkout, as CI and every developer have it.
REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "mixpeek-plugin-cli-docs.md"

# The public docs' "Image Embedder" processor, as printed there (it forgets `import io`).
DOCS_IMAGE_PROCESSOR = '''\
import torch
from PIL import Image
from transformers import CLIPProcessor, CLIPModel

class ImageEmbedderProcessor:
    def __init__(self, config, progress_actor=None):
        self.config = config
        self._model = None
        self._processor = None

    def _load_model(self):
        if self._model is None:
            self._model = CLIPModel.from_pretrained("openai/clip-vit-base-patch32")
            self._processor = CLIPProcessor.from_pretrained("openai/clip-vit-base-patch32")

    def __call__(self, batch):
        self._load_model()

        embeddings = []
        for image_bytes in batch["image_bytes"]:
            image = Image.open(io.BytesIO(image_bytes))
            inputs = self._processor(images=image, return_tensors="pt")
            with torch.no_grad():
                embedding = self._model.get_image_features(**inputs)
            embeddings.append(embedding.numpy().tolist()[0])

        batch["embedding"] = embeddings
        return batch
'''


def test_the_docs_image_example_forgets_import_io_and_validate_says_where(tmp_path: Path) -> None:
    if REFERENCE.is_file():  # the example above is the docs' own text
        assert "image = Image.open(io.BytesIO(image_bytes))" in REFERENCE.read_text()
    plugin = copy_plugin(tmp_path)
    marker = tmp_path / "MARKER"
    (plugin / "processors" / "image.py").write_text(payload(marker) + DOCS_IMAGE_PROCESSOR)
    line = 1 + DOCS_IMAGE_PROCESSOR.splitlines().index(
        "            image = Image.open(io.BytesIO(image_bytes))") + 1
    result = mixpeek("plugin", "validate", "--path", str(plugin))
    assert result.returncode == 1, result.stdout
    assert re.search(rf"processors/image.py:{line}:\d+: error MP151: undefined name 'io'", result.stdout), result.stdout
    hook = subprocess.run(
        [sys.executable, "-m", "mixpeek_tools.cli.precommit", "--no-cache"],
        capture_output=True, text=True, cwd=plugin, timeout=300)  # fmt: skip
    assert hook.returncode == 1 and f"processors/image.py:{line}:" in hook.stdout, hook.stdout
    assert "MP151" in hook.stdout
    assert not marker.exists(), "the names check must not import the plugin"


def test_importing_a_name_a_sibling_module_does_not_define(tmp_path: Path) -> None:
    plugin = copy_plugin(tmp_path)
    (plugin / "processors" / "extra.py").write_text(
        "from .core import NoSuchThing\nfrom . import core\n\nX = (NoSuchThing, core)\n"
    )
    result = mixpeek("plugin", "validate", "--path", str(plugin))
    assert result.returncode == 1
    assert "processors/extra.py:1:1: error MP152: cannot import name 'NoSuchThing'" in result.stdout, result.stdout


SERVICES_ONLY_PIPELINE = '''\
from engine.inference.openai.whisper_api.services import WhisperTranscriptionBatch
from engine.inference.intfloat.multilingual_e5_large_instruct.services import E5TextEmbeddingBatch
from engine.plugins.extractors.pipeline import (
    PipelineDefinition, ResourceType, RowCondition, StepDefinition, build_pipeline_steps,
)
from shared.inference.openai.whisper_api.models import InferenceConfigs as WhisperConfig
from shared.inference.intfloat.multilingual_e5_large_instruct.models import InferenceConfigs as E5Config
from shared.collection.features.extractors.models import ExtractorDefinition

from .manifest import metadata


def build_steps(extractor_request, **kwargs):
    steps = [
        StepDefinition(
            service_class=WhisperTranscriptionBatch,
            resource_type=ResourceType.API,
            config=WhisperConfig(bytes_column="audio_bytes", output_column_name="transcription"),
            condition=RowCondition.IS_VIDEO_OR_AUDIO,
        ),
        StepDefinition(
            service_class=E5TextEmbeddingBatch,
            resource_type=ResourceType.CPU,
            config=E5Config(text_column="transcription", output_column_name="embedding"),
        ),
    ]
    pipeline = PipelineDefinition(name="transcribe_and_embed", version="v1", steps=steps)
    return {"steps": build_pipeline_steps(pipeline), "prepare": lambda ds: ds}


extractor_definition = ExtractorDefinition(
    name=metadata["name"], version=metadata["version"], extractor_function_path=build_steps,
)
'''


def test_a_services_only_plugin_without_processors_validates(tmp_path: Path) -> None:
    plugin = copy_plugin(tmp_path, "services_only")
    for path in sorted(plugin.rglob("*"), reverse=True):
        if path.name not in ("manifest.py",) and path != plugin:
            path.unlink() if path.is_file() else path.rmdir()
    (plugin / "pipeline.py").write_text(SERVICES_ONLY_PIPELINE)
    assert sorted(p.name for p in plugin.iterdir()) == ["manifest.py", "pipeline.py"]
    result = mixpeek("plugin", "validate", "--path", str(plugin))
    assert result.returncode == 0, result.stdout + result.stderr
    # optional parts of the layout are warnings at most (here: no __init__.py)
    assert "error MP" not in result.stdout, result.stdout
    assert "processors/" not in result.stdout


def test_a_plugin_that_imports_a_file_the_archive_leaves_out_fails_validate(tmp_path: Path) -> None:
    plugin = copy_plugin(tmp_path)
    (plugin / "local_only.py").write_text("VALUE = 1\n")
    (plugin / ".mixpeekignore").write_text("local_only.py\n")
    core = plugin / "processors" / "core.py"
    core.write_text("from ..local_only import VALUE  # noqa: F401\n" + core.read_text())
    result = mixpeek("plugin", "validate", "--path", str(plugin))
    assert result.returncode == 1, result.stdout
    assert "MP003" in result.stdout and "local_only" in result.stdout
    assert "processors/core.py:1" in result.stdout, result.stdout
    (plugin / ".mixpeekignore").unlink()
    assert mixpeek("plugin", "validate", "--path", str(plugin)).returncode == 0
