"""Stream an archive to a presigned S3 URL (PUT or form POST) without reading it into memory.

The plugin API hands out a presigned PUT (``presigned_url``), sent with the archive's own
Content-Type (``application/gzip`` or ``application/zip``); a server that offers a presigned
POST instead (``upload_url`` plus ``fields``) is still served.

A presigned POST is multipart/form-data whose form fields come first and whose file comes
LAST, in a field named ``file``. ``requests``' own ``files=`` builds that whole body in memory
(about twice the file), so the body is produced by requests-toolbelt's ``MultipartEncoder``,
which reads the file as the socket drains. A PUT sends the open file itself.

Both are safe to repeat: the key is fixed by the presigned policy, so a second attempt
overwrites the first object instead of adding one. Nothing is confirmed until the upload
succeeded, so a failed upload leaves nothing published.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree  # nosec B405  # parses S3's error answer, never plugin data

from mixpeek_tools.errors import BadInput, EnvironmentFailure
from mixpeek_tools.publishing.archive import ArchiveInfo
from mixpeek_tools.publishing.retry import RetryPolicy

if TYPE_CHECKING:
    import requests

UPLOAD_TIMEOUT = (10.0, 120.0)
_SEND_BLOCK = 1024 * 1024  # http.client asks for 8-16 KiB at a time; bigger blocks cost less CPU


@dataclass(frozen=True)
class UploadTarget:
    """Where the create-upload answer says the archive goes."""

    url: str
    method: str
    fields: Mapping[str, str] | None
    content_type: str = "application/gzip"

    @classmethod
    def from_answer(cls, answer: Mapping[str, Any], content_type: str) -> UploadTarget | None:
        """The API's ``presigned_url`` (a PUT), or a presigned POST (``upload_url``/``fields``)."""
        fields = answer.get("fields")
        url = answer.get("presigned_url") or answer.get("upload_url")
        if not isinstance(url, str) or not url:
            return None
        if isinstance(fields, Mapping) or (
            "upload_url" in answer and "presigned_url" not in answer
        ):
            method = str(answer.get("method") or "POST")
            return cls(
                url, method, dict(fields) if isinstance(fields, Mapping) else {}, content_type
            )
        return cls(url, "PUT", None, content_type)


class StorageUrlExpired(EnvironmentFailure):
    """Storage refused the presigned URL as expired; a fresh upload gets a fresh URL."""


def progress_bar(total: int, enabled: bool | None = None) -> Progress:
    """rich's bar when rich is installed and stderr is a terminal, else the plain one."""
    enabled = sys.stderr.isatty() if enabled is None else enabled
    if enabled:
        try:
            return RichProgress(total)
        except ImportError:
            pass
    return Progress(total, enabled)


class Progress:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self, total: int, enabled: bool | None = None) -> None:
        self.total = max(total, 1)
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.started = time.monotonic()
        self._last_draw = 0.0

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last_draw < 0.1 and done < self.total:
            return
        self._last_draw = now
        share = min(done / self.total, 1.0)
        rate = done / max(now - self.started, 1e-6) / 1e6
        bar = "#" * int(share * 30)
        sys.stderr.write(
            f"\rUploading [{bar:<30}] {share:4.0%} {done / 1e6:7.1f}/{self.total / 1e6:.1f} MB "
            f"{rate:6.1f} MB/s"
        )
        sys.stderr.flush()

    def finish(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()


class RichProgress(Progress):
    """The same interface drawn by rich (bytes, speed and time left)."""

    def __init__(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )
        from rich.progress import Progress as Bar

        super().__init__(total, enabled=True)
        self._bar = Bar(
            "Uploading",
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self._task = self._bar.add_task("upload", total=self.total)
        self._bar.start()

    def update(self, done: int) -> None:
        self._bar.update(self._task, completed=min(done, self.total))

    def finish(self) -> None:
        self._bar.stop()


class _CountingReader:
    """File-like wrapper that reports progress and hands http.client large blocks."""

    def __init__(self, source: Any, length: int, on_read: Callable[[int], None]) -> None:
        self._source = source
        self._length = length
        self._done = 0
        self._on_read = on_read

    def __len__(self) -> int:
        return self._length

    def read(self, size: int = -1) -> bytes:
        data: bytes = self._source.read(max(size, _SEND_BLOCK) if size >= 0 else -1)
        self._done += len(data)
        self._on_read(self._done)
        return data


def upload_archive(
    session: requests.Session,
    target: UploadTarget,
    archive: ArchiveInfo,
    *,
    policy: RetryPolicy | None = None,
    progress: bool | None = None,
    timeout: tuple[float, float] = UPLOAD_TIMEOUT,
    notify: Callable[[str], None] | None = None,
) -> str | None:
    """Upload ``archive`` to ``target``, retrying transient failures; returns the ETag if given."""
    import requests

    policy = policy or RetryPolicy()
    waited = 0.0
    retry = failures = 0
    while True:
        try:
            response = _send_once(session, target, archive, progress, timeout)
        except (requests.ConnectionError, requests.Timeout) as exc:
            failures += 1
            wait = policy.backoff(retry)
            if not policy.allows_after_network_error(failures, retry, waited, wait):
                raise EnvironmentFailure(
                    f"uploading the archive failed ({type(exc).__name__}), also after retrying",
                    where=_public_url(target.url),
                    hint="Nothing was published. Check your network and run publish again",
                ) from None
        else:
            if response.status_code < 300:
                etag = response.headers.get("ETag")
                return etag.strip('"') if etag else None
            code, message = _s3_error(response)
            maybe = policy.wait_for_status(
                response.status_code, response.headers, {}, retry, safe=True
            )
            if maybe is None or not policy.allows(retry, waited, maybe):
                raise _upload_error(response.status_code, code, message, target.url)
            wait = maybe
        if notify is not None:
            notify(f"upload to {_public_url(target.url)} failed; retrying in {wait:.1f} s")
        policy.sleep(wait)
        waited += wait
        retry += 1


def _send_once(
    session: requests.Session,
    target: UploadTarget,
    archive: ArchiveInfo,
    progress: bool | None,
    timeout: tuple[float, float],
) -> requests.Response:
    from requests_toolbelt.multipart.encoder import MultipartEncoder

    bar = progress_bar(archive.size, progress)
    # S3 must not see the API's bearer token: the upload goes out without the session's headers.
    headers = {"Authorization": None, "X-Namespace": None}
    with archive.path.open("rb") as handle:
        try:
            if target.method.upper() == "PUT":
                body = _CountingReader(handle, archive.size, bar.update)
                headers_put: dict[str, str | None] = {
                    **headers,
                    "Content-Type": target.content_type,
                }
                return session.put(target.url, data=body, headers=headers_put, timeout=timeout)
            fields: list[tuple[str, Any]] = list((target.fields or {}).items())
            content_type = str((target.fields or {}).get("Content-Type", target.content_type))
            fields.append(("file", (archive.path.name, handle, content_type)))
            encoder = MultipartEncoder(fields=fields)
            body = _CountingReader(encoder, encoder.len, bar.update)
            return session.post(
                target.url,
                data=body,
                headers={**headers, "Content-Type": encoder.content_type},
                timeout=timeout,
            )
        finally:
            bar.finish()


def _s3_error(response: requests.Response) -> tuple[str, str]:
    """``(Code, Message)`` from S3's XML error answer (empty strings when it is not XML)."""
    try:
        root = ElementTree.fromstring(response.content)  # nosec B314  # S3's answer
    except ElementTree.ParseError:
        return "", response.text[:200]
    return root.findtext("Code") or "", root.findtext("Message") or ""


def _upload_error(status: int, code: str, message: str, url: str) -> Exception:
    where = _public_url(url)
    detail = f"{code}: {message}" if code else message or f"HTTP {status}"
    if code == "EntityTooLarge" or status == 413:
        return BadInput(
            f"storage refused the archive as too large ({detail})",
            where=where,
            hint="Nothing was published. Keep the archive under 500 MB (.mixpeekignore)",
        )
    if code in {"ExpiredToken", "RequestExpired"} or "expired" in message.lower():
        return StorageUrlExpired(
            f"storage refused the upload because the presigned URL expired ({detail})",
            where=where,
            hint="Nothing was published. Run publish again to get a fresh upload URL",
        )
    if code == "AccessDenied" or status == 403:
        return EnvironmentFailure(
            f"storage refused the upload ({detail}); the presigned URL may have expired",
            where=where,
            hint="Nothing was published. Run publish again to get a fresh upload URL",
        )
    return EnvironmentFailure(
        f"storage refused the upload (HTTP {status}, {detail})",
        where=where,
        hint="Nothing was published. Try again; if it keeps failing, check the storage service",
    )


def _public_url(url: str) -> str:
    """The URL without its query string (presigned PUT URLs carry signatures there)."""
    return url.split("?", 1)[0]
