"""Local stand-in for ``shared.plugins.inference.serve``: the realtime service base class.

On the platform a plugin's ``realtime.py`` subclasses :class:`BaseInferenceService` and is
deployed with Ray Serve according to its ``serve_config``. The base class does no validation of
its own (the HTTP layer validates requests against the plugin's schemas); it only routes a
request to the subclass's ``_process_single(inputs, parameters)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ServeDeploymentConfig:
    """How a realtime service is deployed (mirrors Ray Serve deployment options)."""

    enabled: bool = True
    num_replicas: int | None = 1
    max_ongoing_requests: int = 5
    ray_actor_options: dict[str, Any] = field(default_factory=dict)
    autoscaling_config: dict[str, Any] | None = None
    route_prefix: str | None = None

    def __post_init__(self) -> None:
        if self.num_replicas is not None and self.num_replicas < 1:
            raise ValueError(f"num_replicas must be at least 1, got {self.num_replicas}")
        if self.max_ongoing_requests < 1:
            raise ValueError(
                f"max_ongoing_requests must be at least 1, got {self.max_ongoing_requests}"
            )

    def deployment_options(self) -> dict[str, Any]:
        """Keyword arguments for ``serve.deployment(...)``; autoscaling replaces num_replicas."""
        options: dict[str, Any] = {
            "max_ongoing_requests": self.max_ongoing_requests,
            "ray_actor_options": dict(self.ray_actor_options),
        }
        if self.autoscaling_config:
            options["autoscaling_config"] = dict(self.autoscaling_config)
        elif self.num_replicas is not None:
            options["num_replicas"] = self.num_replicas
        return options


class BaseInferenceService:
    """Base of realtime services: ``await service.predict(inputs, parameters)``.

    Subclasses implement ``async _process_single(inputs, parameters) -> dict``. ``__call__``
    accepts the platform's request body ``{"inputs": {...}, "parameters": {...}}``.
    """

    serve_config: ServeDeploymentConfig = ServeDeploymentConfig()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Take any arguments, so a subclass can pass its own up with ``super().__init__``."""
        del args, kwargs

    async def predict(
        self, inputs: dict[str, Any], parameters: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Answer one request by delegating to ``_process_single``."""
        return await self._process_single(inputs, dict(parameters or {}))

    async def __call__(self, request: dict[str, Any]) -> dict[str, Any]:
        return await self.predict(request.get("inputs") or {}, request.get("parameters") or {})

    async def _process_single(
        self, inputs: dict[str, Any], parameters: dict[str, Any]
    ) -> dict[str, Any]:
        raise NotImplementedError(
            f"{type(self).__name__} must implement async _process_single(inputs, parameters)"
        )


__all__ = ["BaseInferenceService", "ServeDeploymentConfig"]
