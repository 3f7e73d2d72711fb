"""The ``mixpeek`` command: global options, command groups and the single error funnel.

Every command raises :class:`~mixpeek_tools.errors.KitError` for problems the user can fix;
:func:`main` is the one place that turns those into a paragraph on stderr and an exit code, so
no command prints its own tracebacks or picks its own codes.
"""

from __future__ import annotations

import sys
import traceback

import click

from mixpeek_tools import __version__
from mixpeek_tools.cli.context import DEFAULT_BASE_URL, CliSettings
from mixpeek_tools.cli.lazy import LazyGroup
from mixpeek_tools.errors import ExitCode, KitError
from mixpeek_tools.extras import missing_extra_error

_C = "mixpeek_tools.cli.commands"

# name -> (module:attribute, one-line summary for --help); modules load only when their command runs.
PLUGIN_COMMANDS = {
    "init": (f"{_C}.scaffold:init_command", "Create a new plugin from the Copier template."),
    "update": (f"{_C}.scaffold:update_command", "Pull template fixes into a plugin (copier update)."),
    "test": (f"{_C}.check:test_command", "Run every check, the plugin's tests and sample data."),
    "validate": (f"{_C}.check:validate_command", "Run the static checks only (no pytest, no data)."),
    "scan": (f"{_C}.scan:scan_command", "Security-scan files or folders for forbidden code."),
    "run": (f"{_C}.run:run_command", "Run a plugin's pipeline over a dataset (local or Ray)."),
    "serve": (f"{_C}.serve:serve_command", "Serve a plugin's realtime endpoint over HTTP."),
    "publish": (f"{_C}.publish:publish_command", "Check, archive and upload a plugin."),
    "list": (f"{_C}.manage:list_command", "List the plugins in a namespace."),
    "show": (f"{_C}.manage:show_command", "Show one published plugin."),
    "delete": (f"{_C}.manage:delete_command", "Delete one published plugin."),
    "deploy": (f"{_C}.manage:deploy_command", "Deploy one published plugin (--wait: follow it)."),
    "status": (f"{_C}.manage:status_command", "Show a plugin's deployment status."),
    "undeploy": (f"{_C}.manage:undeploy_command", "Remove a plugin's deployment."),
    "enable": (f"{_C}.manage:enable_command", "Enable an organisation plugin in a namespace."),
    "disable": (f"{_C}.manage:disable_command", "Disable an organisation plugin in a namespace."),
}

REGISTRY_COMMANDS = {
    "serve": (f"{_C}.registry:serve_command", "Run the local registry (API + S3 endpoint)."),
    "add-key": (f"{_C}.registry:add_key_command", "Create an API key for a namespace."),
}


@click.group(name="mixpeek", cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="mixpeek")
@click.option("--api-key", envvar="MIXPEEK_API_KEY", help="API key (default: $MIXPEEK_API_KEY).")
@click.option(
    "--base-url",
    envvar="MIXPEEK_BASE_URL",
    default=DEFAULT_BASE_URL,
    show_default=True,
    help="API base URL (default: $MIXPEEK_BASE_URL or production).",
)
@click.option("--verbose", "-v", is_flag=True, help="Show details, and tracebacks on errors.")
@click.pass_context
def cli(ctx: click.Context, api_key: str | None, base_url: str, verbose: bool) -> None:
    """Build, test, scan and publish custom Mixpeek feature-extractor plugins.

    Exit codes: 0 success, 1 checks failed, 2 usage or bad input,
    3 environment, network or server failure.
    """
    ctx.obj = CliSettings(api_key=api_key, base_url=base_url.rstrip("/"), verbose=verbose)


@cli.group(cls=LazyGroup, lazy_commands=PLUGIN_COMMANDS)
def plugin() -> None:
    """Create, check, run and publish plugins."""


@cli.group(cls=LazyGroup, lazy_commands=REGISTRY_COMMANDS)
def registry() -> None:
    """Run a local plugin registry that speaks the Mixpeek plugin API."""


def _wants_traceback(argv: list[str]) -> bool:
    return any(a in ("--verbose", "-v") for a in argv)


def run_cli(command: click.Command, argv: list[str] | None = None) -> int:
    """Run a click command through the error funnel and return its exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        # With standalone_mode=False click catches Exit(code) itself and returns the code.
        result = command.main(args=argv, prog_name=command.name or "mixpeek", standalone_mode=False)
    except KitError as err:
        if _wants_traceback(argv):
            traceback.print_exc()
        click.echo(f"Error: {err.paragraph()}", err=True)
        return int(err.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return int(ExitCode.BAD_INPUT)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return int(ExitCode.BAD_INPUT)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the funnel's last resort: say what broke, never dump by default
        if _wants_traceback(argv):
            traceback.print_exc()
        missing = missing_extra_error(exc)  # an optional part (extra) of the kit not installed
        if missing is not None:
            click.echo(f"Error: {missing.paragraph()}", err=True)
            return int(missing.exit_code)
        click.echo(
            f"Error: unexpected {type(exc).__name__}: {exc}. This is a bug in mixpeek-tools or "
            "one of its plugins; run again with --verbose for the traceback and report it.",
            err=True,
        )
        return int(ExitCode.ENVIRONMENT)
    if isinstance(result, int) and not isinstance(result, bool):
        return result
    return int(ExitCode.OK)


def main() -> None:
    """Console-script entry point for ``mixpeek``."""
    sys.exit(run_cli(cli))


if __name__ == "__main__":
    main()
