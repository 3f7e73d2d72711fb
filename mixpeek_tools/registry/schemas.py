"""Request and answer models of the plugin API, as the platform's OpenAPI document 0.81 has them.

FastAPI turns these into the registry's ``/openapi.json`` and checks every request against them
(a bad field answers 422 in FastAPI's ``{"detail": [...]}`` shape, naming the field), and every
answer the registry sends goes through its model, so the document cannot drift from what is
served. Fields beyond the platform's are marked "registry extension" in their description.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

NAME_PATTERN = r"^[a-zA-Z][a-zA-Z0-9_]{2,63}$"
SEMVER_PATTERN = r"^\d+\.\d+\.\d+$"
MAX_DESCRIPTION = 500
MAX_FILE_BYTES = 104_857_600
DEFAULT_EXPIRATION = 3600

ValidationStatus = Literal["pending", "passed", "failed"]
DeploymentStatus = Literal["deployed", "pending", "failed", "not_deployed"]
DeployProgress = Literal["queued", "pending", "in_progress", "deployed", "failed", "not_deployed"]


class ErrorInfo(BaseModel):
    message: str
    type: str
    details: dict[str, Any] | None = None


class ErrorBody(BaseModel):
    """Every error but a request-validation one (422 has FastAPI's own shape)."""

    success: Literal[False] = False
    status: int
    error: ErrorInfo


# -- uploads -------------------------------------------------------------------------------------


class CreateUploadRequest(BaseModel):
    name: str = Field(pattern=NAME_PATTERN)
    version: str = Field(pattern=SEMVER_PATTERN)
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION)
    file_size_bytes: int | None = Field(default=None, gt=0, le=MAX_FILE_BYTES)
    presigned_url_expiration: int = Field(default=DEFAULT_EXPIRATION, ge=60, le=86_400)
    upload_method: Literal["PUT", "POST"] = Field(
        default="PUT",
        description="Registry extension: POST also returns a presigned POST form "
        "(`presigned_post`) beside the PUT URL.",
    )


class PresignedPost(BaseModel):
    url: str
    fields: dict[str, str]


class CreateUploadResponse(BaseModel):
    upload_id: str
    presigned_url: str = Field(description="PUT the archive's bytes here.")
    s3_key: str
    expires_at: datetime
    namespace_id: str
    name: str
    version: str
    presigned_post: PresignedPost | None = Field(
        default=None, description="Registry extension: present when upload_method was POST."
    )


class ConfirmRequest(BaseModel):
    etag: str | None = None
    file_size_bytes: int | None = None


class ConfirmResponse(BaseModel):
    success: bool
    upload_id: str
    validation_status: ValidationStatus
    deployment_status: DeploymentStatus
    plugin_id: str | None = None
    validation_errors: list[str] | None = None
    feature_uri: str | None = None
    s3_archive_url: str | None = None
    message: str | None = None
    security_scan_passed: bool | None = Field(default=None, description="Registry extension.")
    security_violations: list[dict[str, Any]] | None = Field(
        default=None, description="Registry extension: each finding with rule, path and line."
    )


class DirectUploadResponse(BaseModel):
    success: bool
    plugin_id: str | None = None
    validation_status: ValidationStatus
    validation_errors: list[str] | None = None
    deployment_status: DeploymentStatus
    feature_uri: str | None = None
    s3_archive_url: str | None = None
    message: str | None = Field(default=None, description="Registry extension.")


# -- read and manage -----------------------------------------------------------------------------


class PluginListItem(BaseModel):
    plugin_id: str
    name: str
    version: str
    description: str | None = None
    deployed: bool
    validation_status: ValidationStatus
    feature_uri: str
    created_at: datetime
    updated_at: datetime | None = None


class PluginListResponse(BaseModel):
    success: bool
    plugins: list[PluginListItem]
    total: int
    namespace_id: str


class AvailablePlugin(BaseModel):
    plugin_id: str
    name: str
    version: str
    description: str | None = None
    feature_uri: str
    validation_status: ValidationStatus
    enabled_in_namespace: bool
    created_at: datetime


class AvailableResponse(BaseModel):
    success: bool
    plugins: list[AvailablePlugin]
    total: int
    organization_id: str
    namespace_id: str


class DeploymentInfo(BaseModel):
    ray_cluster_url: str | None = None
    ray_deployment_name: str | None = None
    feature_uri: str | None = None
    deployed_at: datetime | None = None


class PluginManifest(BaseModel):
    feature_extractor_name: str
    version: str
    description: str | None = None
    input_schema: dict[str, Any] | None = None
    output_schema: dict[str, Any] | None = None
    parameter_schema: dict[str, Any] | None = None
    required_vector_indexes: list[Any] | None = None
    features: list[Any] | None = None
    dependencies: list[Any] | None = None
    feature_uri: str | None = None


class PluginDetail(BaseModel):
    plugin_id: str
    namespace_id: str
    organization_id: str
    name: str
    version: str
    description: str | None = None
    s3_archive_url: str | None = None
    code_hash: str | None = None
    validation_status: ValidationStatus
    validation_errors: list[str] | None = None
    security_scan_passed: bool
    deployed: bool
    deployment_info: DeploymentInfo | None = None
    manifest: PluginManifest | None = None
    created_at: datetime
    updated_at: datetime | None = None
    deployed_at: datetime | None = None
    resolved_inference_name: str | None = None


class PluginResponse(BaseModel):
    success: bool
    plugin: PluginDetail
    presigned_download_url: str | None = None


class DeleteResponse(BaseModel):
    success: bool
    plugin_id: str
    message: str
    deployment_removed: bool


class DeployResponse(BaseModel):
    """One model for the three answers: batch-only, queued realtime, realtime not allowed."""

    status: DeployProgress | Literal["batch_only"]
    message: str | None = None
    deployment_type: str | None = None
    deployment_name: str | None = None
    route_prefix: str | None = None
    estimated_completion_seconds: int | None = None
    queue_position: int | None = None
    status_endpoint: str | None = None
    realtime_available: bool | None = None


class StatusResponse(BaseModel):
    plugin_id: str
    namespace_id: str
    status: DeployProgress
    name: str
    version: str
    realtime_enabled: bool
    message: str | None = None
    queued_at: datetime | None = None
    estimated_completion_seconds: int | None = None
    deployed: bool
    route_prefix: str | None = None
    feature_uri: str | None = None
    deployed_at: datetime | None = None
    error: str | None = None


class UndeployResponse(BaseModel):
    success: bool
    plugin_id: str
    status: DeployProgress
    deployment_removed: bool
    message: str


class EnableRequest(BaseModel):
    params: dict[str, Any] | None = None
    deploy: bool = True


class EnableResponse(BaseModel):
    success: bool
    plugin_id: str
    namespace_id: str
    feature_uri: str
    message: str
    deployment_status: DeploymentStatus | DeployProgress | Literal["batch_only"]


class DisableResponse(BaseModel):
    success: bool
    plugin_id: str
    namespace_id: str
    message: str


# -- extractors ----------------------------------------------------------------------------------


class Extractor(BaseModel):
    extractor_id: str
    feature_extractor_name: str
    version: str
    description: str | None = None
    source: Literal["builtin", "custom"]
    category: str | None = None
    feature_uri: str
    deployed: bool


class ExtractorList(BaseModel):
    success: bool
    extractors: list[Extractor]
    total: int
    namespace_id: str


class ExtractorResponse(BaseModel):
    success: bool
    extractor: Extractor


class Health(BaseModel):
    status: str
