"""Process-wide switches of ``--cpu-fallback`` and ``--placeholder-services`` for ``plugin test``.

Both reach the code that reads them (the runtime's GPU check, the local platform's built-in
services, and the plugin's own pytest run, which inherits the environment) as environment
variables, so switching them on is setting those variables. This module imports nothing heavy:
``mixpeek_tools.runtime.core`` and ``local_platform.service_base`` own the names but cost half a
second to import.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

CPU_FALLBACK_ENV = "MIXPEEK_CPU_FALLBACK"  # same name as mixpeek_tools.runtime.core's
PLACEHOLDER_ENV = "MIXPEEK_PLACEHOLDER_SERVICES"  # same as local_platform.service_base's


def enable_cpu_fallback() -> None:
    """Let GPU steps run on CPU where no GPU is visible, for this process and its children."""
    os.environ[CPU_FALLBACK_ENV] = "1"


@contextlib.contextmanager
def placeholder_outputs(enabled: bool) -> Iterator[None]:
    """Switch placeholder outputs on as `plugin run` does (its environment variable, which the
    plugin's own pytest run inherits too), and restore the environment afterwards."""
    before = os.environ.get(PLACEHOLDER_ENV)
    if enabled:
        os.environ[PLACEHOLDER_ENV] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(PLACEHOLDER_ENV, None)
        else:
            os.environ[PLACEHOLDER_ENV] = before
