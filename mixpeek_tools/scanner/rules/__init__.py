"""The scanner's rules, each a class in the shared rule model (:mod:`mixpeek_tools.rule_model`).

One module per forbidden capability (MP401-MP405: the qualified names it forbids) plus the
file-policy rules (MP410-MP416), each with its id, name, category, hint, a docstring saying
what it catches, why and the fix, and its ``VALID``/``INVALID`` examples right beside it
(Fixit-style); :mod:`mixpeek_tools.scanner.rules.testing` runs every example, and
``docs/checks.md`` is generated from the same classes. The resolver
(:mod:`mixpeek_tools.scanner.analyzer`) checks all capability rules in one pass.
"""

from __future__ import annotations

from mixpeek_tools.scanner.rules.artifacts import PathConfigurationFile
from mixpeek_tools.scanner.rules.command_execution import CommandExecution
from mixpeek_tools.scanner.rules.dynamic_code import DynamicCode
from mixpeek_tools.scanner.rules.dynamic_import import DynamicImport
from mixpeek_tools.scanner.rules.model import CapabilityRule, PolicyRule, ScannerRule
from mixpeek_tools.scanner.rules.native_memory import NativeMemory
from mixpeek_tools.scanner.rules.network_socket import NetworkSocket
from mixpeek_tools.scanner.rules.policy import POLICY_RULES as _FILE_POLICY

CAPABILITY_RULES: tuple[type[CapabilityRule], ...] = (
    CommandExecution,
    DynamicCode,
    DynamicImport,
    NetworkSocket,
    NativeMemory,
)
POLICY_RULES: tuple[type[PolicyRule], ...] = (*_FILE_POLICY, PathConfigurationFile)
RULES: tuple[type[ScannerRule], ...] = (*CAPABILITY_RULES, *POLICY_RULES)
BY_ID: dict[str, type[ScannerRule]] = {rule.id: rule for rule in RULES}
BY_CATEGORY: dict[str, type[CapabilityRule]] = {rule.category: rule for rule in CAPABILITY_RULES}
POLICY_BY_KIND: dict[str, type[PolicyRule]] = {rule.kind: rule for rule in POLICY_RULES}
CATEGORIES: tuple[str, ...] = tuple(rule.category for rule in CAPABILITY_RULES)

__all__ = [
    "BY_CATEGORY",
    "BY_ID",
    "CAPABILITY_RULES",
    "CATEGORIES",
    "POLICY_BY_KIND",
    "POLICY_RULES",
    "RULES",
    "CapabilityRule",
    "PolicyRule",
    "ScannerRule",
]
