"""The ``license`` check: every plugin file starts with an SPDX licence identifier.

Registered through the ``mixpeek.checks`` entry point; uses only the public hook and model API of
mixpeek-tools, which is all a team needs to add its own rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mixpeek_tools.findings import Finding
from mixpeek_tools.validator.hookspecs import hookimpl
from mixpeek_tools.validator.model import Check, CheckContext, Example, Rule

SPDX = re.compile(r"SPDX-License-Identifier:\s*(\S+)")
HEAD_LINES = 5


class MissingLicenseHeader(Rule):
    """A plugin file has no SPDX licence header, or the wrong licence.

    Catches: Python files without ``# SPDX-License-Identifier: <id>`` in their first five lines,
    or naming a different licence than ``[tool.mixpeek] license``. Why: the team publishes
    plugins under one licence and audits them by header. Fix: add the header line.
    """

    id = "ML001"
    name = "missing-license-header"
    check = "license"
    hint = "Add '# SPDX-License-Identifier: Apache-2.0' as the first line"
    VALID = [Example({"__init__.py": "# SPDX-License-Identifier: Apache-2.0\n"})]
    INVALID = [Example({"__init__.py": "# no header\n"})]


def run(ctx: CheckContext) -> Iterator[Finding]:
    """Check the first lines of every Python file."""
    wanted = ctx.config.options.get("license")
    for path in ctx.python_files():
        head = path.read_text(encoding="utf-8", errors="replace").splitlines()[:HEAD_LINES]
        match = next((m for m in map(SPDX.search, head) if m), None)
        rel = ctx.relpath(path)
        if match is None:
            yield MissingLicenseHeader.finding("no SPDX-License-Identifier header", path=rel, line=1)
        elif wanted and match.group(1) != wanted:
            yield MissingLicenseHeader.finding(
                f"licence {match.group(1)} but this project uses {wanted}", path=rel, line=1
            )


@hookimpl
def mixpeek_register_checks() -> list[Check]:
    """Add the ``license`` check after the built-in ones."""
    return [
        Check(
            name="license",
            run=run,
            description="Every Python file carries an SPDX licence header.",
            order=700,
            rules=(MissingLicenseHeader,),
        )
    ]
