"""Presigned URLs handed to clients: PUT to upload, GET to download, POST forms on request.

Kept beside :mod:`storage` (which owns the bucket and its client) so the URL rules live in one
place: every URL is rewritten to ``public_url`` when clients reach storage by another address.
The PUT is not bound to a Content-Type (the platform's spec names ``application/zip``, its CLI
sends ``application/gzip``). When the client declared ``file_size_bytes`` it is bound to that
length: the URL is signed with SigV4 over the ``Content-Length`` header, so storage that checks
signatures (S3, MinIO) refuses a body of another size. A URL rewritten to ``public_url`` keeps
the default signature (SigV4 also signs the host, which the rewrite changes), and moto's server
checks no signatures: so confirm always checks the stored object's size as well, and deletes an
object whose size is not the declared one.
"""

from __future__ import annotations

from mixpeek_tools.registry.storage import Storage


def _public(storage: Storage, url: str) -> str:
    endpoint = (storage.endpoint_url or "").rstrip("/")
    if storage.public_url and endpoint and url.startswith(endpoint):
        return storage.public_url + url[len(endpoint) :]
    return url


def presign_put(storage: Storage, key: str, expires_in: int, size: int | None = None) -> str:
    """A PUT URL for ``key``; with ``size``, only a body of exactly that length is accepted."""
    params: dict[str, object] = {"Bucket": storage.bucket, "Key": key}
    if size and not storage.public_url:
        params["ContentLength"] = size
        url = storage.signer.generate_presigned_url("put_object", Params=params,
                                                    ExpiresIn=expires_in)  # fmt: skip
        return str(url)
    url = storage.client.generate_presigned_url("put_object", Params=params, ExpiresIn=expires_in)
    return _public(storage, str(url))


def presign_get(storage: Storage, key: str, expires_in: int) -> str:
    url = storage.client.generate_presigned_url(
        "get_object", Params={"Bucket": storage.bucket, "Key": key}, ExpiresIn=expires_in
    )
    return _public(storage, str(url))


def presign_post_form(
    storage: Storage, key: str, size: int | None, max_size: int, expires_in: int
) -> tuple[str, dict[str, str]]:
    """A POST form for ``key``: exactly ``size`` bytes when declared, else 1..``max_size``."""
    low, high = (size, size) if size else (1, max_size)
    post = storage.client.generate_presigned_post(
        Bucket=storage.bucket,
        Key=key,
        Conditions=[["content-length-range", low, high]],
        ExpiresIn=expires_in,
    )
    return _public(storage, str(post["url"])), dict(post["fields"])


def s3_url(storage: Storage, key: str) -> str:
    return f"s3://{storage.bucket}/{key}"
