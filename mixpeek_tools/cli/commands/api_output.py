"""Output shared by the commands that talk to the plugin API: ``--format json``, notes, spinner.

With ``--format json`` (or its alias ``--json``) a command prints exactly one JSON document on stdout and everything meant for
a person (progress, retries, notes) goes to stderr, so ``mixpeek plugin ... --json | jq`` works.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import click

from mixpeek_tools.cli.context import settings
from mixpeek_tools.cli.options import output_format_option

if TYPE_CHECKING:
    from mixpeek_tools.publishing.client import PluginApi


def say(text: str) -> None:
    """A note for the person at the terminal (stderr, so stdout stays parseable; ``-q`` hides it)."""
    settings().say(text)


def json_option(func: Any) -> Any:
    """``--format text|json`` and its alias ``--json`` (the CLI's one decorator for it).

    The command keeps receiving one ``as_json`` flag, so its body reads the same.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, output_format: str = "text", **kwargs: Any) -> Any:
        return func(*args, as_json=output_format == "json", **kwargs)

    return output_format_option("text", "json", help="Output format: text, or json (one JSON "
                                "document on stdout).")(wrapper)  # fmt: skip


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))


def connect_api(namespace: str | None) -> PluginApi:
    """A client for the global options; retries are announced on stderr."""
    from mixpeek_tools.publishing.client import connect

    opts = settings()
    return connect(opts.base_url, opts.api_key, namespace, notify=say)


@contextlib.contextmanager
def api_session(namespace: str | None) -> Iterator[PluginApi]:
    """:func:`connect_api`, closed again when the block ends (whatever happens in it)."""
    api = connect_api(namespace)
    try:
        yield api
    finally:
        api.close()


@contextlib.contextmanager
def spinner(text: str) -> Iterator[Callable[[str], None]]:
    """A rich spinner on a terminal (else plain lines on stderr); yields a text updater."""
    if sys.stderr.isatty():
        try:
            from rich.console import Console
        except ImportError:
            pass
        else:
            with Console(stderr=True).status(text) as status:
                yield lambda new: status.update(new)
            return
    last: list[str] = []

    def plain(new: str) -> None:
        if not last or last[-1] != new:
            last.append(new)
            say(new)

    plain(text)
    yield plain


def show_fields(data: dict[str, Any], indent: str = "") -> None:
    """``key: value`` lines; nested objects indented, lists counted and itemised."""
    for key, value in data.items():
        if isinstance(value, dict):
            click.echo(f"{indent}{key}:")
            show_fields(value, indent + "  ")
        elif isinstance(value, list):
            click.echo(f"{indent}{key}: {len(value)}")
            for item in value:
                click.echo(f"{indent}  - {_describe(item)}")
        else:
            click.echo(f"{indent}{key}: {'-' if value is None else value}")


def _describe(item: Any) -> str:
    if not isinstance(item, dict):
        return str(item)
    where = item.get("path") or ""
    if item.get("line"):
        where += f":{item['line']}"
    if "rule" in item or "message" in item:
        return f"{where + ' ' if where else ''}{item.get('rule', '')}: {item.get('message', '')}"
    return json.dumps(item, sort_keys=True, default=str)


def table(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> str:
    """A plain, aligned text table (no colour, so it pipes cleanly)."""
    cells = [[str(r.get(c) if r.get(c) is not None else "-") for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines += [
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    return "\n".join(lines)
