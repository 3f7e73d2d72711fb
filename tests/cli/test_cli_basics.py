"""The ``mixpeek`` command's skeleton: version, help, exit codes and the one error funnel."""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest

from mixpeek_tools import __version__
from mixpeek_tools.cli.main import PLUGIN_COMMANDS, REGISTRY_COMMANDS, run_cli
from mixpeek_tools.errors import BadInput, EnvironmentFailure, ExitCode
from tests.support.cli import mixpeek

HEAVY_MODULES = ("pandas", "boto3", "copier", "libcst", "ray", "pydantic", "starlette", "requests")


def test_version_prints_the_package_version() -> None:
    result = mixpeek("--version")
    assert result.returncode == 0
    assert __version__ in result.stdout


def test_help_lists_every_plugin_command_without_importing_them() -> None:
    result = mixpeek("plugin", "--help")
    assert result.returncode == 0
    for name in PLUGIN_COMMANDS:
        assert name in result.stdout
    result = mixpeek("registry", "--help")
    for name in REGISTRY_COMMANDS:
        assert name in result.stdout


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["plugin", "--help"]])
def test_startup_imports_no_heavy_library(args: list[str]) -> None:
    """--version and --help must stay fast: none of the heavy libraries may be imported."""
    probe = (
        "import sys, json\n"
        "from mixpeek_tools.cli.main import cli, run_cli\n"
        f"run_cli(cli, {args!r})\n"
        f"print(json.dumps([m for m in {HEAVY_MODULES!r} if m in sys.modules]))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def _failing_command(error: Exception) -> click.Command:
    @click.command()
    @click.option("--verbose", "-v", is_flag=True)
    def failing(verbose: bool) -> None:
        raise error

    return failing


def test_kit_error_becomes_one_paragraph_and_its_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    error = BadInput("the name '1abc' is not valid", where="plugin name", hint="Start it with a letter")
    code = run_cli(_failing_command(error), [])
    err = capsys.readouterr().err
    assert code == ExitCode.BAD_INPUT == 2
    assert err.strip() == "Error: plugin name: the name '1abc' is not valid. Start it with a letter."
    assert "Traceback" not in err


def test_environment_failures_exit_3(capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(_failing_command(EnvironmentFailure("registry unreachable")), [])
    assert code == 3
    assert "registry unreachable" in capsys.readouterr().err


def test_verbose_adds_the_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(_failing_command(BadInput("bad")), ["--verbose"])
    assert code == 2
    assert "Traceback" in capsys.readouterr().err


def test_unexpected_errors_are_reported_without_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(_failing_command(ZeroDivisionError("boom")), [])
    err = capsys.readouterr().err
    assert code == 3
    assert "ZeroDivisionError" in err and "--verbose" in err
    assert "Traceback" not in err


def test_unknown_command_is_a_usage_error() -> None:
    result = mixpeek("plugin", "no-such-command")
    assert result.returncode == 2
    assert "no-such-command" in result.stderr
