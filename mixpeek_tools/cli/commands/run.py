"""``mixpeek plugin run``: push a dataset through a plugin's pipeline on the local engine or Ray.

The input streams in batches (memory stays flat whatever the file size), output rows are checked
against ``output_schema`` as they pass, and the output file appears only once the run finished
(temporary file, then rename). Exit codes: 0 all rows fine; 1 rows failed (``--on-error
continue`` still writes the rows that succeeded) or outputs broke the schema; 2 bad input.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from mixpeek_tools.cli.guarded import guard_option, rerun_guarded
from mixpeek_tools.cli.options import output_format_option
from mixpeek_tools.cli.progress import RowProgress
from mixpeek_tools.errors import ChecksFailed
from mixpeek_tools.plugin.params_input import parse_params

if TYPE_CHECKING:
    from mixpeek_tools.runtime.executor import PipelinePlan, RunStats
    from mixpeek_tools.runtime.outputs import OutputReport
    from mixpeek_tools.runtime.run import RunReport, RunRequest


def _summary(
    plan: PipelinePlan, engine: str, stats: RunStats, report: OutputReport, output: str
) -> list[str]:
    plugin = plan.plugin
    name = f"{plugin.name} {plugin.metadata.get('version', '')}".strip() if plugin else "pipeline"
    rate = stats.rows_in / stats.seconds if stats.seconds > 0 else 0.0
    lines = [
        f"Ran {name} on the {engine} engine: {stats.rows_in} rows in, {stats.rows_out} rows out "
        f"in {stats.seconds:.2f} s ({rate:,.0f} rows/s)."
    ]
    for step, s in zip(plan.steps, stats.steps, strict=False):
        head = f"  step {s.name} ({step.resource_type.value}, {step.condition.name}, batch {step.batch_size})"
        if s.batches == 0 and s.rows_seen and not s.rows_processed:
            # The engine counted only what reached the step, not what the step selected.
            lines.append(f"{head}: {s.rows_seen} rows reached it, {s.rows_failed} failed")
            continue
        lines.append(
            f"{head}: {s.rows_processed} processed, {s.rows_failed} failed, "
            f"{s.rows_seen - s.rows_processed - s.rows_failed} passed through, "
            f"{s.seconds:.2f} s of step time"
        )
    schema = getattr(plugin.output_schema, "__name__", "output_schema") if plugin else "schema"
    lines.append(
        f"  output: {report.valid} valid against {schema}, {report.error_count} error(s), "
        f"{report.unprocessed_count} row(s) no step selected"
    )
    lines.extend(f"  note: {n}" for n in stats.notes)
    for failure in stats.failures[:20]:
        lines.append(f"  failed: {failure}")
    if len(stats.failures) > 20:
        lines.append(f"  ... and {len(stats.failures) - 20} more failed rows")
    for error in report.errors[:20]:
        lines.append(f"  invalid output: {error}")
    if report.error_count > 20:
        lines.append(f"  ... and {report.error_count - 20} more output errors")
    lines.append(f"Wrote {output} ({stats.rows_out} rows).")
    return lines


@click.command(name="run")
@click.option("--path", "-p", default=".", show_default=True, help="Plugin directory.")
@click.option(
    "--input",
    "-i",
    "input_path",
    required=True,
    help="Input .jsonl/.json/.csv/.parquet file, or a folder of media files; local or s3://.",
)
@click.option(
    "--output",
    "-o",
    "output_path",
    required=True,
    help="Output file (format by extension); local or s3://bucket/key.",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="local: in-process streaming; ray: Ray Data actors ($RAY_ADDRESS joins a cluster).",
)
@click.option("--params", default=None, help="Parameters as a JSON object.")
@click.option("--params-file", default=None, help="File holding the parameters as JSON.")
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=None,
    help="Rows per batch (overrides every step).",
)
@click.option(
    "--limit", type=click.IntRange(min=0), default=None, help="Process only the first N rows."
)
@click.option(
    "--on-error",
    type=click.Choice(["stop", "continue"]),
    default="stop",
    show_default=True,
    help="When a processor fails on rows: stop, or skip those rows and go on (exit code 1).",
)
@click.option(
    "--placeholder-services",
    is_flag=True,
    help="Let built-in services that cannot run here write labelled placeholder outputs.",
)
@click.option(
    "--cpu-fallback",
    is_flag=True,
    help="Run GPU steps on CPU where no GPU is visible (slower), instead of stopping.",
)
@click.option(
    "--s3-endpoint-url",
    default=None,
    envvar="MIXPEEK_S3_ENDPOINT_URL",
    help="S3-compatible endpoint for s3:// inputs and outputs (default: AWS_ENDPOINT_URL or AWS).",
)
@click.option(
    "--cpu-threads",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Threads for CPU/GPU steps on the local engine (API steps use their concurrency).",
)
@click.option(
    "--cpu-processes",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Worker processes for CPU steps on the local engine (0: run them in this process).",
)
@guard_option
@output_format_option("text", "json")
def run_command(
    path: str,
    input_path: str,
    output_path: str,
    engine: str,
    params: str | None,
    params_file: str | None,
    batch_size: int | None,
    limit: int | None,
    on_error: str,
    placeholder_services: bool,
    cpu_fallback: bool,
    s3_endpoint_url: str | None,
    cpu_threads: int,
    cpu_processes: int,
    guard: bool = False,
    output_format: str = "text",
) -> None:
    """Run the plugin's pipeline over a dataset (or a folder of media files) and write the results.

    Input and output may be local paths or s3://bucket/key (credentials from the usual AWS_*
    variables). Files referenced by `*_path` fields (and s3:// objects named by `*_url`/`*_uri`
    fields) are loaded the way the platform resolves them.
    Exit codes: 0 every row fine; 1 rows failed or outputs broke output_schema (with
    --on-error continue the output still holds every row that succeeded); 2 bad input;
    3 environment (e.g. a GPU step without a GPU and without --cpu-fallback, Ray missing).
    """
    if guard:
        _refuse_unguardable(engine)
        rerun_guarded(path)
    from mixpeek_tools.cli.context import settings
    from mixpeek_tools.runtime.run import run_file

    progress = RowProgress(quiet=settings().quiet)
    request = _request(
        progress, plugin=path, input=input_path, output=output_path, engine=engine,
        params=parse_params(params, params_file) or {}, batch_size=batch_size, limit=limit,
        on_error=on_error, placeholder_services=placeholder_services, cpu_fallback=cpu_fallback,
        cpu_threads=cpu_threads, cpu_processes=cpu_processes, s3_endpoint_url=s3_endpoint_url,
    )
    try:
        result = run_file(request)
    finally:
        progress.close()
    if engine == "local":  # the output is in place; Ray's workers shut down the ordinary way
        from mixpeek_tools.cli.quick_exit import allow

        allow()
    _print_outcome(result, engine, output_format)


def _refuse_unguardable(engine: str) -> None:
    """``--guard`` watches one child process; Ray runs plugin code in worker processes that
    raylet starts outside it (and the child's empty network namespace leaves Ray no loopback
    to start on), so the combination is refused rather than run unguarded."""
    if engine == "ray":
        from mixpeek_tools.errors import BadInput

        raise BadInput(
            "--guard cannot watch the ray engine: plugin code runs in Ray's worker processes, "
            "outside the guarded child",
            where="--guard --engine ray",
            hint="Run with --guard --engine local (the same plugin code, guarded), then "
            "without --guard on Ray",
        )


def _request(progress: RowProgress, **fields: Any) -> RunRequest:
    """The library's request from the parsed options, wired to this terminal's progress display."""
    from mixpeek_tools.cli.context import settings
    from mixpeek_tools.runtime.run import RunRequest

    return RunRequest(**fields, verbose=settings().verbose, on_progress=progress.update,
                      on_size=progress.set_total, freeze_heap=True)


def _print_outcome(result: RunReport, engine: str, output_format: str) -> None:
    """Print the run's summary (text or JSON); rows failed or invalid outputs exit 1."""
    if output_format == "json":
        click.echo(json.dumps(report_document(result), indent=2, default=str))
    else:
        for line in _summary(result.plan, engine, result.stats, result.outputs, result.output):
            click.echo(line)
    if not result.ok:
        raise ChecksFailed(
            f"{len(result.stats.failures)} row(s) failed and {result.outputs.error_count} output "
            "error(s); the output holds every row that succeeded",
            where=result.output,
            hint="See the lines above for row numbers and fields",
        )


def report_document(result: RunReport) -> dict[str, Any]:
    """The run's figures as one JSON document (``--format json``): counts, steps, checks, notes."""
    plugin = result.plan.plugin
    stats, outputs = result.stats, result.outputs
    return {
        "ok": result.ok,
        "plugin": {"name": plugin.name, "version": plugin.metadata.get("version")} if plugin else None,
        "engine": result.engine,
        "output": result.output,
        "rows_in": stats.rows_in,
        "rows_out": stats.rows_out,
        "seconds": round(stats.seconds, 3),
        "steps": [
            {"name": s.name, "rows_seen": s.rows_seen, "rows_processed": s.rows_processed,
             "rows_failed": s.rows_failed, "seconds": round(s.seconds, 3)}
            for s in stats.steps
        ],
        "outputs": {"valid": outputs.valid, "errors": outputs.error_count,
                    "unprocessed": outputs.unprocessed_count},
        "failures": [str(f) for f in stats.failures],
        "output_errors": [str(e) for e in outputs.errors],
        "notes": list(stats.notes),
    }
