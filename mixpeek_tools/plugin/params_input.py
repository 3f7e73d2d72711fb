"""``--params`` / ``--params-file``: the plugin parameters a user passes on the command line.

Shared by ``mixpeek plugin test``, ``run``, ``predict`` and ``enable`` so all accept and refuse
exactly the same input with the same messages; it reads the file, so it lives in the library.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mixpeek_tools.errors import BadInput

_EXAMPLE = 'Give a JSON object, e.g. --params \'{"threshold": 0.7}\''


def parse_params(params: str | None, params_file: str | Path | None) -> dict[str, Any] | None:
    """The parameters from JSON text or a JSON file; ``None`` when neither was given."""
    if params is not None and params_file is not None:
        raise BadInput("--params and --params-file were both given", hint="Pass only one of them")
    if params is None and params_file is None:
        return None
    where, text = "--params", params or ""
    if params_file is not None:
        where = str(params_file)
        try:
            text = Path(params_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise BadInput(
                f"cannot read the parameters file ({exc.strerror or exc})",
                where=where,
                hint="Check the path passed to --params-file",
            ) from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(
            f"invalid JSON: {exc.msg}", where=f"{where}:{exc.lineno}:{exc.colno}", hint=_EXAMPLE
        ) from None
    if not isinstance(value, dict):
        raise BadInput(
            f"parameters must be a JSON object, got {type(value).__name__}",
            where=where,
            hint=_EXAMPLE,
        )
    return value
