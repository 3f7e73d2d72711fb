"""``mixpeek plugin run``: push a dataset through a plugin's pipeline on the local engine or Ray.

The input streams in batches (memory stays flat whatever the file size), output rows are checked
against ``output_schema`` as they pass, and the output file appears only once the run finished
(temporary file, then rename). Exit codes: 0 all rows fine; 1 rows failed (``--on-error
continue`` still writes the rows that succeeded) or outputs broke the schema; 2 bad input.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from mixpeek_tools.cli.guarded import guard_option, rerun_guarded
from mixpeek_tools.cli.params import parse_params
from mixpeek_tools.errors import BadInput, ChecksFailed

if TYPE_CHECKING:
    from mixpeek_tools.runtime.executor import PipelinePlan, RunStats
    from mixpeek_tools.runtime.outputs import OutputReport


class Progress:
    """A one-line rows/s indicator on stderr, drawn only on a terminal and never under CI."""

    def __init__(self, total: int | None) -> None:
        ci = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
        self.enabled = sys.stderr.isatty() and not ci
        self.total = total
        self.done = 0
        self.start = time.perf_counter()
        self._last = 0.0

    def update(self, rows: int) -> None:
        self.done += rows
        now = time.perf_counter()
        if not self.enabled or now - self._last < 0.1:
            return
        self._last = now
        rate = self.done / max(now - self.start, 1e-9)
        of = f"/{self.total}" if self.total else ""
        pct = f" {100 * self.done / self.total:5.1f}%" if self.total else ""
        click.echo(f"\r{self.done}{of} rows{pct}  {rate:,.0f} rows/s", err=True, nl=False)

    def close(self) -> None:
        if self.enabled and self._last:
            click.echo("\r" + " " * 60 + "\r", err=True, nl=False)


def _check_paths(input_path: Path, output_path: Path) -> None:
    from mixpeek_tools.runtime.io import format_of

    format_of(input_path)
    format_of(output_path)
    if not input_path.is_file():
        raise BadInput(
            "input file not found",
            where=str(input_path),
            hint="Check --input; relative paths are taken from the current directory",
        )
    if output_path.resolve() == input_path.resolve():
        raise BadInput(
            "--output is the input file", where=str(output_path), hint="Write to another file"
        )


def _summary(
    plan: PipelinePlan, engine: str, stats: RunStats, report: OutputReport, output: Path
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
    "--input", "-i", "input_path", required=True, help="Input .jsonl/.json/.csv/.parquet."
)
@click.option(
    "--output", "-o", "output_path", required=True, help="Output file (format by extension)."
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
    cpu_threads: int,
    cpu_processes: int,
    guard: bool = False,
) -> None:
    """Run the plugin's pipeline over a dataset file and write the results.

    Files referenced by `*_path` fields are loaded the way the platform resolves them.
    Exit codes: 0 every row fine; 1 rows failed or outputs broke output_schema (with
    --on-error continue the output still holds every row that succeeded); 2 bad input;
    3 environment (e.g. a GPU step without a GPU).
    """
    if guard:
        rerun_guarded(path)
    from mixpeek_tools.plugin.loader import load_plugin
    from mixpeek_tools.runtime.engines import get_engine
    from mixpeek_tools.runtime.executor import RunOptions, plan_pipeline, processed_flags
    from mixpeek_tools.runtime.io import FrameWriter, count_rows, iter_frames
    from mixpeek_tools.runtime.outputs import OutputReport, validate_output_rows

    source, target = Path(input_path), Path(output_path)
    _check_paths(source, target)
    parameters = parse_params(params, params_file) or {}
    if placeholder_services:
        os.environ["MIXPEEK_PLACEHOLDER_SERVICES"] = "1"
    plugin = load_plugin(path)
    size = count_rows(source)
    if limit is not None:
        size = min(size, limit) if size is not None else limit
    plan = plan_pipeline(plugin, parameters, dataset_size=size)
    read_size = batch_size or (plan.steps[0].batch_size if plan.steps else 1024)
    progress = Progress(size)
    options = RunOptions(
        on_error=on_error,
        batch_size=batch_size,
        cpu_threads=cpu_threads,
        cpu_processes=cpu_processes,
        placeholder_services=placeholder_services,
        on_progress=progress.update,
    )
    runner = get_engine(engine)
    report = OutputReport()
    try:
        with FrameWriter(target) as writer:
            batches = iter_frames(source, read_size, limit=limit)
            for df in runner.run(plan, batches, options):
                report.merge(validate_output_rows(df, plugin.output_schema, processed_flags(df)))
                writer.write(df)
    finally:
        progress.close()
        runner.close()
    for line in _summary(plan, engine, runner.stats, report, target):
        click.echo(line)
    if runner.stats.failures or report.errors:
        raise ChecksFailed(
            f"{len(runner.stats.failures)} row(s) failed and {report.error_count} output "
            "error(s); the output holds every row that succeeded",
            where=str(target),
            hint="See the lines above for row numbers and fields",
        )
