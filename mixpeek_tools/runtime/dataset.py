"""``LocalDataset``: the part of Ray Data's ``Dataset`` API that ``prepare`` functions use.

On the platform, ``build_steps`` may return ``"prepare": fn`` and ``fn`` receives a Ray Dataset
before the steps run. Locally the same function receives a :class:`LocalDataset`, a lazy chain
over a stream of pandas batches: every method returns a new dataset and nothing runs until the
executor iterates it, so ``prepare`` keeps the local engine streaming and memory flat.

Index labels are the input row positions; row-wise operations keep them (``filter``), repeat
them (``flat_map``) or carry them over when the row count is unchanged (``map``), so failures
after ``prepare`` still name input rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

BatchSource = Callable[[], Iterator["pd.DataFrame"]]


def _to_format(df: pd.DataFrame, batch_format: str | None) -> Any:
    fmt = (batch_format or "pandas").lower()
    if fmt == "pandas":
        return df
    if fmt in ("numpy", "default"):
        return {str(c): df[c].to_numpy() for c in df.columns}
    if fmt == "pyarrow":
        import pyarrow as pa

        return pa.Table.from_pandas(df, preserve_index=False)
    raise ValueError(f"unsupported batch_format {batch_format!r} (pandas, numpy, pyarrow)")


def _from_format(result: Any, like: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    if isinstance(result, pd.DataFrame):
        out = result
    elif isinstance(result, dict):
        out = pd.DataFrame(
            {k: list(v) if hasattr(v, "ndim") and v.ndim > 1 else v for k, v in result.items()}
        )
    elif hasattr(result, "to_pandas"):
        out = result.to_pandas()
    else:
        raise TypeError(
            f"map_batches function returned {type(result).__name__}; return a pandas "
            "DataFrame, a dict of columns or a pyarrow Table"
        )
    if len(out) == len(like) and not out.index.equals(like.index):
        out.index = like.index
    return out


def _rebatch(frames: Iterator[pd.DataFrame], size: int | None) -> Iterator[pd.DataFrame]:
    """Regroup a stream of frames into frames of exactly ``size`` rows (the last may be short)."""
    import pandas as pd

    if not size:
        yield from frames
        return
    buffer: list[pd.DataFrame] = []
    held = 0
    for df in frames:
        if not buffer and len(df) == size:
            yield df
            continue
        buffer.append(df)
        held += len(df)
        while held >= size:
            joined = pd.concat(buffer) if len(buffer) > 1 else buffer[0]
            yield joined.iloc[:size]
            rest = joined.iloc[size:]
            buffer = [rest] if len(rest) else []
            held = len(rest)
    if held:
        yield pd.concat(buffer) if len(buffer) > 1 else buffer[0]


class LocalDataset:
    """A lazy, re-iterable stream of pandas batches with Ray-Dataset-like methods."""

    def __init__(self, source: BatchSource) -> None:
        self._source = source

    @classmethod
    def from_pandas(cls, frames: pd.DataFrame | Sequence[pd.DataFrame]) -> LocalDataset:
        items = [frames] if hasattr(frames, "columns") else list(frames)
        return cls(lambda: iter(items))

    def _derive(
        self, fn: Callable[[Iterator[pd.DataFrame]], Iterator[pd.DataFrame]]
    ) -> LocalDataset:
        source = self._source
        return LocalDataset(lambda: fn(source()))

    # ---------------------------------------------------------------- transformations
    def map_batches(
        self,
        fn: Any,
        *,
        batch_size: int | str | None = None,
        batch_format: str | None = "default",
        fn_args: Sequence[Any] | None = None,
        fn_kwargs: dict[str, Any] | None = None,
        fn_constructor_args: Sequence[Any] | None = None,
        fn_constructor_kwargs: dict[str, Any] | None = None,
        **_ray_options: Any,
    ) -> LocalDataset:
        """Apply ``fn`` to each batch; a class is instantiated once (like a Ray actor)."""
        size = batch_size if isinstance(batch_size, int) else None
        args, kwargs = list(fn_args or ()), dict(fn_kwargs or {})

        def run(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
            call = fn
            if isinstance(fn, type):
                call = fn(*(fn_constructor_args or ()), **(fn_constructor_kwargs or {}))
            for df in _rebatch(frames, size):
                yield _from_format(call(_to_format(df, batch_format), *args, **kwargs), df)

        return self._derive(run)

    def map(self, fn: Callable[[dict[str, Any]], dict[str, Any]], **_: Any) -> LocalDataset:
        def run(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
            import pandas as pd

            for df in frames:
                rows = [fn(r) for r in df.to_dict("records")]
                out = pd.DataFrame.from_records(rows) if rows else df.iloc[:0]
                out.index = df.index
                yield out

        return self._derive(run)

    def flat_map(
        self, fn: Callable[[dict[str, Any]], list[dict[str, Any]]], **_: Any
    ) -> LocalDataset:
        def run(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
            import pandas as pd

            for df in frames:
                rows: list[dict[str, Any]] = []
                labels: list[Any] = []
                for label, row in zip(df.index, df.to_dict("records"), strict=True):
                    produced = list(fn(row))
                    rows.extend(produced)
                    labels.extend([label] * len(produced))
                if rows:
                    yield pd.DataFrame.from_records(rows, index=labels)

        return self._derive(run)

    def filter(self, fn: Callable[[dict[str, Any]], bool] | None = None, **_: Any) -> LocalDataset:
        if fn is None:
            raise NotImplementedError(
                "LocalDataset.filter needs a row function (expr= is Ray-only)"
            )

        def run(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
            for df in frames:
                keep = [bool(fn(r)) for r in df.to_dict("records")]
                yield df[keep] if not all(keep) else df

        return self._derive(run)

    def add_column(self, col: str, fn: Callable[[pd.DataFrame], Any], **_: Any) -> LocalDataset:
        def run(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
            for df in frames:
                out = df.copy(deep=False)
                out[col] = fn(df)
                yield out

        return self._derive(run)

    def drop_columns(self, cols: str | Sequence[str], **_: Any) -> LocalDataset:
        names = [cols] if isinstance(cols, str) else list(cols)
        return self._derive(lambda frames: (df.drop(columns=names) for df in frames))

    def select_columns(self, cols: str | Sequence[str], **_: Any) -> LocalDataset:
        names = [cols] if isinstance(cols, str) else list(cols)
        return self._derive(lambda frames: (df[names] for df in frames))

    def rename_columns(self, names: dict[str, str], **_: Any) -> LocalDataset:
        return self._derive(lambda frames: (df.rename(columns=names) for df in frames))

    def limit(self, n: int) -> LocalDataset:
        def run(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
            left = n
            for df in frames:
                if left <= 0:
                    return
                yield df if len(df) <= left else df.iloc[:left]
                left -= len(df)

        return self._derive(run)

    def repartition(self, *_: Any, **__: Any) -> LocalDataset:
        """No-op locally: batches are already small, sequential pieces."""
        return self

    def materialize(self) -> LocalDataset:
        return self

    # ---------------------------------------------------------------- consumption
    def iter_batches(
        self, *, batch_size: int | None = None, batch_format: str | None = "pandas", **_: Any
    ) -> Iterator[Any]:
        for df in _rebatch(self._source(), batch_size):
            yield _to_format(df, batch_format)

    def iter_rows(self) -> Iterator[dict[str, Any]]:
        for df in self._source():
            yield from df.to_dict("records")

    def to_pandas(self, limit: int | None = None) -> pd.DataFrame:
        import pandas as pd

        frames = list(self.limit(limit)._source() if limit is not None else self._source())
        return pd.concat(frames) if frames else pd.DataFrame()

    def take(self, limit: int = 20) -> list[dict[str, Any]]:
        return self.limit(limit).to_pandas().to_dict("records")

    def take_all(self) -> list[dict[str, Any]]:
        return self.to_pandas().to_dict("records")

    def count(self) -> int:
        return sum(len(df) for df in self._source())

    def columns(self) -> list[str]:
        for df in self._source():
            return [str(c) for c in df.columns]
        return []

    def __iter__(self) -> Iterator[pd.DataFrame]:
        return self._source()


__all__ = ["LocalDataset"]
