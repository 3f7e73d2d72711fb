"""JSON Schemas (draft 2020-12) of the platform's plugin API answers, written from the sheet.

Written by hand from ``/work/shared/reference/platform-plugin-api.md`` (the platform's OpenAPI
0.81 and its CLI), NOT generated from the registry's own models, so a registry answer that
drifts from the platform fails here even when it agrees with the registry's ``/openapi.json``.
Extra fields are allowed (the registry documents a few extensions); missing or mistyped ones
are not. ``assert_matches(name, body)`` validates one answer and names every problem.
"""

from __future__ import annotations

import functools
from typing import Any

from jsonschema import Draft202012Validator

STR = {"type": "string"}
STR_OR_NULL = {"type": ["string", "null"]}
BOOL = {"type": "boolean"}
INT = {"type": "integer"}
INT_OR_NULL = {"type": ["integer", "null"]}
DATE = {"type": "string", "format": "date-time"}
DATE_OR_NULL = {"type": ["string", "null"], "format": "date-time"}
VALIDATION = {"enum": ["pending", "passed", "failed"]}
DEPLOYMENT = {"enum": ["deployed", "pending", "failed", "not_deployed"]}
PROGRESS = {"enum": ["queued", "pending", "in_progress", "deployed", "failed", "not_deployed"]}
PLUGIN_ID = {"type": "string", "pattern": r"^[a-zA-Z][a-zA-Z0-9_]*_\d+_\d+_\d+$"}
FEATURE_URI = {"type": "string", "pattern": r"^mixpeek://[a-zA-Z][a-zA-Z0-9_]*@\d+\.\d+\.\d+$"}
STRINGS_OR_NULL = {"type": ["array", "null"], "items": STR}


def obj(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "required": sorted(required),
        "properties": {**required, **(optional or {})},
    }


SCHEMAS: dict[str, dict[str, Any]] = {
    "error": obj(
        {
            "success": {"const": False},
            "status": INT,
            "error": obj({"message": STR, "type": STR}, {"details": {"type": ["object", "null"]}}),
        }
    ),
    "validation_error": obj(
        {
            "detail": {
                "type": "array",
                "minItems": 1,
                "items": obj(
                    {
                        "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                        "msg": STR,
                        "type": STR,
                    }
                ),
            }
        }
    ),
    "create_upload": obj(
        {
            "upload_id": STR,
            "presigned_url": {"type": "string", "pattern": "^https?://"},
            "s3_key": STR,
            "expires_at": DATE,
            "namespace_id": STR,
            "name": STR,
            "version": {"type": "string", "pattern": r"^\d+\.\d+\.\d+$"},
        }
    ),
    "confirm": obj(
        {
            "success": BOOL,
            "upload_id": STR,
            "validation_status": VALIDATION,
            "deployment_status": DEPLOYMENT,
        },
        {
            "plugin_id": {"anyOf": [PLUGIN_ID, {"type": "null"}]},
            "validation_errors": STRINGS_OR_NULL,
            "feature_uri": {"anyOf": [FEATURE_URI, {"type": "null"}]},
            "s3_archive_url": STR_OR_NULL,
            "message": STR_OR_NULL,
        },
    ),
    "direct_upload": obj(
        {
            "success": BOOL,
            "plugin_id": PLUGIN_ID,
            "validation_status": VALIDATION,
            "validation_errors": STRINGS_OR_NULL,
            "deployment_status": DEPLOYMENT,
            "feature_uri": FEATURE_URI,
            "s3_archive_url": STR_OR_NULL,
        }
    ),
    "plugin_list": obj(
        {
            "success": BOOL,
            "total": INT,
            "namespace_id": STR,
            "plugins": {
                "type": "array",
                "items": obj(
                    {
                        "plugin_id": PLUGIN_ID,
                        "name": STR,
                        "version": STR,
                        "description": STR_OR_NULL,
                        "deployed": BOOL,
                        "validation_status": VALIDATION,
                        "feature_uri": FEATURE_URI,
                        "created_at": DATE,
                        "updated_at": DATE_OR_NULL,
                    }
                ),
            },
        }
    ),
    "available": obj(
        {
            "success": BOOL,
            "total": INT,
            "organization_id": STR,
            "namespace_id": STR,
            "plugins": {
                "type": "array",
                "items": obj(
                    {
                        "plugin_id": PLUGIN_ID,
                        "name": STR,
                        "version": STR,
                        "description": STR_OR_NULL,
                        "feature_uri": FEATURE_URI,
                        "validation_status": VALIDATION,
                        "enabled_in_namespace": BOOL,
                        "created_at": DATE,
                    }
                ),
            },
        }
    ),
    "plugin": obj(
        {
            "success": BOOL,
            "presigned_download_url": STR_OR_NULL,
            "plugin": obj(
                {
                    "plugin_id": PLUGIN_ID,
                    "namespace_id": STR,
                    "organization_id": STR,
                    "name": STR,
                    "version": STR,
                    "description": STR_OR_NULL,
                    "s3_archive_url": STR_OR_NULL,
                    "code_hash": STR_OR_NULL,
                    "validation_status": VALIDATION,
                    "validation_errors": STRINGS_OR_NULL,
                    "security_scan_passed": BOOL,
                    "deployed": BOOL,
                    "deployment_info": {
                        "anyOf": [
                            {"type": "null"},
                            obj(
                                {
                                    "ray_cluster_url": STR_OR_NULL,
                                    "ray_deployment_name": STR_OR_NULL,
                                    "feature_uri": STR_OR_NULL,
                                    "deployed_at": DATE_OR_NULL,
                                }
                            ),
                        ]
                    },
                    "manifest": {
                        "anyOf": [
                            {"type": "null"},
                            obj(
                                {
                                    "feature_extractor_name": STR,
                                    "version": STR,
                                    "description": STR_OR_NULL,
                                    "input_schema": {"type": ["object", "null"]},
                                    "output_schema": {"type": ["object", "null"]},
                                    "parameter_schema": {"type": ["object", "null"]},
                                    "required_vector_indexes": {"type": ["array", "null"]},
                                    "features": {"type": ["array", "null"]},
                                    "dependencies": {"type": ["array", "null"]},
                                    "feature_uri": STR_OR_NULL,
                                }
                            ),
                        ]
                    },
                    "created_at": DATE,
                    "updated_at": DATE_OR_NULL,
                    "deployed_at": DATE_OR_NULL,
                    "resolved_inference_name": STR_OR_NULL,
                }
            ),
        }
    ),
    "delete": obj({"success": BOOL, "plugin_id": STR, "message": STR, "deployment_removed": BOOL}),
    "deploy_batch": obj(
        {
            "status": {"const": "deployed"},
            "deployment_type": {"const": "batch_only"},
            "message": STR,
        }
    ),
    "deploy_realtime": obj(
        {
            "status": {"const": "queued"},
            "deployment_name": {"type": "string", "pattern": "^custom_plugin_"},
            "route_prefix": {"type": "string", "pattern": "^/inference/custom_plugin_"},
            "estimated_completion_seconds": INT_OR_NULL,
            "queue_position": INT_OR_NULL,
            "status_endpoint": STR,
        }
    ),
    "status": obj(
        {
            "plugin_id": STR,
            "namespace_id": STR,
            "status": PROGRESS,
            "name": STR,
            "version": STR,
            "realtime_enabled": BOOL,
            "message": STR_OR_NULL,
            "queued_at": DATE_OR_NULL,
            "estimated_completion_seconds": INT_OR_NULL,
            "deployed": BOOL,
            "route_prefix": STR_OR_NULL,
            "feature_uri": STR_OR_NULL,
            "deployed_at": DATE_OR_NULL,
            "error": STR_OR_NULL,
        }
    ),
    "undeploy": {"type": "object"},
    "enable": obj(
        {
            "success": BOOL,
            "plugin_id": STR,
            "namespace_id": STR,
            "feature_uri": FEATURE_URI,
            "message": STR,
            "deployment_status": STR,
        }
    ),
    "disable": {"type": "object", "required": ["success"], "properties": {"success": BOOL}},
}


@functools.cache
def _validator(name: str) -> Draft202012Validator:
    # A schema that is not valid JSON Schema could pass anything: refuse it first.
    Draft202012Validator.check_schema(SCHEMAS[name])
    return Draft202012Validator(SCHEMAS[name], format_checker=Draft202012Validator.FORMAT_CHECKER)


def assert_matches(name: str, body: Any) -> None:
    """Fail, naming every mismatch, when ``body`` breaks the sheet's schema ``name``."""
    problems = sorted(_validator(name).iter_errors(body), key=lambda e: list(e.absolute_path))
    if problems:
        lines = [f"  at /{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in problems]
        raise AssertionError(
            f"answer does not match the sheet's {name!r} schema:\n" + "\n".join(lines)
        )
