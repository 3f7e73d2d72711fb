"""``--guard`` for ``plugin test`` and ``plugin run``: the same command, in a guarded child.

The CLI re-runs its own command line (without ``--guard``) through
:func:`mixpeek_tools.guard.parent.run_cli_guarded`; the child's output goes straight to this
terminal, and every capability the run-time guard denied is printed as a finding. Exit code:
the child's, or 1 when the guard denied anything.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from mixpeek_tools.errors import ChecksFailed


def guard_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--guard", is_flag=True,
        help="Run in a child process under the run-time guard: no network, no processes, "
        "sockets, native code or dynamic code from plugin code (each attempt is a finding).",
    )(func)  # fmt: skip


def rerun_guarded(path: str | Path) -> None:
    """Run this command line again in a guarded child, then exit with its outcome."""
    from mixpeek_tools.guard.parent import run_cli_guarded

    argv = [a for a in sys.argv[1:] if a != "--guard"]
    result = run_cli_guarded(argv, [Path(path).resolve()], entry="mixpeek_tools.cli.guarded_main")
    for denial in result.denials:
        data = denial.finding()
        where = f"{data['path']}:{data['line']}" if data["line"] else str(data["path"])
        click.echo(f"{where}: error {data['rule']}: {data['message']}", err=True)
    if result.denials:
        raise ChecksFailed(
            f"the run-time guard denied {len(result.denials)} capability use(s) by plugin code",
            where=str(path),
            hint="Remove those calls; the platform forbids them (see `mixpeek plugin scan`)",
        )
    raise click.exceptions.Exit(result.returncode if result.returncode is not None else 1)
