"""The request rules of the platform's plugin API (OpenAPI 0.81), as the strict stand-in applies them.

Read off ``/work/shared/reference/platform-plugin-api.md``: every field's type and rule, and the
two error shapes. Unknown fields are accepted (the platform ignores them); a missing or invalid
field is a 422 in FastAPI's shape. Also here: what the platform checks in an uploaded archive.
"""

from __future__ import annotations

import io
import re
import tarfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]{2,63}$")
SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
MAX_FILE_SIZE = 104_857_600


class Invalid(Exception):
    """A 422: the FastAPI ``detail`` list."""

    def __init__(self, detail: list[dict[str, Any]]) -> None:
        super().__init__(detail)
        self.detail = detail


class Refused(Exception):
    """An error answer in the API's own shape."""

    def __init__(self, status: int, message: str, kind: str, details: Any = None) -> None:
        super().__init__(message)
        self.status, self.message, self.kind, self.details = status, message, kind, details

    def body(self) -> dict[str, Any]:
        return {
            "success": False,
            "status": self.status,
            "error": {"message": self.message, "type": self.kind, "details": self.details},
        }


Check = Callable[[Any], str | None]  # returns the FastAPI msg when the value is invalid


@dataclass(frozen=True)
class Rule:
    name: str
    required: bool
    nullable: bool
    check: Check
    error_type: str


def _string(pattern: re.Pattern[str] | None = None, max_len: int | None = None) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, str):
            return "Input should be a valid string"
        if pattern is not None and not pattern.match(value):
            return f"String should match pattern '{pattern.pattern}'"
        if max_len is not None and len(value) > max_len:
            return f"String should have at most {max_len} characters"
        return None

    return check


def _integer(low: int | None = None, high: int | None = None, low_open: bool = False) -> Check:
    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return "Input should be a valid integer"
        if low is not None and (value <= low if low_open else value < low):
            return f"Input should be greater than {'' if low_open else 'or equal to '}{low}"
        if high is not None and value > high:
            return f"Input should be less than or equal to {high}"
        return None

    return check


def _boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else "Input should be a valid boolean"


def _object(value: Any) -> str | None:
    return None if isinstance(value, dict) else "Input should be a valid dictionary"


CREATE_UPLOAD = (
    Rule("name", True, False, _string(NAME), "string_pattern_mismatch"),
    Rule("version", True, False, _string(SEMVER), "string_pattern_mismatch"),
    Rule("description", False, True, _string(max_len=500), "string_too_long"),
    Rule("file_size_bytes", False, True, _integer(0, MAX_FILE_SIZE, low_open=True), "int_range"),
    Rule("presigned_url_expiration", False, False, _integer(60, 86_400), "int_range"),
)
CONFIRM = (
    Rule("etag", False, True, _string(), "string_type"),
    Rule("file_size_bytes", False, True, _integer(0, low_open=True), "int_range"),
)
ENABLE = (
    Rule("params", False, True, _object, "dict_type"),
    Rule("deploy", False, False, _boolean, "bool_type"),
)


def validate(body: Any, rules: tuple[Rule, ...], *, body_may_be_null: bool = False) -> dict[str, Any]:
    """``body`` when it satisfies ``rules``; otherwise :class:`Invalid` listing every problem."""
    if body is None and body_may_be_null:
        return {}
    if not isinstance(body, dict):
        raise Invalid([{"loc": ["body"], "msg": "Input should be a valid dictionary",
                        "type": "dict_type"}])  # fmt: skip
    problems = []
    for rule in rules:
        if rule.name not in body:
            if rule.required:
                problems.append({"loc": ["body", rule.name], "msg": "Field required",
                                 "type": "missing"})  # fmt: skip
            continue
        value = body[rule.name]
        if value is None and rule.nullable:
            continue
        msg = rule.check(value)
        if msg is not None:
            problems.append({"loc": ["body", rule.name], "msg": msg, "type": rule.error_type})
    if problems:
        raise Invalid(problems)
    return body


@dataclass(frozen=True)
class ArchiveReport:
    """What the platform learns from an archive: its format, files and problems."""

    fmt: str
    files: frozenset[str]
    errors: tuple[str, ...]

    @property
    def realtime(self) -> bool:
        return any(f.endswith("/realtime.py") and f.count("/") == 1 for f in self.files)


def inspect_archive(data: bytes, name: str) -> ArchiveReport:
    """The platform's structure check: one top folder ``name`` with manifest.py and pipeline.py."""
    if data[:2] == b"\x1f\x8b":
        fmt = "tar.gz"
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            members = {m.name.rstrip("/") for m in tar.getmembers()}
            files = {m.name for m in tar.getmembers() if m.isfile()}
    elif data[:4] == b"PK\x03\x04":
        fmt = "zip"
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = {n.rstrip("/") for n in zf.namelist()}
            files = {n for n in zf.namelist() if not n.endswith("/")}
    else:
        return ArchiveReport("unknown", frozenset(), ("the upload is neither .tar.gz nor .zip",))
    errors = []
    tops = {m.split("/", 1)[0] for m in members}
    if tops != {name}:
        errors.append(f"the archive must hold one top folder {name!r}, found {sorted(tops)}")
    for required in ("manifest.py", "pipeline.py"):
        if f"{name}/{required}" not in files:
            errors.append(f"{required} is missing from {name}/")
    return ArchiveReport(fmt, frozenset(files), tuple(errors))
