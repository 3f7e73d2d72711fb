"""When and how long to wait before repeating a request to the plugin API or to S3.

The rules follow the platform's own SDK so that the kit behaves the same under load:

- 429 and 503 are retried unless the error body says ``retryable: false``; the wait is the
  ``Retry-After`` header, else the body's ``retry_after_seconds``, else 2 s doubling each time.
- Other 5xx answers, connection errors and timeouts are retried with the same doubling backoff,
  but only for calls that are safe to repeat (every call the kit makes is, by design: see
  ``client``), with +-25% jitter so that many clients do not retry in lock step. Network
  errors get at most ``max_connection_retries`` retries, so a wrong URL fails in seconds.
- One wait is never longer than 30 s, and retrying stops once the waits would pass 180 s.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

RETRY_STATUSES_ALWAYS = frozenset({429, 503})
RETRY_STATUSES_IF_SAFE = frozenset({500, 502, 504})


@dataclass
class RetryPolicy:
    """Backoff settings; tests shrink ``base_delay`` rather than patching ``time``."""

    base_delay: float = 2.0
    max_delay: float = 30.0
    max_total: float = 180.0
    max_attempts: int = 8
    max_connection_retries: int = 3
    jitter: float = 0.25
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def backoff(self, retry_index: int) -> float:
        """The jittered wait before retry number ``retry_index`` (0-based)."""
        raw = min(self.base_delay * (2**retry_index), self.max_delay)
        spread = raw * self.jitter
        return max(0.0, min(self.max_delay, raw + random.uniform(-spread, spread)))  # nosec B311  # jitter, not security

    def wait_for_status(
        self,
        status: int,
        headers: Mapping[str, str],
        details: Mapping[str, Any],
        retry_index: int,
        *,
        safe: bool,
    ) -> float | None:
        """Seconds to wait before retrying an HTTP answer, or None when it must not be retried."""
        if status in RETRY_STATUSES_ALWAYS:
            if details.get("retryable") is False:
                return None
            told = _retry_after(headers.get("Retry-After"))
            if told is None:
                told = _number(details.get("retry_after_seconds"))
            if told is not None:
                return min(max(told, 0.0), self.max_delay)
            return self.backoff(retry_index)
        if status in RETRY_STATUSES_IF_SAFE and safe:
            return self.backoff(retry_index)
        return None

    def allows(self, retry_index: int, waited: float, wait: float) -> bool:
        """Whether one more retry fits the attempt and total-wait budgets."""
        return retry_index + 1 < self.max_attempts and waited + wait <= self.max_total

    def allows_after_network_error(
        self, failures: int, retry_index: int, waited: float, wait: float
    ) -> bool:
        """Connection errors and timeouts get a smaller budget (about 14 s by default).

        A server that asks for patience (429/503) gets the full 180 s; a wrong URL or a dead
        network should not keep the user waiting for minutes.
        """
        return failures <= self.max_connection_retries and self.allows(retry_index, waited, wait)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    return None


def _retry_after(value: str | None) -> float | None:
    """``Retry-After`` as seconds: either a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
