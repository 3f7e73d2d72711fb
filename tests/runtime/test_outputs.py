"""Output rows against output_schema: both documented output shapes, per-row field errors."""

from __future__ import annotations

import pandas as pd
import pytest
from pydantic import BaseModel, Field

from mixpeek_tools.runtime.outputs import output_object, validate_output_rows


class Out(BaseModel):
    result: str
    confidence: float = Field(ge=0.0, le=1.0)
    note: str | None = None


def test_top_level_columns_are_the_output_when_they_hold_every_required_field() -> None:
    df = pd.DataFrame({"text": ["a"], "result": ["A"], "confidence": [0.5]})
    report = validate_output_rows(df, Out)
    assert (report.checked, report.valid, report.errors) == (1, 1, [])
    assert output_object({"result": "A", "confidence": 0.5, "text": "a"}, Out) == {
        "result": "A",
        "confidence": 0.5,
    }


def test_an_object_column_is_the_output_otherwise_output_first() -> None:
    row = {
        "other": {"result": "x", "confidence": 0.1},
        "output": {"result": "y", "confidence": 0.2},
    }
    assert output_object(row, Out) == {"result": "y", "confidence": 0.2}
    assert output_object({"meta": {"result": "z", "confidence": 1.0}}, Out)["result"] == "z"


def test_errors_name_row_and_field() -> None:
    df = pd.DataFrame(
        {"output": [{"result": "ok", "confidence": 0.4}, {"result": "bad", "confidence": 1.5}]},
        index=[10, 11],
    )
    report = validate_output_rows(df, Out)
    assert report.valid == 1
    [error] = report.errors
    assert (error.row, error.field) == (12, "confidence")
    assert "less than or equal to 1" in error.message
    assert str(error).startswith("row 12: confidence:")


def test_a_row_without_any_output_is_an_error() -> None:
    report = validate_output_rows([{"text": "a"}], Out)
    [error] = report.errors
    assert error.row == 1
    assert "no output found" in error.message


def test_rows_no_step_processed_are_reported_separately() -> None:
    df = pd.DataFrame({"output": [{"result": "a", "confidence": 0.2}, None, None]})
    report = validate_output_rows(df, Out, processed=[True, False, False])
    assert report.ok
    assert report.unprocessed == [2, 3]
    assert report.checked == 1


def test_fast_and_row_by_row_paths_agree() -> None:
    rows = [{"output": {"result": str(i), "confidence": i / 10}} for i in range(12)]
    frame_report = validate_output_rows(pd.DataFrame(rows), Out)
    list_report = validate_output_rows(rows, Out)
    assert [str(e) for e in frame_report.errors] == [str(e) for e in list_report.errors]
    assert frame_report.errors[0].row == 12


def test_merged_reports_count_everything_but_keep_a_bounded_sample() -> None:
    from mixpeek_tools.runtime.outputs import MAX_KEPT, OutputReport

    total = OutputReport()
    bad = pd.DataFrame({"output": [{"result": "x", "confidence": 2.0}] * 600})
    for _ in range(3):
        total.merge(validate_output_rows(bad, Out))
    assert total.error_count == 1800
    assert len(total.errors) == MAX_KEPT
    assert total.checked == 1800


def test_plain_schema_checked_per_column_gives_the_row_by_row_answer() -> None:
    """The per-column shortcut (plain int/str fields, matching dtypes) counts what pydantic
    would; a wrong value, a constraint or a validator still finds the exact rows."""
    import numpy as np
    import pandas as pd
    from pydantic import BaseModel, Field, field_validator

    from mixpeek_tools.runtime.outputs import validate_output_rows

    class Plain(BaseModel):
        length: int
        upper: str

    class Bounded(BaseModel):
        length: int = Field(gt=1)
        upper: str

    class Checked(BaseModel):
        length: int
        upper: str

        @field_validator("upper")
        @classmethod
        def upper_only(cls, value: str) -> str:
            if value != value.upper():
                raise ValueError("not upper case")
            return value

    frame = pd.DataFrame({"length": [1, 2, 3], "upper": pd.array(["A", "b", "C"], dtype="str")})
    report = validate_output_rows(frame, Plain, np.array([True, True, False]))
    assert (report.checked, report.valid, report.unprocessed) == (2, 2, [3])
    assert [e.row for e in validate_output_rows(frame, Bounded).errors] == [1]
    assert [e.row for e in validate_output_rows(frame, Checked).errors] == [2]
    fractional = frame.assign(length=[1.0, 2.5, 3.0])
    assert [e.row for e in validate_output_rows(fractional, Plain).errors] == [2]
    missing = frame.assign(upper=pd.array(["A", None, "C"], dtype="str"))
    assert [e.row for e in validate_output_rows(missing, Plain).errors] == [2]


def test_a_plain_schema_over_matching_columns_never_reaches_pydantic(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The per-column check is what keeps output validation cheap: a frame whose columns hold
    exactly the plain fields' types is decided without one pydantic call."""
    import pandas as pd
    from pydantic import BaseModel

    from mixpeek_tools.runtime import outputs

    class Plain(BaseModel):
        length: int
        ratio: float
        upper: str

    def no_pydantic(*_args: object) -> None:
        raise AssertionError("pydantic was asked")

    monkeypatch.setattr(outputs, "_adapter", no_pydantic)
    monkeypatch.setattr(Plain, "model_validate", no_pydantic)
    frame = pd.DataFrame(
        {"length": [1, 2], "ratio": [0.5, 1.0], "upper": pd.array(["A", "B"], dtype="str")},
        index=[10, 11],
    )
    report = outputs.validate_output_rows(frame, Plain)
    assert (report.checked, report.valid, report.error_count) == (2, 2, 0)
