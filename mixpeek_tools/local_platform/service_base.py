"""What every built-in service shares: config coercion, availability, placeholders.

A built-in service is called like any plugin processor (``service(batch) -> batch``). Locally a
service is in one of two states:

* **available**: it really runs (MiniLM from the ``minilm`` extra, FFmpeg chunking when an
  ``ffmpeg`` binary is on PATH);
* **unavailable** (hosted APIs, large models): building and validating a pipeline that uses it
  works, but running it raises :class:`ServiceUnavailable` naming the service, unless placeholder
  outputs are switched on (``mixpeek plugin run --placeholder-services`` or the environment
  variable ``MIXPEEK_PLACEHOLDER_SERVICES=1``). Then every processed row gets a deterministic
  output of the right shape and the service's name in the ``_placeholder`` column, so nobody
  mistakes a wiring test's output for a model's.

Placeholders are derived from a hash of the input, so the same input gives the same output on
every engine and every run, and different inputs give different vectors.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from mixpeek_tools.errors import BadInput, EnvironmentFailure

if TYPE_CHECKING:
    import pandas as pd

    from mixpeek_tools.local_platform.configs import BaseInferenceConfigs

PLACEHOLDER_ENV = "MIXPEEK_PLACEHOLDER_SERVICES"
PLACEHOLDER_COLUMN = "_placeholder"
_TRUE = {"1", "true", "yes", "on"}


def placeholders_enabled() -> bool:
    """Whether unavailable services should write labelled placeholder outputs."""
    return os.environ.get(PLACEHOLDER_ENV, "").strip().lower() in _TRUE


class ServiceUnavailable(EnvironmentFailure):
    """A built-in service cannot run on this machine and placeholders are off."""


def stable_seed(value: Any) -> int:
    """A 64-bit seed derived from a value's content (bytes hashed as-is, the rest as text)."""
    data = (
        bytes(value) if isinstance(value, (bytes, bytearray, memoryview)) else str(value).encode()
    )
    return int.from_bytes(hashlib.sha256(data).digest()[:8], "little")


def placeholder_vector(value: Any, dim: int) -> list[float]:
    """A unit vector of ``dim`` floats determined by ``value``: distinct inputs, distinct vectors."""
    import numpy as np

    vec = np.random.default_rng(stable_seed(value)).standard_normal(dim)
    vec /= np.linalg.norm(vec)
    return [float(x) for x in vec.astype(np.float32)]


def placeholder_unit_float(value: Any) -> float:
    """A float in [0, 1) determined by ``value`` (scores, confidences)."""
    return (stable_seed(value) % 1_000_000) / 1_000_000


class BuiltinService:
    """Base of the local stand-ins for the platform's ``engine.inference`` services.

    Subclasses set ``config_class``, implement :meth:`input_columns`, :meth:`placeholder_values`
    and, when they can truly run here, :meth:`unavailable_reason` (returning None) and
    :meth:`process`.
    """

    service_name: ClassVar[str] = "BuiltinService"
    config_class: ClassVar[type[BaseInferenceConfigs]]
    #: Why the service cannot run locally (used by the default :meth:`unavailable_reason`).
    offline_reason: ClassVar[str] = "it calls a hosted model that this kit cannot reach offline"

    def __init__(self, config: Any = None, progress_actor: Any = None) -> None:
        self.config = self._coerce_config(config)
        self.progress_actor = progress_actor

    # -- configuration ------------------------------------------------------------------------
    @classmethod
    def _coerce_config(cls, config: Any) -> Any:
        """Accept the service's own config model, a dict of its fields, or None (defaults)."""
        from pydantic import ValidationError

        if isinstance(config, cls.config_class):
            return config
        try:
            if config is None:
                return cls.config_class()
            if isinstance(config, dict):
                return cls.config_class(**config)
            if hasattr(config, "model_dump"):
                return cls.config_class(**config.model_dump())
        except ValidationError as exc:
            raise BadInput(
                f"{cls.service_name} got an invalid config: {_first_errors(exc)}",
                where=f"{cls.service_name} config",
                hint=f"Fix the step's config; {cls.config_class.__module__}.InferenceConfigs "
                "lists the accepted fields",
            ) from exc
        raise BadInput(
            f"{cls.service_name} needs a config of type InferenceConfigs, got {type(config).__name__}",
            where=f"{cls.service_name} config",
            hint=f"Pass {cls.config_class.__module__}.InferenceConfigs(...) as the step's config",
        )

    # -- availability -------------------------------------------------------------------------
    def unavailable_reason(self) -> str | None:
        """Why this service cannot run here, or None when it can."""
        return self.offline_reason

    # -- the batch call -----------------------------------------------------------------------
    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        """Process one batch: really, as placeholders, or not at all (with a clear error)."""
        self._check_columns(batch)
        reason = self.unavailable_reason()
        out = batch.copy(deep=False)
        if reason is None:
            return self.process(out)
        if not placeholders_enabled():
            raise ServiceUnavailable(
                f"built-in service {self.service_name} cannot run locally: {reason}",
                where=f"{self.service_name} ({type(self).__module__})",
                hint="Run with --placeholder-services (or MIXPEEK_PLACEHOLDER_SERVICES=1) to get "
                "clearly labelled placeholder outputs of the right shape for wiring tests",
            )
        values = self.placeholder_values(out)
        out[self.config.output_column_name] = values
        out[PLACEHOLDER_COLUMN] = _mark(out, self.service_name)
        return out

    def process(self, batch: pd.DataFrame) -> pd.DataFrame:
        """Really run the service (only called when :meth:`unavailable_reason` is None)."""
        raise NotImplementedError(f"{self.service_name} has no local implementation")

    def input_columns(self) -> Sequence[tuple[str, str]]:
        """``(config field, column name)`` pairs the service reads from each batch."""
        return ()

    def placeholder_values(self, batch: pd.DataFrame) -> list[Any]:
        """One placeholder output per row, of the same shape as the real service's output."""
        raise NotImplementedError

    def _check_columns(self, batch: pd.DataFrame) -> None:
        for field, column in self.input_columns():
            if column not in batch.columns:
                present = ", ".join(map(str, batch.columns)) or "(none)"
                raise BadInput(
                    f"{self.service_name} reads column {column!r} (config {field}) but the batch "
                    f"has only: {present}",
                    where=f"{self.service_name} config {field}",
                    hint=f"Set {field}= in the step's config to one of the columns above, or add "
                    "an earlier step that produces it",
                )


def _mark(batch: pd.DataFrame, service_name: str) -> list[list[str]]:
    """The ``_placeholder`` column after adding ``service_name`` to every row's list."""
    if PLACEHOLDER_COLUMN not in batch.columns:
        return [[service_name] for _ in range(len(batch))]
    return [[*_as_list(prev), service_name] for prev in batch[PLACEHOLDER_COLUMN]]


def _as_list(value: Any) -> list[str]:
    if value is None or isinstance(value, float):  # missing (NaN) from a pass-through row
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _first_errors(exc: Any, limit: int = 3) -> str:
    """The first few pydantic errors as ``field: message`` text."""
    parts: Iterable[str] = (
        f"{'.'.join(str(p) for p in err.get('loc', ())) or '(config)'}: {err.get('msg')}"
        for err in exc.errors()[:limit]
    )
    return "; ".join(parts)
