"""The template history the build packs into the package, and the user's copy of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from mixpeek_tools.scaffold import history
from mixpeek_tools.scaffold.template_source import kit_history_source

from .helpers import commit_all, copy_template, git


def kit_repo(root: Path, version: str) -> Path:
    """A miniature kit repository: the template plus the version file, committed."""
    repo = copy_template(root)
    init = repo / history.VERSION_FILE
    init.parent.mkdir(parents=True)
    init.write_text(f'__version__ = "{version}"\n')
    git(repo, "init", "-q")
    commit_all(repo, f"release {version}")
    return repo


def bump(repo: Path, version: str, readme_line: str) -> None:
    readme = repo / "template" / "<<plugin_name>>" / "README.md.jinja"
    readme.write_text(readme.read_text() + readme_line)
    (repo / history.VERSION_FILE).write_text(f'__version__ = "{version}"\n')
    commit_all(repo, f"release {version}")


def tags(bundle: Path, cwd: Path) -> dict[str, str]:
    heads = git(cwd, "bundle", "list-heads", str(bundle)).split("\n")
    return {ref.rsplit("/", 1)[-1]: sha for sha, ref in (h.split() for h in heads if h)
            if ref.startswith("refs/tags/")}


def test_each_version_is_the_last_commit_before_the_bump_and_builds_are_reproducible(
    tmp_path: Path,
) -> None:
    repo = kit_repo(tmp_path / "kit", "1.0.0")
    readme = repo / "template" / "<<plugin_name>>" / "README.md.jinja"
    readme.write_text(readme.read_text() + "\nlate fix of 1.0.0\n")
    commit_all(repo, "fix before the next release")
    bump(repo, "1.1.0", "\nnew in 1.1.0\n")

    first = tmp_path / "a.bundle"
    assert history.build_bundle(repo, first) == ["1.0.0", "1.1.0"]
    again = tmp_path / "b.bundle"
    history.build_bundle(repo, again)
    assert tags(first, repo) == tags(again, repo)  # same ids: fixed author and date

    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(first), str(clone))
    old = git(clone, "show", "1.0.0:template/<<plugin_name>>/README.md.jinja")
    assert "late fix of 1.0.0" in old and "new in 1.1.0" not in old
    assert "new in 1.1.0" in git(clone, "show", "1.1.0:template/<<plugin_name>>/README.md.jinja")


def test_a_tree_outside_git_gives_the_current_version_only(tmp_path: Path) -> None:
    root = copy_template(tmp_path / "unpacked-sdist")
    (root / "mixpeek_tools").mkdir()
    (root / history.VERSION_FILE).write_text('__version__ = "2.0.0"\n')
    assert history.build_bundle(root, tmp_path / "h.bundle") == ["2.0.0"]


def test_the_users_copy_keeps_versions_from_every_kit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIXPEEK_TEMPLATE_HOME", str(tmp_path / "cache" / "template"))
    repo = kit_repo(tmp_path / "kit", "1.0.0")
    old_bundle = tmp_path / "old.bundle"
    history.build_bundle(repo, old_bundle)
    bump(repo, "1.1.0", "\nnew\n")
    new_bundle = tmp_path / "new.bundle"
    history.build_bundle(repo, new_bundle)

    cache = history.sync_cache(new_bundle, "1.1.0")
    history.sync_cache(old_bundle, "1.0.0")  # an older kit in another venv runs later
    assert sorted(history.git(cache, "tag", "--list").split()) == ["1.0.0", "1.1.0"]
    assert git(cache, "status", "--porcelain") == ""  # a clean work tree for Copier


def test_a_checkout_kit_serves_the_history_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIXPEEK_TEMPLATE_HOME", str(tmp_path / "template"))
    source = kit_history_source()
    assert source.is_kit and source.src == str(tmp_path / "template")
    assert source.vcs_ref in history.git(tmp_path / "template", "tag", "--list").split()


def test_someone_elses_repository_is_never_touched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    git(theirs, "init", "-q")
    (theirs / "work.txt").write_text("uncommitted work\n")
    monkeypatch.setenv("MIXPEEK_TEMPLATE_HOME", str(theirs))
    repo = kit_repo(tmp_path / "kit", "1.0.0")
    bundle = tmp_path / "h.bundle"
    history.build_bundle(repo, bundle)
    with pytest.raises(history.HistoryError, match="did not create"):
        history.sync_cache(bundle, "1.0.0")
    assert (theirs / "work.txt").read_text() == "uncommitted work\n"
