"""What the routes need from whatever runs realtime plugins: the ``Deployer`` protocol.

The plugin routes only ever call ``start``, ``stop`` and ``state`` with a :class:`DeployTarget`;
how a plugin is served (a child process, Ray Serve, nothing at all) stays behind this seam, so
the real supervisor can replace :class:`InProcessDeployer` by passing another object to
``Registry(deployer=...)``. Batch-only plugins never reach a deployer: they are "deployed" as
soon as they are validated, as on the platform.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
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


NOT_DEPLOYED = DeploymentState("not_deployed", "The plugin is not deployed.")


class Deployer(Protocol):
    """Runs realtime plugins. Every method must be thread-safe and return quickly."""

    def start(self, target: DeployTarget) -> DeploymentState:
        """Begin deploying (idempotent: a running or queued deployment is left as it is)."""
        ...

    def stop(self, target: DeployTarget) -> bool:
        """Stop and forget the deployment; True when there was one."""
        ...

    def state(self, target: DeployTarget) -> DeploymentState:
        """The current state; :data:`NOT_DEPLOYED` for a plugin never started or stopped."""
        ...


class InProcessDeployer:
    """A stand-in that serves nothing: it walks queued -> in_progress -> deployed on a timer.

    It lets the deploy and status routes behave like the platform's (a client polls until
    ``deployed``) before a real supervisor is plugged in. State lives in memory only.
    """

    def __init__(
        self,
        queued_seconds: float = 0.5,
        in_progress_seconds: float = 0.5,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._queued = queued_seconds
        self._in_progress = in_progress_seconds
        self._clock = clock
        self._started: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def start(self, target: DeployTarget) -> DeploymentState:
        with self._lock:
            self._started.setdefault((target.namespace_id, target.plugin_id), self._clock())
        return self.state(target)

    def stop(self, target: DeployTarget) -> bool:
        with self._lock:
            return self._started.pop((target.namespace_id, target.plugin_id), None) is not None

    def state(self, target: DeployTarget) -> DeploymentState:
        with self._lock:
            started = self._started.get((target.namespace_id, target.plugin_id))
        if started is None:
            return NOT_DEPLOYED
        elapsed = self._clock() - started
        total = self._queued + self._in_progress
        state = DeploymentState(
            "queued", "Waiting for a deployment slot.", queued_at=started, queue_position=0,
            estimated_completion_seconds=max(0, round(total - elapsed)),
        )  # fmt: skip
        if elapsed >= total:
            return replace(
                state, status="deployed", message=f"Serving at {target.route_prefix}.",
                deployed_at=started + total, queue_position=None, estimated_completion_seconds=0,
            )  # fmt: skip
        if elapsed >= self._queued:
            return replace(state, status="in_progress", message="Starting the service.",
                           queue_position=None)  # fmt: skip
        return state
