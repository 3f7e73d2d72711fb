"""Reading the plugin API's error answers and turning each status into one clear message.

The API answers errors in two shapes: its own ``{"success": false, "status": N, "error":
{"message", "type", "details"}}`` and, for a request its schema refused, FastAPI's
``{"detail": [{"loc": [...], "msg", "type"}]}``. An older shape nests the first one under
``detail``. All three are read into :class:`ApiError`, so the rest of the kit never looks at a
raw body. The API key is never formatted into a message; :func:`redact` guards against a
server that echoes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mixpeek_tools.errors import BadInput, ChecksFailed, EnvironmentFailure, KitError

if TYPE_CHECKING:
    import requests

# What to do about a 422 on each request field the API validates (the sheet's rules).
FIELD_FIXES = {
    "name": "a name of 3-64 letters, digits or underscores, starting with a letter "
    "(metadata.name in manifest.py)",
    "version": "a semantic version MAJOR.MINOR.PATCH, or 'vN' which is sent as N.0.0 "
    "(metadata.version in manifest.py)",
    "description": "at most 500 characters (metadata.description in manifest.py)",
    "file_size_bytes": "an archive of 1 byte to 100 MB (list large files in .mixpeekignore)",
    "presigned_url_expiration": "a number of seconds from 60 to 86,400",
    "params": "a JSON object, e.g. --params '{\"threshold\": 0.7}'",
    "deploy": "true or false",
    "etag": "the ETag storage returned for the upload",
}


@dataclass(frozen=True)
class FieldError:
    """One entry of a 422's ``detail`` list."""

    loc: tuple[str, ...]
    msg: str
    type: str = ""

    @property
    def field(self) -> str:
        """The field's own name: the last ``loc`` part that is not the ``body`` prefix."""
        parts = [p for p in self.loc if p not in ("body", "query", "path")]
        return parts[-1] if parts else (self.loc[-1] if self.loc else "")

    def describe(self) -> str:
        where = ".".join(self.loc) or "request"
        return f"{where}: {self.msg}"


@dataclass
class ApiError:
    """The parts of an error body, in any of the platform's shapes."""

    message: str
    type: str = ""
    details: Any = None
    fields: list[FieldError] = field(default_factory=list)

    @property
    def details_map(self) -> Mapping[str, Any]:
        return self.details if isinstance(self.details, Mapping) else {}

    def text(self) -> str:
        """Message and type together, lower-cased, for telling 400s apart."""
        return f"{self.message} {self.type}".lower()

    def listed_errors(self) -> list[str]:
        """Validation errors the server listed in ``details`` (strings or objects)."""
        for key in ("validation_errors", "errors", "violations", "security_violations"):
            value = self.details_map.get(key)
            if isinstance(value, list) and value:
                return [_one_line(v) for v in value]
        return []


class ApiRejected(BadInput):
    """The API answered with a 4xx the user can act on (exit 2)."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        error_type: str = "",
        details: Any = None,
        where: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, where=where, hint=hint)
        self.status = status
        self.error_type = error_type
        self.details = details


class UploadExpired(ApiRejected):
    """The upload's presigned URL or upload record expired before it was confirmed."""


class ServerChecksFailed(ChecksFailed):
    """The server's own validation or security scan refused the plugin (exit 1)."""

    def __init__(self, message: str, *, errors: list[str], **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.errors = errors


class ApiUnavailable(EnvironmentFailure):
    """The API or the network failed, and retrying (if allowed) did not help (exit 3)."""

    def __init__(self, message: str, *, status: int | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.status = status


def parse_error(response: requests.Response) -> ApiError:
    """Read any of the error shapes; a body that is not JSON becomes its first 300 characters."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return ApiError(text[:300] or response.reason or f"HTTP {response.status_code}")
    if isinstance(body, dict):
        return _from_dict(body, response.status_code)
    return ApiError(f"HTTP {response.status_code}")


def _from_dict(body: dict[str, Any], status: int) -> ApiError:
    detail = body.get("detail")
    if isinstance(detail, list):
        fields = [_field_error(d) for d in detail if isinstance(d, dict)]
        message = "; ".join(f.describe() for f in fields) or f"HTTP {status}"
        return ApiError(message, "request_validation", None, fields)
    err = body.get("error")
    if err is None and isinstance(detail, dict):
        err = detail.get("error")
    if isinstance(err, dict):
        return ApiError(
            str(err.get("message") or ""), str(err.get("type") or ""), err.get("details")
        )
    if isinstance(err, str):
        return ApiError(err)
    if isinstance(detail, str):
        return ApiError(detail)
    return ApiError(str(body.get("message") or f"HTTP {status}"))


def _field_error(item: dict[str, Any]) -> FieldError:
    loc = item.get("loc")
    parts = tuple(str(p) for p in loc) if isinstance(loc, list) else ()
    return FieldError(parts, str(item.get("msg") or ""), str(item.get("type") or ""))


def _one_line(value: Any) -> str:
    if isinstance(value, Mapping):
        where = str(value.get("path") or value.get("file") or "")
        if value.get("line"):
            where += f":{value['line']}"
        rule = str(value.get("rule") or value.get("type") or "")
        text = str(value.get("message") or value.get("msg") or "")
        return " ".join(p for p in (where and where + ":", rule and rule + ":", text) if p)
    return str(value)


def redact(text: str, secret: str | None) -> str:
    """``text`` with every occurrence of ``secret`` replaced; secrets never reach the terminal."""
    if secret and len(secret) >= 4:
        return text.replace(secret, "sk_***")
    return text


def status_hint(status: int, err: ApiError, namespace: str) -> str | None:
    """What the user can do about one refusal status."""
    if status == 403 and "quota" in err.text():
        return (
            f"Namespace {namespace} has used up its plugin quota (10 plugins unless raised): "
            "delete one you no longer need with `mixpeek plugin delete`, or ask for more"
        )
    if status == 422:
        return _fix_for_fields(err.fields)
    hints = {
        401: "The API key was rejected: set MIXPEEK_API_KEY (or --api-key) to a valid key",
        403: f"Your API key has no access to namespace {namespace!r}: use a key of that "
        "namespace, or the namespace your key belongs to (--namespace / MIXPEEK_NAMESPACE)",
        404: f"Check the id and the namespace ({namespace}); `mixpeek plugin list` shows "
        "what exists",
        409: "That name and version already exist: bump metadata.version in manifest.py "
        "and publish again, or delete the published one with `mixpeek plugin delete`",
        413: "The archive is too large for the API: list large data and model files in "
        ".mixpeekignore and load them at run time instead",
    }
    return hints.get(status)


def _fix_for_fields(fields: list[FieldError]) -> str:
    if not fields:
        return "The request was not accepted as sent; the message above names the field"
    fixes = []
    for f in fields:
        fix = FIELD_FIXES.get(f.field)
        fixes.append(f"{f.field or 'the request'} must be {fix}" if fix else f"fix {f.field}")
    text = "; ".join(dict.fromkeys(fixes))
    return text[:1].upper() + text[1:]


def to_error(
    status: int, err: ApiError, url: str, *, namespace: str, api_key: str | None
) -> KitError:
    """The user-facing error for one HTTP status (4xx: exit 2, anything else: exit 3)."""
    text = redact(err.message.rstrip(".") or f"HTTP {status}", api_key)
    if 400 <= status < 500 and status != 429:
        lead = "the plugin API refused the request"
        if status == 422 and err.fields:
            lead = f"the plugin API refused field {', '.join(f.field for f in err.fields)}"
        return ApiRejected(
            f"{lead} (HTTP {status}): {text}",
            status=status,
            error_type=err.type,
            details=err.details,
            where=url,
            hint=status_hint(status, err, namespace),
        )
    return ApiUnavailable(
        f"the plugin API failed (HTTP {status}): {text}",
        status=status,
        where=url,
        hint="This is on the server's side; try again in a minute",
    )
