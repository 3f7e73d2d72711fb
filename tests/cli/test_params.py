"""``--params`` / ``--params-file``, shared by ``plugin test`` and ``plugin run``."""

from __future__ import annotations

from pathlib import Path

import pytest

from mixpeek_tools.errors import BadInput
from mixpeek_tools.plugin.params_input import parse_params


def test_no_parameters_means_the_plugins_defaults() -> None:
    assert parse_params(None, None) is None


def test_json_text_and_json_file_give_the_same_parameters(tmp_path: Path) -> None:
    file = tmp_path / "params.json"
    file.write_text('{"threshold": 0.7}')
    assert parse_params('{"threshold": 0.7}', None) == parse_params(None, file) == {"threshold": 0.7}


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("{bad", "--params:1:2", "invalid JSON"),
        ("[1, 2]", "--params", "must be a JSON object, got list"),
    ],
)
def test_bad_parameters_name_where_and_what(text: str, where: str, message: str) -> None:
    with pytest.raises(BadInput) as info:
        parse_params(text, None)
    assert info.value.where == where
    assert message in info.value.message
    assert "threshold" in (info.value.hint or "")


def test_both_ways_at_once_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="both given"):
        parse_params("{}", tmp_path / "p.json")


def test_a_missing_parameters_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(BadInput) as info:
        parse_params(None, tmp_path / "nope.json")
    assert info.value.where == str(tmp_path / "nope.json")
