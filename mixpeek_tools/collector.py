"""Pausing Python's cyclic garbage collector while a burst of long-lived objects is built.

Importing pandas, pyarrow and pydantic, or parsing a source file into a tree, allocates hundreds
of thousands of objects in a row, almost none of them garbage. An automatic collection fires
every 700 allocations and a full one walks every object alive, so during such a burst the
collector keeps re-walking objects that will live until exit: about a tenth of a cold
``plugin run``'s import time on pandas, pyarrow and pydantic. The pause ends with the burst, so
code that runs afterwards (a plugin's processors over many batches) gets the usual collector.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No automatic cyclic collection inside the block; the collector's previous state after it.

    Nested pauses are fine (the inner one leaves the collector off). Reference counting still
    frees acyclic objects at once, so only cycles made inside the block wait for the next
    collection after it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


__all__ = ["collector_paused"]
