"""The one rule model the validator's checks and the security scanner share.

A rule is a class: its stable id, a kebab-case name, the check that reports it, severity, the
default hint, and a docstring that says what it catches, why it matters and the fix, with its
VALID and INVALID examples right beside it (Fixit-style). The reference docs are generated from
these classes and one harness per kind of example runs every example as a test, so the rule,
its documentation and its tests cannot drift apart.

Standard library only: ``mixpeek-check`` imports the scanner, and with it every rule, on each
commit, so pydantic, pluggy and libcst stay out of this module.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any, ClassVar

from mixpeek_tools.findings import Finding, Severity


class Rule:
    """One stable rule id that a check reports under.

    Subclasses set ``id`` (``MP101``), ``name`` (``missing-required-file``), ``check`` (the
    check that owns it), ``severity`` and the ``VALID``/``INVALID`` examples (their type is the
    owning check's: a plugin tree laid over a baseline for the validator, a file tree for the
    scanner); the class docstring says what it catches, why it matters and how to fix it.
    ``category`` is what findings carry as their category (the rule's ``name`` when unset; the
    scanner's rules carry one of its capability categories). Checks create findings with
    :meth:`finding` so ids never drift.
    """

    __test__ = False  # "TestsFailed" and friends are rules, not pytest test classes
    id: ClassVar[str]
    name: ClassVar[str]
    check: ClassVar[str]
    severity: ClassVar[Severity] = Severity.ERROR
    hint: ClassVar[str | None] = None
    category: ClassVar[str | None] = None
    VALID: ClassVar[Sequence[Any]] = ()
    INVALID: ClassVar[Sequence[Any]] = ()

    @classmethod
    def finding(
        cls,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
        severity: Severity | None = None,
        source_line: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Finding:
        """A finding under this rule, with the rule's default hint and severity."""
        return Finding(
            rule=cls.id,
            message=message,
            severity=severity or cls.severity,
            path=path,
            line=line,
            column=column,
            hint=hint if hint is not None else cls.hint,
            check=cls.check,
            category=cls.category or cls.name,
            source_line=source_line,
            extra=dict(extra or {}),
        )

    @classmethod
    def doc(cls) -> str:
        """The rule's docstring, dedented (what it catches, why, the fix)."""
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def summary(cls) -> str:
        """The docstring's first paragraph on one line (SARIF's short description)."""
        return cls.doc().split("\n\n", 1)[0].replace("\n", " ") or cls.name
