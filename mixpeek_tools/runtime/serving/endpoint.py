"""A plugin's realtime service wrapped with the checks the platform's HTTP layer makes.

:class:`RealtimeEndpoint` is engine-neutral: it finds the service class in ``realtime.py``,
builds it once, validates each request's ``inputs`` against ``input_schema`` and ``parameters``
against ``parameter_schema``, calls the service, and validates what it returns against
``output_schema``. The Starlette app (local engine) and the Ray Serve deployment both wrap the
same object, so both engines answer the same request with the same status and body.

Results are plain ``(status, body)`` pairs so this module needs no web framework at all.
"""

from __future__ import annotations

import inspect
import json
import logging
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mixpeek_tools.errors import BadInput

if TYPE_CHECKING:
    from types import ModuleType

    from mixpeek_tools.plugin.loader import LoadedPlugin

log = logging.getLogger("mixpeek.serve")

_ALLOWED_KEYS = {"inputs", "parameters"}


@dataclass
class Reply:
    """An HTTP answer: status code and a JSON-serialisable body."""

    status: int
    body: Any


class NoRealtimeService(BadInput):
    """The plugin has no ``realtime.py`` or it defines no service class."""


def find_service_class(realtime: ModuleType, where: str) -> type:
    """The one realtime service class in ``realtime.py`` (``__all__`` first, then subclasses).

    A class counts when it subclasses ``BaseInferenceService`` and is defined in that module, so
    the imported base class itself never matches.
    """
    from mixpeek_tools.local_platform.shared.plugins.inference.serve import BaseInferenceService

    names = list(getattr(realtime, "__all__", None) or vars(realtime))
    found = [
        obj
        for name in names
        if inspect.isclass(obj := getattr(realtime, name, None))
        and issubclass(obj, BaseInferenceService)
        and obj is not BaseInferenceService
        and obj.__module__ == realtime.__name__
    ]
    if len(found) == 1:
        return found[0]
    if not found:
        raise NoRealtimeService(
            "realtime.py defines no realtime service class",
            where=where,
            hint="Define a class that subclasses shared.plugins.inference.serve."
            "BaseInferenceService and implements async _process_single(inputs, parameters)",
        )
    names_found = ", ".join(sorted(c.__name__ for c in found))
    raise NoRealtimeService(
        f"realtime.py defines several service classes ({names_found}) and the kit cannot tell "
        "which one to serve",
        where=where,
        hint="List exactly one of them in realtime.py's __all__",
    )


def _schema_name(schema: Any) -> str:
    return getattr(schema, "__name__", "Schema")


def _errors(exc: Any, prefix: tuple[str, ...]) -> list[dict[str, Any]]:
    """pydantic's errors with ``loc`` prefixed (``body.inputs.text``) and only JSON-safe keys."""
    return [
        {
            "loc": [*prefix, *(str(p) if not isinstance(p, int) else p for p in err["loc"])],
            "msg": err["msg"],
            "type": err["type"],
        }
        for err in exc.errors()
    ]


class RealtimeEndpoint:
    """One plugin's realtime service, ready to answer ``/health`` and ``/predict``."""

    def __init__(self, plugin: LoadedPlugin) -> None:
        self.plugin = plugin
        if plugin.realtime is None:
            raise NoRealtimeService(
                "this plugin has no realtime endpoint (realtime.py is missing)",
                where=str(plugin.root),
                hint="Add realtime.py with a BaseInferenceService subclass to serve the plugin "
                "over HTTP; `mixpeek plugin init` scaffolds one",
            )
        self.service_class = find_service_class(plugin.realtime, str(plugin.root / "realtime.py"))
        self.input_schema = plugin.input_schema
        self.output_schema = plugin.output_schema
        self.parameter_schema = plugin.parameter_schema
        self.service = self._build_service()

    @classmethod
    def from_path(cls, path: str | Path) -> RealtimeEndpoint:
        """Load the plugin at ``path`` and wrap its realtime service (used by Ray Serve replicas)."""
        from mixpeek_tools.plugin.loader import load_plugin

        return cls(load_plugin(path))

    @property
    def name(self) -> str:
        return self.plugin.name

    @property
    def version(self) -> str:
        return str(self.plugin.metadata.get("version", ""))

    @property
    def serve_config(self) -> Any:
        return getattr(self.service_class, "serve_config", None)

    def _build_service(self) -> Any:
        try:
            return self.service_class()
        except Exception as exc:
            raise BadInput(
                f"creating the realtime service {self.service_class.__name__} failed: "
                f"{type(exc).__name__}: {exc}",
                where=str(self.plugin.root / "realtime.py"),
                hint="Its __init__ must take no arguments besides self and must not fail; "
                "run with --verbose for the traceback",
            ) from exc

    # -- routes ---------------------------------------------------------------------------------
    def health(self) -> Reply:
        return Reply(200, {"status": "ok", "plugin": self.name, "version": self.version})

    async def predict(self, raw_body: bytes) -> Reply:
        """Validate the request, run the service, validate its output."""
        request = self._parse(raw_body)
        if isinstance(request, Reply):
            return request
        inputs, parameters = request
        try:
            result = self.service.predict(inputs, parameters)
            if inspect.isawaitable(result):
                result = await result
        except Exception as exc:
            log.error("predict failed:\n%s", traceback.format_exc())
            return Reply(
                500,
                {
                    "error": "predict_failed",
                    "message": f"the realtime service raised {type(exc).__name__}: {exc}",
                },
            )
        return self._check_output(result)

    # -- validation -----------------------------------------------------------------------------
    def _parse(self, raw_body: bytes) -> tuple[dict[str, Any], dict[str, Any]] | Reply:
        try:
            body = json.loads(raw_body or b"null")
        except (ValueError, UnicodeDecodeError) as exc:
            return _invalid(["body"], f"the body is not valid JSON: {exc}", "json_invalid")
        if not isinstance(body, dict):
            return _invalid(["body"], 'expected an object {"inputs": {...}, "parameters": {...}}',
                            "dict_type")  # fmt: skip
        extra = sorted(set(body) - _ALLOWED_KEYS)
        if extra:
            return _invalid(["body", extra[0]], "unexpected key; only inputs and parameters "
                            "are allowed", "extra_forbidden")  # fmt: skip
        if "inputs" not in body:
            return _invalid(["body", "inputs"], "Field required", "missing")
        errors: list[dict[str, Any]] = []
        inputs = self._validate(self.input_schema, body["inputs"], ("body", "inputs"), errors)
        parameters = self._validate(
            self.parameter_schema, body.get("parameters") or {}, ("body", "parameters"), errors
        )
        if errors:
            return Reply(422, {"detail": errors})
        return inputs, parameters

    @staticmethod
    def _validate(
        schema: Any, value: Any, loc: tuple[str, ...], errors: list[dict[str, Any]]
    ) -> dict[str, Any]:
        from pydantic import ValidationError

        if schema is None:
            if not isinstance(value, dict):
                errors.append({"loc": list(loc), "msg": "expected an object", "type": "dict_type"})
                return {}
            return dict(value)
        try:
            return dict(schema.model_validate(value).model_dump())
        except ValidationError as exc:
            errors.extend(_errors(exc, loc))
            return {}

    def _check_output(self, result: Any) -> Reply:
        from pydantic import BaseModel, ValidationError

        if isinstance(result, BaseModel):
            result = result.model_dump()
        if self.output_schema is None:
            return Reply(200, result)
        try:
            return Reply(200, self.output_schema.model_validate(result).model_dump(mode="json"))
        except ValidationError as exc:
            log.error("invalid output from %s: %s", self.service_class.__name__, exc)
            return Reply(
                500,
                {
                    "error": "invalid_output",
                    "message": f"the realtime service {self.service_class.__name__} returned "
                    f"output that does not match {_schema_name(self.output_schema)} "
                    "(output_schema); this is a bug in the plugin",
                    "detail": _errors(exc, ("output",)),
                },
            )


def _invalid(loc: list[Any], msg: str, kind: str) -> Reply:
    return Reply(422, {"detail": [{"loc": loc, "msg": msg, "type": kind}]})
