"""One realtime call in-process: the request ``mixpeek plugin serve`` would get, without a server.

The inputs are built into exactly the JSON body a client would POST to ``/predict`` (files as
base64 text, as realtime requests carry bytes) and handed to the same
:class:`~mixpeek_tools.runtime.serving.endpoint.RealtimeEndpoint`, so validation, status and
body match the HTTP server's answer for the same request.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import sys
import types
import typing
from pathlib import Path
from typing import Any

from mixpeek_tools.errors import BadInput, ChecksFailed

_FORMS = "use field=value (text), field:=JSON (numbers, lists, objects) or field=@FILE (bytes)"


def _is_text(schema: Any, name: str) -> bool:
    """Whether ``name`` is a plain string field of ``schema`` (unknown fields count as text)."""
    fields = getattr(schema, "model_fields", {})
    if name not in fields:
        return True
    annotation = fields[name].annotation
    args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if origin is typing.Union or isinstance(annotation, types.UnionType):
        return all(a is str or a is type(None) for a in args)
    return annotation is str


def _read_file(name: str, raw: str) -> str:
    path = Path(raw).expanduser()
    try:
        return base64.b64encode(path.read_bytes()).decode("ascii")
    except OSError as exc:
        raise BadInput(f"cannot read the file for field {name!r} ({exc.strerror or exc})",
                       where=f"-i {name}=@{raw}", hint="Check the path after @") from None  # fmt: skip


def parse_assignment(text: str, schema: Any = None) -> tuple[str, Any]:
    """``field=value`` / ``field:=JSON`` / ``field=@file`` -> ``(field, value)``.

    A plain value for a field the input schema types as non-text (a number, a flag) is read as
    JSON when it parses, so ``-i top_k=5`` sends the number 5.
    """
    name, sep, value = text.partition("=")
    if not sep or not name.rstrip(":"):
        raise BadInput(f"{text!r} is not an assignment", where=f"-i {text}", hint=_FORMS.capitalize())
    if name.endswith(":"):
        name = name[:-1]
        try:
            return name, json.loads(value)
        except json.JSONDecodeError as exc:
            raise BadInput(f"invalid JSON for field {name!r}: {exc.msg}",
                           where=f"-i {text}", hint=_FORMS.capitalize()) from None  # fmt: skip
    if value.startswith("@"):
        return name, _read_file(name, value[1:])
    if not _is_text(schema, name):
        with contextlib.suppress(json.JSONDecodeError):
            return name, json.loads(value)
    return name, value


def parse_input_json(text: str) -> dict[str, Any]:
    """``--input-json`` as JSON text, or ``@file`` holding it."""
    where = "--input-json"
    if text.startswith("@"):
        where = text[1:]
        try:
            text = Path(where).expanduser().read_text(encoding="utf-8")
        except OSError as exc:
            raise BadInput(f"cannot read the inputs file ({exc.strerror or exc})", where=where) from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"invalid JSON: {exc.msg}", where=f"{where}:{exc.lineno}:{exc.colno}") from None
    if not isinstance(value, dict):
        raise BadInput(f"the inputs must be a JSON object, got {type(value).__name__}", where=where,
                       hint='Give e.g. --input-json \'{"text": "hello"}\'')  # fmt: skip
    return value


def _field_errors(detail: list[dict[str, Any]]) -> str:
    parts = []
    for err in detail:
        loc = ".".join(str(p) for p in err.get("loc", [])[1:]) or "request"
        parts.append(f"{loc}: {err.get('msg')}")
    return "; ".join(parts)


def predict_once(
    path: str | Path,
    assignments: list[str],
    input_json: str | None = None,
    parameters: dict[str, Any] | None = None,
) -> Any:
    """Load the plugin, call its realtime service once, return the validated output.

    Bad inputs or parameters (the server's 422) raise BadInput naming the fields; a service that
    raises or returns output breaking ``output_schema`` (the server's 500) raises ChecksFailed.
    Whatever the plugin prints goes to stderr, so stdout holds only the answer.
    """
    from mixpeek_tools.runtime.serving.endpoint import RealtimeEndpoint

    with contextlib.redirect_stdout(sys.stderr):
        endpoint = RealtimeEndpoint.from_path(path)
        inputs = parse_input_json(input_json) if input_json else {}
        inputs.update(parse_assignment(a, endpoint.input_schema) for a in assignments)
        body: dict[str, Any] = {"inputs": inputs}
        if parameters:
            body["parameters"] = parameters
        reply = asyncio.run(endpoint.predict(json.dumps(body).encode()))
    where = str(endpoint.plugin.root / "realtime.py")
    if reply.status == 422:
        raise BadInput(f"the request does not match {endpoint.name}'s schemas: "
                       f"{_field_errors(reply.body.get('detail', []))}",
                       hint="Fix the -i/--input-json/--params values named above")  # fmt: skip
    if reply.status != 200:
        raise ChecksFailed(str(reply.body.get("message") or reply.body), where=where,
                           hint="Run with --verbose to see the service's traceback")  # fmt: skip
    return reply.body
