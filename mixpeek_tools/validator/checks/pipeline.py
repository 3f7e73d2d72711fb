"""MP3xx pipeline: ``build_steps`` exists, has the platform's signature and returns real steps.

Calls ``build_steps`` through the local runtime (:func:`mixpeek_tools.runtime.plan.plan_pipeline`)
with the parameter schema's defaults, exactly as the platform would for a collection that sets no
parameters, and inspects what comes back.
"""

from __future__ import annotations

import ast
import inspect
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mixpeek_tools.findings import Finding, Severity
from mixpeek_tools.validator.examples import PIPELINE
from mixpeek_tools.validator.model import Check, CheckContext, Example, Rule

SERVICE_ATTRS = ("service_class", "service", "cls")
RESOURCE_ATTRS = ("resource_type", "resource")
CONDITION_ATTRS = ("condition", "row_condition")


class BuildStepsMissing(Rule):
    """``pipeline.py`` has no callable ``build_steps``.

    Catches: a pipeline module without ``build_steps``, or with ``build_steps`` bound to
    something that is not a function. Why: the platform calls ``build_steps`` to get the plugin's
    processing steps; without it nothing runs. Fix: define ``def build_steps(extractor_request,
    container=None, base_steps=None, dataset_size=None, content_flags=None)`` in pipeline.py.
    """

    id = "MP301"
    name = "build-steps-missing"
    check = "pipeline"
    VALID = [Example({}, "pipeline.py defines build_steps")]
    INVALID = [
        Example(
            {"pipeline.py": PIPELINE.replace("def build_steps(", "def make_steps(").replace(
                "extractor_function_path=build_steps", "extractor_function_path=make_steps"
            )},
            "the function is called make_steps",
        )
    ]


class BuildStepsSignature(Rule):
    """``build_steps`` cannot be called the way the platform calls it.

    Catches: a signature that does not accept the extractor request positionally plus the
    keyword arguments ``container``, ``base_steps``, ``dataset_size`` and ``content_flags``
    (``**kwargs`` accepts them too). Why: the platform passes all of them; a function that
    rejects one fails at deployment. Fix: use the documented signature.
    """

    id = "MP302"
    name = "build-steps-signature"
    check = "pipeline"
    VALID = [Example({}, "the documented signature")]
    INVALID = [
        Example(
            {
                "pipeline.py": PIPELINE.replace(
                    "    content_flags: Optional[dict] = None,\n", ""
                )
            },
            "content_flags is not accepted",
        )
    ]


class BuildStepsFailed(Rule):
    """Calling ``build_steps`` with the default parameters fails or returns the wrong shape.

    Catches: an exception raised by ``build_steps``, or a return value that is not a dict with a
    ``steps`` list and a callable ``prepare``. Why: the platform calls it with the defaults when
    a collection sets no parameters. Fix: return ``{"steps": [...], "prepare": callable}``; the
    finding points at the line that raised.
    """

    id = "MP303"
    name = "build-steps-failed"
    check = "pipeline"
    VALID = [Example({}, "returns steps and a prepare callable")]
    INVALID = [
        Example(
            {"pipeline.py": PIPELINE.replace('        "prepare": lambda ds: ds,\n', "")},
            "no prepare in the returned dict",
        )
    ]


class StepInvalid(Rule):
    """A pipeline step lacks a service class, a ``ResourceType`` or a ``RowCondition``.

    Catches: steps whose service class is missing or an instance instead of a class (the
    platform instantiates it once per worker with the step's config), whose resource type is not a
    ``ResourceType`` member, or whose condition is not a ``RowCondition`` member. Why: the
    platform schedules each step by its resource type and routes rows by its condition. Fix:
    build steps with ``StepDefinition(service_class=..., resource_type=ResourceType.CPU,
    condition=RowCondition.ALWAYS, ...)``.
    """

    id = "MP304"
    name = "step-invalid"
    check = "pipeline"
    VALID = [Example({}, "one CPU step on text rows")]
    INVALID = [
        Example(
            {
                "pipeline.py": PIPELINE.replace(
                    "service_class=ExampleProcessor,",
                    "service_class=ExampleProcessor(ExampleConfig()),",
                )
            },
            "an instance passed instead of the class",
        )
    ]


class ExtractorDefinitionMismatch(Rule):
    """``extractor_definition`` is missing or disagrees with ``metadata``.

    Catches: a pipeline module without ``extractor_definition``, or one whose ``name`` or
    ``version`` differ from ``metadata``. Why: the platform registers the extractor under the
    definition's name and version; a mismatch publishes one name and runs another. Fix: build it
    from ``metadata["name"]`` and ``metadata["version"]`` as the docs show.
    """

    id = "MP305"
    name = "extractor-definition-mismatch"
    check = "pipeline"
    VALID = [Example({}, "built from metadata")]
    INVALID = [
        Example(
            {"pipeline.py": PIPELINE.replace('version=metadata["version"]', 'version="v9"')},
            "version v9 while metadata says v1",
        )
    ]


class GpuStepWithoutBatchSize(Rule):
    """A GPU step declares no batch size.

    Catches: ``StepDefinition(...)`` calls with ``ResourceType.GPU`` and no ``batch_size=``. Why: without one the
    framework falls back to a generic size that can run a GPU out of memory or leave it idle.
    Fix: pass ``batch_size=`` to the step, sized for the model's memory use.
    """

    id = "MP306"
    name = "gpu-step-without-batch-size"
    check = "pipeline"
    severity = Severity.WARNING
    VALID = [
        Example({}, "a CPU step needs no batch size"),
        Example(
            {
                "pipeline.py": PIPELINE.replace(
                    "resource_type=ResourceType.CPU,",
                    "resource_type=ResourceType.GPU,\n            batch_size=16,",
                )
            },
            "a GPU step with batch_size=16",
        ),
    ]
    INVALID = [
        Example(
            {"pipeline.py": PIPELINE.replace("ResourceType.CPU", "ResourceType.GPU")},
            "a GPU step without batch_size",
        )
    ]


RULES: tuple[type[Rule], ...] = (
    BuildStepsMissing,
    BuildStepsSignature,
    BuildStepsFailed,
    StepInvalid,
    ExtractorDefinitionMismatch,
    GpuStepWithoutBatchSize,
)


def _first_field(obj: Any, names: tuple[str, ...]) -> Any:
    """The first of ``names`` that ``obj`` has, as a key or an attribute (steps may be either)."""
    for name in names:
        if isinstance(obj, dict) and name in obj:
            return obj[name]
        if hasattr(obj, name):
            return getattr(obj, name)
    return None


def _enum_name(value: Any, enum_name: str) -> str | None:
    """The member name when ``value`` is a member of an enum class called ``enum_name``."""
    cls = type(value)
    if any(base.__name__ == enum_name for base in cls.__mro__) and hasattr(value, "name"):
        return str(value.name)
    return None


def function_location(func: Any, root: Path) -> tuple[str | None, int | None]:
    """Where ``func`` is defined, relative to the plugin root when inside it."""
    try:
        file = inspect.getsourcefile(func)
        _, line = inspect.getsourcelines(func)
    except (OSError, TypeError):
        return None, None
    if file is None:
        return None, None
    try:
        return Path(file).resolve().relative_to(root.resolve()).as_posix(), line
    except ValueError:
        return file, line


def exception_location(exc: BaseException, root: Path) -> tuple[str | None, int | None]:
    """The innermost traceback frame inside the plugin: the line to fix."""
    found: tuple[str | None, int | None] = (None, None)
    for frame in traceback.extract_tb(exc.__traceback__):
        try:
            rel = Path(frame.filename).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            continue
        found = (rel, frame.lineno)
    return found


def signature_findings(build_steps: Any, root: Path) -> Iterator[Finding]:
    """MP302: the platform's call must bind to the function's signature."""
    try:
        sig = inspect.signature(build_steps)
        sig.bind(object(), container=None, base_steps=None, dataset_size=None, content_flags=None)
    except (TypeError, ValueError) as exc:
        path, line = function_location(build_steps, root)  # only then: it tokenizes the file
        yield BuildStepsSignature.finding(
            f"build_steps cannot be called as build_steps(extractor_request, container=..., "
            f"base_steps=..., dataset_size=..., content_flags=...): {exc}",
            path=path or "pipeline.py",
            line=line,
            hint="Use the signature build_steps(extractor_request, container=None, "
            "base_steps=None, dataset_size=None, content_flags=None)",
        )


def step_findings(index: int, step: Any, path: str) -> Iterator[Finding]:
    """MP304/MP306 for one step object returned by ``build_steps``."""
    service = _first_field(step, SERVICE_ATTRS)
    label = f"step {index + 1}"
    if not isinstance(service, type):
        got = "nothing" if service is None else f"a {type(service).__name__} instance"
        yield StepInvalid.finding(
            f"{label} service_class is {got}, not a class",
            path=path,
            hint="Pass service_class=YourProcessor (the class, not an instance)",
        )
    resource = _first_field(step, RESOURCE_ATTRS)
    resource_name = _enum_name(resource, "ResourceType")
    if resource_name is None:
        yield StepInvalid.finding(
            f"{label} resource type is {resource!r}, not a ResourceType member",
            path=path,
            hint="Use ResourceType.CPU, ResourceType.GPU or ResourceType.API",
        )
    condition = _first_field(step, CONDITION_ATTRS)
    if condition is not None and _enum_name(condition, "RowCondition") is None:
        yield StepInvalid.finding(
            f"{label} condition is {condition!r}, not a RowCondition member",
            path=path,
            hint="Use a RowCondition member such as RowCondition.IS_TEXT or RowCondition.ALWAYS",
        )


def definition_findings(pipeline: Any, metadata: Any) -> Iterator[Finding]:
    """MP305: ``extractor_definition`` agrees with ``metadata``."""
    definition = getattr(pipeline, "extractor_definition", None)
    if definition is None:
        yield ExtractorDefinitionMismatch.finding(
            "pipeline.py does not define extractor_definition",
            path="pipeline.py",
            hint="Define extractor_definition = ExtractorDefinition(name=metadata['name'], "
            "version=metadata['version'], extractor_function_path=build_steps)",
        )
        return
    if not isinstance(metadata, dict):
        return
    for key in ("name", "version"):
        got = _first_field(definition, (key,))
        want = metadata.get(key)
        if want is not None and got != want:
            yield ExtractorDefinitionMismatch.finding(
                f"extractor_definition.{key} is {got!r} but metadata['{key}'] is {want!r}",
                path="pipeline.py",
                hint=f"Build extractor_definition with {key}=metadata['{key}']",
            )


def plan_findings(ctx: CheckContext, plugin: Any) -> Iterator[Finding]:
    """MP303/MP304/MP306: call build_steps through the runtime and inspect the plan."""
    from mixpeek_tools.runtime.plan import plan_pipeline  # not .executor: no engine is needed

    try:
        plan = plan_pipeline(plugin, params=None)
    except (Exception, SystemExit) as exc:
        path, line = exception_location(exc, ctx.root)
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        yield BuildStepsFailed.finding(
            f"calling build_steps with the default parameters failed: {message}",
            path=path or "pipeline.py",
            line=line,
            hint=getattr(exc, "hint", None)
            or "Make build_steps return {'steps': [...], 'prepare': callable}",
        )
        return
    if getattr(plan, "prepare", None) is None:
        yield BuildStepsFailed.finding(
            "build_steps returned no 'prepare' callable",
            path="pipeline.py",
            hint="Add 'prepare': lambda ds: ds to the dict build_steps returns",
        )
    steps = _first_field(plan, ("step_definitions", "steps")) or []
    for index, step in enumerate(steps):
        yield from step_findings(index, step, "pipeline.py")


def _is_gpu(node: ast.expr) -> bool:
    if isinstance(node, ast.Attribute):
        return node.attr == "GPU"
    return isinstance(node, ast.Constant) and str(node.value).lower() == "gpu"


def gpu_batch_findings(source: str, relpath: str) -> Iterator[Finding]:
    """MP306, read from the source: a ``StepDefinition(...)`` on GPU without ``batch_size=``.

    The resolved steps always carry a batch size (the runtime fills in a default), so whether
    the author declared one is only visible in the call itself.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name != "StepDefinition":
            continue
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        resource = keywords.get("resource_type")
        if resource is not None and _is_gpu(resource) and "batch_size" not in keywords:
            yield GpuStepWithoutBatchSize.finding(
                "this GPU step declares no batch_size",
                path=relpath,
                line=node.lineno,
                column=node.col_offset + 1,
            )


def run(ctx: CheckContext) -> Iterator[Finding]:
    """The pipeline check."""
    plugin = ctx.load_plugin()
    pipeline = getattr(plugin, "pipeline", None)
    build_steps = getattr(pipeline, "build_steps", None)
    if build_steps is None or not callable(build_steps):
        what = "does not define build_steps" if build_steps is None else "build_steps is not callable"
        yield BuildStepsMissing.finding(
            f"pipeline.py {what}",
            path="pipeline.py",
            hint="Define def build_steps(extractor_request, container=None, base_steps=None, "
            "dataset_size=None, content_flags=None) in pipeline.py",
        )
        return
    signature = list(signature_findings(build_steps, ctx.root))
    yield from signature
    yield from definition_findings(pipeline, getattr(plugin.manifest, "metadata", None))
    if not signature:
        yield from plan_findings(ctx, plugin)
    for path in ctx.python_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        if "StepDefinition" in text:
            yield from gpu_batch_findings(text, ctx.relpath(path))


CHECK = Check(
    name="pipeline",
    run=run,
    description="build_steps exists, has the platform's signature and returns valid steps.",
    order=300,
    rules=RULES,
    needs_import=True,
)
