"""The routes of the strict stand-in platform: auth, namespace, body rules, the sheet's answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from strict_platform import BUCKET, ORG, ORG_ONLY, StrictPlatform, load_json, now_iso
from strict_rules import CONFIRM, CREATE_UPLOAD, ENABLE, Invalid, Refused, validate

Handler = Callable[[StrictPlatform, Request, Any], dict[str, Any]]
PREFIX = "/v1/namespaces/{ns}/plugins"


def endpoint(platform: StrictPlatform, handler: Handler) -> Callable[[Request], Awaitable[JSONResponse]]:
    """Wrap a handler: record the request, check key and namespace, map errors to the shapes."""

    async def run(request: Request) -> JSONResponse:
        raw = await request.body()
        try:
            body = load_json(raw) if raw else None
            with platform.lock:
                platform.requests.append((request.method, request.url.path, body,
                                          dict(request.headers)))  # fmt: skip
                _authorize(platform, request)
                return JSONResponse(handler(platform, request, body), status_code=200)
        except Invalid as err:
            return JSONResponse({"detail": err.detail}, status_code=422)
        except Refused as err:
            return JSONResponse(err.body(), status_code=err.status)

    return run


def _authorize(platform: StrictPlatform, request: Request) -> None:
    if request.headers.get("authorization") != f"Bearer {platform.api_key}":
        raise Refused(401, "Invalid or missing API key", "AuthenticationError")
    if request.path_params.get("ns") != platform.namespace:
        raise Refused(403, "The API key has no access to this namespace", "ForbiddenError")


def _pid(request: Request) -> str:
    return str(request.path_params["pid"])


def create_upload(p: StrictPlatform, request: Request, body: Any) -> dict[str, Any]:
    return p.create_upload(validate(body, CREATE_UPLOAD))


def confirm(p: StrictPlatform, request: Request, body: Any) -> dict[str, Any]:
    return p.confirm(str(request.path_params["upload_id"]), validate(body, CONFIRM, body_may_be_null=True))


def list_plugins(p: StrictPlatform, request: Request, body: Any) -> dict[str, Any]:
    items = [p.item(x) for x in p.plugins.values()]
    return {"success": True, "plugins": items, "total": len(items), "namespace_id": p.namespace}


def _org_plugins(p: StrictPlatform) -> dict[str, dict[str, Any]]:
    shared = {"plugin_id": ORG_ONLY, "name": "org_shared", "version": "1.0.0",
              "description": "Shared by the organisation", "validation_status": "passed",
              "feature_uri": "mixpeek://org_shared@1.0.0", "created_at": now_iso(0.0)}  # fmt: skip
    return {ORG_ONLY: shared, **p.plugins}


def list_available(p: StrictPlatform, request: Request, body: Any) -> dict[str, Any]:
    keys = ("plugin_id", "name", "version", "description", "feature_uri", "validation_status",
            "created_at")  # fmt: skip
    items = [{**{k: x[k] for k in keys}, "enabled_in_namespace": pid in p.enabled}
             for pid, x in _org_plugins(p).items()]  # fmt: skip
    return {"success": True, "plugins": items, "total": len(items), "organization_id": ORG,
            "namespace_id": p.namespace}  # fmt: skip


def get_plugin(p: StrictPlatform, request: Request, body: Any) -> dict[str, Any]:
    plugin = p.plugin(_pid(request))
    url = None
    if request.query_params.get("return_presigned_urls", "").lower() == "true":
        url = p.public(p.s3.generate_presigned_url(
            "get_object", Params={"Bucket": BUCKET, "Key": plugin["s3_key"]}, ExpiresIn=600))  # fmt: skip
    return {"success": True, "plugin": p.detail(plugin), "presigned_download_url": url}


def delete_plugin(p: StrictPlatform, request: Request, body: Any) -> dict[str, Any]:
    plugin = p.plugin(_pid(request))
    del p.plugins[plugin["plugin_id"]]
    p.s3.delete_object(Bucket=BUCKET, Key=plugin["s3_key"])
    return {"success": True, "plugin_id": plugin["plugin_id"], "message": "Plugin deleted",
            "deployment_removed": bool(plugin["deployed"])}  # fmt: skip


def deploy(p: StrictPlatform, request: Request, body: Any) -> dict[str, Any]:
    return p.deploy(_pid(request))


def status(p: StrictPlatform, request: Request, body: Any) -> dict[str, Any]:
    return p.status(_pid(request))


def undeploy(p: StrictPlatform, request: Request, body: Any) -> dict[str, Any]:
    plugin = p.plugin(_pid(request))
    plugin.update(deployed=False, state="not_deployed", steps=[], deployed_at=None)
    return {"success": True, "plugin_id": plugin["plugin_id"], "message": "Deployment removed"}


def enable(p: StrictPlatform, request: Request, body: Any) -> dict[str, Any]:
    values = validate(body if body is not None else {}, ENABLE)
    plugin = _org_plugins(p).get(_pid(request))
    if plugin is None:
        raise Refused(404, f"Organisation plugin {_pid(request)} not found", "NotFoundError")
    deploy_now = bool(values.get("deploy", True))
    p.enabled[plugin["plugin_id"]] = {"params": values.get("params"), "deploy": deploy_now}
    return {"success": True, "plugin_id": plugin["plugin_id"], "namespace_id": p.namespace,
            "feature_uri": plugin["feature_uri"], "message": "Plugin enabled",
            "deployment_status": "deployed" if deploy_now else "not_deployed"}  # fmt: skip


def disable(p: StrictPlatform, request: Request, body: Any) -> dict[str, Any]:
    if p.enabled.pop(_pid(request), None) is None:
        raise Refused(404, f"Plugin {_pid(request)} is not enabled here", "NotFoundError")
    return {"success": True, "plugin_id": _pid(request), "message": "Plugin disabled"}


def create_app(platform: StrictPlatform) -> Starlette:
    table: list[tuple[str, str, Handler]] = [
        ("POST", "/uploads", create_upload),
        ("POST", "/uploads/{upload_id}/confirm", confirm),
        ("GET", "", list_plugins),
        ("GET", "/available", list_available),
        ("POST", "/org/{pid}/enable", enable),
        ("POST", "/org/{pid}/disable", disable),
        ("GET", "/{pid}", get_plugin),
        ("DELETE", "/{pid}", delete_plugin),
        ("POST", "/{pid}/deploy", deploy),
        ("GET", "/{pid}/status", status),
        ("POST", "/{pid}/undeploy", undeploy),
    ]
    routes = [Route(PREFIX + path, endpoint(platform, handler), methods=[method])
              for method, path, handler in table]  # fmt: skip
    return Starlette(routes=routes)
