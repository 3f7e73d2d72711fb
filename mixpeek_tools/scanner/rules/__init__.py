"""The scanner's rules: one module per forbidden capability, plus the file-policy rules.

Each module holds the qualified names it forbids (``FORBIDDEN``), its stable id, message and
hint, and ``VALID``/``INVALID`` example sources right beside them (Fixit-style); one test runs
every example. The resolver (:mod:`mixpeek_tools.scanner.analyzer`) checks all rules in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType

from mixpeek_tools.scanner.rules import (
    command_execution,
    dynamic_code,
    dynamic_import,
    native_memory,
    network_socket,
    policy,
)


@dataclass(frozen=True)
class RuleSpec:
    """What a rule module declares, gathered in one object."""

    id: str
    category: str
    title: str
    hint: str
    forbidden: dict[str, str]
    valid: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)


CAPABILITY_MODULES: tuple[ModuleType, ...] = (
    command_execution,
    dynamic_code,
    dynamic_import,
    network_socket,
    native_memory,
)


def _spec(module: ModuleType) -> RuleSpec:
    return RuleSpec(
        id=module.RULE_ID,
        category=module.CATEGORY,
        title=module.TITLE,
        hint=module.HINT,
        forbidden=dict(module.FORBIDDEN),
        valid=list(module.VALID),
        invalid=list(module.INVALID),
    )


CAPABILITIES: tuple[RuleSpec, ...] = tuple(_spec(m) for m in CAPABILITY_MODULES)
BY_CATEGORY: dict[str, RuleSpec] = {spec.category: spec for spec in CAPABILITIES}
CATEGORIES: tuple[str, ...] = tuple(spec.category for spec in CAPABILITIES)
POLICY = policy
