"""The platform's error body, and the handlers that give every failure that shape.

``{"success": false, "status": <code>, "error": {"message", "type", "details"}}`` for every
error except request validation, which keeps FastAPI's ``{"detail": [{"loc", "msg", "type"}]}``
(422), as the platform's does. A bug answers 500 in the same shape, without internals.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from mixpeek_tools.registry.schemas import ErrorBody

_KINDS = {400: "bad_request", 401: "authentication_error", 403: "permission_denied",
          404: "not_found", 405: "method_not_allowed", 409: "conflict", 413: "payload_too_large"}  # fmt: skip


class ApiFailure(Exception):
    """Raised by the registry's logic; turned into the platform's error body."""

    def __init__(
        self, status: int, error_type: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message
        self.details = details


def not_found(what: str, ident: str, namespace_id: str) -> ApiFailure:
    return ApiFailure(404, "not_found", f"No {what} {ident!r} in namespace {namespace_id!r}.")


def error_response(status: int, kind: str, message: str, details: Any = None) -> JSONResponse:
    body = {"success": False, "status": status,
            "error": {"message": message, "type": kind, "details": details}}  # fmt: skip
    return JSONResponse(body, status_code=status)


async def on_failure(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiFailure)  # nosec B101  # registered for ApiFailure only
    return error_response(exc.status, exc.error_type, exc.message, exc.details)


async def on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)  # nosec B101  # registered for HTTPException only
    kind = getattr(exc, "error_type", None) or _KINDS.get(exc.status_code, "http_error")
    return error_response(exc.status_code, kind, str(exc.detail), getattr(exc, "details", None))


async def on_crash(request: Request, exc: Exception) -> JSONResponse:
    logging.getLogger(__name__).exception(
        "unhandled error on %s %s", request.method, request.url.path
    )
    return error_response(500, "internal_error", "The registry failed; see its log.", None)


def documented(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: each error code answers :class:`ErrorBody`."""
    return {code: {"model": ErrorBody, "description": _KINDS.get(code, "error")} for code in codes}
