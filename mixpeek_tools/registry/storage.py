"""Where uploaded archives live: any S3-compatible endpoint, through boto3.

By default the registry starts moto's S3 server on loopback itself (``LocalS3``), so a laptop
needs nothing else; ``--s3-endpoint-url`` and ``--bucket`` (plus the usual AWS_* variables)
point it at MinIO or real S3 instead. Clients only ever get presigned POSTs: they never hold
storage credentials. ``public_url`` replaces the endpoint in the URLs handed to clients when
they reach storage by another address than the registry does (a proxy, a container network).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

# Dummy credentials for the loopback S3 that the registry itself starts; never real ones.
LOCAL_CREDENTIALS = {
    "aws_access_key_id": "mixpeek-local",
    "aws_secret_access_key": "mixpeek-local",  # nosec B105
}
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class ObjectDigest:
    """What the registry measured while downloading an object."""

    size: int
    sha256: str
    md5: str


class LocalS3:
    """moto's S3 server on a free loopback port, for as long as the registry runs."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)

    def start(self) -> str:
        self._server.start()
        port = self._server._server.server_port  # type: ignore[union-attr]  # moto keeps no public accessor
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self._server.stop()


class Storage:
    """The bucket holding archives; every method maps to one S3 call."""

    def __init__(
        self,
        endpoint_url: str | None,
        bucket: str,
        *,
        public_url: str | None = None,
        local_credentials: bool = False,
    ) -> None:
        import boto3
        from botocore.config import Config

        self.endpoint_url = endpoint_url
        self.bucket = bucket
        self.public_url = public_url.rstrip("/") if public_url else None
        extra: dict[str, Any] = dict(LOCAL_CREDENTIALS) if local_credentials else {}
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name="us-east-1" if local_credentials else None,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}),
            **extra,
        )
        self._extra = extra
        self._signer: Any = None

    @property
    def signer(self) -> Any:
        """A SigV4 client for presigned PUTs bound to a length: SigV4 signs the
        ``Content-Length`` header (the default signature of presigned URLs cannot)."""
        if self._signer is None:
            import boto3
            from botocore.config import Config

            self._signer = boto3.client(
                "s3",
                endpoint_url=self.endpoint_url,
                region_name=self.client.meta.region_name or "us-east-1",
                config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
                **self._extra,
            )
        return self._signer

    def ensure_bucket(self) -> None:
        from botocore.exceptions import ClientError

        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError:
            self.client.create_bucket(Bucket=self.bucket)

    def head(self, key: str) -> tuple[int, str] | None:
        """``(size, etag)`` of the object, or None when nothing was uploaded there."""
        from botocore.exceptions import ClientError

        try:
            head: Mapping[str, Any] = self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError:
            return None
        return int(head["ContentLength"]), str(head.get("ETag", "")).strip('"')

    def download(self, key: str, dest: BinaryIO, limit: int) -> ObjectDigest:
        """Stream the object into ``dest``, hashing as it goes; stops past ``limit`` bytes."""
        body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
        sha, md5, size = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
        try:
            for chunk in body.iter_chunks(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise ValueError(f"object larger than {limit} bytes")
                sha.update(chunk)
                md5.update(chunk)
                dest.write(chunk)
        finally:
            body.close()
        return ObjectDigest(size, sha.hexdigest(), md5.hexdigest())

    def put_file(self, key: str, path: Path, content_type: str = "application/gzip") -> None:
        """Upload a local file to ``key`` (used to restore kept archives after a restart)."""
        with path.open("rb") as body:  # one PUT, so the ETag stays the md5 as at upload
            self.client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)

    def delete(self, key: str) -> None:
        from botocore.exceptions import ClientError

        try:
            self.client.delete_object(Bucket=self.bucket, Key=key)
        except ClientError:
            logging.getLogger(__name__).warning("could not delete s3://%s/%s", self.bucket, key)
