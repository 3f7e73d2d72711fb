"""Where the template comes from: the kit's own, a local fork, or a git URL.

The kit's template is the repository root (``copier.yml`` next to ``mixpeek_tools/``) in a
checkout, where a developer's edits win. An installed kit has no repository root: the build
packs the template's version history into ``template-history.bundle`` (see ``history.py``), and
the kit renders from the user's copy of that history (``~/.cache/mixpeek-tools/template``) at the
tag of the installed version. Plugins then record that tag as ``_commit`` and the ``~/...`` path
as ``_src_path``: both survive upgrades of the kit, so ``mixpeek plugin update`` (and plain
``copier update``) can run Copier's three-way update later.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mixpeek_tools import __version__
from mixpeek_tools.errors import BadInput, EnvironmentFailure
from mixpeek_tools.scaffold import history

PACKAGED_BUNDLE = Path(__file__).resolve().parent / history.BUNDLE_NAME
CHECKOUT = Path(__file__).resolve().parent.parent.parent
_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@|gh:|gl:)", re.IGNORECASE)
CONFIG_NAMES = ("copier.yml", "copier.yaml")


@dataclass(frozen=True)
class TemplateSource:
    """What to hand Copier: ``src`` and ``vcs_ref``; ``is_kit`` for the kit's own template."""

    src: str
    is_kit: bool
    vcs_ref: str | None = None


def _is_template_dir(path: Path) -> bool:
    return any((path / name).is_file() for name in CONFIG_NAMES)


def checkout_template() -> Path | None:
    """The checkout's template folder when the kit runs from a source checkout, else None."""
    if _is_template_dir(CHECKOUT) and (CHECKOUT / "template").is_dir():
        return CHECKOUT
    return None


def _git_failure(exc: Exception) -> EnvironmentFailure:
    return EnvironmentFailure(
        f"could not prepare the template history: {exc}",
        where=str(history.cache_repo()),
        hint="Install git (Copier needs it), check that the folder is writable, or set "
        "MIXPEEK_TEMPLATE_HOME to a writable folder",
    )


def sync_installed_history() -> Path:
    """The user's copy of the template history, holding the installed kit's version."""
    if not PACKAGED_BUNDLE.is_file():
        raise EnvironmentFailure(
            "the kit's plugin template is missing from this installation",
            where=str(PACKAGED_BUNDLE),
            hint="Reinstall mixpeek-tools, or pass --template with a path or git URL of the "
            "template",
        )
    try:
        return history.sync_cache(PACKAGED_BUNDLE, __version__)
    except (history.HistoryError, OSError) as exc:
        raise _git_failure(exc) from exc


def sync_checkout_history() -> Path:
    """From a checkout: build the history from its git log into the cache (used by updates)."""
    root = checkout_template()
    assert root is not None
    try:
        with tempfile.TemporaryDirectory(prefix="mixpeek-history.") as tmp:
            bundle = Path(tmp) / history.BUNDLE_NAME
            history.build_bundle(root, bundle)
            return history.sync_cache(bundle, __version__)
    except (history.HistoryError, OSError) as exc:
        raise _git_failure(exc) from exc


def kit_history_source() -> TemplateSource:
    """The kit's versioned template, at the installed version (what wheel installs render)."""
    if PACKAGED_BUNDLE.is_file():
        sync_installed_history()
    else:
        sync_checkout_history()
    return TemplateSource(history.recorded_src_path(), True, __version__)


def is_kit_history(src_path: str | None) -> bool:
    """True when a plugin's recorded ``_src_path`` is the kit's template history."""
    if not src_path:
        return False
    if src_path == history.recorded_src_path():
        return True
    return Path(src_path).expanduser().resolve() == history.cache_repo().resolve()


def is_remote(source: str) -> bool:
    """Git URLs (https://, ssh://, git@host:, gh:/gl: shortcuts) are handed to Copier as they are."""
    return bool(_URL.match(source))


def resolve_template(source: str | None) -> TemplateSource:
    """What ``--template`` means (None: the kit's own, from the checkout or the history)."""
    if source is None:
        checkout = checkout_template()
        if checkout is not None:
            return TemplateSource(str(checkout), True)
        return kit_history_source()
    if is_remote(source):
        return TemplateSource(source, False)
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
    return TemplateSource(str(path), path == checkout_template())


def kit_template() -> Path:
    """A folder holding the kit's ``copier.yml`` and ``template/`` (what ``mixpeek doctor`` checks).

    From a checkout, the checkout; from an installed kit, the user's copy of the template
    history, checked out at the installed version.
    """
    checkout = checkout_template()
    return checkout if checkout is not None else sync_installed_history()
