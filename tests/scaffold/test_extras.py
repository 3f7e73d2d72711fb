"""Optional parts of the install: a missing extra is one paragraph naming its pip install."""

from __future__ import annotations

import click
import pytest

from mixpeek_tools.cli.main import run_cli
from mixpeek_tools.errors import ExitCode
from mixpeek_tools.extras import MissingExtra, missing_extra_error, require_extra


def test_require_extra_names_the_pip_install_and_exits_3() -> None:
    with pytest.raises(MissingExtra) as caught:
        require_extra("no_such_module_for_mixpeek", "registry", "mixpeek registry serve")
    assert caught.value.exit_code == ExitCode.ENVIRONMENT
    text = caught.value.paragraph()
    assert "mixpeek registry serve needs the Python module 'no_such_module_for_mixpeek'" in text
    assert "pip install 'mixpeek-tools[registry]'" in text


@pytest.mark.parametrize(
    ("module", "extra"),
    [("moto.server", "registry"), ("boto3", "registry"), ("pyarrow.parquet", "parquet"),
     ("ray.data", "ray")],
)
def test_a_missing_module_of_an_extra_maps_to_it(module: str, extra: str) -> None:
    error = missing_extra_error(ModuleNotFoundError(f"No module named '{module}'", name=module))
    assert error is not None and error.extra == extra


def test_other_missing_modules_stay_bugs() -> None:
    assert missing_extra_error(ModuleNotFoundError("x", name="left_pad")) is None
    assert missing_extra_error(ValueError("x")) is None


def test_the_cli_funnel_turns_a_missing_extra_into_exit_3(capsys: pytest.CaptureFixture[str]) -> None:
    @click.command()
    def needs_moto() -> None:
        raise ModuleNotFoundError("No module named 'moto'", name="moto")

    assert run_cli(needs_moto, []) == 3
    err = capsys.readouterr().err
    assert "pip install 'mixpeek-tools[registry]'" in err and "Traceback" not in err
