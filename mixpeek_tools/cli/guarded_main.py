"""``python -m mixpeek_tools.cli.guarded_main SPEC.json``: one ``mixpeek`` command line, guarded.

The child that ``--guard`` starts (:func:`mixpeek_tools.cli.guarded.rerun_guarded`) runs this
module: it first puts the guard in place (:func:`mixpeek_tools.guard.child.prepare_from_spec`),
before any plugin code is imported, then runs the spec's command line through the CLI. It lives
in ``cli/`` so that nothing below the CLI imports it.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    """Run the ``mixpeek`` command line of the spec file under the guard."""
    from mixpeek_tools.guard.child import prepare_from_spec

    spec = prepare_from_spec(Path(argv[0]))
    from mixpeek_tools.cli.main import cli, run_cli

    args = spec.get("argv")
    return run_cli(cli, [str(a) for a in args] if isinstance(args, list) else [])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
