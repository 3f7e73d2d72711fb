"""``mixpeek plugin update``: pull template fixes into a plugin with ``copier update``.

Copier does a three-way merge (the plugin as rendered from its recorded template version, the
plugin as it is now, the template's new version) and leaves conflicts in the files. Copier itself
reports success even then; this wrapper looks at git afterwards and fails, naming the files,
whenever a conflict is left, so an update can never silently half-apply.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from mixpeek_tools.errors import BadInput, ChecksFailed
from mixpeek_tools.scaffold import history
from mixpeek_tools.scaffold.copier_errors import copier_failures
from mixpeek_tools.scaffold.render import ANSWERS_FILE
from mixpeek_tools.scaffold.template_source import is_kit_history, kit_history_source

Conflict = Literal["inline", "rej"]
# Two-letter `git status --porcelain` codes of unmerged paths.
_UNMERGED = {"DD", "AU", "UD", "UA", "DU", "AA", "UU"}


class UpdateConflicts(ChecksFailed):
    """The update was applied but left conflicts for the user to resolve (exit code 1)."""

    def __init__(self, files: list[str], plugin_dir: Path, mode: str) -> None:
        marker = "conflict markers (<<<<<<<)" if mode == "inline" else ".rej files"
        super().__init__(
            f"the template update conflicts with your edits in {len(files)} file(s): "
            + ", ".join(files),
            where=str(plugin_dir),
            hint=f"Resolve the {marker} in those files, then git add and commit; "
            "or undo the whole update with git checkout -- . && git clean -fd",
        )
        self.files = files


@dataclass
class UpdateResult:
    """Versions before and after, and the files the update changed."""

    plugin_dir: Path
    old_version: str | None
    new_version: str | None
    changed: list[str] = field(default_factory=list)
    pretend: bool = False


def read_answers(plugin_dir: Path) -> dict[str, Any]:
    """The plugin's Copier answers; BadInput when the folder was not rendered by the template."""
    import yaml

    path = plugin_dir / ANSWERS_FILE
    if not path.is_file():
        raise BadInput(
            f"no {ANSWERS_FILE} here, so the template it came from is unknown",
            where=str(plugin_dir),
            hint="Run the update inside the plugin folder (the one with manifest.py) that "
            "mixpeek plugin init or copier copy created",
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise BadInput(
            f"{ANSWERS_FILE} is not valid YAML: {exc}",
            where=str(path),
            hint=f"Restore it from git: git checkout -- {ANSWERS_FILE}",
        ) from exc
    if not isinstance(data, dict):
        raise BadInput(f"{ANSWERS_FILE} does not hold answers", where=str(path))
    return data


def _git(plugin_dir: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=plugin_dir, capture_output=True, text=True, check=False
    )
    return result.stdout if result.returncode == 0 else ""


def _status(plugin_dir: Path) -> list[tuple[str, str]]:
    """``(code, path)`` for every changed path under the plugin, paths relative to the plugin.

    Porcelain output names paths from the repository root; the plugin may be a subfolder of a
    bigger repository, so the prefix (``git rev-parse --show-prefix``) is cut off.
    """
    prefix = _git(plugin_dir, "rev-parse", "--show-prefix").strip()
    out = _git(plugin_dir, "status", "--porcelain", "--untracked-files=all", "--", ".")
    entries = []
    for line in out.splitlines():
        if len(line) > 3:
            path = line[3:].strip('"').split(" -> ")[-1]
            entries.append((line[:2], path[len(prefix) :] if path.startswith(prefix) else path))
    return entries


def find_conflicts(plugin_dir: Path) -> list[str]:
    """Files left unmerged by the update, or rejected hunks (``*.rej``)."""
    unmerged = {path for code, path in _status(plugin_dir) if code in _UNMERGED}
    rejected = {
        p.relative_to(plugin_dir).as_posix()
        for p in plugin_dir.rglob("*.rej")
        if ".git" not in p.parts
    }
    return sorted(unmerged | rejected)


LEGACY_PACKAGED_TEMPLATE = "mixpeek_tools/scaffold/kit_template"


def _legacy_refusal(plugin_dir: Path) -> BadInput:
    return BadInput(
        "this plugin was rendered by a kit (0.1.0 or older, installed from a package) that "
        "recorded no template version, so Copier cannot rebuild the template it came from",
        where=str(plugin_dir / ANSWERS_FILE),
        hint="Set _commit to the kit version that rendered it (e.g. 0.1.0) and _src_path to "
        f"{history.recorded_src_path()} in {ANSWERS_FILE}, commit, and run the update again",
    )


def update_target(plugin_dir: Path, vcs_ref: str | None) -> tuple[dict[str, Any], str | None]:
    """The plugin's answers and the template version to update to (None: the latest tag).

    Plugins rendered from the kit's own versioned template go to the installed kit's version,
    after the user's copy of the template history has been given that version.
    """
    answers = read_answers(plugin_dir)
    src = str(answers.get("_src_path") or "")
    if src.rstrip("/").endswith(LEGACY_PACKAGED_TEMPLATE) and not answers.get("_commit"):
        raise _legacy_refusal(plugin_dir)
    if is_kit_history(src):
        return answers, vcs_ref or kit_history_source().vcs_ref
    return answers, vcs_ref


def update_plugin(
    path: Path | str = ".",
    *,
    vcs_ref: str | None = None,
    conflict: Conflict = "inline",
    prompt: bool = False,
    trust: bool = False,
    pretend: bool = False,
) -> UpdateResult:
    """Update the plugin at ``path`` from its template; UpdateConflicts if conflicts remain.

    ``pretend`` runs the real update in a throwaway clone of the plugin's repository and
    reports what it changed there (``changed``, ``conflicts``); the plugin is not touched.
    Copier's own pretend mode is not used: during an update it reports nothing reliable.
    """
    plugin_dir = Path(path).expanduser().resolve()
    answers, target = update_target(plugin_dir, vcs_ref)
    old = answers.get("_commit")
    unsafe = trust or is_kit_history(str(answers.get("_src_path") or ""))
    if pretend:
        return _pretend(plugin_dir, old, target, conflict, unsafe)
    _run_copier_update(plugin_dir, target, conflict, prompt=prompt, unsafe=unsafe)
    conflicts = find_conflicts(plugin_dir)
    if conflicts:
        raise UpdateConflicts(conflicts, plugin_dir, conflict)
    new = read_answers(plugin_dir).get("_commit")
    changed = sorted(p for _, p in _status(plugin_dir))
    return UpdateResult(plugin_dir=plugin_dir, old_version=old, new_version=new, changed=changed)


def _run_copier_update(
    plugin_dir: Path, target: str | None, conflict: Conflict, *, prompt: bool, unsafe: bool
) -> None:
    from copier import run_update

    trust_hint = "The template runs tasks or migrations; pass --trust if you trust it"
    with copier_failures(f"plugin {plugin_dir}", trust_hint=trust_hint):
        run_update(
            plugin_dir,
            vcs_ref=target,
            conflict=conflict,
            defaults=not prompt,
            overwrite=True,
            skip_answered=True,
            quiet=True,
            unsafe=unsafe,
        )


def _pretend(
    plugin_dir: Path, old: str | None, target: str | None, conflict: Conflict, unsafe: bool
) -> UpdateResult:
    """The update applied to a clone of the plugin's repository, reported, then thrown away."""
    top = _git(plugin_dir, "rev-parse", "--show-toplevel").strip()
    if not top:
        # Not in git: the real update gives the error and its fix.
        _run_copier_update(plugin_dir, target, conflict, prompt=False, unsafe=unsafe)
    if _status(plugin_dir):
        raise BadInput(
            "the plugin has uncommitted changes (the update needs a clean, committed tree)",
            where=str(plugin_dir),
            hint="Commit or stash your changes first (git add -A && git commit), then run it "
            "again",
        )
    inside = plugin_dir.relative_to(Path(top).resolve())
    with tempfile.TemporaryDirectory(prefix="mixpeek-update-pretend.") as tmp:
        clone = Path(tmp) / "repo"
        subprocess.run(  # nosec B603 B607
            ["git", "clone", "-q", "--shared", top, str(clone)], capture_output=True, check=True
        )
        copy = clone / inside
        _run_copier_update(copy, target, conflict, prompt=False, unsafe=unsafe)
        conflicts = find_conflicts(copy)
        changed = sorted(
            f"{path} (conflict)" if path in conflicts else path for _, path in _status(copy)
        )
        new = read_answers(copy).get("_commit")
    return UpdateResult(plugin_dir, old, new, changed, pretend=True)
