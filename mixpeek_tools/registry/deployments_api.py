"""What the routes need from whatever runs realtime plugins: the ``Deployer`` protocol.

The plugin routes only ever call ``start``, ``stop`` and ``state`` with a :class:`DeployTarget`;
how a plugin is served stays behind this seam. The registry's implementation is
:class:`mixpeek_tools.registry.deployments.Deployer` (supervised child processes), built in
:func:`server.serve` and passed as ``Registry(deployer=...)``. Batch-only plugins never reach a
deployer: they are "deployed" on the spot, as on the platform.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

Progress = Literal["queued", "pending", "in_progress", "deployed", "failed", "not_deployed"]


@dataclass(frozen=True)
class DeployTarget:
    """One validated plugin, as a deployer sees it."""

    namespace_id: str
    plugin_id: str
    name: str
    version: str
    archive_path: Path  # the kept archive (.tar.gz or .zip), one top folder named ``name``
    realtime: bool  # the archive has ``<name>/realtime.py``
    sha256: str  # of the archive that was scanned: only that archive is ever served

    @property
    def deployment_name(self) -> str:
        return f"custom_plugin_{self.plugin_id}"

    @property
    def route_prefix(self) -> str:
        return f"/inference/{self.deployment_name}"


@dataclass(frozen=True)
class DeploymentState:
    """Where one deployment stands; times are Unix seconds."""

    status: Progress
    message: str
    queued_at: float | None = None
    deployed_at: float | None = None
    error: str | None = None
    queue_position: int | None = None
    estimated_completion_seconds: int | None = None


class NotDeployable(ValueError):
    """The plugin may not be served (its kept archive is missing or not the scanned one)."""


NOT_DEPLOYED = DeploymentState("not_deployed", "The plugin is not deployed.")


class Deployer(Protocol):
    """Runs realtime plugins. Every method must be thread-safe and return quickly."""

    def start(self, target: DeployTarget) -> DeploymentState:
        """Begin deploying (idempotent: a running or queued deployment is left as it is);
        raises :class:`NotDeployable`."""
        ...

    def stop(self, target: DeployTarget) -> bool:
        """Stop and forget the deployment; True when there was one."""
        ...

    def state(self, target: DeployTarget) -> DeploymentState:
        """The current state; :data:`NOT_DEPLOYED` for a plugin never started or stopped."""
        ...
