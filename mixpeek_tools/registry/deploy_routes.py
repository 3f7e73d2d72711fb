"""The realtime side of deployments: the inference reverse proxy, and stopping services.

``{route_prefix}/{path}`` (``/inference/custom_plugin_<id>/predict``, ``/health``, ...) is
forwarded over loopback HTTP to the plugin's own service (its child process, or its Ray Serve
application through Serve's HTTP proxy), body and status unchanged.
It takes the same bearer key as the plugin API, and only a key of the namespace that deployed
the plugin. Bodies are bounded by the registry's :class:`limits.BodyLimit` on the way in (32 MiB
on these routes) and by :data:`MAX_REPLY_BYTES` on the way back.

These routes are the plugin's own API, not the platform's plugin API: they are left out of the
registry's OpenAPI document (each plugin documents its service at ``{route_prefix}/docs``).
"""

from __future__ import annotations

import contextlib
import http.client
import urllib.parse
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from mixpeek_tools.registry.api_errors import ApiFailure
from mixpeek_tools.registry.context import Registry

PROXY_TIMEOUT = 300.0
MAX_REPLY_BYTES = 64 * 1024 * 1024
_FORWARDED_HEADERS = ("content-type", "accept")
_JSON = {"content-type": "application/json"}
_bearer = HTTPBearer(auto_error=False)

router = APIRouter()


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Stop every realtime service when the server shuts down (uvicorn re-raises SIGTERM after
    its own shutdown, so code after ``server.run()`` may never run)."""
    yield
    registry: Registry = app.state.registry
    stop_all = getattr(registry.deployer, "stop_all", None)
    if stop_all is not None:
        await run_in_threadpool(stop_all)


def key_namespace(registry: Registry, credentials: HTTPAuthorizationCredentials | None) -> str:
    """The namespace of the bearer key; 401 without a known key."""
    if credentials is None or not credentials.credentials.strip():
        raise ApiFailure(401, "authentication_error",
                         "Missing API key: send 'Authorization: Bearer <key>'.")  # fmt: skip
    owner = registry.store.namespace_of(credentials.credentials.strip())
    if owner is None:
        raise ApiFailure(401, "authentication_error", "Invalid API key.")
    return owner


@router.api_route("/inference/custom_plugin_{plugin_id}/{path:path}", methods=["GET", "POST"],
                  include_in_schema=False)  # fmt: skip
async def inference(
    request: Request, plugin_id: str, path: str,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Response:  # fmt: skip
    """Forward ``/inference/custom_plugin_<id>/<path>`` to the plugin's service."""
    registry: Registry = request.app.state.registry
    ns = key_namespace(registry, credentials)
    endpoint = getattr(registry.deployer, "endpoint", None)
    base_url = endpoint(ns, plugin_id) if endpoint is not None else None
    if base_url is None:
        raise ApiFailure(404, "not_found", f"No realtime deployment custom_plugin_{plugin_id} "
                         "is running in this namespace; deploy the plugin and poll its status.")  # fmt: skip
    headers = {k: v for k, v in request.headers.items() if k in _FORWARDED_HEADERS}
    body = await request.body()
    status, reply_headers, data = await run_in_threadpool(
        forward, base_url, request.method, "/" + path, body, headers
    )
    return Response(data, status_code=status, headers=reply_headers)


def forward(
    base_url: str, method: str, path: str, body: bytes, headers: dict[str, str]
) -> tuple[int, dict[str, str], bytes]:
    """One loopback HTTP call; a reply over :data:`MAX_REPLY_BYTES` is a 502. ``base_url`` may
    carry a path (a Ray Serve application's own prefix), which goes before ``path``."""
    target = urllib.parse.urlsplit(base_url)
    conn = http.client.HTTPConnection(target.netloc, timeout=PROXY_TIMEOUT)
    try:
        conn.request(method, target.path.rstrip("/") + path, body=body or None, headers=headers)
        reply = conn.getresponse()
        data = reply.read(MAX_REPLY_BYTES + 1)
        kept = {k: v for k, v in reply.getheaders() if k.lower() == "content-type"}
    except (OSError, http.client.HTTPException) as err:
        return 502, _JSON, _bad_gateway(f"the realtime service did not answer: {err}")
    finally:
        conn.close()
    if len(data) > MAX_REPLY_BYTES:
        return (
            502,
            _JSON,
            _bad_gateway(f"the realtime service's reply passed {MAX_REPLY_BYTES} bytes"),
        )
    return reply.status, kept, data


def _bad_gateway(message: str) -> bytes:
    import json

    error: dict[str, Any] = {"message": message, "type": "bad_gateway", "details": {}}
    return json.dumps({"success": False, "status": 502, "error": error}).encode()
