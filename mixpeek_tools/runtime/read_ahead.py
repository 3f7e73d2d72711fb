"""The next item of an iterator made in a background thread while the caller uses this one.

pyarrow decodes Parquet pages without the GIL, so while the pipeline processes one piece of
the input the next piece can be decoded on another core instead of after it. :func:`read_ahead`
runs the iterator on one thread, at most ``depth`` items ahead (memory bounded: a Parquet
piece is at most about 16 MiB). An exception the iterator raises is raised in the caller at
the item where it happened, so the caller's own error handling around the loop sees it
unchanged. However the caller leaves the loop (the end, an exception, ``break``, ``close``),
the thread is told to stop and joined before control returns; it starts no new item once told.

The thread is a daemon, unlike the Parquet writer's: it only reads, so if a caller dropped the
loop without closing it (a generator kept alive until exit), ending it loses nothing and the
process does not wait for it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any, TypeVar

T = TypeVar("T")

_ITEM, _END, _ERROR = 0, 1, 2
_DONE = object()  # what next() gives at the iterator's end
_PUT_WAIT = 0.05  # seconds between looks at the stop flag while the caller is behind


def read_ahead(
    items: Iterator[T], *, depth: int = 1, name: str = "mixpeek-read-ahead"
) -> Iterator[T]:
    """``items`` in order, each made in a background thread ahead of its use."""
    ahead: queue.Queue[tuple[int, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()
    thread = threading.Thread(target=_produce, args=(items, ahead, stop), name=name, daemon=True)
    thread.start()
    try:
        while True:
            kind, value = ahead.get()
            if kind == _END:
                return
            if kind == _ERROR:
                raise value
            yield value
    finally:
        stop.set()
        _empty(ahead)  # a producer blocked on a full queue gets through and sees the flag
        thread.join()
        close = getattr(items, "close", None)
        if callable(close):
            close()  # the iterator's own resources (a file reader), now no thread uses it


def _produce(
    items: Iterator[Any], ahead: queue.Queue[tuple[int, Any]], stop: threading.Event
) -> None:
    try:
        while not stop.is_set():
            item = next(items, _DONE)
            if item is _DONE:
                break
            if not _put(ahead, (_ITEM, item), stop):
                return
        _put(ahead, (_END, None), stop)
    except BaseException as exc:  # raised in the caller's thread, never lost here
        _put(ahead, (_ERROR, exc), stop)


def _put(
    ahead: queue.Queue[tuple[int, Any]], entry: tuple[int, Any], stop: threading.Event
) -> bool:
    """Put ``entry``, waiting for room; False when told to stop first."""
    while not stop.is_set():
        try:
            ahead.put(entry, timeout=_PUT_WAIT)
            return True
        except queue.Full:
            continue
    return False


def _empty(ahead: queue.Queue[tuple[int, Any]]) -> None:
    while True:
        try:
            ahead.get_nowait()
        except queue.Empty:
            return


__all__ = ["read_ahead"]
