"""File references: fields that name a file, loaded into bytes the way the platform resolves them.

A top-level field ``<x>_path`` (or ``file_path``/``path``) naming a file is read into
``<x>_bytes`` (``file_bytes`` for ``file_path``/``path``), and ``mime_type`` is set when the row
has none. Relative paths are tried against the input's folder (a local folder or an ``s3://``
prefix), then the current directory. ``s3://`` objects may be named by ``*_path``, ``*_url`` and
``*_uri`` fields; other URLs (``https://``, ``gs://``) are left alone. A file that exists nowhere
is an error naming the row and field.

On the Ray engine the driver loads only local files (a remote node cannot see them) and leaves
object-store references to :func:`resolve_block`, which runs in Ray tasks next to the data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mixpeek_tools.errors import BadInput
from mixpeek_tools.runtime.storage import SCHEME, RemoteFile, StorageOptions, is_remote

_URL_SCHEMES = ("http://", "https://", "gs://", "az://", "data:", "file://")
Base = Path | RemoteFile | None


def _bytes_column(field: str) -> str:
    if field in ("path", "file_path", "url", "uri"):
        return "file_bytes"
    return field.rsplit("_", 1)[0] + "_bytes"


def is_file_field(name: str) -> bool:
    """Fields that may name a local file (``*_path``) or an object (also ``*_url``, ``*_uri``)."""
    return name in ("path", "file_path") or (name.endswith("_path") and len(name) > 5)


def is_reference_field(name: str) -> bool:
    return is_file_field(name) or name in ("url", "uri") or name.endswith(("_url", "_uri"))


def _target(value: str, base: Base, storage: StorageOptions | None) -> Any:
    """Where a field's value points: an s3:// object, a local file, or None when unknown."""
    if value.startswith(SCHEME):
        return RemoteFile(value, storage)
    if isinstance(base, RemoteFile):
        return base / value
    candidate = Path(value).expanduser()
    options = [candidate] if candidate.is_absolute() else []
    if not candidate.is_absolute():
        if base is not None:
            options.append(base / candidate)
        options.append(Path.cwd() / candidate)
    return next((option for option in options if option.is_file()), None)


def _wanted(field: str, value: Any, fetch_remote: bool, base: Base) -> bool:
    if not isinstance(value, str) or not value or value.startswith(_URL_SCHEMES):
        return False
    remote = value.startswith(SCHEME) or isinstance(base, RemoteFile)
    if not is_file_field(field) and not value.startswith(SCHEME):
        return False  # *_url / *_uri fields: only object-store references are fetched
    return fetch_remote or not remote


def resolve_record(
    record: dict[str, Any],
    base_dir: Base,
    where: str,
    *,
    fetch_remote: bool = True,
    storage: StorageOptions | None = None,
) -> dict[str, Any]:
    """Load every file a record references (see the module docstring); ``fetch_remote=False``
    leaves object-store references for the workers."""
    if storage is None and isinstance(base_dir, RemoteFile):
        storage = base_dir.storage
    for field in [k for k in record if is_reference_field(k)]:
        value = record[field]
        if not _wanted(field, value, fetch_remote, base_dir):
            continue
        bytes_col = _bytes_column(field)
        if record.get(bytes_col) is None:
            target = _target(value, base_dir, storage)
            if target is None or not _load(record, bytes_col, target):
                raise BadInput(
                    f"field '{field}' names a file that does not exist: {value}",
                    where=where,
                    hint="Relative paths are resolved against the input's folder (or s3:// "
                    "prefix), then the current directory",
                )
        if not record.get("mime_type"):
            import mimetypes  # only for rows that reference files

            guessed = mimetypes.guess_type(value.rsplit("/", 1)[-1])[0]
            if guessed:
                record["mime_type"] = guessed
    return record


def _load(record: dict[str, Any], column: str, target: Any) -> bool:
    """Read ``target`` into ``record[column]``; False when there is no such file or object."""
    if isinstance(target, RemoteFile) and not target.is_file():
        return False
    record[column] = target.read_bytes()
    return True


def needs_resolving(columns: Any) -> bool:
    return any(is_reference_field(str(c)) for c in columns)


def resolve_block(block: Any, base: Base, storage: StorageOptions, source: str) -> Any:
    """A Ray task's body: load the object-store references of one block (pandas or Arrow), rows
    named by the kit's row-number column. Blocks without reference fields pass unchanged."""
    import pandas as pd

    from mixpeek_tools.runtime.engines.ray.blocks import ROW, _is_helper

    columns = list(block.columns) if isinstance(block, pd.DataFrame) else block.column_names
    if not needs_resolving(c for c in columns if not _is_helper(c)):
        return block
    frame = block if isinstance(block, pd.DataFrame) else block.to_pandas()
    rows = frame[ROW].tolist() if ROW in frame.columns else list(range(len(frame)))
    records = frame.to_dict("records")
    for row, record in zip(rows, records, strict=True):
        resolve_record(record, base, f"{source}: row {int(row) + 1}", storage=storage)
    return pd.DataFrame.from_records(records)


def base_of(source: Any) -> Base:
    """The folder relative references are taken from: the input's parent (local or s3://)."""
    if is_remote(source):
        remote = source if isinstance(source, RemoteFile) else RemoteFile(str(source))
        return remote.parent
    return Path(source).resolve().parent


__all__ = [
    "base_of",
    "is_file_field",
    "is_reference_field",
    "needs_resolving",
    "resolve_block",
    "resolve_record",
]
