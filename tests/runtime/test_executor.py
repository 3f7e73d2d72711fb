"""Planning and running pipelines in-process, the way the platform does."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mixpeek_tools.errors import BadInput, EnvironmentFailure
from mixpeek_tools.plugin.loader import load_plugin
from mixpeek_tools.runtime.executor import (
    RowsFailed,
    RunOptions,
    RunStats,
    apply_step,
    instantiate,
    plan_pipeline,
    processed_flags,
    run_batches,
    run_frame,
)

from .conftest import PIPELINE_HEADER

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 8
MakePlugin = Callable[..., Path]


def _core(plugin) -> object:
    return sys.modules[f"{plugin.package_name}.processors.core"]


def texts(n: int) -> pd.DataFrame:
    return pd.DataFrame({"text": [f"t{i}" for i in range(n)]})


# ------------------------------------------------------------------ parameters and planning


def test_defaults_apply_when_no_parameters_are_given(make_plugin: MakePlugin) -> None:
    plugin = load_plugin(make_plugin())
    plan = plan_pipeline(plugin)
    assert plan.steps[0].config.threshold == 0.5
    request = plugin.pipeline.LAST_REQUEST[-1]
    assert request.extractor_config.parameters == {}


def test_parameters_reach_build_steps_as_the_users_dict(make_plugin: MakePlugin) -> None:
    plugin = load_plugin(make_plugin())
    plan = plan_pipeline(plugin, {"threshold": 0.9, "suffix": "?"})
    assert plan.steps[0].config.threshold == 0.9
    request = plugin.pipeline.LAST_REQUEST[-1]
    assert request.extractor_config.parameters == {"threshold": 0.9, "suffix": "?"}


def test_invalid_parameters_are_bad_input_naming_the_field(make_plugin: MakePlugin) -> None:
    plugin = load_plugin(make_plugin())
    with pytest.raises(BadInput) as info:
        plan_pipeline(plugin, {"threshold": 7})
    assert info.value.where == "parameters.threshold"
    assert "less than or equal to 1" in info.value.message
    with pytest.raises(BadInput) as unknown:
        plan_pipeline(plugin, {"treshold": 0.1})
    assert unknown.value.where == "parameters.treshold"
    assert "threshold" in (unknown.value.hint or "")


def test_dataset_size_reaches_the_sizing_rule(make_plugin: MakePlugin) -> None:
    plan = plan_pipeline(load_plugin(make_plugin()), dataset_size=5)
    assert plan.steps[0].batch_size == 5
    assert plan.steps[0].concurrency == 1


def test_base_steps_run_before_the_plugins_steps(make_plugin: MakePlugin) -> None:
    from mixpeek_tools.local_platform.engine.plugins.extractors.pipeline import StepDefinition

    plugin = load_plugin(make_plugin())
    core = _core(plugin)
    base = [StepDefinition(service_class=core.ConfigOnly, config="base", name="base")]
    plan = plan_pipeline(plugin, base_steps=base)
    assert [s.name for s in plan.steps] == ["base", "Labeler"]
    out = run_frame(plan, texts(3)).frame
    assert out["seen_by_config_only"].all()
    assert [c[0] for c in core.CALLS] == ["ConfigOnly", "Labeler"]


def test_build_steps_errors_name_the_line(make_plugin: MakePlugin) -> None:
    pipeline = PIPELINE_HEADER + (
        "def build_steps(extractor_request, container=None, base_steps=None,\n"
        "                dataset_size=None, content_flags=None):\n"
        "    raise KeyError('model_name')\n"
    )
    root = make_plugin(pipeline)
    lines = (root / "pipeline.py").read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "raise KeyError" in text)
    with pytest.raises(BadInput) as info:
        plan_pipeline(load_plugin(root))
    assert "KeyError" in info.value.message
    assert str(info.value.where).endswith(f"pipeline.py:{line}")
    frames = traceback.extract_tb(info.value.__traceback__)
    assert any(f.filename.endswith("pipeline.py") and f.lineno == line for f in frames)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("return [1]", "not a dict with 'steps'"),
        ("return {'steps': ['x']}", "step 1 returned by build_steps is a str"),
        ("return {'steps': [], 'prepare': 3}", "'prepare' that is not callable"),
    ],
)
def test_malformed_build_steps_results_are_explained(
    make_plugin: MakePlugin, body: str, message: str
) -> None:
    pipeline = PIPELINE_HEADER + (
        "def build_steps(extractor_request, container=None, base_steps=None,\n"
        f"                dataset_size=None, content_flags=None):\n    {body}\n"
    )
    with pytest.raises(BadInput, match=message):
        plan_pipeline(load_plugin(make_plugin(pipeline)))


# ------------------------------------------------------------------ running


def test_docs_plugin_runs_unchanged(docs_plugin: Path) -> None:
    plan = plan_pipeline(load_plugin(docs_plugin))
    result = run_frame(plan, pd.DataFrame({"text": ["Sample text 1", "Sample text 2"]}))
    assert list(result.frame["output"]) == [
        {"result": "Processed: Sample text 1", "confidence": 0.95},
        {"result": "Processed: Sample text 2", "confidence": 0.95},
    ]
    assert result.processed.all()


def test_services_are_created_once_whatever_their_constructor(make_plugin: MakePlugin) -> None:
    pipeline = (
        PIPELINE_HEADER
        + """
def build_steps(extractor_request, container=None, base_steps=None, dataset_size=None,
                content_flags=None):
    steps = [
        StepDefinition(service_class=Labeler, config=Cfg(), batch_size=2),
        StepDefinition(service_class=ConfigOnly, config=Cfg(), batch_size=2),
        StepDefinition(service_class=NoArgs, condition=RowCondition.IS_IMAGE, batch_size=2),
    ]
    return {"steps": build_pipeline_steps(PipelineDefinition(name="x", steps=steps))}
"""
    )
    plugin = load_plugin(make_plugin(pipeline))
    core = _core(plugin)
    df = pd.DataFrame({"text": ["a", "b", "c", None, "e"], "image_bytes": [None] * 3 + [PNG, None]})
    run_frame(plan_pipeline(plugin), df)
    assert [name for name, _ in core.INSTANCES] == ["Labeler", "ConfigOnly", "NoArgs"]


def test_steps_see_only_the_rows_their_condition_selects_and_order_is_kept(
    make_plugin: MakePlugin,
) -> None:
    pipeline = (
        PIPELINE_HEADER
        + """
def build_steps(extractor_request, container=None, base_steps=None, dataset_size=None,
                content_flags=None):
    steps = [
        StepDefinition(service_class=Labeler, config=Cfg(), condition=RowCondition.IS_TEXT),
        StepDefinition(service_class=NoArgs, condition=RowCondition.IS_IMAGE),
    ]
    return {"steps": build_pipeline_steps(PipelineDefinition(name="x", steps=steps))}
"""
    )
    plugin = load_plugin(make_plugin(pipeline))
    core = _core(plugin)
    df = pd.DataFrame(
        {"text": ["a", None, "c", None, None], "image_bytes": [None, PNG, None, PNG, None]}
    )
    result = run_frame(plan_pipeline(plugin), df)
    calls = {name: labels for name, _, labels in core.CALLS}
    assert calls == {"Labeler": [0, 2], "NoArgs": [1, 3]}
    out = result.frame
    assert list(out.index) == [0, 1, 2, 3, 4]
    assert out.loc[0, "label"] == "a!" and pd.isna(out.loc[1, "label"])
    assert out.loc[3, "image_size"] == len(PNG)
    assert list(result.processed) == [True, True, True, True, False]


def test_batches_follow_the_step_and_the_override(make_plugin: MakePlugin) -> None:
    pipeline = (
        PIPELINE_HEADER
        + """
def build_steps(extractor_request, container=None, base_steps=None, dataset_size=None,
                content_flags=None):
    steps = [StepDefinition(service_class=Labeler, config=Cfg(), batch_size=3)]
    return {"steps": build_pipeline_steps(PipelineDefinition(name="x", steps=steps))}
"""
    )
    plugin = load_plugin(make_plugin(pipeline))
    core = _core(plugin)
    input_batches = [texts(10).iloc[:4], texts(10).iloc[4:]]
    list(run_batches(plan_pipeline(plugin), input_batches))
    assert [n for _, n, _ in core.CALLS] == [3, 3, 3, 1]
    core.CALLS.clear()
    list(run_batches(plan_pipeline(plugin), [texts(10)], RunOptions(batch_size=4)))
    assert [n for _, n, _ in core.CALLS] == [4, 4, 2]


def test_streaming_and_whole_frame_give_the_same_rows(make_plugin: MakePlugin) -> None:
    plan = plan_pipeline(load_plugin(make_plugin()))
    df = texts(2500)
    whole = run_frame(plan, df).frame
    streamed = pd.concat(
        list(run_batches(plan, [df.iloc[i : i + 700] for i in range(0, 2500, 700)]))
    )
    pd.testing.assert_frame_equal(whole, streamed)


def test_prepare_gets_a_dataset_with_ray_like_methods(make_plugin: MakePlugin) -> None:
    pipeline = (
        PIPELINE_HEADER
        + """
def _prepare(ds):
    ds = ds.filter(lambda row: row["text"] != "drop me")
    ds = ds.add_column("length", lambda batch: batch["text"].str.len())
    ds = ds.map_batches(lambda b: b.assign(text=b["text"].str.upper()), batch_format="pandas")
    return ds.drop_columns(["junk"]).limit(3)

def build_steps(extractor_request, container=None, base_steps=None, dataset_size=None,
                content_flags=None):
    steps = [StepDefinition(service_class=Labeler, config=Cfg())]
    return {"steps": build_pipeline_steps(PipelineDefinition(name="x", steps=steps)),
            "prepare": _prepare}
"""
    )
    plugin = load_plugin(make_plugin(pipeline))
    df = pd.DataFrame({"text": ["a", "drop me", "bb", "ccc", "dddd"], "junk": 1})
    out = run_frame(plan_pipeline(plugin), df).frame
    assert list(out["label"]) == ["A!", "BB!", "CCC!"]
    assert list(out["length"]) == [1, 2, 3]
    assert list(out.index) == [0, 2, 3]  # input row positions survive the filter
    assert "junk" not in out.columns


def test_prepare_must_return_the_dataset(make_plugin: MakePlugin) -> None:
    pipeline = (
        PIPELINE_HEADER
        + """
def build_steps(extractor_request, container=None, base_steps=None, dataset_size=None,
                content_flags=None):
    steps = [StepDefinition(service_class=Labeler, config=Cfg())]
    return {"steps": build_pipeline_steps(PipelineDefinition(name="x", steps=steps)),
            "prepare": lambda ds: None}
"""
    )
    with pytest.raises(BadInput, match="prepare returned NoneType"):
        run_frame(plan_pipeline(load_plugin(make_plugin(pipeline))), texts(2))


# ------------------------------------------------------------------ failures


def test_failing_rows_stop_the_run_naming_row_and_step(make_plugin: MakePlugin) -> None:
    plan = plan_pipeline(load_plugin(make_plugin()), {"fail_on": "t3"})
    with pytest.raises(RowsFailed) as info:
        run_frame(plan, texts(6))
    [failure] = info.value.failures
    assert (failure.row, failure.step) == (4, "Labeler")
    assert "ValueError: cannot label 't3'" in failure.error
    assert int(info.value.exit_code) == 1


def test_continue_drops_only_the_failing_rows_and_reports_them(make_plugin: MakePlugin) -> None:
    plan = plan_pipeline(load_plugin(make_plugin()), {"fail_on": "t3"})
    result = run_frame(plan, texts(6), RunOptions(on_error="continue"))
    assert list(result.frame.index) == [0, 1, 2, 4, 5]
    assert list(result.frame["label"]) == ["t0!", "t1!", "t2!", "t4!", "t5!"]
    assert [(f.row, f.step) for f in result.failures] == [(4, "Labeler")]
    assert result.stats.steps[0].rows_failed == 1
    assert result.stats.steps[0].rows_processed == 5


def test_a_service_that_returns_nothing_is_a_clear_failure(make_plugin: MakePlugin) -> None:
    processors = (
        "class Bad:\n    def __init__(self, config):\n        pass\n"
        "    def __call__(self, batch):\n        batch['x'] = 1\n"
    )
    pipeline = (
        "from engine.plugins.extractors.pipeline import PipelineDefinition, StepDefinition, "
        "build_pipeline_steps\nfrom .processors.core import Bad\n"
        "def build_steps(extractor_request, **kwargs):\n"
        "    return {'steps': build_pipeline_steps(PipelineDefinition(name='x', "
        "steps=[StepDefinition(service_class=Bad)]))}\n"
    )
    plan = plan_pipeline(load_plugin(make_plugin(pipeline, processors=processors)))
    with pytest.raises(RowsFailed, match="returned NoneType"):
        run_frame(plan, texts(1))


def test_apply_step_is_usable_on_its_own(make_plugin: MakePlugin) -> None:
    plan = plan_pipeline(load_plugin(make_plugin()))
    step = plan.steps[0]
    service = instantiate(step)
    df = pd.DataFrame({"text": ["x", None]}, index=[10, 11])
    outcome = apply_step(step, service, df)
    assert outcome.selected == 1
    assert list(outcome.processed) == [True, False]
    assert outcome.frame.loc[10, "label"] == "x!"


# ------------------------------------------------------------------ resources and threads


def test_api_steps_run_in_threads_and_keep_order(make_plugin: MakePlugin) -> None:
    pipeline = (
        PIPELINE_HEADER
        + """
def build_steps(extractor_request, container=None, base_steps=None, dataset_size=None,
                content_flags=None):
    steps = [StepDefinition(service_class=Labeler, config=Cfg(), batch_size=5,
                            resource_type=ResourceType.API, concurrency=4)]
    return {"steps": build_pipeline_steps(PipelineDefinition(name="x", steps=steps))}
"""
    )
    plugin = load_plugin(make_plugin(pipeline))
    out = run_frame(plan_pipeline(plugin), texts(200)).frame
    assert list(out["label"]) == [f"t{i}!" for i in range(200)]
    assert any(name.startswith("step-Labeler") for name in _core(plugin).THREADS)


def test_cpu_threads_option_keeps_order(make_plugin: MakePlugin) -> None:
    plan = plan_pipeline(load_plugin(make_plugin()))
    plan.steps[0].batch_size = 7
    plan.steps[0].concurrency = 2
    out = run_frame(plan, texts(100), RunOptions(cpu_threads=2)).frame
    assert list(out["label"]) == [f"t{i}!" for i in range(100)]


def _gpu_pipeline(fallback: bool) -> str:
    return (
        PIPELINE_HEADER
        + f"""
def build_steps(extractor_request, container=None, base_steps=None, dataset_size=None,
                content_flags=None):
    steps = [StepDefinition(service_class=Labeler, config=Cfg(),
                            resource_type=ResourceType.GPU, allow_cpu_fallback={fallback})]
    return {{"steps": build_pipeline_steps(PipelineDefinition(name="x", steps=steps))}}
"""
    )


def test_gpu_steps_without_a_gpu_fail_clearly_or_fall_back(
    make_plugin: MakePlugin, monkeypatch
) -> None:
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    plan = plan_pipeline(load_plugin(make_plugin(_gpu_pipeline(False))))
    with pytest.raises(EnvironmentFailure, match="needs a GPU") as info:
        run_frame(plan, texts(2))
    assert "allow_cpu_fallback=True" in (info.value.hint or "")
    plan = plan_pipeline(load_plugin(make_plugin(_gpu_pipeline(True), name="fallback")))
    result = run_frame(plan, texts(2))
    assert list(result.frame["label"]) == ["t0!", "t1!"]
    assert "runs on CPU" in result.stats.notes[0]


def test_run_batches_marks_processed_rows_and_counts(make_plugin: MakePlugin) -> None:
    stats = RunStats()
    df = pd.DataFrame({"text": ["a", None, "b"]})
    [out] = list(run_batches(plan_pipeline(load_plugin(make_plugin())), [df], None, stats))
    flags = processed_flags(out)
    assert flags is not None and list(flags) == [True, False, True]
    assert (stats.rows_in, stats.rows_out) == (3, 3)
    assert stats.steps[0].rows_seen == 3 and stats.steps[0].rows_processed == 2
    assert isinstance(flags, np.ndarray)


def test_bad_on_error_value_is_refused() -> None:
    with pytest.raises(BadInput, match="on_error"):
        RunOptions(on_error="ignore")


@pytest.mark.slow
def test_cpu_processes_give_the_same_rows_and_report_failures(make_plugin: MakePlugin) -> None:
    plan = plan_pipeline(load_plugin(make_plugin()), {"fail_on": "t77"})
    plan.steps[0].batch_size = 10
    inline = run_frame(plan, texts(100), RunOptions(on_error="continue"))
    procs = run_frame(plan, texts(100), RunOptions(on_error="continue", cpu_processes=2))
    pd.testing.assert_frame_equal(inline.frame, procs.frame)
    assert [(f.row, f.step) for f in procs.failures] == [(78, "Labeler")]
    with pytest.raises(RowsFailed, match="row 78"):
        run_frame(plan, texts(100), RunOptions(cpu_processes=2))


def test_a_kit_error_from_a_service_stops_the_run_with_its_own_message(
    make_plugin: MakePlugin,
) -> None:
    processors = (
        "from mixpeek_tools.errors import EnvironmentFailure\n"
        "class Hosted:\n"
        "    def __init__(self, config):\n        pass\n"
        "    def __call__(self, batch):\n"
        "        raise EnvironmentFailure('Hosted needs an API key', hint='set HOSTED_KEY')\n"
    )
    pipeline = (
        "from engine.plugins.extractors.pipeline import PipelineDefinition, StepDefinition, "
        "build_pipeline_steps\nfrom .processors.core import Hosted\n"
        "def build_steps(extractor_request, **kwargs):\n"
        "    return {'steps': build_pipeline_steps(PipelineDefinition(name='x', "
        "steps=[StepDefinition(service_class=Hosted)]))}\n"
    )
    plan = plan_pipeline(load_plugin(make_plugin(pipeline, processors=processors)))
    with pytest.raises(EnvironmentFailure, match="Hosted needs an API key"):
        run_frame(plan, texts(3), RunOptions(on_error="continue"))


def test_a_step_that_splits_rows_keeps_them_next_to_their_source_row(
    make_plugin: MakePlugin,
) -> None:
    processors = (
        "class Splitter:\n"
        "    def __init__(self, config):\n        pass\n"
        "    def __call__(self, batch):\n"
        "        batch['part'] = batch['text'].str.split(' ')\n"
        "        return batch.explode('part')\n"
    )
    pipeline = (
        "from engine.plugins.extractors.pipeline import PipelineDefinition, RowCondition, "
        "StepDefinition, build_pipeline_steps\nfrom .processors.core import Splitter\n"
        "def build_steps(extractor_request, **kwargs):\n"
        "    steps = [StepDefinition(service_class=Splitter, condition=RowCondition.IS_TEXT)]\n"
        "    return {'steps': build_pipeline_steps(PipelineDefinition(name='x', steps=steps))}\n"
    )
    plan = plan_pipeline(load_plugin(make_plugin(pipeline, processors=processors)))
    df = pd.DataFrame({"text": ["a b", None, "c d e"], "image_bytes": [None, PNG, None]})
    result = run_frame(plan, df)
    assert list(result.frame.index) == [0, 0, 1, 2, 2, 2]
    assert list(result.frame["part"].fillna("-")) == ["a", "b", "-", "c", "d", "e"]
    assert list(result.processed) == [True, True, False, True, True, True]


def test_a_service_that_cannot_be_created_is_named(make_plugin: MakePlugin) -> None:
    processors = (
        "class Picky:\n"
        "    def __init__(self, config):\n"
        "        raise ValueError('model_name is required')\n"
    )
    pipeline = (
        "from engine.plugins.extractors.pipeline import PipelineDefinition, StepDefinition, "
        "build_pipeline_steps\nfrom .processors.core import Picky\n"
        "def build_steps(extractor_request, **kwargs):\n"
        "    return {'steps': build_pipeline_steps(PipelineDefinition(name='x', "
        "steps=[StepDefinition(service_class=Picky, name='embed')]))}\n"
    )
    plan = plan_pipeline(load_plugin(make_plugin(pipeline, processors=processors)))
    with pytest.raises(BadInput, match="creating the service of step 'embed' failed") as info:
        run_frame(plan, texts(1))
    assert "model_name is required" in info.value.message
