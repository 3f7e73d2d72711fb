"""Write jobs run in order on one background thread while the caller carries on.

pyarrow releases the GIL while it encodes, compresses and writes a Parquet row group, so on a
machine with a spare core that work can run beside the pipeline instead of after it. This is
the smallest tool for that: jobs (plain callables) run one at a time in the order they were
given, on a single thread started only when the first job is queued (a run that never queues
one costs nothing). At most ``depth`` jobs wait; past that :meth:`WriteBehind.submit` blocks,
so memory stays bounded when the writer falls behind.

A job that raises stops the queue: later jobs are skipped, and the exception itself is raised
in the caller's thread at its next :meth:`~WriteBehind.check`, :meth:`~WriteBehind.submit` or
:meth:`~WriteBehind.drain`,
so the caller sees the very error a synchronous write would have raised. The thread is never a
daemon (a daemon killed at exit would lose data) and every way out, :meth:`~WriteBehind.drain`
on success and :meth:`~WriteBehind.abandon` on failure, joins it. Should a caller leave without
either (an interrupt in the middle of its cleanup), the idle thread notices the main thread has
ended and returns, so it never holds the exiting process.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

Job = Callable[[], None]

_STOP = None  # the sentinel that ends the thread
_PUT_WAIT = 0.1  # seconds between checks that the thread still lives while the queue is full
_GET_WAIT = 0.5  # seconds between the idle thread's checks that the main thread still runs


class WriteBehind:
    """Jobs in order on one lazily started thread; at most ``depth`` jobs wait."""

    def __init__(self, depth: int = 2, name: str = "mixpeek-write-behind") -> None:
        self.depth = depth
        self.name = name
        self._jobs: queue.Queue[Job | None] = queue.Queue(maxsize=max(1, depth))
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._skip = False

    @property
    def started(self) -> bool:
        """Whether the thread runs (jobs given to :meth:`run` then queue behind the others)."""
        return self._thread is not None

    def check(self) -> None:
        """Raise the error a queued job raised, if one did."""
        self._raise_error()

    def submit(self, job: Job) -> None:
        """Queue ``job`` (starting the thread if needed); raises an earlier job's error."""
        self._raise_error()
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name=self.name, daemon=False)
            self._thread.start()
        self._put(job)
        self._raise_error()

    def run(self, job: Job) -> None:
        """Run ``job`` in order with the queued ones: here and now when the thread never
        started (nothing to overlap with), else queued behind them."""
        if self._thread is None:
            job()
        else:
            self.submit(job)

    def drain(self) -> None:
        """Wait until every queued job ran and the thread ended; raises a job's error."""
        self._stop()
        self._raise_error()

    def abandon(self) -> None:
        """Skip the jobs still waiting and end the thread, raising nothing (the caller is
        already failing, for its own reason or for a job's error it was given)."""
        self._skip = True
        self._stop()

    def _put(self, item: Job | None) -> None:
        assert self._thread is not None
        while True:
            try:
                self._jobs.put(item, timeout=_PUT_WAIT)
                return
            except queue.Full:
                if not self._thread.is_alive():  # cannot happen by design; never hang on it
                    raise RuntimeError(f"{self.name} thread ended with jobs left") from None

    def _stop(self) -> None:
        if self._thread is None:
            return
        if self._thread.is_alive():
            self._put(_STOP)
        self._thread.join()
        self._thread = None
        self._jobs = queue.Queue(maxsize=max(1, self.depth))

    def _raise_error(self) -> None:
        if self._error is not None:
            raise self._error

    def _work(self) -> None:
        while True:
            try:
                job = self._jobs.get(timeout=_GET_WAIT)
            except queue.Empty:
                if threading.main_thread().is_alive():
                    continue
                return  # the interpreter is exiting without having stopped us: never hold it
            if job is _STOP:
                return
            if self._error is not None or self._skip:
                continue  # drained, not run: the queue stopped
            try:
                job()
            except BaseException as exc:  # handed to the caller's thread, never lost here
                self._error = exc


__all__ = ["WriteBehind"]
