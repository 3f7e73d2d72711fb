"""The ``mixpeek`` command: global options, command groups and the single error funnel.

Every command raises :class:`~mixpeek_tools.errors.KitError` for problems the user can fix;
:func:`main` is the one place that turns those into a paragraph on stderr and an exit code, so
no command prints its own tracebacks or picks its own codes.
"""

from __future__ import annotations

import sys
import traceback

import click
from click.core import ParameterSource

from mixpeek_tools import __version__
from mixpeek_tools.cli.context import DEFAULT_BASE_URL, CliSettings, ensure_settings
from mixpeek_tools.cli.lazy import LazyGroup
from mixpeek_tools.cli.options import verbosity_options
from mixpeek_tools.config.profiles import Setting
from mixpeek_tools.errors import ExitCode, KitError
from mixpeek_tools.extras import missing_extra_error

# The package holding one module per command group; entries below name "module:attribute" in it.
COMMANDS_PACKAGE = "mixpeek_tools.cli.commands"

# name -> (module:attribute, one-line summary for --help); modules load only when their command runs.
PLUGIN_COMMANDS = {
    "init": (f"{COMMANDS_PACKAGE}.scaffold:init_command", "Create a new plugin from the Copier template."),
    "update": (f"{COMMANDS_PACKAGE}.scaffold:update_command", "Pull template fixes into a plugin (copier update)."),
    "test": (f"{COMMANDS_PACKAGE}.check:test_command", "Run every check, the plugin's tests and sample data."),
    "validate": (f"{COMMANDS_PACKAGE}.check:validate_command", "Run the static checks only (no pytest, no data)."),
    "scan": (f"{COMMANDS_PACKAGE}.scan:scan_command", "Security-scan files or folders for forbidden code."),
    "run": (f"{COMMANDS_PACKAGE}.run:run_command", "Run a plugin's pipeline over a dataset (local or Ray)."),
    "serve": (f"{COMMANDS_PACKAGE}.serve:serve_command", "Serve a plugin's realtime endpoint over HTTP."),
    "publish": (f"{COMMANDS_PACKAGE}.publish:publish_command", "Check, archive and upload a plugin."),
    "list": (f"{COMMANDS_PACKAGE}.manage:list_command", "List the plugins in a namespace."),
    "show": (f"{COMMANDS_PACKAGE}.manage:show_command", "Show one published plugin."),
    "delete": (f"{COMMANDS_PACKAGE}.manage:delete_command", "Delete one published plugin."),
    "deploy": (f"{COMMANDS_PACKAGE}.manage:deploy_command", "Deploy one published plugin (--wait: follow it)."),
    "status": (f"{COMMANDS_PACKAGE}.manage:status_command", "Show a plugin's deployment status."),
    "undeploy": (f"{COMMANDS_PACKAGE}.manage:undeploy_command", "Remove a plugin's deployment."),
    "enable": (f"{COMMANDS_PACKAGE}.manage:enable_command", "Enable an organisation plugin in a namespace."),
    "disable": (f"{COMMANDS_PACKAGE}.manage:disable_command", "Disable an organisation plugin in a namespace."),
    "predict": (f"{COMMANDS_PACKAGE}.predict:predict_command", "Call the realtime service once, in-process."),
}

REGISTRY_COMMANDS = {
    "serve": (f"{COMMANDS_PACKAGE}.registry:serve_command", "Run the local registry (API + S3 endpoint)."),
    "add-key": (f"{COMMANDS_PACKAGE}.registry:add_key_command", "Create an API key for a namespace."),
}


TOP_COMMANDS = {
    "doctor": (f"{COMMANDS_PACKAGE}.doctor:doctor_command", "Check the install, settings, API, Ray, GPU and ffmpeg."),
}

CONFIG_COMMANDS = {
    "path": (f"{COMMANDS_PACKAGE}.config:path_command", "Print where the config file is looked for."),
    "list": (f"{COMMANDS_PACKAGE}.config:list_command", "List the config file's profiles (keys redacted)."),
}

INTERRUPTED = 130  # the shell's convention for a program stopped by Ctrl-C (128 + SIGINT)


@click.group(name="mixpeek", cls=LazyGroup, lazy_commands=TOP_COMMANDS,
             context_settings={"help_option_names": ["-h", "--help"]})  # fmt: skip
@click.version_option(__version__, "--version", "-V", prog_name="mixpeek")
@click.option("--api-key", help="API key (default: $MIXPEEK_API_KEY, then the profile's key).")
@click.option(
    "--base-url",
    help=f"API base URL (default: $MIXPEEK_BASE_URL, then the profile's, then {DEFAULT_BASE_URL}).",
)
@click.option("--profile", envvar="MIXPEEK_PROFILE",
              help="Profile of the config file to use (default: $MIXPEEK_PROFILE, then the "
              "file's default_profile).")  # fmt: skip
@verbosity_options
@click.pass_context
def cli(ctx: click.Context, api_key: str | None, base_url: str | None, profile: str | None) -> None:
    """Build, test, scan and publish custom Mixpeek feature-extractor plugins.

    Exit codes: 0 success, 1 checks failed, 2 usage or bad input,
    3 environment, network or server failure, 130 interrupted (Ctrl-C).
    """
    chosen = None
    if profile:
        by_env = ctx.get_parameter_source("profile") == ParameterSource.ENVIRONMENT
        chosen = Setting(profile, "env" if by_env else "flag", "MIXPEEK_PROFILE" if by_env else "--profile")
    resolved = CliSettings.resolved(api_key=api_key, base_url=base_url, profile=chosen)
    ensure_settings(ctx).adopt(resolved)


@cli.group(cls=LazyGroup, lazy_commands=PLUGIN_COMMANDS)
def plugin() -> None:
    """Create, check, run and publish plugins."""


@cli.group(cls=LazyGroup, lazy_commands=CONFIG_COMMANDS)
def config() -> None:
    """Show the config file and its profiles (the file's format: docs/cli.md)."""


@cli.group(cls=LazyGroup, lazy_commands=REGISTRY_COMMANDS)
def registry() -> None:
    """Run a local plugin registry that speaks the Mixpeek plugin API."""


def _wants_traceback(argv: list[str], current: CliSettings) -> bool:
    """-v anywhere: on ``mixpeek``, on the command, or a command's own ``--verbose``."""
    return current.verbose or any(a in ("--verbose", "-v") for a in argv)


def _interrupted(exc: BaseException) -> bool:
    """Whether ``exc`` stands for Ctrl-C: click turns KeyboardInterrupt into Abort (also in prompts)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def run_cli(command: click.Command, argv: list[str] | None = None) -> int:
    """Run a click command through the error funnel and return its exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    current = CliSettings()
    try:
        # With standalone_mode=False click catches Exit(code) itself and returns the code.
        result = command.main(
            args=argv, prog_name=command.name or "mixpeek", standalone_mode=False, obj=current
        )
    except KitError as err:
        if _wants_traceback(argv, current):
            traceback.print_exc()
        click.echo(f"Error: {err.paragraph()}", err=True)
        return int(err.exit_code)
    except click.exceptions.Abort as exc:
        if _interrupted(exc):
            click.echo("Interrupted.", err=True)
            return INTERRUPTED
        click.echo("Aborted.", err=True)
        return int(ExitCode.BAD_INPUT)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return int(ExitCode.BAD_INPUT)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return INTERRUPTED
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the funnel's last resort: say what broke, never dump by default
        if _wants_traceback(argv, current):
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
    from mixpeek_tools.cli.quick_exit import run_and_leave

    run_and_leave(lambda: run_cli(cli))


if __name__ == "__main__":
    main()
