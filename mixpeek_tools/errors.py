"""The kit's error vocabulary and exit codes.

Every failure a user can cause or meet is raised as a :class:`KitError`; the CLI's single error
funnel (``mixpeek_tools.cli.main``) turns it into one paragraph on stderr and its exit code.
Keeping the codes here means commands never pick numbers on their own.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Documented exit codes of every ``mixpeek`` command."""

    OK = 0
    CHECKS_FAILED = 1
    BAD_INPUT = 2
    ENVIRONMENT = 3


class KitError(Exception):
    """A failure the user can act on.

    ``message`` says what went wrong, ``where`` names the file, line, field or URL involved and
    ``hint`` says how to fix it. The three are joined into one paragraph for the terminal.
    """

    exit_code: ExitCode = ExitCode.BAD_INPUT

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def __reduce__(self) -> tuple[object, ...]:
        # Keep ``where`` and ``hint`` when an error crosses a process boundary (worker pools).
        return (_rebuild_kit_error, (type(self), self.message, self.where, self.hint))

    def paragraph(self) -> str:
        """The one-paragraph text shown to the user."""
        parts = []
        if self.where:
            parts.append(f"{self.where}: {self.message.rstrip('.')}.")
        else:
            parts.append(f"{self.message.rstrip('.')}.")
        if self.hint:
            parts.append(self.hint.rstrip(".") + ".")
        return " ".join(parts)

    def __str__(self) -> str:
        return self.paragraph()


def _rebuild_kit_error(
    cls: type[KitError], message: str, where: str | None, hint: str | None
) -> KitError:
    return cls(message, where=where, hint=hint)


class BadInput(KitError):
    """The user gave something the kit cannot use: a name, a file, an option value."""

    exit_code = ExitCode.BAD_INPUT


class ChecksFailed(KitError):
    """Checks ran and at least one error-severity finding remains."""

    exit_code = ExitCode.CHECKS_FAILED


class EnvironmentFailure(KitError):
    """Something outside the user's input failed: network, server, missing tool, disk."""

    exit_code = ExitCode.ENVIRONMENT
