"""``mixpeek plugin test`` and ``mixpeek plugin validate``: run the validator, print a report.

The exit code is the verdict: 0 only when no error-severity finding remains, 1 when one does,
2 for bad usage or unreadable input (raised as ``BadInput`` and printed by the error funnel).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from mixpeek_tools.cli.context import settings
from mixpeek_tools.cli.guarded import guard_option, rerun_guarded
from mixpeek_tools.cli.options import output_format_option
from mixpeek_tools.cli.params import parse_params
from mixpeek_tools.cli.plugin_dir import require_plugin, would_be_packed
from mixpeek_tools.errors import BadInput, ExitCode

FORMATS_HELP = "Report format: text, json, sarif (or one a check distribution adds)."
PLACEHOLDER_ENV = "MIXPEEK_PLACEHOLDER_SERVICES"


def _names(values: tuple[str, ...]) -> list[str]:
    """``--select a,b --select c`` -> ``["a", "b", "c"]``."""
    return [n.strip() for v in values for n in v.split(",") if n.strip()]


def _reporter(reporters: dict[str, Callable[..., str]], fmt: str) -> Callable[..., str]:
    if fmt not in reporters:
        raise BadInput(
            f"unknown report format {fmt!r}",
            where="--format",
            hint=f"Use one of: {', '.join(sorted(reporters))}",
        )
    return reporters[fmt]


def check_output(path: Path, output: Path | None, fmt: str, fmt_given: bool,
                 formats: set[str]) -> None:  # fmt: skip
    """Refuse an ``--output`` that is really a format name, or that would be packed.

    ``--output json`` used to write the text report to a file named ``json`` inside the plugin,
    which the next publish then uploaded.
    """
    if output is None:
        return
    if not fmt_given and output.name in formats and output.parent == Path("."):
        raise BadInput(
            f"--output names the file the report is written to, and {output.name!r} looks like a "
            "report format",
            where=f"--output {output}",
            hint=f"Did you mean --format {output.name}? (add --output FILE as well to write it to "
            "a file)",
        )
    if would_be_packed(path, output):
        raise BadInput(
            "the report would be written inside the plugin folder, where the next publish "
            "would pack it into the archive",
            where=f"--output {output}",
            hint="Write it outside the plugin, or under its .mixpeek/ folder (left out of "
            "archives), e.g. --output .mixpeek/report.json",
        )


def _emit(text: str, output: Path | None, summary: str) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"cannot write the report: {exc.strerror}", where=str(output)) from exc
    click.echo(f"{summary} (report written to {output})")


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
    from mixpeek_tools.validator import runner
    from mixpeek_tools.validator.cache import default_cache_dir
    from mixpeek_tools.validator.reporters import github

    require_plugin(path)
    session = runner.Session()
    reporters = session.reporters()
    check_output(path, output, fmt, fmt_given, set(reporters))
    render = _reporter(reporters, fmt)
    settings().say(f"Checking {path.resolve()}...")
    report = runner.run(
        path, static_only=static_only, select=_names(select), skip=_names(skip),
        sample_data=sample_data, params=params, session=session,
        cache_dir=None if no_cache else default_cache_dir(),
    )
    _emit(render(report, verbose=verbose), output, report.summary())
    if github.enabled():
        click.echo(github.render(report.findings, report.root), nl=False, err=fmt != "text" and output is None)
    if report.failed:
        raise click.exceptions.Exit(int(ExitCode.CHECKS_FAILED))


def _common(func: Callable[..., Any]) -> Callable[..., Any]:
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
@_common
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
    require_plugin(path)
    if cpu_fallback:  # read by the runtime's GPU check (mixpeek_tools.runtime.core)
        os.environ["MIXPEEK_CPU_FALLBACK"] = "1"
    if guard:
        rerun_guarded(path)
    with _placeholders(placeholder_services):
        execute(
            path=path, static_only=False, sample_data=sample_data,
            params=parse_params(params_json, params_file), select=select, skip=skip, fmt=fmt,
            output=output, verbose=verbose or settings().verbose, fmt_given=_format_given(fmt),
            no_cache=no_cache,
        )


@contextlib.contextmanager
def _placeholders(enabled: bool) -> Iterator[None]:
    """Switch placeholder outputs on as `plugin run` does (its environment variable, which the
    plugin's own pytest run inherits too), and restore the environment afterwards."""
    before = os.environ.get(PLACEHOLDER_ENV)
    if enabled:
        os.environ[PLACEHOLDER_ENV] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(PLACEHOLDER_ENV, None)
        else:
            os.environ[PLACEHOLDER_ENV] = before


@click.command(name="validate")
@_common
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
