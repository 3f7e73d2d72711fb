"""The kit's own checks and reporters, registered through the same hooks as third-party ones.

Going through :mod:`~mixpeek_tools.validator.hookspecs` for the built-ins keeps the hooks honest:
anything a built-in check can do, a team's own check distribution can do too.
"""

from __future__ import annotations

from typing import Any

from mixpeek_tools.validator.hookspecs import hookimpl
from mixpeek_tools.validator.model import Check


def builtin_checks(*, scanner_rules: bool = True) -> list[Check]:
    """The seven built-in checks, in the documented order.

    ``scanner_rules=False`` leaves the security check's rule list empty instead of importing
    the scanner for it (a run's :meth:`~mixpeek_tools.validator.runner.Session.rules` fills it
    in when a reporter asks): a run whose security findings come from the cache never imports
    the scanner.
    """
    from mixpeek_tools.validator.checks import (
        names,
        pipeline,
        sample_data,
        schemas,
        security,
        structure,
        tests,
    )

    checks = [structure.CHECK, names.CHECK, schemas.CHECK, pipeline.CHECK, security.CHECK, tests.CHECK,
              sample_data.CHECK]
    if scanner_rules:
        security.CHECK.rules = security.scanner_rules()
    return checks


@hookimpl
def mixpeek_register_checks() -> list[Check]:
    """Register structure, names, schemas, pipeline, security, tests and sample data."""
    return builtin_checks(scanner_rules=False)


@hookimpl
def mixpeek_register_reporters() -> dict[str, Any]:
    """Register the text, json and sarif reporters."""
    from mixpeek_tools.validator.reporters import json_report, sarif, text

    return {"text": text.render, "json": json_report.render, "sarif": sarif.render}
