"""Every documented ``engine.*`` / ``shared.*`` path imports, from the table, with one identity.

The paths come from two sides that must agree: the kit's table
(:func:`mixpeek_tools.local_platform.layout.documented_modules`) and the documentation (the
imports written in this repository's docs, template and docs-example plugin, the service table of
``docs/services.md``, and the imports the platform's own plugin docs show).
"""

from __future__ import annotations

import importlib
import os
import pickle
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mixpeek_tools import local_platform
from mixpeek_tools.local_platform import catalog
from mixpeek_tools.local_platform.layout import PREFIX, documented_modules, packages
from mixpeek_tools.local_platform.service_base import BuiltinService

ROOT = Path(__file__).resolve().parents[2]

#: The imports shown by the platform's plugin documentation (facts copied from it).
PLATFORM_DOC_IMPORTS = {
    "engine.plugins.extractors.pipeline": {
        "PipelineDefinition", "ResourceType", "RowCondition", "StepDefinition",
        "build_pipeline_steps",
    },
    "shared.collection.features.extractors.models": {"ExtractorDefinition"},
    "shared.plugins.inference.serve": {"BaseInferenceService", "ServeDeploymentConfig"},
    "engine.inference.openai.whisper_api.services": {"WhisperTranscriptionBatch"},
    "engine.inference.intfloat.multilingual_e5_large_instruct.services": {"E5TextEmbeddingBatch"},
    "shared.inference.openai.whisper_api.models": {"InferenceConfigs"},
    "shared.inference.intfloat.multilingual_e5_large_instruct.models": {"InferenceConfigs"},
}  # fmt: skip

_IMPORT = re.compile(
    r"^\s*from\s+((?:engine|shared)(?:\.\w+)+)\s+import\s+(\([^)]*\)|[^\n]+)", re.M
)


def imports_in(text: str) -> dict[str, set[str]]:
    """``from engine.x import a, b as c`` statements of ``text`` -> ``{"engine.x": {"a", "b"}}``."""
    found: dict[str, set[str]] = {}
    for path, names in _IMPORT.findall(text):
        for name in names.strip("()").split(","):
            name = name.split("#")[0].strip().split(" as ")[0].strip()
            if name:
                found.setdefault(path, set()).add(name)
    return found


def documented_imports() -> dict[str, set[str]]:
    sources = [*ROOT.glob("docs/*.md"), ROOT / "README.md", *ROOT.glob("template/**/*.jinja"),
               *ROOT.glob("tests/fixtures/docs_plugin/**/*.py")]  # fmt: skip
    found: dict[str, set[str]] = {p: set(n) for p, n in PLATFORM_DOC_IMPORTS.items()}
    for source in sources:
        for path, names in imports_in(source.read_text(encoding="utf-8")).items():
            found.setdefault(path, set()).update(names)
    return found


def services_md_rows() -> dict[str, str]:
    """``docs/services.md`` table: ``vendor.model`` -> service class name."""
    text = (ROOT / "docs" / "services.md").read_text(encoding="utf-8")
    return dict(
        (key, name) for name, key in re.findall(r"^\| `(\w+)` \| `([\w.]+)` \|", text, re.M)
    )


@pytest.fixture(autouse=True)
def _hook() -> None:
    local_platform.install()


@pytest.mark.parametrize("path", sorted(documented_modules()))
def test_every_path_of_the_table_imports_as_the_same_module_under_both_names(path: str) -> None:
    aliased = importlib.import_module(path)
    assert aliased is importlib.import_module(f"{PREFIX}.{path}")
    assert aliased.__doc__


@pytest.mark.parametrize("row", catalog.BUILTINS, ids=lambda r: r.key)
def test_each_service_module_holds_its_class_and_config(row: catalog.Builtin) -> None:
    services = importlib.import_module(row.services_path)
    models = importlib.import_module(row.models_path)
    service = getattr(services, row.service_name)
    assert issubclass(service, BuiltinService)
    assert services.InferenceConfigs is models.InferenceConfigs is service.config_class
    assert models.InferenceConfigs.__name__ == "InferenceConfigs"
    assert models.InferenceConfigs.__module__ == f"{PREFIX}.{row.models_path}"
    instance = service(models.InferenceConfigs())
    assert isinstance(instance, service) and isinstance(instance, BuiltinService)
    assert instance.service_name == row.service_name


@pytest.mark.parametrize(("path", "names"), sorted(documented_imports().items()))
def test_every_documented_import_is_in_the_table_and_works(path: str, names: set[str]) -> None:
    assert path in documented_modules(), f"{path} is documented but not served"
    module = importlib.import_module(path)
    assert names <= set(dir(module)), f"{path} lacks {sorted(names - set(dir(module)))}"


def test_the_service_table_of_the_docs_and_the_catalog_agree() -> None:
    assert services_md_rows() == {row.key: row.service_name for row in catalog.BUILTINS}


def test_intermediate_packages_exist_and_load_their_children_on_attribute_access() -> None:
    for name in sorted(packages()):
        package = importlib.import_module(name)
        assert package.__path__ == [] and package.__doc__
    import engine.inference

    whisper = engine.inference.openai.whisper_api.services.WhisperTranscriptionBatch
    assert whisper.__name__ == "WhisperTranscriptionBatch"
    assert "openai" in dir(engine.inference)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = engine.inference.nope


def test_names_near_the_table_are_not_invented() -> None:
    for name in ("engine.inference.openai.gpt9", "engine.inference.openai.whisper_api.models",
                 "shared.inference.openai.whisper_api.services", "engine.pipeline"):  # fmt: skip
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module(name)


# ------------------------------------------------------------------ pickles across processes

LOAD = textwrap.dedent(
    """
    import pickle, sys
    import mixpeek_tools.local_platform as lp
    lp.install()
    from engine.inference.openai.clip_vit_base_patch32.services import CLIPEmbeddingBatch
    from engine.inference.ffmpeg.parallel_chunking.services import FFmpegParallelChunking
    from engine.plugins.extractors.pipeline import StepDefinition
    from shared.inference.openai.clip_vit_base_patch32.models import InferenceConfigs
    objects = pickle.loads(open(sys.argv[1], "rb").read())
    clip_cls, clip, config, ffmpeg, step = objects
    assert clip_cls is CLIPEmbeddingBatch, "a class comes back as the importable class"
    assert isinstance(clip, CLIPEmbeddingBatch) and isinstance(config, InferenceConfigs)
    assert clip.config.text_column == "caption" and config.text_column == "caption"
    assert isinstance(ffmpeg, FFmpegParallelChunking) and ffmpeg.config.max_workers == 2
    assert isinstance(step, StepDefinition) and step.service_class is CLIPEmbeddingBatch
    print("ok", type(clip).__module__)
    """
)


def _objects() -> tuple[object, ...]:
    from engine.inference.ffmpeg.parallel_chunking.services import FFmpegParallelChunking
    from engine.inference.openai.clip_vit_base_patch32.services import (
        CLIPEmbeddingBatch,
        InferenceConfigs,
    )
    from engine.plugins.extractors.pipeline import StepDefinition

    config = InferenceConfigs(text_column="caption")
    return (CLIPEmbeddingBatch, CLIPEmbeddingBatch(config), config,
            FFmpegParallelChunking({"max_workers": 2}), StepDefinition(service_class=CLIPEmbeddingBatch))  # fmt: skip


@pytest.mark.parametrize("dumper", ["pickle", "cloudpickle"])
def test_instances_and_classes_unpickle_in_a_fresh_process(dumper: str, tmp_path: Path) -> None:
    dumps = pickle.dumps if dumper == "pickle" else pytest.importorskip("cloudpickle").dumps
    blob = tmp_path / "objects.pkl"
    blob.write_bytes(dumps(_objects()))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", LOAD, str(blob)], capture_output=True,
                          text=True, env=env, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [
        "ok",
        f"{PREFIX}.engine.inference.openai.clip_vit_base_patch32.services",
    ]


def test_a_process_that_only_imports_the_kit_can_unpickle_a_service_class(tmp_path: Path) -> None:
    """Ray workers that never installed the engine.* hook still resolve the class by name."""
    from engine.inference.google.vertex_ai.services import VertexAIBatch

    blob = tmp_path / "cls.pkl"
    blob.write_bytes(pickle.dumps(VertexAIBatch({"prompt": "p"})))
    code = (
        "import pickle,sys; s = pickle.loads(open(sys.argv[1],'rb').read()); print(s.config.prompt)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code, str(blob)], capture_output=True, text=True,
                          env=env, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "p"


def test_a_module_made_again_hands_out_the_same_classes() -> None:
    """Something that drops our modules from sys.modules must not split a class in two."""
    from engine.inference.baai.bge_reranker_v2_m3.services import BGERerankerBatch

    row = catalog.BY_KEY["baai.bge_reranker_v2_m3"]
    for path in (row.services_path, row.models_path):
        sys.modules.pop(path, None)
        sys.modules.pop(f"{PREFIX}.{path}", None)
    again = importlib.import_module(row.services_path)
    assert again.BGERerankerBatch is BGERerankerBatch
    assert again.InferenceConfigs is BGERerankerBatch.config_class
