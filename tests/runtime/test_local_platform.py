"""The local stand-ins for engine.* / shared.* and the import hook that exposes them."""

from __future__ import annotations

import asyncio
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mixpeek_tools import local_platform
from mixpeek_tools.local_platform import pipeline as lp_pipeline
from mixpeek_tools.local_platform.pipeline import (
    PipelineDefinition,
    ResourceType,
    RowCondition,
    StepDefinition,
    build_pipeline_steps,
)
from mixpeek_tools.local_platform.serve import (
    BaseInferenceService,
    ServeDeploymentConfig,
)

KIT_ROOT = str(Path(__file__).resolve().parents[2])  # this checkout, not an installed copy


class Proc:
    def __init__(self, config=None):
        self.config = config


def test_documented_import_paths_resolve_to_the_same_objects() -> None:
    local_platform.install()
    from engine.plugins.extractors.pipeline import StepDefinition as Aliased
    from shared.collection.features.extractors.models import ExtractorDefinition
    from shared.plugins.inference.serve import BaseInferenceService as AliasedBase

    assert Aliased is StepDefinition
    assert AliasedBase is BaseInferenceService
    assert ExtractorDefinition.__module__.startswith("mixpeek_tools.local_platform.")
    assert sys.modules["engine.plugins.extractors.pipeline"] is lp_pipeline
    step = Aliased(service_class=Proc)
    assert isinstance(step, StepDefinition)


def test_install_is_idempotent_and_the_top_level_hook_stays_last() -> None:
    local_platform.install()
    local_platform.install()
    tops = [f for f in sys.meta_path if type(f).__name__ == "_TopLevelFinder"]
    assert len(tops) == 1
    assert type(sys.meta_path[-1]).__name__ == "_TopLevelFinder"


def test_unknown_names_under_engine_are_not_invented() -> None:
    local_platform.install()
    with pytest.raises(ModuleNotFoundError):
        __import__("engine.plugins.does_not_exist")


def test_classes_pickle_by_their_kit_module_path() -> None:
    step = StepDefinition(service_class=Proc, condition=RowCondition.IS_IMAGE)
    clone = pickle.loads(pickle.dumps(step))
    assert clone.condition is RowCondition.IS_IMAGE
    assert type(clone) is StepDefinition


def test_a_real_engine_package_on_sys_path_wins(tmp_path: Path) -> None:
    pkg = tmp_path / "engine" / "plugins" / "extractors"
    pkg.mkdir(parents=True)
    for folder in (tmp_path / "engine", tmp_path / "engine" / "plugins", pkg):
        (folder / "__init__.py").write_text("")
    (pkg / "pipeline.py").write_text("REAL = True\n")
    code = textwrap.dedent(
        """
        import mixpeek_tools.local_platform as lp
        lp.install()
        import engine.plugins.extractors.pipeline as p
        print(getattr(p, "REAL", False), p.__file__)
        import shared.plugins.inference.serve as s  # no real 'shared': ours still serves it
        print(s.__name__)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": os.pathsep.join([str(tmp_path), KIT_ROOT]), "PATH": "/usr/bin:/bin"},
        check=True,
    ).stdout.split("\n")
    assert out[0].startswith("True ")
    assert str(tmp_path) in out[0]
    assert out[1] == "mixpeek_tools.local_platform.serve"


def test_without_install_engine_is_not_importable() -> None:
    code = "import mixpeek_tools.local_platform; import engine.plugins.extractors.pipeline"
    env = {**os.environ, "PYTHONPATH": KIT_ROOT}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.returncode != 0
    assert "No module named 'engine'" in proc.stderr


# ------------------------------------------------------------------ sizing rule


def _resolve(resource: ResourceType, size: int | None, **kw: object):
    step = StepDefinition(service_class=Proc, resource_type=resource, **kw)  # type: ignore[arg-type]
    return build_pipeline_steps(PipelineDefinition(name="p", steps=[step]), dataset_size=size)[0]


def test_batch_size_follows_the_resource_type() -> None:
    assert _resolve(ResourceType.CPU, None).batch_size == 1024
    assert _resolve(ResourceType.GPU, None).batch_size == 64
    assert _resolve(ResourceType.API, None).batch_size == 32


def test_a_small_dataset_caps_batch_size_and_concurrency() -> None:
    step = _resolve(ResourceType.CPU, 10)
    assert step.batch_size == 10
    assert step.concurrency == 1


def test_concurrency_grows_with_dataset_size_up_to_the_ceiling(monkeypatch) -> None:
    monkeypatch.setattr(lp_pipeline.os, "cpu_count", lambda: 4)
    assert _resolve(ResourceType.CPU, 4096 * 2).concurrency == 2
    assert _resolve(ResourceType.CPU, 10_000_000).concurrency == 4
    assert _resolve(ResourceType.CPU, None).concurrency == 4
    assert _resolve(ResourceType.API, 10_000_000).concurrency == 8


def test_resources_per_worker() -> None:
    gpu = _resolve(ResourceType.GPU, 100)
    api = _resolve(ResourceType.API, 100)
    assert (gpu.num_cpus, gpu.num_gpus) == (1.0, 1.0)
    assert (api.num_cpus, api.num_gpus) == (0.25, 0.0)


def test_explicit_step_settings_win() -> None:
    step = _resolve(ResourceType.CPU, 10, batch_size=7, concurrency=3, num_cpus=2)
    assert (step.batch_size, step.concurrency, step.num_cpus) == (7, 3, 2.0)


def test_bad_step_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="batch_size"):
        StepDefinition(service_class=Proc, batch_size=0)
    with pytest.raises(ValueError):
        StepDefinition(service_class=Proc, condition="is_spreadsheet")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="PipelineDefinition"):
        build_pipeline_steps([StepDefinition(service_class=Proc)])  # type: ignore[arg-type]


def test_step_name_defaults_to_the_service_class_name() -> None:
    assert _resolve(ResourceType.CPU, 1).name == "Proc"
    assert _resolve(ResourceType.CPU, 1, name="embed").name == "embed"


# ------------------------------------------------------------------ realtime base class


class Echo(BaseInferenceService):
    serve_config = ServeDeploymentConfig(enabled=True, num_replicas=2)

    async def _process_single(self, inputs, parameters):
        return {"text": inputs["text"], "p": parameters}


def test_inference_service_routes_requests_to_process_single() -> None:
    service = Echo()
    assert asyncio.run(service.predict({"text": "a"}, {"k": 1})) == {"text": "a", "p": {"k": 1}}
    body = {"inputs": {"text": "b"}, "parameters": None}
    assert asyncio.run(service(body)) == {"text": "b", "p": {}}


def test_a_service_without_process_single_says_what_to_implement() -> None:
    with pytest.raises(NotImplementedError, match="_process_single"):
        asyncio.run(BaseInferenceService().predict({}))


def test_serve_config_becomes_deployment_options() -> None:
    assert Echo.serve_config.deployment_options()["num_replicas"] == 2
    scaled = ServeDeploymentConfig(autoscaling_config={"min_replicas": 1, "max_replicas": 3})
    options = scaled.deployment_options()
    assert "num_replicas" not in options
    assert options["autoscaling_config"]["max_replicas"] == 3
    with pytest.raises(ValueError):
        ServeDeploymentConfig(num_replicas=0)


def test_uninstall_removes_the_hooks_and_the_aliases() -> None:
    import importlib

    local_platform.install()
    importlib.import_module("engine.plugins.extractors.pipeline")
    local_platform.uninstall()
    try:
        assert not local_platform.is_installed()
        assert "engine.plugins.extractors.pipeline" not in sys.modules
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module("engine.plugins.extractors.pipeline")
    finally:
        local_platform.install()
    assert importlib.import_module("engine.plugins.extractors.pipeline") is lp_pipeline
