"""MP6xx sample data: parameters and sample rows pushed through the real pipeline.

The rows (read by :mod:`mixpeek_tools.runtime.io` before any check runs, so a malformed file is
bad input naming file, line and column) go through ``build_steps`` and every step with the local
runtime, exactly as a batch would on the platform; every produced row is validated against
``output_schema`` and reported by row number and field.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mixpeek_tools.findings import Finding, Severity
from mixpeek_tools.validator.checks.pipeline import exception_location
from mixpeek_tools.validator.examples import CORE, SAMPLE_ROWS
from mixpeek_tools.validator.model import (
    Check,
    CheckContext,
    Example,
    Rule,
    RunConfig,
    SampleRow,
)


class ParamsInvalid(Rule):
    """``--params`` / ``--params-file`` do not validate against ``parameter_schema``.

    Catches: unknown types, values outside a field's constraints, missing required parameters;
    each problem names the parameter. Why: the platform validates a collection's parameters the
    same way and refuses the collection. Fix: change the value named, or the schema.
    """

    id = "MP601"
    name = "params-invalid"
    check = "sample_data"
    VALID = [Example({}, "threshold 0.7 is within [0, 1]", params={"threshold": 0.7})]
    INVALID = [
        Example({}, "threshold 7 is above its maximum", params={"threshold": 7}),
        Example({}, "a parameter the schema does not have", params={"treshold": 0.7}),
    ]


class PipelineFailedOnSample(Rule):
    """The pipeline raised an exception while processing the sample rows.

    Catches: any exception from ``build_steps``, a processor's ``__init__`` or ``__call__`` on
    the sample data, with the plugin file and line that raised. Why: the same batch would fail on
    the platform. Fix: correct the code at the line named; run with ``--verbose`` for details.
    """

    id = "MP602"
    name = "pipeline-failed-on-sample"
    check = "sample_data"
    VALID = [Example({}, "the processor handles every row", sample_rows=SAMPLE_ROWS)]
    INVALID = [
        Example(
            {"processors/core.py": CORE.replace("for text in", "for text in 1 / 0 or")},
            "the processor divides by zero",
            sample_rows=SAMPLE_ROWS,
        )
    ]


class OutputSchemaViolation(Rule):
    """A produced row does not match ``output_schema``.

    Catches: missing output fields, wrong types and values outside a field's constraints, each
    reported with the row number (1-based, in sample-file order) and the field. Why: the
    platform validates outputs against the declared schema before storing them. Fix: make the
    processor produce what ``output_schema`` declares, or correct the schema.
    """

    id = "MP603"
    name = "output-schema-violation"
    check = "sample_data"
    VALID = [Example({}, "confidence 0.9 is within [0, 1]", sample_rows=SAMPLE_ROWS)]
    INVALID = [
        Example(
            {"processors/core.py": CORE.replace('"confidence": 0.9', '"confidence": 9.0')},
            "confidence 9.0 breaks le=1.0",
            sample_rows=SAMPLE_ROWS,
        )
    ]


class SampleRowInvalid(Rule):
    """A sample row does not match ``input_schema``.

    Catches: sample rows missing an input field or holding the wrong type, by row number and
    field. Why: the sample is meant to look like real input; rows the schema rejects test
    nothing. It is a warning because the pipeline still ran. Fix: correct the sample file.
    """

    id = "MP604"
    name = "sample-row-invalid"
    check = "sample_data"
    severity = Severity.WARNING
    VALID = [Example({}, "every row has text", sample_rows=SAMPLE_ROWS)]
    INVALID = [Example({}, "a row without text", sample_rows=[{"body": "no text field"}])]


class NoOutputRows(Rule):
    """The pipeline produced no rows from a non-empty sample.

    Catches: processors that drop every row, or row conditions that match none of the sample's
    rows (e.g. an image plugin fed text). Why: nothing was validated, so the sample proves
    nothing. It is a warning. Fix: feed rows of the plugin's content type, or check the
    processor's filtering.
    """

    id = "MP605"
    name = "no-output-rows"
    check = "sample_data"
    severity = Severity.WARNING
    VALID = [Example({}, "two rows in, two rows out", sample_rows=SAMPLE_ROWS)]
    INVALID = [
        Example(
            {"processors/core.py": CORE.replace("        return batch\n", "        return batch.iloc[0:0]\n")},
            "the processor drops every row",
            sample_rows=SAMPLE_ROWS,
        )
    ]


RULES: tuple[type[Rule], ...] = (
    ParamsInvalid,
    PipelineFailedOnSample,
    OutputSchemaViolation,
    SampleRowInvalid,
    NoOutputRows,
)


def _field(loc: Any) -> str:
    return ".".join(str(p) for p in loc) if loc else "(row)"


def params_findings(plugin: Any, params: dict[str, Any]) -> Iterator[Finding]:
    """MP601: validate the given parameters against ``parameter_schema``."""
    from pydantic import BaseModel, ValidationError

    schema = getattr(plugin, "parameter_schema", None)
    if not (isinstance(schema, type) and issubclass(schema, BaseModel)):
        return  # the schemas check reports that
    extra_allowed = (schema.model_config or {}).get("extra") == "allow"
    for name in params:
        if name not in schema.model_fields and not extra_allowed:
            yield ParamsInvalid.finding(
                f"unknown parameter '{name}'",
                hint=f"Parameters of {schema.__name__}: {', '.join(schema.model_fields) or '(none)'}",
            )
    try:
        schema.model_validate(params)
    except ValidationError as exc:
        for err in exc.errors():
            yield ParamsInvalid.finding(
                f"parameter '{_field(err.get('loc'))}': {err.get('msg')} "
                f"(got {err.get('input')!r})",
                hint=f"Fix '{_field(err.get('loc'))}' in --params/--params-file, "
                f"allowed by {schema.__name__}",
            )


def input_findings(plugin: Any, rows: list[dict[str, Any]]) -> Iterator[Finding]:
    """MP604: every sample row against ``input_schema``."""
    from pydantic import BaseModel, ValidationError

    schema = getattr(plugin, "input_schema", None)
    if not (isinstance(schema, type) and issubclass(schema, BaseModel)):
        return
    for number, row in enumerate(rows, start=1):
        try:
            schema.model_validate(row)
        except ValidationError as exc:
            for err in exc.errors():
                yield SampleRowInvalid.finding(
                    f"sample row {number}, field '{_field(err.get('loc'))}': {err.get('msg')}",
                    extra={"row": number, "field": _field(err.get("loc"))},
                    hint=f"Correct row {number} of the sample file to match "
                    f"{schema.__name__}",
                )


def run(ctx: CheckContext) -> Iterator[Finding]:
    """The sample-data check (parameters alone when no sample file was given)."""
    plugin = ctx.load_plugin()
    params = ctx.config.params or {}
    bad_params = list(params_findings(plugin, params))
    yield from bad_params
    rows = ctx.config.sample_rows
    if rows is None or bad_params:
        return
    yield from input_findings(plugin, rows)
    yield from pipeline_findings(ctx, plugin, rows, params)


def pipeline_findings(
    ctx: CheckContext, plugin: Any, rows: list[dict[str, Any]], params: dict[str, Any]
) -> Iterator[Finding]:
    """MP602/MP603/MP605: run the rows through the local runtime, validate every output row."""
    import pandas as pd

    from mixpeek_tools.runtime import outputs
    from mixpeek_tools.runtime.executor import plan_pipeline, run_frame

    try:
        plan = plan_pipeline(plugin, params or None, dataset_size=len(rows))
        result = run_frame(plan, pd.DataFrame(rows))
    except (Exception, SystemExit) as exc:
        yield _failure_finding(exc, ctx)
        return
    report = outputs.validate_output_rows(result.frame, plugin.output_schema, result.processed)
    ctx.note(f"{len(rows)} row(s) in, {report.valid} valid output(s)")
    _keep_outputs(ctx, result, plugin.output_schema)
    if rows and report.checked == 0:
        what = "no step selected any of them" if report.unprocessed else "none came out"
        yield NoOutputRows.finding(f"{len(rows)} sample row(s) went in; {what}")
        return
    for error in report.errors:
        yield OutputSchemaViolation.finding(
            f"output row {error.row}, field '{error.field}': {error.message}",
            extra={"row": error.row, "field": error.field},
            hint=f"Make the processor produce what {plugin.output_schema.__name__} declares "
            "for this field",
        )


def _failure_finding(exc: BaseException, ctx: CheckContext) -> Finding:
    path, line = exception_location(exc, ctx.root)
    message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
    where = getattr(exc, "where", None)
    if where and not path:
        message = f"{where}: {message}"
    return PipelineFailedOnSample.finding(
        f"the pipeline failed on the sample data: {message}",
        path=path,
        line=line,
        hint=getattr(exc, "hint", None) or "Fix the code at the line named",
    )


def _keep_outputs(ctx: CheckContext, result: Any, schema: Any) -> None:
    """Each processed row's output object, for ``--verbose``."""
    from mixpeek_tools.runtime import io, outputs

    for number, (record, processed) in enumerate(
        zip(io.frame_records(result.frame), result.processed, strict=False), start=1
    ):
        if processed:
            shown = outputs.output_object(record, schema) or record
            ctx.sample_outputs.append(SampleRow(number, shown))


def _not_applicable(config: RunConfig) -> str | None:
    if config.sample_data is None and config.params is None:
        return "no --sample-data given"
    return None


CHECK = Check(
    name="sample_data",
    not_applicable=_not_applicable,
    run=run,
    description="Sample rows go through the real pipeline; every output matches output_schema.",
    order=600,
    rules=RULES,
    in_validate=False,
    needs_import=True,
)
