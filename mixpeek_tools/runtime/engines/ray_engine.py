"""Compatibility path of the Ray engine: the code lives in :mod:`mixpeek_tools.runtime.engines.ray`."""

from __future__ import annotations

from mixpeek_tools.runtime.engines.ray.actors import Hub, StepActor
from mixpeek_tools.runtime.engines.ray.blocks import MIN_BLOCK_BYTES
from mixpeek_tools.runtime.engines.ray.engine import RayEngine
from mixpeek_tools.runtime.engines.ray.session import init_ray

__all__ = ["MIN_BLOCK_BYTES", "Hub", "RayEngine", "StepActor", "init_ray"]
