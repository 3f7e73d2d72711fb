"""``plugin test`` / ``plugin validate`` as one library call: check the plugin, render the report.

:func:`check_and_render` refuses a bad ``--output`` or ``--format`` before anything runs, runs
the validator, renders the report in the chosen format and writes it to the output file when
one is given. The CLI only prints what comes back and maps ``report.failed`` to exit 1; keeping
the rules here lets them be tested (and reused) without click.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mixpeek_tools.errors import BadInput
from mixpeek_tools.plugin.folder import require_plugin, would_be_packed

if TYPE_CHECKING:
    from mixpeek_tools.validator.model import CheckReport

Render = Callable[..., str]


@dataclass
class CheckRequest:
    """What to check and how to report it; ``fmt_given`` says --format was on the command line."""

    path: Path
    static_only: bool
    sample_data: Path | None = None
    params: dict[str, Any] | None = None
    select: Iterable[str] = ()
    skip: Iterable[str] = ()
    fmt: str = "text"
    output: Path | None = None
    verbose: bool = False
    fmt_given: bool = True
    no_cache: bool = False  # --no-cache: run every check even when the findings cache holds it


@dataclass
class RenderedReport:
    """The validator's report, its rendering, and the file it was written to (if any)."""

    report: CheckReport
    text: str
    written_to: Path | None


def split_names(values: Iterable[str]) -> list[str]:
    """``--select a,b --select c`` -> ``["a", "b", "c"]``."""
    return [n.strip() for v in values for n in v.split(",") if n.strip()]


def pick_reporter(reporters: dict[str, Render], fmt: str) -> Render:
    """The render function of format ``fmt``; an unknown one is bad input naming the choices."""
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


def write_report(text: str, output: Path) -> None:
    """Write the rendered report, creating its folder; an unwritable path is bad input."""
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"cannot write the report: {exc.strerror}", where=str(output)) from exc


def check_and_render(request: CheckRequest, say: Callable[[str], None]) -> RenderedReport:
    """Run the checks on ``request.path`` and render (and maybe write) the report.

    ``say`` gets the "Checking ..." line once the request has been accepted.
    """
    from mixpeek_tools.validator import runner
    from mixpeek_tools.validator.cache import default_cache_dir

    path = request.path
    require_plugin(path)
    session = runner.Session()
    reporters = session.reporters()
    check_output(path, request.output, request.fmt, request.fmt_given, set(reporters))
    render = pick_reporter(reporters, request.fmt)
    say(f"Checking {path.resolve()}...")
    report = runner.run(
        path, static_only=request.static_only, select=split_names(request.select),
        skip=split_names(request.skip), sample_data=request.sample_data, params=request.params,
        session=session, cache_dir=None if request.no_cache else default_cache_dir(),
    )  # fmt: skip
    text = render(report, verbose=request.verbose)
    if request.output is not None:
        write_report(text, request.output)
    return RenderedReport(report, text, request.output)
