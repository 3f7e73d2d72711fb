"""HTTP handlers for deployments: status, undeploy, and the realtime reverse proxy.

``{route_prefix}/{path}`` (``/inference/custom_plugin_<id>/predict``, ``/health``, ...) is
forwarded over loopback HTTP to the plugin's own service process, body and status unchanged.
It takes the same bearer key as the plugin API, and only a key of the namespace that deployed
the plugin. Bodies are bounded by the registry's :class:`limits.BodyLimit` on the way in and by
:data:`MAX_REPLY_BYTES` on the way back.
"""

from __future__ import annotations

import contextlib
import http.client
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mixpeek_tools.registry.deployments import idle_status

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from mixpeek_tools.registry.app import Registry

PROXY_TIMEOUT = 300.0
MAX_REPLY_BYTES = 64 * 1024 * 1024
_FORWARDED_HEADERS = ("content-type", "accept")
_JSON = {"content-type": "application/json"}


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    """Stop every realtime service when the server shuts down (uvicorn re-raises SIGTERM after
    its own shutdown, so code after ``server.run()`` may never run)."""
    yield
    registry: Registry = app.state.registry
    if registry.deployer is not None:
        await run_in_threadpool(registry.deployer.stop_all)


def _registry(request: Request) -> Registry:
    registry: Registry = request.app.state.registry
    return registry


async def get_status(request: Request) -> JSONResponse:
    """``GET .../plugins/{plugin_id}/status``."""
    from mixpeek_tools.registry.app import _find, authorize

    ns = authorize(request)
    registry = _registry(request)
    plugin = _find(registry, ns, request.path_params["plugin_id"])
    record = registry.deployer.status(plugin["plugin_id"]) if registry.deployer else None
    return JSONResponse(record or idle_status(plugin))


async def post_undeploy(request: Request) -> JSONResponse:
    """``POST .../plugins/{plugin_id}/undeploy``: stops the service; the plugin stays."""
    from mixpeek_tools.registry.app import _find, authorize

    ns = authorize(request)
    registry = _registry(request)
    plugin = _find(registry, ns, request.path_params["plugin_id"])
    deployer = registry.deployer
    stopped = deployer is not None and await run_in_threadpool(deployer.stop, plugin["plugin_id"])
    return JSONResponse({"success": True, "plugin_id": plugin["plugin_id"],
                         "status": "not_deployed", "deployment_removed": stopped,
                         "message": f"{plugin['name']} {plugin['version']} is not deployed."})  # fmt: skip


async def inference(request: Request) -> Response:
    """Forward ``/inference/custom_plugin_<id>/<path>`` to the plugin's service."""
    from mixpeek_tools.registry.app import ApiFailure, authorize_key

    ns = authorize_key(request)
    registry = _registry(request)
    plugin_id = request.path_params["plugin_id"]
    target = registry.deployer.target(plugin_id) if registry.deployer else None
    if target is None or target[0] != ns:
        raise ApiFailure(404, "not_found", f"No realtime deployment custom_plugin_{plugin_id} "
                         "is running in this namespace; deploy the plugin and poll its status.")  # fmt: skip
    headers = {k: v for k, v in request.headers.items() if k in _FORWARDED_HEADERS}
    body = await request.body()
    status, reply_headers, data = await run_in_threadpool(
        forward, target[1], request.method, "/" + request.path_params["path"], body, headers
    )
    return Response(data, status_code=status, headers=reply_headers)


def forward(
    base_url: str, method: str, path: str, body: bytes, headers: dict[str, str]
) -> tuple[int, dict[str, str], bytes]:
    """One loopback HTTP call; a reply over :data:`MAX_REPLY_BYTES` is a 502."""
    host_port = base_url.removeprefix("http://")
    conn = http.client.HTTPConnection(host_port, timeout=PROXY_TIMEOUT)
    try:
        conn.request(method, path, body=body or None, headers=headers)
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
