"""The plugin API as an ASGI app (FastAPI), speaking the platform's OpenAPI 0.81 plugin routes.

FastAPI is used for what the platform itself uses it for: request checking (422 in FastAPI's
``{"detail": [...]}`` shape) and the OpenAPI document, served at ``/openapi.json`` with an
offline ``/docs`` page rendered from it. Every other error has the platform's body (see
:mod:`api_errors`); the routes are in :mod:`routes`, their logic in :mod:`uploads` and
:mod:`plugins`.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware

from mixpeek_tools.registry import deploy_routes
from mixpeek_tools.registry.api_errors import ApiFailure, on_crash, on_failure, on_http
from mixpeek_tools.registry.context import Registry
from mixpeek_tools.registry.limits import REGISTRY_OVERRIDES, BodyLimit
from mixpeek_tools.registry.openapi_page import render
from mixpeek_tools.registry.routes import router
from mixpeek_tools.registry.schemas import MAX_FILE_BYTES

PLATFORM_API_VERSION = "0.81"
# The direct multipart upload carries the archive itself, plus its form fields and boundaries.
DIRECT_UPLOAD_LIMIT = MAX_FILE_BYTES + 1024 * 1024
BODY_OVERRIDES = (("POST", r"/v1/namespaces/[^/]+/plugins", DIRECT_UPLOAD_LIMIT),
                  *REGISTRY_OVERRIDES)  # fmt: skip

__all__ = ["PLATFORM_API_VERSION", "Registry", "create_app"]


def create_app(registry: Registry) -> FastAPI:
    app = FastAPI(
        title="Mixpeek local registry",
        version=PLATFORM_API_VERSION,
        description="The Mixpeek platform's plugin API (OpenAPI 0.81 plugin routes), served "
        "locally by mixpeek-tools. A deployed realtime plugin's own routes, under "
        "`/inference/custom_plugin_{plugin_id}/`, are proxied to its service and not part of "
        "this document.",
        docs_url=None,
        redoc_url=None,
        exception_handlers={
            ApiFailure: on_failure,
            HTTPException: on_http,
            Exception: on_crash,
        },
        middleware=[Middleware(BodyLimit, overrides=BODY_OVERRIDES)],
        lifespan=deploy_routes.lifespan,
    )
    app.include_router(router)
    app.include_router(deploy_routes.router)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(render(app.openapi()))

    app.state.registry = registry
    return app
