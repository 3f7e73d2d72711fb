"""Managing published plugins: resolve a reference, deploy and wait, download an archive.

The CLI's ``deploy``, ``status``, ``show --download`` and friends call these; the waiting and
the downloading live here so they can be tested without a terminal. A deploy of a realtime
plugin is asynchronous on the platform (it queues a Ray Serve deployment that usually takes
minutes), so ``wait_for_deployment`` polls the status route at the documented interval until
a final state, and a timeout says the deployment may still finish rather than that it failed.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mixpeek_tools.errors import BadInput, ChecksFailed, EnvironmentFailure
from mixpeek_tools.publishing.client import PluginApi

DEFAULT_INTERVAL = 10.0  # the platform's guidance: poll every 10-15 s
DEFAULT_TIMEOUT = 600.0  # deploys usually take 3-5 minutes
IN_PROGRESS = frozenset({"queued", "pending", "in_progress"})
FINAL = frozenset({"deployed", "failed", "not_deployed"})
_CHUNK = 1024 * 1024


class DeployFailed(ChecksFailed):
    """The platform reports the deployment as failed (or not done): exit 1."""


def resolve(api: PluginApi, ref: str) -> str:
    """The plugin id for ``ref``: an id, ``name@version`` or a name only one version has.

    A reference that matches nothing in the list is passed on as an id, so the server's own
    404 (with its message) is what the user sees.
    """
    if ref.startswith(("plg_", "builtin_")) and "@" not in ref:
        return ref
    name, _, version = ref.partition("@")
    plugins = api.list_plugins("all")
    if not version and any(p.get("plugin_id") == ref for p in plugins):
        return ref
    matches = [p for p in plugins if p.get("name") == name and _same_version(p, version)]
    if len(matches) == 1:
        return str(matches[0]["plugin_id"])
    if len(matches) > 1:
        versions = ", ".join(f"{name}@{p.get('version')}" for p in matches)
        raise BadInput(
            f"{ref!r} matches several plugins ({versions})",
            where="PLUGIN",
            hint="Say which one with name@version or its plugin id",
        )
    if version:
        raise BadInput(
            f"no plugin {ref!r} in namespace {api.namespace}",
            where="PLUGIN",
            hint="Give a plugin id or name@version as `mixpeek plugin list` shows them",
        )
    return ref


def _same_version(plugin: dict[str, Any], version: str) -> bool:
    """Whether ``version`` names the plugin's version (``v1`` also matches ``1.0.0``)."""
    if not version:
        return True
    have = str(plugin.get("version") or "")
    short = version[1:] if version.startswith("v") and version[1:].isdigit() else None
    return have == version or (short is not None and have == f"{int(short)}.0.0")


@dataclass
class DeployOutcome:
    """The deploy answer and, when waited for, the last status answer."""

    deploy: dict[str, Any]
    status: dict[str, Any] | None = None

    @property
    def state(self) -> str:
        source = self.status if self.status is not None else self.deploy
        return str(source.get("status") or "")

    def as_json(self) -> dict[str, Any]:
        return {"deploy": self.deploy, "status": self.status, "state": self.state}


def deploy(
    api: PluginApi,
    plugin_id: str,
    *,
    wait: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    interval: float = DEFAULT_INTERVAL,
    on_status: Callable[[dict[str, Any]], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> DeployOutcome:
    """Ask for a deployment; with ``wait``, poll a queued one until it is final."""
    answer = api.deploy_plugin(plugin_id)
    outcome = DeployOutcome(answer)
    if not wait or str(answer.get("status")) not in IN_PROGRESS:
        return outcome
    outcome.status = wait_for_deployment(
        api, plugin_id, timeout=timeout, interval=interval, on_status=on_status, sleep=sleep
    )
    return outcome


def wait_for_deployment(
    api: PluginApi,
    plugin_id: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    interval: float = DEFAULT_INTERVAL,
    on_status: Callable[[dict[str, Any]], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Poll ``GET .../status`` until deployed; failed or not_deployed raise :class:`DeployFailed`."""
    deadline = time.monotonic() + timeout
    while True:
        status = api.deployment_status(plugin_id)
        if on_status is not None:
            on_status(status)
        state = str(status.get("status") or "")
        if state == "deployed":
            return status
        if state in FINAL:
            raise _not_deployed(plugin_id, state, status)
        left = deadline - time.monotonic()
        if left <= 0:
            raise EnvironmentFailure(
                f"plugin {plugin_id} is still {state or 'not reported'} after {timeout:g} s of "
                "waiting for its deployment",
                where=api.ns_url(f"/{plugin_id}/status"),
                hint=f"It may still finish: check with `mixpeek plugin status {plugin_id}`, or "
                "wait longer with --timeout",
            )
        sleep(min(interval, left))


def _not_deployed(plugin_id: str, state: str, status: dict[str, Any]) -> DeployFailed:
    reason = status.get("error") or status.get("message") or "no reason given"
    return DeployFailed(
        f"the deployment of plugin {plugin_id} ended {state}: {reason}",
        where="deploy",
        hint="Fix what the error names, publish a new version and deploy that; "
        f"`mixpeek plugin status {plugin_id}` shows the details",
    )


@dataclass(frozen=True)
class Downloaded:
    """An archive written to disk from the plugin's presigned download URL."""

    path: Path
    size: int
    sha256: str


def download_archive(api: PluginApi, answer: dict[str, Any], dest: Path) -> Downloaded:
    """Stream the archive behind ``presigned_download_url`` to ``dest``, atomically, hashing it."""
    url = answer.get("presigned_download_url")
    if not isinstance(url, str) or not url:
        raise EnvironmentFailure(
            "the plugin's answer has no presigned_download_url",
            where="GET .../plugins/{id}?return_presigned_urls=true",
            hint="The server does not offer archive downloads for this plugin",
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".partial")
    try:
        size, digest = _fetch(api, url, tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, dest)
    return Downloaded(dest, size, digest)


def _fetch(api: PluginApi, url: str, tmp: Path) -> tuple[int, str]:
    import requests

    public = url.split("?", 1)[0]
    # Storage must not see the API's bearer token.
    headers = {"Authorization": None, "X-Namespace": None}
    try:
        response = api.session.get(url, headers=headers, stream=True, timeout=api.timeout)
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise EnvironmentFailure(
            f"downloading the archive failed ({type(exc).__name__})",
            where=public,
            hint="Check your network and try again",
        ) from None
    with response:
        if response.status_code != 200:
            raise EnvironmentFailure(
                f"storage answered HTTP {response.status_code} to the download",
                where=public,
                hint="The presigned URL may have expired: run the command again for a fresh one",
            )
        sha, size = hashlib.sha256(), 0
        with tmp.open("wb") as out:
            for block in response.iter_content(_CHUNK):
                sha.update(block)
                size += len(block)
                out.write(block)
    return size, sha.hexdigest()
