"""``mixpeek plugin test`` and ``mixpeek plugin validate``: run the validator, print a report.

The exit code is the verdict: 0 only when no error-severity finding remains, 1 when one does,
2 for bad usage or unreadable input (raised as ``BadInput`` and printed by the error funnel).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from mixpeek_tools.cli.context import settings
from mixpeek_tools.cli.guarded import guard_option, rerun_guarded
from mixpeek_tools.cli.options import output_format_option
from mixpeek_tools.errors import ExitCode
from mixpeek_tools.plugin.folder import require_plugin
from mixpeek_tools.plugin.params_input import parse_params

FORMATS_HELP = "Report format: text, json, sarif (or one a check distribution adds)."


def execute(
    *,
    path: Path,
    static_only: bool,
    sample_data: Path | None = None,
    params: dict[str, Any] | None = None,
    select: tuple[str, ...] = (),
    skip: tuple[str, ...] = (),
    fmt: str = "text",
    output: Path | None = None,
    verbose: bool = False,
    fmt_given: bool = True,
    no_cache: bool = False,
) -> None:
    """Run the checks, print the chosen report, exit 1 when an error remains."""
    from mixpeek_tools.validator.reporters import github
    from mixpeek_tools.validator.run_and_report import CheckRequest, check_and_render

    request = CheckRequest(
        path=path, static_only=static_only, sample_data=sample_data, params=params,
        select=select, skip=skip, fmt=fmt, output=output, verbose=verbose, fmt_given=fmt_given,
        no_cache=no_cache,
    )  # fmt: skip
    done = check_and_render(request, say=settings().say)
    from mixpeek_tools.cli.quick_exit import allow

    allow()  # the checks are done and their cache written: only the printing is left
    report = done.report
    if done.written_to is None:
        click.echo(done.text, nl=False)
    else:
        click.echo(f"{report.summary()} (report written to {done.written_to})")
    if github.enabled():
        click.echo(github.render(report.findings, report.root), nl=False, err=fmt != "text" and output is None)
    if report.failed:
        raise click.exceptions.Exit(int(ExitCode.CHECKS_FAILED))


def _report_options(func: Callable[..., Any]) -> Callable[..., Any]:
    decorators = [
        click.option("--path", "-p", type=click.Path(path_type=Path), default=Path("."),
                     show_default=True, help="Plugin directory."),
        click.option("--select", multiple=True, metavar="CHECKS",
                     help="Run only these checks (comma-separated or repeated); security always runs."),
        click.option("--skip", multiple=True, metavar="CHECKS",
                     help="Do not run these checks (security cannot be skipped)."),
        output_format_option("text", "json", "sarif", param="fmt", help=FORMATS_HELP,
                             open_choice=True),
        click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
                     help="Write the report (in --format) to this FILE instead of standard output; "
                     "not inside the plugin unless under .mixpeek/."),
        click.option("--verbose", "-v", is_flag=True,
                     help="Show per-check timings and each sample row's output."),
        click.option("--no-cache", is_flag=True,
                     help="Run every check even when the plugin, the kit and the installed "
                     "packages are unchanged since a run whose findings are cached."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


@click.command(name="test")
@_report_options
@click.option("--sample-data", "-s", type=click.Path(path_type=Path, dir_okay=False),
              help="Sample rows (JSON list, JSON Lines or CSV) to run through the pipeline.")
@click.option("--params", "params_json", metavar="JSON", help="Pipeline parameters as a JSON object.")
@click.option("--params-file", type=click.Path(path_type=Path, dir_okay=False),
              help="Pipeline parameters from a JSON file.")
@click.option("--cpu-fallback", is_flag=True,
              help="Run GPU steps on CPU where no GPU is visible, instead of failing.")
@click.option("--placeholder-services", is_flag=True,
              help="Let built-in services that cannot run here write labelled placeholder "
              "outputs (deterministic per input), as `plugin run` does.")  # fmt: skip
@guard_option
def test_command(
    path: Path, select: tuple[str, ...], skip: tuple[str, ...], fmt: str, output: Path | None,
    verbose: bool, sample_data: Path | None, params_json: str | None, params_file: Path | None,
    cpu_fallback: bool = False, placeholder_services: bool = False, guard: bool = False,
    no_cache: bool = False,
) -> None:
    """Run every check: structure, schemas, pipeline, security, the plugin's tests and, with
    --sample-data, the sample rows through the real pipeline.

    Exits 0 only when no error remains, 1 when one does, 2 for bad usage or unreadable input.
    With --guard the whole run happens in a guarded child process (see docs/scanner.md).
    """
    from mixpeek_tools.runtime.switches import enable_cpu_fallback, placeholder_outputs

    require_plugin(path)
    if cpu_fallback:  # read by the runtime's GPU check (mixpeek_tools.runtime.core)
        enable_cpu_fallback()
    if guard:
        rerun_guarded(path)
    with placeholder_outputs(placeholder_services):
        execute(
            path=path, static_only=False, sample_data=sample_data,
            params=parse_params(params_json, params_file), select=select, skip=skip, fmt=fmt,
            output=output, verbose=verbose or settings().verbose, fmt_given=_format_given(fmt),
            no_cache=no_cache,
        )


@click.command(name="validate")
@_report_options
def validate_command(
    path: Path, select: tuple[str, ...], skip: tuple[str, ...], fmt: str, output: Path | None,
    verbose: bool, no_cache: bool = False,
) -> None:
    """Run the static checks only (structure, schemas, pipeline, security): no pytest, no data.

    Exits 0 only when no error remains, 1 when one does, 2 for bad usage.
    """
    execute(
        path=path, static_only=True, select=select, skip=skip, fmt=fmt, output=output,
        verbose=verbose or settings().verbose, fmt_given=_format_given(fmt), no_cache=no_cache,
    )


def _format_given(fmt: str) -> bool:
    """Whether --format (or --json) was on the command line, not just the default."""
    from click.core import ParameterSource

    ctx = click.get_current_context()
    return fmt != "text" or ctx.get_parameter_source("fmt") == ParameterSource.COMMANDLINE
