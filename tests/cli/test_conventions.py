"""The CLI's conventions, checked over every command of the tree (docs/cli.md).

The walk finds commands by listing the groups, so a command added later is checked too.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from mixpeek_tools.cli.context import CliSettings, settings
from mixpeek_tools.cli.main import cli, run_cli
from mixpeek_tools.cli.options import output_format_option, verbosity_options


def walk(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    ctx = click.Context(group)
    found: list[tuple[str, ...]] = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, f"{' '.join((*prefix, name))} is listed but cannot load"
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found.extend(walk(command, (*prefix, name)))
    return found


COMMANDS = [(), *walk(cli)]

# Commands that report and so must take `--format json` and `--json` (cli/options.py:
# output_format_option). tests/cli/test_json_output.py parses what the local ones print.
JSON_COMMANDS: list[tuple[str, ...]] = [
    ("doctor",),
    ("config", "list"),
    *(("plugin", name) for name in (
        "publish", "deploy", "status", "undeploy", "enable", "disable", "list", "show", "delete",
        "test", "validate", "scan", "run",
    )),
]  # fmt: skip
# Reporting commands that have yet to adopt the decorator: expected to fail until then (strict:
# once one passes, move it up into JSON_COMMANDS). Empty now; kept for the next new command.
JSON_COMMANDS_TO_ADOPT: list[tuple[str, ...]] = []


def _ids(path: tuple[str, ...]) -> str:
    return " ".join(("mixpeek", *path))


def test_the_walk_finds_the_known_commands() -> None:
    for expected in [("doctor",), ("plugin", "publish"), ("plugin", "predict"), ("registry", "serve")]:
        assert expected in COMMANDS


@pytest.mark.parametrize("path", COMMANDS, ids=_ids)
def test_every_command_has_help_and_the_verbosity_flags(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(cli, [*path, "--help"]) == 0
    text = capsys.readouterr().out
    assert "-v, --verbose" in text
    assert "-q, --quiet" in text


@pytest.mark.parametrize("flag", ["-v", "--verbose", "-q", "--quiet"])
@pytest.mark.parametrize("path", COMMANDS, ids=_ids)
def test_every_command_accepts_the_verbosity_flags(
    path: tuple[str, ...], flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(cli, [*path, flag, "--help"]) == 0, capsys.readouterr().err


@pytest.mark.parametrize("path", COMMANDS, ids=_ids)
def test_an_unknown_option_is_a_usage_error_exit_2(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(cli, [*path, "--no-such-option"]) == 2
    err = capsys.readouterr().err
    assert "No such option" in err and "Traceback" not in err


_PENDING = pytest.mark.xfail(strict=True, reason="has not adopted output_format_option yet")


@pytest.mark.parametrize(
    "path",
    [*JSON_COMMANDS, *(pytest.param(p, marks=_PENDING) for p in JSON_COMMANDS_TO_ADOPT)],
    ids=_ids,
)
def test_reporting_commands_take_format_json_and_the_json_alias(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(cli, [*path, "--help"]) == 0
    text = capsys.readouterr().out
    assert "--format" in text and "--json" in text


@pytest.mark.parametrize(
    ("argv", "suggestion"),
    [
        (["plugin", "publsh"], "'publish'"),
        (["plugin", "valdate"], "'validate'"),
        (["registry", "add-kye"], "'add-key'"),
        (["doctr"], "'doctor'"),
        (["plugn", "test"], "'plugin'"),
    ],
)
def test_every_group_suggests_the_closest_command(
    argv: list[str], suggestion: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(cli, argv) == 2
    err = capsys.readouterr().err
    assert f"No such command {argv[-1] if argv[0] != 'plugn' else 'plugn'!r}" in err
    assert f"Did you mean {suggestion}" in err


def test_a_name_close_to_nothing_gets_no_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(cli, ["plugin", "zzzzzz"]) == 2
    assert "Did you mean" not in capsys.readouterr().err


def _reporter() -> click.Command:
    @click.command()
    @output_format_option("text", "json")
    @verbosity_options
    def report(output_format: str) -> None:
        click.echo(json.dumps({"format": output_format, "stored": settings().output_format,
                               "verbose": settings().verbose, "quiet": settings().quiet}))  # fmt: skip

    return report


@pytest.mark.parametrize(
    ("args", "fmt"),
    [([], "text"), (["--format", "json"], "json"), (["--json"], "json"),
     (["--json", "--format", "json"], "json")],
)  # fmt: skip
def test_json_is_an_alias_of_format_json(args: list[str], fmt: str) -> None:
    result = CliRunner().invoke(_reporter(), args, obj=CliSettings())
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["format"] == json.loads(result.output)["stored"] == fmt


def test_json_and_another_format_disagree_exit_2() -> None:
    result = CliRunner().invoke(_reporter(), ["--json", "--format", "text"], obj=CliSettings())
    assert result.exit_code == 2
    assert "disagree" in result.output


def test_verbose_and_quiet_together_are_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(cli, ["-v", "plugin", "validate", "-q", "--help"]) == 2
    assert "cannot be used together" in capsys.readouterr().err


def test_verbosity_flags_land_in_the_settings_in_either_position() -> None:
    result = CliRunner().invoke(_reporter(), ["-q"], obj=CliSettings())
    assert json.loads(result.output)["quiet"] is True
    result = CliRunner().invoke(_reporter(), ["-v"], obj=CliSettings())
    assert json.loads(result.output)["verbose"] is True


@pytest.mark.parametrize("argv", [["-v", "plugin", "predict", "-p", "{p}"],
                                  ["plugin", "predict", "-p", "{p}", "-v"]])  # fmt: skip
def test_the_traceback_rule_honours_v_before_and_after_the_command(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [a.replace("{p}", str(tmp_path)) for a in argv]
    assert run_cli(cli, args) == 2
    assert "Traceback" in capsys.readouterr().err
    assert run_cli(cli, [a for a in args if a != "-v"]) == 2
    assert "Traceback" not in capsys.readouterr().err
