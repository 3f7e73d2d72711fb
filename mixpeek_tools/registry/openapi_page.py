"""An offline ``/docs`` page: plain HTML rendered from the registry's own OpenAPI document.

No CDN and no script: every route with its parameters, request body and answers, then the whole
document, so the page works on a machine with no network and can never disagree with
``/openapi.json``.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

_STYLE = ("body{font-family:sans-serif;max-width:70em;margin:2em auto;padding:0 1em}"
          "code,pre{background:#f4f4f4;padding:.1em .3em}pre{padding:1em;overflow:auto}"
          "h3{margin-bottom:.2em}.m{font-weight:bold;text-transform:uppercase}")  # fmt: skip


def _ref(schema: dict[str, Any] | None) -> str:
    if not schema:
        return ""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(_ref(s) or str(s.get("type")) for s in schema["anyOf"])
    return str(schema.get("type", "object"))


def _operation(path: str, method: str, op: dict[str, Any]) -> str:
    params = "".join(
        f"<li><code>{escape(p['name'])}</code> ({escape(p['in'])}"
        f"{', required' if p.get('required') else ''})</li>"
        for p in op.get("parameters", [])
    )
    body = op.get("requestBody", {}).get("content", {})
    bodies = "".join(
        f"<li>{escape(kind)}: <code>{escape(_ref(c.get('schema')))}</code></li>"
        for kind, c in body.items()
    )
    answers = "".join(
        f"<li><b>{escape(code)}</b> {escape(r.get('description', ''))} "
        f"<code>{escape(_ref(r.get('content', {}).get('application/json', {}).get('schema')))}</code></li>"
        for code, r in op.get("responses", {}).items()
    )
    return (f"<h3><span class=m>{escape(method)}</span> <code>{escape(path)}</code></h3>"
            f"<p>{escape(op.get('summary', ''))}. {escape(op.get('description', ''))}</p>"
            f"<ul>{params}</ul>{'<p>Body:</p><ul>' + bodies + '</ul>' if bodies else ''}"
            f"<p>Answers:</p><ul>{answers}</ul>")  # fmt: skip


def render(document: dict[str, Any]) -> str:
    info = document.get("info", {})
    ops = "".join(
        _operation(path, method, op)
        for path, item in document.get("paths", {}).items()
        for method, op in item.items()
    )
    return (f"<!doctype html><html><head><meta charset=utf-8><title>{escape(info.get('title', ''))}"
            f"</title><style>{_STYLE}</style></head><body><h1>{escape(info.get('title', ''))} "
            f"{escape(str(info.get('version', '')))}</h1><p>{escape(info.get('description', ''))}</p>"
            f"<p>Machine-readable: <a href=/openapi.json>/openapi.json</a></p>{ops}"
            f"<h2>Document</h2><pre>{escape(json.dumps(document, indent=2))}</pre></body></html>")  # fmt: skip
