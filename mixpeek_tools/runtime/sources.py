"""What a run reads: a dataset file, or a folder of media files, on disk or in object storage.

A dataset (``.jsonl``, ``.json``, ``.csv``, ``.parquet``; local or ``s3://``) is read by the kit's
own readers (:mod:`.io`). A folder or ``s3://`` prefix of anything else is a *media* input, the
way the platform feeds a bucket: every file or object is one row holding its bytes
(``file_bytes``), where it came from (``file_path``) and its type (``mime_type``), in key order.

The Ray engine reads splittable object-store inputs (Parquet, JSON Lines) in its own tasks
(:mod:`.engines.ray.readers`); everything else goes through :meth:`Source.batches` in the driver.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mixpeek_tools.errors import BadInput
from mixpeek_tools.runtime.io import DEFAULT_BATCH_ROWS, FORMATS
from mixpeek_tools.runtime.storage import RemoteFile, StorageOptions, is_remote

if TYPE_CHECKING:
    import pandas as pd

MEDIA = "media"
FRAME = "frame"  # rows already in memory (mixpeek_tools.testing)
SPLITTABLE = ("parquet", "jsonl")


@dataclass
class Source:
    """One run's input: where it is, its kind (a dataset format or ``media``), and the limit."""

    location: str
    kind: str
    storage: StorageOptions
    limit: int | None = None
    frame: pd.DataFrame | None = None  # the rows of an in-memory source (kind FRAME)

    @property
    def remote(self) -> bool:
        return is_remote(self.location)

    @property
    def splittable(self) -> bool:
        """Whether Ray tasks can read it themselves (an object-store Parquet or JSON Lines)."""
        return self.remote and self.kind in SPLITTABLE

    def file(self) -> Any:
        return RemoteFile(self.location, self.storage) if self.remote else Path(self.location)

    def rows(self) -> int | None:
        """The row count when cheap to know (limit applied), else None."""
        if self.frame is not None:
            count: int | None = len(self.frame)
        elif self.kind == MEDIA:
            count = sum(1 for _ in _media_files(self.file()))
        else:
            from mixpeek_tools.runtime.io import count_rows

            count = count_rows(self.file())
        if self.limit is not None:
            return min(count, self.limit) if count is not None else self.limit
        return count

    def batches(
        self, size: int = DEFAULT_BATCH_ROWS, *, fetch_remote: bool = True
    ) -> Iterator[pd.DataFrame]:
        """The input as pandas batches (index = 0-based row position); ``fetch_remote=False``
        leaves object-store references (and media objects' bytes) for the workers. An in-memory
        source is one batch, as given (the steps cut their own batches)."""
        if self.frame is not None:
            frame = self.frame if self.limit is None else self.frame.iloc[: self.limit]
            return iter([frame])
        if self.kind == MEDIA:
            return _media_batches(self.file(), size, self.limit, fetch_remote)
        from mixpeek_tools.runtime.io import iter_frames

        return iter_frames(
            self.file(), size, limit=self.limit, fetch_remote=fetch_remote, storage=self.storage
        )


def frame_source(frame: pd.DataFrame, *, limit: int | None = None) -> Source:
    """Rows already in memory as a run's input (no location: nothing to resolve against)."""
    return Source("", FRAME, StorageOptions(), limit, frame)


def open_source(location: str, storage: StorageOptions, *, limit: int | None = None) -> Source:
    """The input named by ``--input``; BadInput when it does not exist or has an unknown type."""
    if is_remote(location):
        target: Any = RemoteFile(location, storage)
        if target.suffix.lower() in FORMATS and not location.endswith("/"):
            if not target.is_file():
                raise BadInput(
                    "input object not found",
                    where=location,
                    hint="Check the bucket and key (and --s3-endpoint-url)",
                )
            return Source(location, FORMATS[target.suffix.lower()], storage, limit)
        return Source(location, MEDIA, storage, limit)
    path = Path(location)
    if path.is_dir():
        return Source(location, MEDIA, storage, limit)
    from mixpeek_tools.runtime.io import format_of

    kind = format_of(path)
    if not path.is_file():
        raise BadInput(
            "input file not found",
            where=location,
            hint="Check --input; relative paths are taken from the current directory",
        )
    return Source(location, kind, storage, limit)


def _media_files(folder: Any) -> Iterator[Any]:
    """The files of a local folder (recursively, hidden ones skipped) or the objects under an
    ``s3://`` prefix, sorted by path."""
    if isinstance(folder, RemoteFile):
        yield from folder.iterdir_files()
        return
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts):
            yield path


def media_row(target: Any, fetch: bool) -> dict[str, Any]:
    """One media file as a row: its bytes (unless left for the workers), path and mime type."""
    import mimetypes  # media inputs only (its first guess also reads the system's type tables)

    location = str(target) if isinstance(target, RemoteFile) else str(target.resolve())
    mime = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    return {
        "file_path": location,
        "file_bytes": target.read_bytes() if fetch else None,
        "mime_type": mime,
    }


def _media_batches(
    folder: Any, size: int, limit: int | None, fetch_remote: bool
) -> Iterator[pd.DataFrame]:
    import pandas as pd

    rows: list[dict[str, Any]] = []
    start = 0
    for count, target in enumerate(_media_files(folder)):
        if limit is not None and count >= limit:
            break
        rows.append(media_row(target, fetch_remote or not isinstance(target, RemoteFile)))
        if len(rows) >= size:
            yield pd.DataFrame.from_records(rows, index=pd.RangeIndex(start, start + len(rows)))
            start += len(rows)
            rows = []
    if rows:
        yield pd.DataFrame.from_records(rows, index=pd.RangeIndex(start, start + len(rows)))
    elif start == 0:
        raise BadInput(
            "the input folder holds no files",
            where=str(folder),
            hint="Point --input at a folder (or s3:// prefix) of media files, or at a dataset "
            "file (.jsonl, .json, .csv, .parquet)",
        )


__all__ = ["FRAME", "MEDIA", "Source", "frame_source", "media_row", "open_source"]
