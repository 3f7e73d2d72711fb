"""``plugin publish`` as two library calls: prepare the archive, then publish it or skip it.

:func:`prepare_source` packs a plugin folder or checks a prebuilt archive (``--archive``);
:func:`publish_or_skip` uploads and confirms it, and with ``skip_existing`` turns the server's
"already published" (HTTP 409) into a :class:`Skipped` result that says whether the published
code may differ from this archive. The CLI prompts, prints and picks exit codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mixpeek_tools.errors import KitError
from mixpeek_tools.publishing.client import PluginApi
from mixpeek_tools.publishing.flow import AlreadyPublished, Prepared, Published, Say, publish


@dataclass
class Skipped:
    """``--skip-existing`` met a published name and version: nothing was uploaded."""

    name: str
    version: str
    namespace: str
    plugin_id: str
    code_hash: Any
    code_may_differ: bool


def prepare_source(path: Path, archive_file: Path | None, archive_format: str, say: Say) -> Prepared:
    """The local half of publishing: a folder packed here, or a prebuilt archive checked."""
    if archive_file is not None:
        from mixpeek_tools.publishing.prebuilt import prepare_archive

        return prepare_archive(archive_file, say=say)
    from mixpeek_tools.publishing.archive_format import ArchiveFormat
    from mixpeek_tools.publishing.flow import prepare

    return prepare(path, say=say, archive_format=ArchiveFormat(archive_format))


def publish_or_skip(
    prepared: Prepared, api: PluginApi, *, skip_existing: bool, say: Say
) -> Published | Skipped:
    """Upload and confirm; with ``skip_existing`` an already published version is a success."""
    try:
        return publish(prepared, api, say=say)
    except AlreadyPublished as err:
        if not skip_existing:
            raise
        return _skipped(prepared, api, err)


def _skipped(prepared: Prepared, api: PluginApi, err: AlreadyPublished) -> Skipped:
    existing = _existing(api, err)
    code_hash = existing.get("code_hash")
    differs = isinstance(code_hash, str) and code_hash != prepared.archive.sha256
    return Skipped(err.name, err.version, err.namespace, str(existing.get("plugin_id") or ""),
                   code_hash, differs)  # fmt: skip


def _existing(api: PluginApi, err: AlreadyPublished) -> dict[str, Any]:
    """The published plugin's details, or {} when the server cannot tell (best effort)."""
    from mixpeek_tools.publishing.manage import resolve
    from mixpeek_tools.publishing.operations import plugin_details

    try:
        answer = api.get_plugin(resolve(api, f"{err.name}@{err.version}"))
    except KitError:
        return {}
    return plugin_details(answer)
