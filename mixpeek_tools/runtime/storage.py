"""Object storage: ``s3://bucket/key`` inputs, outputs and file references, through pyarrow's S3
filesystem (already a dependency; one client for Parquet, streams and listings).

The endpoint and credentials come from the usual AWS variables (``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``, ``AWS_REGION``/``AWS_DEFAULT_REGION``,
``AWS_ENDPOINT_URL_S3``/``AWS_ENDPOINT_URL``), with ``--s3-endpoint-url`` taking precedence for
S3-compatible stores (MinIO, a local moto server). :class:`StorageOptions` is plain data, so Ray
tasks and actors on other nodes build their own client from it.

:class:`RemoteFile` stands in for a :class:`pathlib.Path` in the kit's readers (``open``,
``read_text``, ``suffix``, ``parent``), so every format reads the same from a bucket as from
disk and errors name the ``s3://`` URI.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from mixpeek_tools.errors import BadInput, EnvironmentFailure

SCHEME = "s3://"
_CHUNK = 8 << 20


def is_remote(location: Any) -> bool:
    """Whether ``location`` names an object store (``s3://``) rather than a local path."""
    return isinstance(location, RemoteFile) or str(location).startswith(SCHEME)


def _key(uri: str) -> str:
    """``bucket/key`` as pyarrow's filesystem names it."""
    return uri[len(SCHEME) :] if uri.startswith(SCHEME) else uri


@dataclass(frozen=True)
class StorageOptions:
    """Where the object store is and how to sign in (plain data: travels to Ray workers)."""

    endpoint_url: str | None = None
    region: str | None = None
    access_key: str | None = None
    secret_key: str | None = None
    session_token: str | None = None

    @classmethod
    def from_env(cls, endpoint_url: str | None = None) -> StorageOptions:
        env = os.environ
        return cls(
            endpoint_url=endpoint_url
            or env.get("AWS_ENDPOINT_URL_S3")
            or env.get("AWS_ENDPOINT_URL")
            or None,
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None,
            access_key=env.get("AWS_ACCESS_KEY_ID") or None,
            secret_key=env.get("AWS_SECRET_ACCESS_KEY") or None,
            session_token=env.get("AWS_SESSION_TOKEN") or None,
        )

    def filesystem(self) -> Any:
        """A pyarrow ``S3FileSystem`` for these options."""
        from pyarrow import fs

        kwargs: dict[str, Any] = {}
        if self.endpoint_url:
            scheme, _, rest = self.endpoint_url.partition("://")
            kwargs["endpoint_override"] = rest or scheme
            kwargs["scheme"] = scheme if rest else "https"
        if self.access_key and self.secret_key:
            kwargs.update(access_key=self.access_key, secret_key=self.secret_key)
            if self.session_token:
                kwargs["session_token"] = self.session_token
        kwargs["region"] = self.region or "us-east-1"
        return fs.S3FileSystem(**kwargs)


def storage_error(exc: BaseException, uri: str, doing: str) -> Exception:
    """A pyarrow storage error as the kit's own: a missing object is bad input (exit 2), anything
    else (no connection, denied, bad credentials) an environment problem (exit 3)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, FileNotFoundError) or "NoSuchKey" in text or "Path does not exist" in text:
        return BadInput(
            f"{doing}: no such object",
            where=uri,
            hint="Check the bucket and key (and --s3-endpoint-url for S3-compatible stores)",
        )
    return EnvironmentFailure(
        f"{doing} failed: {text}",
        where=uri,
        hint="Check the endpoint (--s3-endpoint-url or AWS_ENDPOINT_URL) and the credentials "
        "(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)",
    )


class RemoteFile:
    """An ``s3://`` object behaving like the :class:`pathlib.Path` the readers take."""

    def __init__(self, uri: str, storage: StorageOptions | None = None) -> None:
        self.uri = uri.rstrip("/") if uri.endswith("/") and uri.count("/") > 3 else uri
        self.storage = storage or StorageOptions.from_env()
        self._fs: Any = None

    def __str__(self) -> str:
        return self.uri

    def __repr__(self) -> str:
        return f"RemoteFile({self.uri!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RemoteFile) and other.uri == self.uri

    def __hash__(self) -> int:
        return hash(self.uri)

    def __truediv__(self, name: Any) -> RemoteFile:
        return RemoteFile(f"{self.uri.rstrip('/')}/{str(name).lstrip('/')}", self.storage)

    @property
    def fs(self) -> Any:
        if self._fs is None:
            self._fs = self.storage.filesystem()
        return self._fs

    def __getstate__(self) -> dict[str, Any]:
        return {"uri": self.uri, "storage": self.storage, "_fs": None}

    @property
    def name(self) -> str:
        return self.uri.rstrip("/").rsplit("/", 1)[-1]

    @property
    def suffix(self) -> str:
        name = self.name
        return "." + name.rsplit(".", 1)[-1] if "." in name else ""

    @property
    def parent(self) -> RemoteFile:
        return RemoteFile(self.uri.rsplit("/", 1)[0], self.storage)

    def resolve(self) -> RemoteFile:
        return self

    def expanduser(self) -> RemoteFile:
        return self

    def is_absolute(self) -> bool:
        return True

    def _info(self) -> Any:
        try:
            return self.fs.get_file_info(_key(self.uri))
        except OSError as exc:
            raise storage_error(exc, self.uri, "looking up the object") from None

    def is_file(self) -> bool:
        from pyarrow import fs

        return bool(self._info().type == fs.FileType.File)

    def is_dir(self) -> bool:
        from pyarrow import fs

        return bool(self._info().type == fs.FileType.Directory)

    def size(self) -> int:
        return int(self._info().size or 0)

    def open_binary(self) -> Any:
        """A random-access file (Parquet reads its footer first)."""
        try:
            return self.fs.open_input_file(_key(self.uri))
        except OSError as exc:
            raise storage_error(exc, self.uri, "opening the object") from None

    def open(
        self,
        mode: str = "r",
        encoding: str | None = "utf-8",
        errors: str | None = None,
        newline: str | None = None,
    ) -> IO[Any]:
        if "w" in mode:
            raise BadInput("cannot open an s3:// object for writing", where=self.uri)
        try:
            stream = self.fs.open_input_stream(_key(self.uri))
        except OSError as exc:
            raise storage_error(exc, self.uri, "opening the object") from None
        raw = io.BufferedReader(stream, buffer_size=1 << 20)
        if "b" in mode:
            return raw
        return io.TextIOWrapper(raw, encoding=encoding or "utf-8", errors=errors, newline=newline)

    def read_bytes(self) -> bytes:
        with self.open("rb") as fh:
            data: bytes = fh.read()
        return data

    def read_text(self, encoding: str = "utf-8") -> str:
        return self.read_bytes().decode(encoding)

    def iterdir_files(self) -> Iterator[RemoteFile]:
        """Every object under this prefix (recursively, sorted by key)."""
        from pyarrow import fs

        selector = fs.FileSelector(_key(self.uri).rstrip("/"), recursive=True)
        try:
            infos = self.fs.get_file_info(selector)
        except OSError as exc:
            raise storage_error(exc, self.uri, "listing the prefix") from None
        for info in sorted(infos, key=lambda i: i.path):
            if info.type == fs.FileType.File:
                yield RemoteFile(SCHEME + info.path, self.storage)


def upload(local_path: str, uri: str, storage: StorageOptions) -> None:
    """Copy a finished local file to ``uri`` (the atomic writers' last step for ``s3://``)."""
    target = RemoteFile(uri, storage)
    try:
        with open(local_path, "rb") as src, target.fs.open_output_stream(_key(uri)) as out:
            while chunk := src.read(_CHUNK):
                out.write(chunk)
    except OSError as exc:
        raise storage_error(exc, uri, "writing the output") from None


def same_location(a: str, b: str) -> bool:
    """Whether two inputs/outputs name the same file or object."""
    if is_remote(a) or is_remote(b):
        return str(a).rstrip("/") == str(b).rstrip("/")
    from pathlib import Path

    return Path(a).resolve() == Path(b).resolve()


__all__ = [
    "RemoteFile",
    "StorageOptions",
    "is_remote",
    "same_location",
    "storage_error",
    "upload",
]
