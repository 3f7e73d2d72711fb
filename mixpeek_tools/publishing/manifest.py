"""Read a plugin's ``metadata`` from ``manifest.py`` without running it.

Publishing needs the name, version, description and category before anything is uploaded, and
the registry needs them from an archive it must never execute. Both therefore read the
``metadata = {...}`` assignment as a literal with :mod:`ast`; a manifest that builds its
metadata dynamically gets a clear error asking for a literal dict.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mixpeek_tools.errors import BadInput

NAME_RULE = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]{2,63}$")
VERSION_RULE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")
MAX_DESCRIPTION = 1000
API_MAX_DESCRIPTION = 500  # the plugin upload route's limit (the extractor flow allows 1000)
SEMVER_RULE = re.compile(r"^\d+\.\d+\.\d+$")
SHORT_VERSION = re.compile(r"^v(\d+)$")
CATEGORIES = ("text", "image", "video", "audio", "document", "multimodal")


@dataclass(frozen=True)
class PluginMetadata:
    """The fields the plugin API needs to register an upload."""

    name: str
    version: str
    description: str
    category: str
    line: int
    manifest: str = "manifest.py"


def api_version(meta: PluginMetadata) -> str:
    """The version the plugin API is sent: ``vN`` becomes ``N.0.0`` as the official CLI does.

    Anything else goes out as written, so it must already be a semantic version; the API would
    refuse it with a 422 after the archive was built, so the refusal comes first and names the
    manifest field.
    """
    short = SHORT_VERSION.match(meta.version)
    if short:
        return f"{int(short.group(1))}.0.0"
    if SEMVER_RULE.match(meta.version):
        return meta.version
    raise BadInput(
        f"metadata version {meta.version!r} is neither a short version 'vN' nor a semantic "
        "version MAJOR.MINOR.PATCH, which is all the plugin API accepts",
        where=f"{meta.manifest}:{meta.line} (metadata.version)",
        hint="Use 'v1' (published as 1.0.0) or a version such as '1.2.0'",
    )


def api_description(meta: PluginMetadata) -> str:
    """The description, within the upload route's 500 characters."""
    if len(meta.description) > API_MAX_DESCRIPTION:
        raise BadInput(
            f"metadata description is {len(meta.description)} characters long; the plugin API "
            f"accepts at most {API_MAX_DESCRIPTION}",
            where=f"{meta.manifest}:{meta.line} (metadata.description)",
            hint="Shorten it and keep the long text in README.md",
        )
    return meta.description


def read_metadata(plugin_root: Path) -> PluginMetadata:
    """Parse ``plugin_root/manifest.py`` and check each field against the platform's rules."""
    manifest = plugin_root / "manifest.py"
    if not manifest.is_file():
        raise BadInput(
            "no manifest.py found; this does not look like a plugin folder",
            where=str(plugin_root),
            hint="Point --path at the plugin folder (the one holding manifest.py and "
            "pipeline.py), or create one with `mixpeek plugin init`",
        )
    source = manifest.read_text(encoding="utf-8", errors="replace")
    try:
        tree = ast.parse(source, filename=str(manifest))
    except SyntaxError as err:
        raise BadInput(
            f"manifest.py has a syntax error: {err.msg}",
            where=f"{manifest}:{err.lineno}:{err.offset}",
            hint="Fix the syntax, then run `mixpeek plugin validate`",
        ) from err
    value, line = _find_metadata(tree, manifest)
    return _check_fields(value, f"{manifest}:{line}", line)


def _find_metadata(tree: ast.Module, manifest: Path) -> tuple[dict[str, Any], int]:
    for node in tree.body:
        target_value = _assignment(node)
        if target_value is None:
            continue
        try:
            value = ast.literal_eval(target_value)
        except ValueError as err:
            raise BadInput(
                "metadata must be a literal dict (plain strings and numbers)",
                where=f"{manifest}:{node.lineno}",
                hint='Write it out, e.g. metadata = {"name": "my_extractor", "version": "v1", '
                '"description": "...", "category": "text"}',
            ) from err
        if not isinstance(value, dict):
            raise BadInput("metadata must be a dict", where=f"{manifest}:{node.lineno}", hint=None)
        return value, node.lineno
    raise BadInput(
        "manifest.py defines no `metadata` dict",
        where=str(manifest),
        hint='Add metadata = {"name": ..., "version": ..., "description": ..., "category": ...}',
    )


def _assignment(node: ast.stmt) -> ast.expr | None:
    if isinstance(node, ast.Assign) and any(
        isinstance(t, ast.Name) and t.id == "metadata" for t in node.targets
    ):
        return node.value
    if (
        isinstance(node, ast.AnnAssign)
        and isinstance(node.target, ast.Name)
        and node.target.id == "metadata"
        and node.value is not None
    ):
        return node.value
    return None


def _check_fields(value: dict[str, Any], where: str, line: int) -> PluginMetadata:
    name = _text(value, "name", where)
    if not NAME_RULE.match(name):
        suggestion = re.sub(r"[^A-Za-z0-9_]", "_", name)
        raise BadInput(
            f"metadata name {name!r} is not a valid plugin name (3-64 characters: a letter, "
            "then letters, digits or underscores; no hyphens)",
            where=f"{where} (metadata.name)",
            hint=f"Use a name such as {suggestion!r}",
        )
    version = _text(value, "version", where)
    if not VERSION_RULE.match(version):
        raise BadInput(
            f"metadata version {version!r} is not a valid version",
            where=f"{where} (metadata.version)",
            hint="Use a short version such as 'v1' or '1.0.0'",
        )
    description = str(value.get("description") or "")
    if len(description) > MAX_DESCRIPTION:
        raise BadInput(
            f"metadata description is {len(description)} characters long; the platform "
            f"accepts at most {MAX_DESCRIPTION}",
            where=f"{where} (metadata.description)",
            hint="Shorten it and keep the long text in README.md",
        )
    category = str(value.get("category") or "text")
    if category not in CATEGORIES:
        raise BadInput(
            f"metadata category {category!r} is not one of {', '.join(CATEGORIES)}",
            where=f"{where} (metadata.category)",
            hint="Pick the category that matches the content your plugin reads",
        )
    return PluginMetadata(name, version, description, category, line, where.rsplit(":", 1)[0])


def _text(value: dict[str, Any], key: str, where: str) -> str:
    raw = value.get(key)
    if not isinstance(raw, str) or not raw.strip():
        raise BadInput(
            f"metadata has no {key!r} string",
            where=f"{where} (metadata.{key})",
            hint=f'Add "{key}": "..." to the metadata dict in manifest.py',
        )
    return raw.strip()
