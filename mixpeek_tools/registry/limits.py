"""Bounds on what one request may make the registry hold: body size and JSON shape.

:class:`BodyLimit` is ASGI middleware. A request whose ``Content-Length`` is over the limit is
answered ``413`` before a byte of its body is read; a body without a length (chunked transfer)
is counted as it streams in and the request is cut off with ``413`` at the first chunk past the
limit, so no handler ever holds more than the limit in memory.

:func:`parse_json` turns every malformed body (bad bytes, bad syntax, nesting deeper than
:data:`MAX_JSON_DEPTH`) into :class:`MalformedJson`. :class:`BoundedJsonRoute` makes FastAPI parse
every JSON body with it, so malformed JSON of any depth is a ``400`` in the platform's error
shape (never ``500``), while well-formed JSON that breaks a field rule stays FastAPI's ``422``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# JSON bodies of the plugin API are a few hundred bytes; 1 MiB leaves room for long descriptions
# and still bounds what a handler reads. Routes that take an archive get an override.
DEFAULT_BODY_LIMIT = 1024 * 1024
MAX_JSON_DEPTH = 64
# Realtime requests may carry media (base64 images, audio): a larger bound on the proxy routes.
INFERENCE_BODY_LIMIT = 32 * 1024 * 1024
REGISTRY_OVERRIDES = (("*", r"/inference/.*", INFERENCE_BODY_LIMIT),)


class MalformedJson(ValueError):
    """The body is not usable JSON; the message says why, in one line."""


class InvalidJsonBody(HTTPException):
    """A 400 that FastAPI passes through unchanged (it wraps other parse errors in a generic
    400); answered in the platform's error shape with ``type: invalid_json``."""

    error_type = "invalid_json"


class _BoundedJsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            try:
                self._json = parse_json(await self.body())
            except MalformedJson as err:
                raise InvalidJsonBody(400, f"The request body is not usable JSON: {err}.") from None
        return self._json


class BoundedJsonRoute(APIRoute):
    """A route whose JSON body is parsed by :func:`parse_json` (FastAPI's custom route class)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def bounded(request: Request) -> Response:
            return await handler(_BoundedJsonRequest(request.scope, request.receive))

        return bounded


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes the limit. An HTTPException, so a
    FastAPI handler reading the body answers it as the 413 it is (not a generic 400)."""

    error_type = "payload_too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is over the limit of {limit} bytes.")
        self.details = {"max_body_bytes": limit}


def parse_json(raw: bytes) -> Any:
    """``json.loads`` with every failure mode, and nesting past :data:`MAX_JSON_DEPTH`, refused."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedJson("the body is not UTF-8 text") from None
    if _depth_over(text, MAX_JSON_DEPTH):
        raise MalformedJson(f"the body nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(text, parse_float=_finite, parse_constant=_no_constant)
    except (ValueError, RecursionError) as err:
        raise MalformedJson(f"the body is not valid JSON: {err}") from None


def _finite(literal: str) -> float:
    """A JSON number as a float; one past the float range (``1e999999``) is refused, since no
    answer could echo it back as JSON."""
    value = float(literal)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"the number {literal[:20]} is out of range")
    return value


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def _depth_over(text: str, limit: int) -> bool:
    """Whether brackets nest deeper than ``limit`` (strings skipped), in one linear pass."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


class BodyLimit:
    """Refuse request bodies over a limit, before reading them or while they stream in.

    ``overrides`` are ``(method, path regex, limit)`` triples, first full match wins: the lead
    gives the direct-upload route (multipart archive) the archive limit plus form overhead.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int = DEFAULT_BODY_LIMIT,
        overrides: Sequence[tuple[str, str, int]] = (),
    ) -> None:
        self.app = app
        self.limit = limit
        self.overrides = [(m.upper(), re.compile(p), n) for m, p, n in overrides]

    def limit_for(self, method: str, path: str) -> int:
        for want, pattern, limit in self.overrides:
            if want in (method, "*") and pattern.fullmatch(path):
                return limit
        return self.limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["method"], scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(send, limit)
            return
        started = False
        seen = 0

        async def counted_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            if started:
                raise
            await _too_large(send, limit)


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", []):
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps(
        {
            "success": False,
            "status": 413,
            "error": {
                "message": f"The request body is over the limit of {limit} bytes.",
                "type": "payload_too_large",
                "details": {"max_body_bytes": limit},
            },
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
