"""The scanner's rules in the shared rule model (:mod:`mixpeek_tools.rule_model`).

Every scanner rule is a :class:`~mixpeek_tools.rule_model.Rule` subclass whose examples are
file trees the scanner reads (:class:`ScanExample`; a plain string is one Python source named
``example.py``). A capability rule (MP401-MP405) also lists the qualified names it forbids; a
file-policy rule (MP410-MP416) names the kind of file problem the reader reports under it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from mixpeek_tools.rule_model import Rule

SOURCE_NAME = "example.py"


@dataclass(frozen=True)
class ScanExample:
    """Files a rule must fire on (INVALID) or stay silent on (VALID), scanned as one plugin.

    ``files`` maps paths inside the plugin folder to their text or bytes (bytes for bytecode,
    binaries and undecodable files). ``also`` names other rules the example fires by design
    (an ``import`` line in a ``.pth`` file is both an install hook and a ``.pth`` file): an
    INVALID example must fire exactly its own rule and these.
    """

    files: Mapping[str, str | bytes]
    note: str = ""
    also: tuple[str, ...] = ()


def source(text: str, note: str = "", also: tuple[str, ...] = ()) -> ScanExample:
    """A one-file example: ``text`` as the plugin's ``example.py``."""
    return ScanExample({SOURCE_NAME: text}, note, also)


def file(name: str, data: bytes | str, note: str = "", also: tuple[str, ...] = ()) -> ScanExample:
    """A one-file example under its own name (the name decides how the file is read)."""
    return ScanExample({name: data}, note, also)


def as_example(item: str | ScanExample) -> ScanExample:
    """``item`` itself, or a plain source string as a one-file example."""
    return source(item) if isinstance(item, str) else item


class ScannerRule(Rule):
    """A rule of the security scanner, reported by the ``security`` check.

    ``category`` is one of the five capability categories (``command_execution``,
    ``dynamic_code``, ``dynamic_import``, ``network_socket``, ``native_memory``), so consumers
    that filter by category see every rule, file-policy ones included.
    """

    check = "security"
    category: ClassVar[str]
    VALID: ClassVar[Sequence[str | ScanExample]] = ()
    INVALID: ClassVar[Sequence[str | ScanExample]] = ()

    @classmethod
    def examples(cls, kind: str) -> list[ScanExample]:
        """The ``"valid"`` or ``"invalid"`` examples, each as a :class:`ScanExample`."""
        items = cls.VALID if kind == "valid" else cls.INVALID
        return [as_example(item) for item in items]


class CapabilityRule(ScannerRule):
    """Code that reaches a forbidden capability; ``FORBIDDEN`` maps qualified names to why."""

    FORBIDDEN: ClassVar[Mapping[str, str]] = {}


class PolicyRule(ScannerRule):
    """A file the scan cannot see into, or that runs on install or start-up.

    ``kind`` is the name the file reader (:mod:`mixpeek_tools.scanner.sources`) and the engine
    give the problem (``"unparsable"``...), mapped to the rule by ``rules.POLICY_BY_KIND``.
    """

    kind: ClassVar[str]
