"""The ``mixpeek`` console script: forks the validator's spare child, then runs the CLI.

A cold ``mixpeek plugin validate`` waits, at the end, for a child that imports pydantic and then
the plugin (:mod:`mixpeek_tools.validator.import_child`). The sooner that child starts, the
sooner the run ends, and the soonest is here, before the CLI imports click, its commands and the
validator. So this looks at the raw command line for ``plugin validate`` (nothing is parsed
here: a command line it misreads only costs a child that is killed at exit, and the CLI itself
parses everything), forks the spare, and hands over to :func:`mixpeek_tools.cli.main.main`.
"""

from __future__ import annotations

import itertools
import sys

HELP_FLAGS = frozenset({"-h", "--help", "--version"})


def wants_import_child(argv: list[str]) -> bool:
    """``plugin validate`` on the command line, and no flag that ends the run before it checks."""
    if HELP_FLAGS.intersection(argv):
        return False
    return any(a == "plugin" and b == "validate" for a, b in itertools.pairwise(argv))


def main() -> None:
    """Console-script entry point for ``mixpeek``."""
    if wants_import_child(sys.argv[1:]):
        from mixpeek_tools.validator.import_child import prefork

        prefork()
    from mixpeek_tools.cli.main import main as run_cli

    run_cli()


if __name__ == "__main__":
    main()
