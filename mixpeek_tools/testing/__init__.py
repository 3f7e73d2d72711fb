"""Public helpers for a plugin's own tests: run the real pipeline on a few rows.

The rendered template's tests use exactly this API::

    from mixpeek_tools.testing import load_samples, run_plugin, assert_outputs_valid

    rows = load_samples(PLUGIN_DIR / "samples" / "sample.json")
    df = run_plugin(PLUGIN_DIR, rows, params={"threshold": 0.7})
    assert_outputs_valid(PLUGIN_DIR, df)

``run_plugin`` goes through the same ``run_file`` as ``mixpeek plugin run``, so a test
that passes here exercises ``build_steps``, ``prepare``, row conditions and batching for real.
Failures become ``AssertionError`` messages naming the input row, the step and the field.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mixpeek_tools.plugin.loader import LoadedPlugin, load_plugin

if TYPE_CHECKING:
    import pandas as pd

_LAST_FLAGS = "mixpeek_processed"


def load_samples(path: str | Path) -> list[dict[str, Any]]:
    """Rows of a sample file (JSON, JSON Lines, CSV or Parquet); ``*_path`` fields are loaded
    into ``*_bytes`` relative to the sample file's folder."""
    from mixpeek_tools.runtime.io import read_records

    return read_records(path)


def _frame(rows: Iterable[dict[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    if isinstance(rows, pd.DataFrame):
        df = rows.copy()
        df.index = pd.RangeIndex(len(df))
        return df
    return pd.DataFrame.from_records(list(rows))


def run_plugin(
    plugin_dir: str | Path | LoadedPlugin,
    rows: Iterable[dict[str, Any]] | pd.DataFrame,
    params: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Run the plugin's whole pipeline over ``rows`` and return the output frame.

    This is :func:`mixpeek_tools.runtime.run.run_file` with the rows in memory and no output
    file, on the local engine: what ``mixpeek plugin run`` does, minus the files.

    Processor failures raise ``AssertionError`` listing each failing row number (1-based),
    step and error. The frame's ``attrs["mixpeek_processed"]`` says which rows a step selected.
    """
    import numpy as np

    from mixpeek_tools.runtime.executor import ProcessedFlags, RowsFailed, processed_flags
    from mixpeek_tools.runtime.run import RunRequest, run_file

    df = _frame(rows)
    request = RunRequest(plugin=plugin_dir, input=df, output=None, params=dict(params or {}))
    try:
        report = run_file(request)
    except RowsFailed as exc:
        lines = "\n".join(f"  - {f}" for f in exc.failures)
        raise AssertionError(
            f"{len(exc.failures)} row(s) failed in the pipeline:\n{lines}"
        ) from exc
    frame = report.frame if report.frame is not None else df.iloc[:0]
    flags = processed_flags(frame)
    frame.attrs[_LAST_FLAGS] = ProcessedFlags(
        flags if flags is not None else np.zeros(len(frame), dtype=bool)
    )
    return frame


def assert_outputs_valid(plugin_dir: str | Path | LoadedPlugin, df: pd.DataFrame) -> None:
    """Every processed row of ``df`` validates against the plugin's ``output_schema``.

    Rows no step selected are skipped (they carry no output). Raises ``AssertionError`` naming
    each bad row and field.
    """
    from mixpeek_tools.runtime.executor import processed_flags
    from mixpeek_tools.runtime.outputs import validate_output_rows

    plugin = plugin_dir if isinstance(plugin_dir, LoadedPlugin) else load_plugin(plugin_dir)
    if plugin.output_schema is None:
        raise AssertionError(f"{plugin.root}/manifest.py defines no output_schema")
    flags = processed_flags(df)
    report = validate_output_rows(df, plugin.output_schema, flags)
    if report.errors:
        lines = "\n".join(f"  - {e}" for e in report.errors[:50])
        raise AssertionError(
            f"{len(report.errors)} output error(s) against {plugin.output_schema.__name__}:\n{lines}"
        )
    if report.checked == 0 and len(df):
        raise AssertionError(
            f"no row of the {len(df)} was processed by any step: check the rows' content type "
            "against the steps' RowCondition"
        )


__all__ = ["assert_outputs_valid", "load_plugin", "load_samples", "run_plugin"]
