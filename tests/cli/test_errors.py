"""KitError keeps what the user needs to act on, even across process boundaries."""

from __future__ import annotations

import pickle

import pytest

from mixpeek_tools.errors import BadInput, ChecksFailed, EnvironmentFailure, KitError


@pytest.mark.parametrize(
    ("cls", "code"), [(BadInput, 2), (ChecksFailed, 1), (EnvironmentFailure, 3)]
)
def test_each_error_kind_has_its_documented_exit_code(cls: type[KitError], code: int) -> None:
    """The numbers of docs/cli.md (scripts test them), not the enum's names for them."""
    assert int(cls("x").exit_code) == code


def test_paragraph_joins_where_message_and_hint() -> None:
    err = BadInput("missing field 'text'", where="samples.json:3:5", hint="add a text field.")
    assert err.paragraph() == "samples.json:3:5: missing field 'text'. add a text field."


def test_errors_survive_pickling_with_where_and_hint() -> None:
    """Worker processes raise KitErrors that the parent must report unchanged."""
    err = pickle.loads(pickle.dumps(EnvironmentFailure("no GPU", where="step 2", hint="use --engine ray")))
    assert isinstance(err, EnvironmentFailure)
    assert (err.message, err.where, err.hint) == ("no GPU", "step 2", "use --engine ray")
