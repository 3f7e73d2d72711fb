"""Writing datasets atomically: JSON, JSON Lines, CSV and Parquet, to a local file or ``s3://``.

Rows go to a temporary file next to the target (or in a local temporary folder for ``s3://``),
which is renamed into place (uploaded) only when the run finished, so a failed run never leaves a
half-written output. The output honours the user's umask like any file the user creates.
"""

from __future__ import annotations

import base64
import csv
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from mixpeek_tools.errors import BadInput, EnvironmentFailure

if TYPE_CHECKING:
    import pandas as pd

from mixpeek_tools.runtime.parquet_parts import ArrowTables, ParquetParts
from mixpeek_tools.runtime.storage import RemoteFile, StorageOptions, is_remote, upload


def _plain(value: Any) -> Any:
    """A JSON-friendly version of a cell: numpy scalars/arrays to Python, bytes to base64."""
    import numpy as np

    if isinstance(value, (bytes, bytearray, memoryview)):
        return "base64:" + base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value


def _json_default(value: Any) -> Any:
    plain = _plain(value)
    if plain is value:
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return str(value)
    return plain


def frame_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of ``df`` as JSON-ready dicts (missing values as None)."""
    import pandas as pd

    out = []
    for record in df.to_dict("records"):
        clean: dict[str, Any] = {}
        for k, v in record.items():
            if v is None or (not isinstance(v, (list, dict, bytes)) and _is_na(v, pd)):
                clean[str(k)] = None
            else:
                clean[str(k)] = v
        out.append(clean)
    return out


def _is_na(value: Any, pd: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _flatten(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(_flatten(value, name + "."))
        elif isinstance(value, (list, tuple)):
            out[name] = json.dumps(_plain(value))
        else:
            out[name] = _plain(value)
    return out


class FrameWriter:
    """Writes pandas batches to one file atomically; use as a context manager.

    Leaving the ``with`` block normally renames the temporary file onto the target; leaving it
    with an exception deletes the temporary files and leaves any existing target untouched.

    Batches need not share columns (a step only adds its columns to batches where it selected
    rows): CSV rows are spooled to disk and written at the end under the union of all columns;
    Parquet goes straight into large row groups and is merged under the union of the schemas
    only when they differ (:mod:`.parquet_parts`). No column is dropped and memory stays bounded.
    """

    def __init__(self, path: str | Path, *, storage: StorageOptions | None = None) -> None:
        self.remote = str(path) if is_remote(path) else None
        self.storage = storage
        self.path = Path(RemoteFile(self.remote).name) if self.remote else Path(path)
        from mixpeek_tools.runtime.io import format_of  # io re-exports this module

        self.kind = format_of(RemoteFile(self.remote) if self.remote else self.path)
        self._local_dir: Path | None = None
        self.rows = 0
        self._fh: IO[str] | None = None
        self._tmp: Path | None = None
        self._spool_dir: Path | None = None
        self._csv_columns: dict[str, None] = {}
        self._csv_filled: set[str] = set()
        self._parquet: ParquetParts | None = None
        self._tables = ArrowTables()

    def __enter__(self) -> FrameWriter:
        if self.remote:  # written locally, uploaded once complete
            self._local_dir = Path(tempfile.mkdtemp(prefix=".mixpeek-output."))
            self.path = self._local_dir / self.path.name
        parent = self.path.resolve().parent
        if not parent.is_dir():
            raise BadInput(
                "output folder does not exist",
                where=str(parent),
                hint="Create the folder first or choose another --output",
            )
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=parent)
        os.close(fd)
        self._tmp = Path(tmp)
        if self.kind in ("csv", "parquet"):
            spool_dir = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.", dir=parent))
            self._spool_dir = spool_dir
            if self.kind == "csv":
                self._fh = (spool_dir / "rows.jsonl").open("w", encoding="utf-8")
            else:
                self._parquet = ParquetParts(spool_dir, self.path)
        elif self.kind != "parquet":
            self._fh = self._tmp.open("w", encoding="utf-8", newline="")
            if self.kind == "json":
                self._fh.write("[")
        return self

    def write(self, df: pd.DataFrame) -> None:
        """Append one batch."""
        if len(df) == 0:
            return
        if self.kind == "parquet":
            self._spool_parquet(df)
        elif self.kind == "csv":
            self._spool_csv(df)
        else:
            self._write_json(df)
        self.rows += len(df)

    def _write_json(self, df: pd.DataFrame) -> None:
        assert self._fh is not None
        lines = _json_lines(df)
        if self.kind == "jsonl":
            self._fh.write("\n".join(lines) + "\n")
        else:
            sep = ",\n" if self.rows else "\n"
            self._fh.write(sep + ",\n".join(lines))

    def _spool_csv(self, df: pd.DataFrame) -> None:
        assert self._fh is not None
        for record in frame_records(df):
            row = _flatten(record)
            self._csv_columns.update(dict.fromkeys(row))
            self._csv_filled.update(k for k, v in row.items() if v is not None)
            self._fh.write(json.dumps(row, ensure_ascii=False, default=_json_default) + "\n")

    def _finish_csv(self) -> None:
        assert self._fh is not None and self._tmp is not None and self._spool_dir is not None
        self._fh.close()
        with (
            (self._spool_dir / "rows.jsonl").open("r", encoding="utf-8") as spool,
            self._tmp.open("w", encoding="utf-8", newline="") as out,
        ):
            writer = csv.DictWriter(out, fieldnames=self._csv_header(), extrasaction="ignore")
            writer.writeheader()
            for line in spool:
                writer.writerow(json.loads(line))

    def _csv_header(self) -> list[str]:
        """Every column, except an always-empty ``x`` whose nested ``x.y`` columns exist (a row
        where the object was missing); keeping it would make the file unreadable as nested."""
        names = list(self._csv_columns)
        prefixes = {n.rsplit(".", i)[0] for n in names for i in range(1, n.count(".") + 1)}
        return [n for n in names if n in self._csv_filled or n not in prefixes]

    def _spool_parquet(self, df: pd.DataFrame) -> None:
        import pyarrow as pa

        assert self._parquet is not None
        try:
            table = self._tables.table(df)  # what Table.from_pandas makes, cheaper
        except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError) as exc:
            raise BadInput(
                f"cannot convert this batch to Parquet: {exc}",
                where=str(self.path),
                hint="A column mixes types Parquet cannot hold together; write .jsonl instead",
            ) from None
        self._parquet.add(table)

    def _finish_parquet(self) -> None:
        assert self._parquet is not None and self._tmp is not None
        self._parquet.finish(self._tmp)

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        assert self._tmp is not None
        try:
            if exc_type is None:
                self._finish()
        except BaseException:
            self._cleanup(keep_target=False)
            raise
        self._cleanup(keep_target=exc_type is None)

    def _finish(self) -> None:
        if self.kind == "csv":
            self._finish_csv()
        elif self.kind == "parquet":
            self._finish_parquet()
        elif self._fh is not None:
            if self.kind == "json":
                self._fh.write("\n]\n" if self.rows else "]\n")
            self._fh.close()

    def _cleanup(self, *, keep_target: bool) -> None:
        import shutil

        if self._fh is not None and not self._fh.closed:
            self._fh.close()
        if self._parquet is not None:
            self._parquet.close()
        if self._spool_dir is not None:
            shutil.rmtree(self._spool_dir, ignore_errors=True)
        assert self._tmp is not None
        if not keep_target:
            self._tmp.unlink(missing_ok=True)
            if self._local_dir is not None:
                shutil.rmtree(self._local_dir, ignore_errors=True)
            return
        try:
            os.chmod(self._tmp, 0o666 & ~_umask())  # mkstemp makes 0600; honour the umask
            os.replace(self._tmp, self.path)
        except OSError as err:
            self._tmp.unlink(missing_ok=True)
            raise EnvironmentFailure(
                f"cannot write the output: {err}", where=str(self.path)
            ) from None
        self._upload()

    def _upload(self) -> None:
        """An ``s3://`` target: the finished local file goes up in one piece, then is removed."""
        if not self.remote or self._local_dir is None:
            return
        import shutil

        try:
            upload(str(self.path), self.remote, self.storage or StorageOptions.from_env())
        finally:
            shutil.rmtree(self._local_dir, ignore_errors=True)
            self._local_dir = None


def _umask() -> int:
    """The process's umask (read by setting and restoring it; there is no getter before 3.13
    outside Linux's /proc)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _json_safe(record: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain(v) for k, v in record.items()}


def _has_binary(df: pd.DataFrame) -> bool:
    """Whether any object column holds bytes (pandas' fast JSON writer cannot encode them)."""
    import pandas as pd

    for col in df.columns:
        series = df[col]
        if pd.api.types.is_object_dtype(series.dtype) and any(
            isinstance(v, (bytes, bytearray, memoryview)) for v in series
        ):
            return True
    return False


def _json_lines(df: pd.DataFrame) -> list[str]:
    """One JSON text per row: pandas' C writer when it can, else a careful per-row encoder."""
    if not _has_binary(df):
        try:
            text = df.to_json(orient="records", lines=True, force_ascii=False, double_precision=15)
            if text is not None:
                lines = text.rstrip("\n").split("\n")
                if len(lines) == len(df):
                    return lines
        except (ValueError, TypeError, OverflowError, UnicodeDecodeError):
            pass
    return [
        json.dumps(_json_safe(rec), ensure_ascii=False, default=_json_default, allow_nan=False)
        for rec in frame_records(df)
    ]


def write_frames(
    path: str | Path, frames: Iterable[pd.DataFrame], storage: StorageOptions | None = None
) -> int:
    """Write every batch to ``path`` (local or ``s3://``) atomically; returns the rows written."""
    with FrameWriter(path, storage=storage) as writer:
        for df in frames:
            writer.write(df)
    return writer.rows


__all__ = ["FrameWriter", "frame_records", "write_frames"]
