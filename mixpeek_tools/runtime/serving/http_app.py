"""The ASGI app of a realtime endpoint, and the local uvicorn server that runs it.

The same app is what each Ray Serve replica runs (``ray_serve``), so the two engines share
routes, validation and error bodies.
"""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Any

from mixpeek_tools.errors import EnvironmentFailure

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from mixpeek_tools.runtime.serving.endpoint import RealtimeEndpoint


def build_app(endpoint: RealtimeEndpoint) -> Starlette:
    """Starlette app with ``/health``, ``/predict``, ``/openapi.json`` and ``/docs``."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, Response
    from starlette.routing import Route

    from mixpeek_tools.runtime.serving.openapi import docs_page, example_request, openapi_document

    document = openapi_document(
        name=endpoint.name,
        version=endpoint.version,
        description=str(endpoint.plugin.metadata.get("description", "")),
        input_schema=endpoint.input_schema,
        output_schema=endpoint.output_schema,
        parameter_schema=endpoint.parameter_schema,
    )
    page = docs_page(document, example_request(endpoint.input_schema))

    async def health(request: Request) -> Response:
        reply = endpoint.health()
        return JSONResponse(reply.body, status_code=reply.status)

    async def predict(request: Request) -> Response:
        reply = await endpoint.predict(await request.body())
        return JSONResponse(reply.body, status_code=reply.status)

    async def openapi(request: Request) -> Response:
        return JSONResponse(document)

    async def docs(request: Request) -> Response:
        return HTMLResponse(page)

    return Starlette(
        routes=[
            Route("/health", health, methods=["GET"]),
            Route("/predict", predict, methods=["POST"]),
            Route("/openapi.json", openapi, methods=["GET"]),
            Route("/docs", docs, methods=["GET"]),
        ]
    )


def check_port_free(host: str, port: int) -> None:
    """Fail with a clear message before starting when ``host:port`` cannot be bound."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise EnvironmentFailure(
                f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                where=f"--host {host} --port {port}",
                hint="Pick another --port, or stop the program that is using this one",
            ) from exc


def serve_local(endpoint: RealtimeEndpoint, host: str, port: int, *, verbose: bool = False) -> None:
    """Run the app with uvicorn until Ctrl+C."""
    import uvicorn

    check_port_free(host, port)
    config: Any = uvicorn.Config(
        build_app(endpoint),
        host=host,
        port=port,
        log_level="info" if verbose else "warning",
        access_log=verbose,
        lifespan="off",
    )
    uvicorn.Server(config).run()
