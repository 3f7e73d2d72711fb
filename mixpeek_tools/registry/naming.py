"""How the platform names things: plugin ids, feature URIs, and which versions are the same.

The official CLI turns a manifest version ``vN`` (no dot) into ``N.0.0`` when it creates an
upload, so an archive whose ``manifest.py`` says ``v1`` arrives as version ``1.0.0``; both must
be read as one version, or every plugin written from the documented template would fail.
"""

from __future__ import annotations

import re

_SHORT = re.compile(r"^v(\d+)$")


def semantic_version(version: str) -> str:
    """``vN`` -> ``N.0.0``; anything else unchanged (the official CLI's mapping)."""
    short = _SHORT.match(version)
    return f"{int(short.group(1))}.0.0" if short else version


def same_version(manifest_version: str, upload_version: str) -> bool:
    return semantic_version(manifest_version) == semantic_version(upload_version)


def plugin_id(name: str, version: str) -> str:
    """``my_plugin`` + ``1.0.0`` -> ``my_plugin_1_0_0``."""
    return f"{name}_{version.replace('.', '_')}"


def feature_uri(name: str, version: str) -> str:
    return f"mixpeek://{name}@{version}"
