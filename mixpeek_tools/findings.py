"""What every check and the scanner produce: findings.

Checks never print. They yield :class:`Finding` objects and reporters turn them into text, JSON
or SARIF. The model is deliberately flat and serialisable so that it can cross process
boundaries (parallel scanning, cached pre-commit results) unchanged.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from enum import Enum
from typing import Any


class Severity(str, Enum):
    """How much a finding matters. Only ``error`` makes a run fail."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 2, "warning": 1, "info": 0}[self.value]


@dataclass(frozen=True)
class Finding:
    """One problem found in a plugin.

    ``rule`` is a stable identifier (``MPK201``, ``security.command_execution``...) that users
    can select, skip and search for; ``path`` is relative to what was checked where possible;
    ``line`` and ``column`` are 1-based and ``None`` when the problem has no position.
    """

    rule: str
    message: str
    severity: Severity = Severity.ERROR
    path: str | None = None
    line: int | None = None
    column: int | None = None
    hint: str | None = None
    check: str | None = None
    category: str | None = None
    source_line: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def location(self) -> str:
        """``file:line:col`` as far as it is known, for text output."""
        if not self.path:
            return ""
        out = self.path
        if self.line is not None:
            out += f":{self.line}"
            if self.column is not None:
                out += f":{self.column}"
        return out

    def with_severity(self, severity: Severity) -> Finding:
        return replace(self, severity=severity)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = self.severity.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        data = dict(data)
        data["severity"] = Severity(data.get("severity", "error"))
        return cls(**data)
