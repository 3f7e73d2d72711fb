"""``mixpeek plugin update --check``: is a newer template version available? (for CI)

Like ``copier check-update`` or ``cruft check``, but it knows the kit's own template: a plugin
rendered from it is compared with the installed kit's version, which is what ``plugin update``
would move it to. Any other template is a git repository or URL whose tags are compared under
PEP 440 (prereleases ignored), as Copier does.
"""

from __future__ import annotations

import subprocess  # nosec B404  # git ls-remote with a fixed argv
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mixpeek_tools import __version__
from mixpeek_tools.errors import BadInput, EnvironmentFailure
from mixpeek_tools.scaffold.render import ANSWERS_FILE
from mixpeek_tools.scaffold.template_source import is_kit_history
from mixpeek_tools.scaffold.update import read_answers, update_target

if TYPE_CHECKING:
    from packaging.version import Version


@dataclass(frozen=True)
class UpdateCheck:
    """The plugin's template version, the newest one available, and whether it is newer."""

    plugin_dir: Path
    current: str
    latest: str

    @property
    def available(self) -> bool:
        return _version(self.latest, "latest") > _version(self.current, ANSWERS_FILE)


def _version(text: str, where: str) -> Version:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(text)
    except InvalidVersion as exc:
        raise BadInput(
            f"'{text}' is not a version Copier can compare (PEP 440, e.g. v2 or 1.0.0)",
            where=where,
            hint="Tag template releases with versions, then render or update from a tag",
        ) from exc


def latest_tag(src_path: str) -> str:
    """The highest PEP 440 tag of a git template (local path, ``~/...`` or URL)."""
    from packaging.version import InvalidVersion, Version

    url = str(Path(src_path).expanduser()) if src_path.startswith("~") else src_path
    done = subprocess.run(  # nosec B603 B607
        ["git", "ls-remote", "--tags", "--refs", url],
        capture_output=True, text=True, check=False, timeout=120,
    )
    if done.returncode != 0:
        raise EnvironmentFailure(
            f"could not list the template's tags: {done.stderr.strip()[:300]}",
            where=src_path,
            hint="Check that the template path or URL in .copier-answers.yml is reachable",
        )
    best: tuple[Version, str] | None = None
    for line in done.stdout.splitlines():
        tag = line.rsplit("refs/tags/", 1)[-1]
        try:
            version = Version(tag)
        except InvalidVersion:
            continue
        if not version.is_prerelease and (best is None or version > best[0]):
            best = (version, tag)
    if best is None:
        raise BadInput("the template has no version tags", where=src_path,
                       hint="Tag template releases (git tag v1) so updates can find them")
    return best[1]


def check_plugin(path: Path | str = ".") -> UpdateCheck:
    """Compare the plugin's recorded template version with the newest one it could move to."""
    plugin_dir = Path(path).expanduser().resolve()
    answers = read_answers(plugin_dir)
    current = answers.get("_commit")
    src = str(answers.get("_src_path") or "")
    if not current or not src:
        update_target(plugin_dir, None)  # explains plugins rendered by old packaged kits
        raise BadInput(
            f"{ANSWERS_FILE} records no template version (_commit) or source (_src_path)",
            where=str(plugin_dir / ANSWERS_FILE),
            hint="Render plugins from a tagged git template or an installed kit to get updates",
        )
    latest = __version__ if is_kit_history(src) else latest_tag(src)
    return UpdateCheck(plugin_dir, str(current), latest)
