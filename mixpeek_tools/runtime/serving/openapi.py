"""The OpenAPI document and the ``/docs`` page of a plugin's realtime endpoint.

Both are generated from the plugin's own pydantic schemas, so the documentation cannot drift from
what ``/predict`` validates. The ``/docs`` page is self-contained HTML (no CDN assets: the kit
must work offline) with the schemas and a small form that posts an example request.
"""

from __future__ import annotations

import html
import json
from typing import Any

_REF = "#/components/schemas/{model}"

_VALIDATION_ERROR = {
    "type": "object",
    "properties": {
        "detail": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {
                        "type": "array",
                        "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                    },
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
                "required": ["loc", "msg", "type"],
            },
        }
    },
}
_ERROR = {
    "type": "object",
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "detail": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["error", "message"],
}


def _component(schema: Any, components: dict[str, Any], fallback: str) -> dict[str, Any]:
    """Add a pydantic model (and its nested models) to ``components``; return a ``$ref`` to it."""
    if schema is None:
        return {"type": "object", "title": fallback}
    body = schema.model_json_schema(ref_template=_REF)
    components.update(body.pop("$defs", {}))
    components[schema.__name__] = body
    return {"$ref": _REF.format(model=schema.__name__)}


def openapi_document(
    *,
    name: str,
    version: str,
    description: str,
    input_schema: Any,
    output_schema: Any,
    parameter_schema: Any,
) -> dict[str, Any]:
    """An OpenAPI 3.1 document for ``GET /health`` and ``POST /predict``."""
    components: dict[str, Any] = {}
    inputs = _component(input_schema, components, "Inputs")
    params = _component(parameter_schema, components, "Parameters")
    output = _component(output_schema, components, "Output")
    components["PredictRequest"] = {
        "type": "object",
        "properties": {"inputs": inputs, "parameters": params},
        "required": ["inputs"],
        "additionalProperties": False,
    }
    components["ValidationError"] = _VALIDATION_ERROR
    components["Error"] = _ERROR

    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{name} realtime endpoint",
            "version": version or "0",
            "description": description,
        },
        "paths": {
            "/health": {
                "get": {
                    "summary": "Liveness check",
                    "operationId": "health",
                    "responses": {"200": {"description": "The server is up."}},
                }
            },
            "/predict": {"post": _predict_operation(name, output)},
        },
        "components": {"schemas": components},
    }


def _json_ref(model: str) -> dict[str, Any]:
    """A JSON body whose schema is the component ``model``."""
    return {"application/json": {"schema": {"$ref": _REF.format(model=model)}}}


def _predict_operation(name: str, output: dict[str, Any]) -> dict[str, Any]:
    """``POST /predict``: the request component, the output schema and the two error bodies."""
    return {
        "summary": f"Run {name} on one input",
        "operationId": "predict",
        "requestBody": {"required": True, "content": _json_ref("PredictRequest")},
        "responses": {
            "200": {
                "description": "The output object.",
                "content": {"application/json": {"schema": output}},
            },
            "422": {
                "description": "The request does not match the schemas.",
                "content": _json_ref("ValidationError"),
            },
            "500": {
                "description": "The service failed or returned invalid output.",
                "content": _json_ref("Error"),
            },
        },
    }


def example_request(input_schema: Any) -> dict[str, Any]:
    """A request body to start from: each input field's default, example, or a typed blank."""
    blanks = {
        "string": "",
        "integer": 0,
        "number": 0.0,
        "boolean": False,
        "array": [],
        "object": {},
    }
    inputs: dict[str, Any] = {}
    if input_schema is not None:
        props = input_schema.model_json_schema().get("properties", {})
        for field, spec in props.items():
            if "default" in spec:
                inputs[field] = spec["default"]
            elif spec.get("examples"):
                inputs[field] = spec["examples"][0]
            else:
                inputs[field] = blanks.get(spec.get("type", "string"), "")
    return {"inputs": inputs, "parameters": {}}


def docs_page(document: dict[str, Any], example: dict[str, Any]) -> str:
    """A self-contained HTML page: endpoints, schemas and a form that posts to ``/predict``."""
    info = document["info"]
    schemas = document["components"]["schemas"]
    sections = "\n".join(
        f"<h3>{html.escape(n)}</h3><pre>{html.escape(json.dumps(s, indent=2))}</pre>"
        for n, s in schemas.items()
    )
    return _PAGE.format(
        title=html.escape(info["title"]),
        version=html.escape(info["version"]),
        description=html.escape(info.get("description") or ""),
        example=html.escape(json.dumps(example, indent=2)),
        schemas=sections,
    )


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}}
pre,textarea{{background:#f5f5f5;padding:.75rem;border-radius:4px;overflow:auto;font-size:.85rem}}
textarea{{width:100%;height:12rem;font-family:monospace}} code{{background:#eee;padding:0 .2rem}}
button{{padding:.4rem 1.2rem;font-size:1rem}}
</style></head><body>
<h1>{title} <small>{version}</small></h1>
<p>{description}</p>
<h2>Endpoints</h2>
<ul>
<li><code>GET /health</code>: liveness check.</li>
<li><code>POST /predict</code>: body <code>{{"inputs": {{...}}, "parameters": {{...}}}}</code>;
answers the output object, 422 with field errors for a bad request, 500 when the service fails.</li>
<li><code>GET /openapi.json</code>: this API as OpenAPI 3.1.</li>
</ul>
<h2>Try it</h2>
<textarea id="body">{example}</textarea>
<p><button id="send">POST /predict</button> <span id="status"></span></p>
<pre id="answer"></pre>
<h2>Schemas</h2>
{schemas}
<script>
document.getElementById("send").onclick = async () => {{
  const status = document.getElementById("status"), answer = document.getElementById("answer");
  status.textContent = "...";
  try {{
    const r = await fetch("predict", {{method: "POST", headers: {{"content-type": "application/json"}},
      body: document.getElementById("body").value}});
    status.textContent = r.status + " " + r.statusText;
    answer.textContent = JSON.stringify(await r.json(), null, 2);
  }} catch (e) {{ status.textContent = "request failed: " + e; }}
}};
</script>
</body></html>
"""
