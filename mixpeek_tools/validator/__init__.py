"""The extensible validator: every check ``mixpeek plugin test`` / ``validate`` / ``publish`` runs.

Publishing, the registry's server-side validation and the CLI all call :func:`run_checks`. This
module stays cheap to import (the ``mixpeek-check`` pre-commit hook imports it on every commit):
pluggy, pydantic, libcst and pandas are imported only by the code that needs them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mixpeek_tools.validator.model import CheckReport

__all__ = ["CheckReport", "run_checks"]


def run_checks(
    plugin_path: str | Path,
    *,
    static_only: bool = False,
    select: Iterable[str] | None = None,
    skip: Iterable[str] | None = None,
    sample_data: str | Path | None = None,
    params: Mapping[str, Any] | None = None,
    for_publish: bool = False,
    no_import: bool = False,
) -> CheckReport:
    """Run the checks on one plugin directory and return every finding.

    ``static_only`` leaves out the plugin's tests and the sample-data run (``validate``);
    ``select``/``skip`` name checks (``structure``, ``schemas``...) and add to the plugin's own
    ``[tool.mixpeek]`` settings; ``for_publish`` refuses to skip or downgrade the security check;
    ``no_import`` runs only the checks that neither import nor execute the plugin (publish).
    Bad input (missing directory, malformed sample file, bad configuration) raises
    :class:`~mixpeek_tools.errors.BadInput`; everything wrong with the plugin is a finding.
    """
    from mixpeek_tools.validator.runner import run

    return run(
        Path(plugin_path),
        static_only=static_only,
        select=select,
        skip=skip,
        sample_data=Path(sample_data) if sample_data is not None else None,
        params=params,
        for_publish=for_publish,
        no_import=no_import,
    )


def __getattr__(name: str) -> Any:
    """Expose :class:`CheckReport` lazily so importing the package stays cheap."""
    if name == "CheckReport":
        from mixpeek_tools.validator.model import CheckReport

        return CheckReport
    raise AttributeError(name)
