"""The HTTP routes: authorise, parse (FastAPI, from :mod:`schemas`), call the logic, answer.

Paths are the platform's, under ``/v1/namespaces/{namespace_id}/plugins``, plus the two
extractor listings. Handlers are plain functions, so FastAPI runs them in its thread pool (the
logic does blocking S3 and SQLite calls).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, File, Form, Header, Path, Query, Request, UploadFile
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from mixpeek_tools.registry import plugins, schemas, uploads
from mixpeek_tools.registry.api_errors import ApiFailure, documented
from mixpeek_tools.registry.builtin import builtin_extractors, custom_extractor
from mixpeek_tools.registry.context import Registry
from mixpeek_tools.registry.limits import BoundedJsonRoute

BASE = "/v1/namespaces/{namespace_id}/plugins"
_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer sk_...`.")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
NamespaceId = Annotated[str, Path(description="The namespace, e.g. ns_default.")]
PluginId = Annotated[str, Path(description="A plugin id such as my_plugin_1_0_0.")]
AUTH = (401, 403)

router = APIRouter(route_class=BoundedJsonRoute)


def registry_of(request: Request) -> Registry:
    found: Registry = request.app.state.registry
    return found


def authorize(
    request: Request, credentials: HTTPAuthorizationCredentials | None, ns: str
) -> Registry:
    """The registry, once the bearer key is known and belongs to namespace ``ns``."""
    registry = registry_of(request)
    if credentials is None or not credentials.credentials.strip():
        raise ApiFailure(401, "authentication_error",
                         "Missing API key: send 'Authorization: Bearer <key>'.")  # fmt: skip
    owner = registry.store.namespace_of(credentials.credentials.strip())
    if owner is None:
        raise ApiFailure(401, "authentication_error", "Invalid API key.")
    if owner != ns:
        raise ApiFailure(403, "permission_denied",
                         f"This API key has no access to namespace {ns!r}.",
                         {"namespace_id": ns})  # fmt: skip
    return registry


@router.get("/health", response_model=schemas.Health, tags=["registry"])
def health() -> dict[str, Any]:
    return {"status": "ok"}


# -- uploads -------------------------------------------------------------------------------------


@router.post(f"{BASE}/uploads", response_model=schemas.CreateUploadResponse, tags=["uploads"],
             responses=documented(400, *AUTH, 409))  # fmt: skip
def create_upload(
    request: Request, namespace_id: NamespaceId, body: schemas.CreateUploadRequest,
    credentials: Credentials,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> dict[str, Any]:  # fmt: skip
    """Register an upload and get a presigned PUT URL for the archive."""
    registry = authorize(request, credentials, namespace_id)
    return uploads.create_upload(registry, namespace_id, body, idempotency_key)


@router.post(f"{BASE}/uploads/{{upload_id}}/confirm", response_model=schemas.ConfirmResponse,
             tags=["uploads"], responses=documented(400, *AUTH, 404, 409))  # fmt: skip
def confirm_upload(
    request: Request, namespace_id: NamespaceId, upload_id: str, credentials: Credentials,
    body: Annotated[schemas.ConfirmRequest | None, Body()] = None,
) -> dict[str, Any]:  # fmt: skip
    """Check the uploaded archive (structure, manifest, security scan) and record the plugin."""
    registry = authorize(request, credentials, namespace_id)
    return uploads.confirm_upload(registry, namespace_id, upload_id, body)


@router.post(BASE, response_model=schemas.DirectUploadResponse, tags=["uploads"],
             responses=documented(400, *AUTH, 409, 413))  # fmt: skip
def direct_upload(
    request: Request, namespace_id: NamespaceId, credentials: Credentials,
    file: Annotated[UploadFile, File(description="The plugin archive (.tar.gz or .zip).")],
    name: Annotated[str, Form(pattern=schemas.NAME_PATTERN)],
    version: Annotated[str, Form(pattern=schemas.SEMVER_PATTERN)],
    description: Annotated[str | None, Form(max_length=schemas.MAX_DESCRIPTION)] = None,
) -> dict[str, Any]:  # fmt: skip
    """Upload a small archive in the request itself, instead of through a presigned URL."""
    registry = authorize(request, credentials, namespace_id)
    fields = {"name": name, "version": version, "description": description}
    return uploads.direct_upload(registry, namespace_id, fields, file.file)


# -- read and manage -----------------------------------------------------------------------------


@router.get(BASE, response_model=schemas.PluginListResponse, tags=["plugins"],
            responses=documented(*AUTH))  # fmt: skip
def list_plugins(
    request: Request, namespace_id: NamespaceId, credentials: Credentials
) -> dict[str, Any]:
    """The namespace's plugins, validated or failed."""
    return plugins.list_answer(authorize(request, credentials, namespace_id), namespace_id)


@router.get(f"{BASE}/available", response_model=schemas.AvailableResponse, tags=["plugins"],
            responses=documented(*AUTH))  # fmt: skip
def available_plugins(
    request: Request, namespace_id: NamespaceId, credentials: Credentials
) -> dict[str, Any]:
    """The organisation's validated plugins, and whether each is enabled in this namespace."""
    return plugins.available_answer(authorize(request, credentials, namespace_id), namespace_id)


@router.get(f"{BASE}/{{plugin_id}}", response_model=schemas.PluginResponse, tags=["plugins"],
            responses=documented(*AUTH, 404))  # fmt: skip
def get_plugin(
    request: Request, namespace_id: NamespaceId, plugin_id: PluginId, credentials: Credentials,
    return_presigned_urls: Annotated[bool, Query()] = False,
) -> dict[str, Any]:  # fmt: skip
    """One plugin; with return_presigned_urls, a presigned GET of its archive."""
    registry = authorize(request, credentials, namespace_id)
    return plugins.detail_answer(registry, namespace_id, plugin_id, return_presigned_urls)


@router.delete(f"{BASE}/{{plugin_id}}", response_model=schemas.DeleteResponse, tags=["plugins"],
               responses=documented(*AUTH, 404))  # fmt: skip
def delete_plugin(
    request: Request, namespace_id: NamespaceId, plugin_id: PluginId, credentials: Credentials
) -> dict[str, Any]:
    """Delete a plugin, its deployment and its archive."""
    registry = authorize(request, credentials, namespace_id)
    return plugins.delete_answer(registry, namespace_id, plugin_id)


@router.post(f"{BASE}/{{plugin_id}}/deploy", response_model=schemas.DeployResponse,
             tags=["deployments"], responses=documented(400, *AUTH, 404),
             response_model_exclude_none=True)  # fmt: skip
def deploy_plugin(
    request: Request, namespace_id: NamespaceId, plugin_id: PluginId, credentials: Credentials
) -> dict[str, Any]:
    """Deploy: batch-only plugins at once; plugins with realtime.py are queued."""
    registry = authorize(request, credentials, namespace_id)
    return plugins.deploy_answer(registry, namespace_id, plugin_id)


@router.get(f"{BASE}/{{plugin_id}}/status", response_model=schemas.StatusResponse,
            tags=["deployments"], responses=documented(*AUTH, 404))  # fmt: skip
def deployment_status(
    request: Request, namespace_id: NamespaceId, plugin_id: PluginId, credentials: Credentials
) -> dict[str, Any]:
    """Where the plugin's deployment stands (poll it after a deploy)."""
    registry = authorize(request, credentials, namespace_id)
    return plugins.status_answer(registry, namespace_id, plugin_id)


@router.post(f"{BASE}/{{plugin_id}}/undeploy", response_model=schemas.UndeployResponse,
             tags=["deployments"], responses=documented(*AUTH, 404))  # fmt: skip
def undeploy_plugin(
    request: Request, namespace_id: NamespaceId, plugin_id: PluginId, credentials: Credentials
) -> dict[str, Any]:
    """Stop the plugin's deployment; the plugin stays."""
    registry = authorize(request, credentials, namespace_id)
    return plugins.undeploy_answer(registry, namespace_id, plugin_id)


@router.post(f"{BASE}/org/{{plugin_id}}/enable", response_model=schemas.EnableResponse,
             tags=["organization"], responses=documented(400, *AUTH, 404))  # fmt: skip
def enable_plugin(
    request: Request, namespace_id: NamespaceId, plugin_id: PluginId, credentials: Credentials,
    body: Annotated[schemas.EnableRequest | None, Body()] = None,
) -> dict[str, Any]:  # fmt: skip
    """Enable an organisation plugin in this namespace (and deploy it, by default)."""
    registry = authorize(request, credentials, namespace_id)
    req = body or schemas.EnableRequest()
    return plugins.enable_answer(registry, namespace_id, plugin_id, req.params, req.deploy)


@router.post(f"{BASE}/org/{{plugin_id}}/disable", response_model=schemas.DisableResponse,
             tags=["organization"], responses=documented(*AUTH, 404))  # fmt: skip
def disable_plugin(
    request: Request, namespace_id: NamespaceId, plugin_id: PluginId, credentials: Credentials
) -> dict[str, Any]:
    """Disable an organisation plugin in this namespace."""
    registry = authorize(request, credentials, namespace_id)
    return plugins.disable_answer(registry, namespace_id, plugin_id)


# -- extractors ----------------------------------------------------------------------------------


def extractors_of(registry: Registry, ns: str) -> list[dict[str, Any]]:
    enabled = registry.store.enabled(ns)
    custom = [
        custom_extractor(plugins.sync(registry, p)) for p in registry.store.passed_plugins()
        if p["namespace_id"] == ns or (p["namespace_id"], p["plugin_id"]) in enabled
    ]  # fmt: skip
    return builtin_extractors() + custom


def _extractor_list(registry: Registry, ns: str) -> dict[str, Any]:
    items = extractors_of(registry, ns)
    return {"success": True, "extractors": items, "total": len(items), "namespace_id": ns}


@router.get("/v1/collections/features/extractors", response_model=schemas.ExtractorList,
            tags=["extractors"], responses=documented(*AUTH))  # fmt: skip
def collection_extractors(
    request: Request, credentials: Credentials,
    x_namespace: Annotated[str, Header(alias="X-Namespace")],
) -> dict[str, Any]:  # fmt: skip
    """Built-in and custom extractors of the namespace in X-Namespace (the official CLI's list)."""
    return _extractor_list(authorize(request, credentials, x_namespace), x_namespace)


@router.get("/v1/namespaces/{namespace_id}/extractors", response_model=schemas.ExtractorList,
            tags=["extractors"], responses=documented(*AUTH))  # fmt: skip
def namespace_extractors(
    request: Request, namespace_id: NamespaceId, credentials: Credentials
) -> dict[str, Any]:
    """Built-in and custom extractors available to the namespace."""
    return _extractor_list(authorize(request, credentials, namespace_id), namespace_id)


@router.get("/v1/namespaces/{namespace_id}/extractors/{extractor_id}",
            response_model=schemas.ExtractorResponse, tags=["extractors"],
            responses=documented(*AUTH, 404))  # fmt: skip
def namespace_extractor(
    request: Request, namespace_id: NamespaceId, extractor_id: str, credentials: Credentials
) -> dict[str, Any]:
    """One extractor available to the namespace."""
    registry = authorize(request, credentials, namespace_id)
    found = next((e for e in extractors_of(registry, namespace_id)
                  if e["extractor_id"] == extractor_id), None)  # fmt: skip
    if found is None:
        raise ApiFailure(
            404, "not_found", f"No extractor {extractor_id!r} in namespace {namespace_id!r}."
        )
    return {"success": True, "extractor": found}
