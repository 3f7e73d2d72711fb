"""Checking a run's output rows against the plugin's ``output_schema``.

Plugins put their result in one of two shapes, both seen in the public docs: as top-level
columns (``batch["sentiment"] = ...``) or as one object column (``batch["output"] = [{...}]``).
A row's output object is therefore:

1. its top-level columns, when every required field of ``output_schema`` is a column; else
2. the first dict-valued column holding every required field, ``output`` tried first.

A row that no step selected (its content type matched no step's ``RowCondition``) is not a
failure: it is counted separately as *unprocessed*.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


@dataclass
class OutputError:
    """One field of one row that does not satisfy the output schema."""

    row: int  # 1-based input row number
    field: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.field}: {self.message}"


MAX_KEPT = 1000


@dataclass
class OutputReport:
    """Per-row, per-field outcome of validating a batch of output rows."""

    checked: int = 0
    valid: int = 0
    unprocessed: list[int] = field(default_factory=list)
    errors: list[OutputError] = field(default_factory=list)
    # Totals; ``merge`` keeps only the first MAX_KEPT examples in the lists so a long run where
    # every row is wrong still runs in flat memory.
    error_count: int = 0
    unprocessed_count: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def merge(self, other: OutputReport) -> None:
        self.checked += other.checked
        self.valid += other.valid
        self.error_count += other.error_count or len(other.errors)
        self.unprocessed_count += other.unprocessed_count or len(other.unprocessed)
        self.unprocessed.extend(other.unprocessed[: max(0, MAX_KEPT - len(self.unprocessed))])
        self.errors.extend(other.errors[: max(0, MAX_KEPT - len(self.errors))])


def required_fields(schema: Any) -> list[str]:
    """Names of the required fields of a pydantic model class."""
    fields = getattr(schema, "model_fields", None) or {}
    return [name for name, info in fields.items() if info.is_required()]


def all_fields(schema: Any) -> list[str]:
    return list((getattr(schema, "model_fields", None) or {}).keys())


def output_object(row: dict[str, Any], schema: Any) -> dict[str, Any] | None:
    """The row's output object by the rule in the module docstring, or None."""
    required = required_fields(schema)
    names = all_fields(schema)
    if required and all(_present(row.get(f)) for f in required):
        return {k: row[k] for k in names if k in row and _present(row[k])}
    if not required and any(_present(row.get(f)) for f in names):
        return {k: row[k] for k in names if k in row and _present(row[k])}
    candidates = ["output"] + [k for k in row if k != "output"]
    for key in candidates:
        value = row.get(key)
        if (
            isinstance(value, dict)
            and all(f in value for f in required)
            and (required or any(f in value for f in names))
        ):
            return value
    return None


def _present(value: Any) -> bool:
    if value is None:
        return False
    try:
        import pandas as pd

        na = pd.isna(value)
        return not (isinstance(na, bool) and na)
    except (TypeError, ValueError):
        return True


def _rows(rows: pd.DataFrame | Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[int]]:
    if hasattr(rows, "to_dict") and hasattr(rows, "index"):
        from mixpeek_tools.runtime.io import frame_records

        return frame_records(rows), [_row_number(i, n) for n, i in enumerate(rows.index)]
    records = list(rows)
    return records, list(range(1, len(records) + 1))


def _row_number(label: Any, position: int) -> int:
    """1-based input row number from a frame index label (its position when not an integer)."""
    try:
        return int(label) + 1
    except (TypeError, ValueError):
        return position + 1


def _missing_output_error(row: int, schema: Any) -> OutputError:
    required = required_fields(schema)
    return OutputError(
        row,
        ", ".join(required) or "output",
        "no output found: neither top-level columns nor an object column (e.g. 'output') "
        f"hold the required field(s) {', '.join(required)}",
    )


_ADAPTERS: dict[Any, Any] = {}


def _adapter(schema: Any) -> Any:
    from pydantic import TypeAdapter

    if schema not in _ADAPTERS:
        _ADAPTERS[schema] = TypeAdapter(list[schema])
    return _ADAPTERS[schema]


def _fast_report(
    df: pd.DataFrame, schema: Any, processed: Sequence[bool] | np.ndarray | None
) -> OutputReport | None:
    """Validate a whole batch in one pydantic call when every row has the same, valid shape.

    Returns None whenever anything is off; the row-by-row path then finds the exact rows and
    fields. Keeps validation of million-row runs to a small share of the run time.
    """
    import numpy as np
    from pydantic import ValidationError

    required = required_fields(schema)
    if not required:
        return None
    flags = np.ones(len(df), dtype=bool) if processed is None else np.asarray(processed, bool)
    selected = df[flags] if not flags.all() else df
    if all(f in df.columns for f in required):
        names = [f for f in all_fields(schema) if f in df.columns]
        if _columns_valid(selected, schema, names):
            return _all_valid(df, flags, len(selected))
        objs = selected[names].to_dict("records")
    elif "output" in df.columns:
        objs = selected["output"].tolist()
        if not all(isinstance(o, dict) for o in objs):
            return None
    else:
        return None
    try:
        _adapter(schema).validate_python(objs)
    except ValidationError:
        return None
    return _all_valid(df, flags, len(objs))


def _all_valid(df: pd.DataFrame, flags: np.ndarray, checked: int) -> OutputReport:
    skipped = (
        []
        if flags.all()
        else [_row_number(label, n) for n, label in enumerate(df.index) if not flags[n]]
    )
    return OutputReport(
        checked=checked, valid=checked, unprocessed=skipped, unprocessed_count=len(skipped)
    )


_PLAIN_KINDS = {int: "iu", float: "f", bool: "b"}
_CONFIG_THAT_VALIDATES = (
    "strict",
    "allow_inf_nan",
    "coerce_numbers_to_str",
    "revalidate_instances",
)


_PLAIN_MODELS: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()


def _plain_model(schema: Any) -> bool:
    """:func:`_is_plain_model`, worked out once per schema class (asked for every batch)."""
    try:
        return _PLAIN_MODELS[schema]
    except (KeyError, TypeError):
        pass
    plain = _is_plain_model(schema)
    with contextlib.suppress(TypeError):  # a class that cannot be weakly referenced: no cache
        _PLAIN_MODELS[schema] = plain
    return plain


def _is_plain_model(schema: Any) -> bool:
    """Whether ``schema`` only checks types: no validators, constraints, aliases or config that
    validates, and every field a plain ``int``, ``float``, ``bool`` or ``str``."""
    from pydantic import BaseModel

    decorators = getattr(schema, "__pydantic_decorators__", None)
    if decorators is None or any(
        getattr(decorators, kind) for kind in
        ("validators", "field_validators", "root_validators", "model_validators")
    ):  # fmt: skip
        return False
    if schema.model_post_init is not BaseModel.model_post_init:
        return False
    config = getattr(schema, "model_config", {}) or {}
    if any(k.startswith("str_") or k in _CONFIG_THAT_VALIDATES for k in config):
        return False
    return all(
        info.annotation in (int, float, bool, str) and not info.metadata
        and info.alias is None and info.validation_alias is None
        for info in schema.model_fields.values()
    )  # fmt: skip


def _columns_valid(frame: pd.DataFrame, schema: Any, names: list[str]) -> bool:
    """Every row valid, decided per column (no row objects): only for a :func:`_plain_model`
    whose columns hold exactly the field's type with no missing values. Anything else answers
    False and the rows are validated by pydantic as before."""
    if frame.columns.has_duplicates or not _plain_model(schema):
        return False
    arrays = _column_arrays(frame)
    return all(_column_fits(arrays[name], schema.model_fields[name].annotation) for name in names)


def _column_arrays(frame: pd.DataFrame) -> dict[Any, Any]:
    """Each column's values by name (numpy or extension array). Taken from the frame directly
    where pandas allows it: a Series per column costs more than the check itself."""
    columns = getattr(frame, "_iter_column_arrays", None)
    if callable(columns):
        return dict(zip(frame.columns, columns(), strict=True))
    return {name: frame[name].array for name in frame.columns}


def _column_fits(values: Any, annotation: Any) -> bool:
    import numpy as np
    import pandas as pd

    dtype = values.dtype
    if annotation is str:  # the array's own null mask
        return isinstance(dtype, pd.StringDtype) and not values.isna().any()
    if not (isinstance(dtype, np.dtype) and dtype.kind in _PLAIN_KINDS[annotation]):
        return False
    return dtype.kind != "f" or bool(np.isfinite(np.asarray(values)).all())


def validate_output_rows(
    rows: pd.DataFrame | Iterable[dict[str, Any]],
    output_schema: Any,
    processed: Sequence[bool] | np.ndarray | None = None,
) -> OutputReport:
    """Validate every processed row against ``output_schema`` (a pydantic model class).

    ``processed[i]`` false marks row ``i`` as one no step selected (reported in
    ``unprocessed``). Row numbers are 1-based input positions (a frame's index + 1).
    """
    from pydantic import ValidationError

    if output_schema is None or not hasattr(output_schema, "model_validate"):
        return OutputReport()
    if hasattr(rows, "columns"):
        fast = _fast_report(rows, output_schema, processed)
        if fast is not None:
            return fast
    records, numbers = _rows(rows)
    report = OutputReport()
    for i, (record, number) in enumerate(zip(records, numbers, strict=True)):
        if processed is not None and not processed[i]:
            report.unprocessed.append(number)
            continue
        report.checked += 1
        obj = output_object(record, output_schema)
        if obj is None:
            report.errors.append(_missing_output_error(number, output_schema))
            continue
        try:
            output_schema.model_validate(obj)
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(p) for p in err.get("loc", ())) or "output"
                report.errors.append(OutputError(number, loc, err.get("msg", "invalid")))
            continue
        report.valid += 1
    report.error_count = len(report.errors)
    report.unprocessed_count = len(report.unprocessed)
    return report


__all__ = ["OutputError", "OutputReport", "output_object", "validate_output_rows"]
