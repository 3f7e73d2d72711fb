"""The template's ``_migrations``: real ``copier update`` runs from a pre-0.1.0 plugin.

The old version is the template as it was before the 0.1.0 ``.gitignore`` (commit 79ad349): the
same files except that ``.gitignore`` listed only caches and conflict files, and ``copier.yml``
had no migrations and no ``hooks/``. Its rendered output is otherwise byte-identical to today's
(tests/scaffold/test_template_identity.py), so swapping those back gives the real old version.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .helpers import commit_all, copy_template, git

pytestmark = pytest.mark.slow

# template/<<plugin_name>>/.gitignore before 79ad349.
OLD_GITIGNORE = "__pycache__/\n*.py[co]\n.pytest_cache/\n*.rej\n*.orig\n"
GITIGNORE = Path("template/<<plugin_name>>/.gitignore")
KIT_FILES = (".mixpeek/dist/my_plugin-v1.tar.gz", "outputs/scored.jsonl")
COPIER = str(Path(sys.executable).with_name("copier"))


def _strip_migrations(config: str) -> str:
    head, _, rest = config.partition("_migrations:\n")
    assert rest, "copier.yml has no _migrations block"
    return head + rest[rest.index("\nplugin_name:") + 1 :]


@pytest.fixture
def repo_at_old_version(tmp_path: Path) -> Path:
    """A template repository whose only commit is the untagged pre-0.1.0 template."""
    repo = copy_template(tmp_path / "template-repo")
    (repo / GITIGNORE).write_text(OLD_GITIGNORE)
    config = repo / "copier.yml"
    config.write_text(_strip_migrations(config.read_text()))
    shutil.rmtree(repo / "hooks")
    git(repo, "init", "-q")
    commit_all(repo, "template before 0.1.0")
    return repo


def release_0_1_0(repo: Path) -> None:
    """Commit today's template (migrations, hooks/, new .gitignore) and tag it v0.1.0."""
    shutil.rmtree(repo / "template")
    (repo / "copier.yml").unlink()
    copy_template(repo / "current")
    for part in ("copier.yml", "template", "hooks"):
        (repo / "current" / part).rename(repo / part)
    (repo / "current").rmdir()
    commit_all(repo, "template 0.1.0")
    git(repo, "tag", "v0.1.0")


def used_plugin(repo: Path, out: Path) -> Path:
    """Plain ``copier copy`` (no --trust), then what a user does: publish, run, edit, commit."""
    done = subprocess.run(
        [COPIER, "copy", "--defaults", "-d", "plugin_name=my_plugin", str(repo), str(out)],
        capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stderr
    plugin = out / "my_plugin"
    for name in KIT_FILES:
        (plugin / name).parent.mkdir(parents=True, exist_ok=True)
        (plugin / name).write_bytes(b"written by the kit\n")
    core = plugin / "processors" / "core.py"
    core.write_text(core.read_text().replace('"good great', '"good brilliant great'))
    git(plugin, "init", "-q")
    commit_all(plugin, "my plugin, with what the old .gitignore let through")
    return plugin


def tracked(plugin: Path) -> set[str]:
    return set(git(plugin, "ls-files", "--", ".mixpeek", "outputs").split())


def test_update_to_0_1_0_untracks_kit_outputs_and_keeps_the_edit(
    repo_at_old_version: Path, tmp_path: Path
) -> None:
    plugin = used_plugin(repo_at_old_version, tmp_path / "plugins")
    assert tracked(plugin) == set(KIT_FILES)
    release_0_1_0(repo_at_old_version)

    refused = subprocess.run([COPIER, "update", "--defaults"], cwd=plugin, capture_output=True, text=True)
    assert refused.returncode != 0
    assert "migrations" in refused.stderr + refused.stdout
    assert git(plugin, "status", "--porcelain") == ""  # nothing written without --trust

    done = subprocess.run(
        [COPIER, "update", "--defaults", "--trust"], cwd=plugin, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "Stopped tracking 2 file(s)" in done.stdout
    assert tracked(plugin) == set()
    assert all((plugin / name).read_bytes() == b"written by the kit\n" for name in KIT_FILES)
    assert ".mixpeek/\n" in (plugin / ".gitignore").read_text()
    assert "good brilliant great" in (plugin / "processors" / "core.py").read_text()
    assert yaml.safe_load((plugin / ".copier-answers.yml").read_text())["_commit"] == "v0.1.0"
    commit_all(plugin, "template 0.1.0")
    (plugin / KIT_FILES[0]).write_bytes(b"the next publish\n")
    assert git(plugin, "status", "--porcelain") == ""  # a publish no longer blocks updates


def test_the_kit_update_runs_the_migration_with_trust_and_keeps_deliberate_tracking(
    repo_at_old_version: Path, tmp_path: Path, mixpeek
) -> None:
    plugin = used_plugin(repo_at_old_version, tmp_path / "plugins")
    (plugin / ".gitignore").write_text((plugin / ".gitignore").read_text() + "!outputs/\n")
    commit_all(plugin, "outputs/ are tracked on purpose")
    release_0_1_0(repo_at_old_version)

    refused = mixpeek("plugin", "update", "--path", str(plugin))
    assert refused.code != 0 and "--trust" in refused.err

    result = mixpeek("plugin", "update", "--trust", "--path", str(plugin))
    assert result.code == 0, result.err
    assert tracked(plugin) == {"outputs/scored.jsonl"}


def test_updates_after_0_1_0_run_no_migration_and_need_no_trust(
    repo_at_old_version: Path, tmp_path: Path
) -> None:
    release_0_1_0(repo_at_old_version)
    plugin = used_plugin(repo_at_old_version, tmp_path / "plugins")
    git(plugin, "add", "-f", *KIT_FILES)  # tracked although ignored: a migration would untrack them
    commit_all(plugin, "kit files, forced")
    readme = repo_at_old_version / "template" / "<<plugin_name>>" / "README.md.jinja"
    readme.write_text(readme.read_text() + "\nA 0.2.0 addition.\n")
    commit_all(repo_at_old_version, "0.2.0")
    git(repo_at_old_version, "tag", "v0.2.0")

    done = subprocess.run([COPIER, "update", "--defaults"], cwd=plugin, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "A 0.2.0 addition." in (plugin / "README.md").read_text()
    assert tracked(plugin) == set(KIT_FILES)  # the 0.1.0 migration did not run again
