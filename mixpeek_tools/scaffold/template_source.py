"""Where the template comes from: the kit's own, a local fork, or a git URL.

The kit's template is the repository root (``copier.yml`` next to ``mixpeek_tools/``). A wheel
has no repository root, so the build copies the template into ``mixpeek_tools/scaffold/
kit_template/``; both places are tried, the checkout first (so a developer's edits win).
"""

from __future__ import annotations

import re
from pathlib import Path

from mixpeek_tools.errors import BadInput, EnvironmentFailure

PACKAGED_TEMPLATE = Path(__file__).resolve().parent / "kit_template"
_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@|gh:|gl:)", re.IGNORECASE)
CONFIG_NAMES = ("copier.yml", "copier.yaml")


def _is_template_dir(path: Path) -> bool:
    return any((path / name).is_file() for name in CONFIG_NAMES)


def kit_template() -> Path:
    """The folder holding the kit's own ``copier.yml``."""
    checkout = Path(__file__).resolve().parent.parent.parent
    for candidate in (checkout, PACKAGED_TEMPLATE):
        if _is_template_dir(candidate) and (candidate / "template").is_dir():
            return candidate
    raise EnvironmentFailure(
        "the kit's plugin template is missing from this installation",
        where=str(PACKAGED_TEMPLATE),
        hint="Reinstall mixpeek-tools, or pass --template with a path or git URL of the template",
    )


def is_remote(source: str) -> bool:
    """Git URLs (https://, ssh://, git@host:, gh:/gl: shortcuts) are handed to Copier as they are."""
    return bool(_URL.match(source))


def resolve_template(source: str | None) -> tuple[str, bool]:
    """``(src, is_kit_template)`` for ``--template`` (None means the kit's own template)."""
    if source is None:
        return str(kit_template()), True
    if is_remote(source):
        return source, False
    path = Path(source).expanduser().resolve()
    if not path.is_dir():
        raise BadInput(
            "the template folder does not exist",
            where=f"--template {source}",
            hint="Pass the folder that holds copier.yml, or a git URL",
        )
    if not _is_template_dir(path):
        raise BadInput(
            "this folder is not a Copier template: it has no copier.yml",
            where=f"--template {source}",
            hint="Pass the root of a fork of the kit's template (the folder with copier.yml)",
        )
    return str(path), path == kit_template_or_none()


def kit_template_or_none() -> Path | None:
    try:
        return kit_template()
    except EnvironmentFailure:
        return None
