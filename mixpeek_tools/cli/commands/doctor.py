"""``mixpeek doctor``: one line per thing the kit depends on, ok / warn / fail.

Exit codes: 0 when no required check failed (warnings allowed), 1 when one did, 2 bad usage.
Required always: the kit's template, and a profile's ``api_key_command`` when one is set.
``--require api,ray,gpu,ffmpeg`` makes those required too (for CI or a GPU box).
"""

from __future__ import annotations

from pathlib import Path

import click

from mixpeek_tools.cli.context import namespace_option, settings
from mixpeek_tools.cli.options import output_format_option
from mixpeek_tools.errors import ExitCode, KitError


def _required_checks(values: tuple[str, ...]) -> set[str]:
    from mixpeek_tools.doctor import OPTIONAL

    names = {n.strip() for v in values for n in v.split(",") if n.strip()}
    unknown = sorted(names - set(OPTIONAL))
    if unknown:
        raise click.BadParameter(f"{unknown[0]!r}; choose from {', '.join(OPTIONAL)}",
                                 param_hint="--require")  # fmt: skip
    return names


@click.command(name="doctor")
@namespace_option
@click.option("--path", "-p", type=click.Path(path_type=Path, file_okay=False), default=Path("."),
              show_default=True, help="Plugin folder whose template version to report, if any.")  # fmt: skip
@click.option("--require", multiple=True, metavar="CHECKS",
              help="Make optional checks required: api, ray, gpu, ffmpeg (comma-separated).")  # fmt: skip
@output_format_option("text", "json")
def doctor_command(
    namespace: str | None, path: Path, require: tuple[str, ...], output_format: str
) -> None:
    """Report kit and template version, the key and namespace in effect (key redacted) and
    where each came from, whether the API answers, and Ray, GPU and ffmpeg.

    Exits 0 unless a required check fails (then 1). Warnings never fail.
    """
    from mixpeek_tools.doctor import DoctorInputs, failed, render_json, render_text, run_doctor

    opts = settings()
    key, key_error = None, None
    try:
        key = opts.api_key
    except KitError as err:
        key_error = err.paragraph()
    config = opts.config
    inputs = DoctorInputs(
        sources=dict(opts.sources), api_key=key, key_error=key_error,
        profile=opts.profile.name if opts.profile else None,
        config_path=config.path if config else None,
        config_exists=bool(config and config.exists),
        plugin_dir=path.resolve(), require=_required_checks(require),
    )  # fmt: skip
    checks = run_doctor(inputs)
    click.echo((render_json if output_format == "json" else render_text)(checks), nl=False)
    if failed(checks):
        raise click.exceptions.Exit(int(ExitCode.CHECKS_FAILED))
