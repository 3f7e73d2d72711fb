"""The template's version history, built into the package so installed kits can update plugins.

Copier updates a plugin with a three-way merge: it needs the template exactly as it was when the
plugin was rendered and as it is now, both from a git repository with version tags. An
installed kit has no repository, so the build makes one: a small git repository with one commit
per released kit version (``copier.yml``, ``template/`` and the ``hooks/`` its migrations run
only), each tagged with that version, packed as ``template-history.bundle`` inside the package.

Which snapshot stands for a version: the commit tagged ``v<version>`` or ``<version>`` when the
kit's repository has that tag, else the last commit before ``__version__`` moved on; the version
being built always takes the files of the tree being built. Commits are made with a fixed
identity and date, so the same history gives the same commit ids in every build.

Standard library only: ``setup.py`` loads this file by path at build time.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess  # nosec B404  # runs git with fixed argv
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BUNDLE_NAME = "template-history.bundle"
_MARKER = "mixpeek-template-history"
TEMPLATE_PARTS = ("copier.yml", "template", "hooks")
VERSION_FILE = "mixpeek_tools/__init__.py"
_VERSION = re.compile(r"""^__version__\s*=\s*["']([^"']+)["']""", re.MULTILINE)
_IGNORED = ("__pycache__", "*.py[co]", ".pytest_cache", ".DS_Store")
# A fixed author and date: the same snapshots always give the same commits.
_FIXED_ENV = {
    "GIT_AUTHOR_NAME": "mixpeek-tools build",
    "GIT_AUTHOR_EMAIL": "build@mixpeek-tools.invalid",
    "GIT_COMMITTER_NAME": "mixpeek-tools build",
    "GIT_COMMITTER_EMAIL": "build@mixpeek-tools.invalid",
    "GIT_AUTHOR_DATE": "2000-01-01T00:00:00+0000",
    "GIT_COMMITTER_DATE": "2000-01-01T00:00:00+0000",
    "GIT_CONFIG_NOSYSTEM": "1",
}


class HistoryError(RuntimeError):
    """git failed while building or reading the template history."""


def git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Run git with no user or system configuration that could change the result."""
    full_env = {**os.environ, **_FIXED_ENV, **(env or {})}
    full_env.setdefault("GIT_CONFIG_GLOBAL", os.devnull)
    cmd = ["git", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false",
           "-c", f"core.hooksPath={os.devnull}", *args]
    done = subprocess.run(  # nosec B603
        cmd, cwd=cwd, env=full_env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise HistoryError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def version_of(init_source: str) -> str | None:
    match = _VERSION.search(init_source)
    return match.group(1) if match else None


def _is_repo_root(root: Path) -> bool:
    try:
        top = git(root, "rev-parse", "--show-toplevel").strip()
    except (HistoryError, OSError):
        return False
    return Path(top).resolve() == root.resolve()


def released_commits(root: Path, current: str) -> list[tuple[str, str]]:
    """``(version, commit)`` of every earlier version in the kit's history, oldest first."""
    if not _is_repo_root(root):
        return []
    tags = set(git(root, "tag", "--list").split())
    log = git(root, "log", "--first-parent", "--reverse", "--format=%H", "HEAD", "--", VERSION_FILE)
    last_commit: dict[str, str] = {}
    order: list[str] = []
    previous: str | None = None
    for commit in log.split():
        version = version_of(git(root, "show", f"{commit}:{VERSION_FILE}"))
        if version and version != previous:
            order.append(version)
        if previous and version != previous:
            last_commit[previous] = git(root, "rev-parse", f"{commit}^").strip()
        previous = version
    result: list[tuple[str, str]] = []
    for release in order:
        tag = next((t for t in (f"v{release}", release) if t in tags), None)
        snapshot = tag or last_commit.get(release)
        if release != current and snapshot:
            result.append((release, snapshot))
    return result


def _replace_snapshot(work: Path, source: Path) -> None:
    for part in TEMPLATE_PARTS:
        target = work / part
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        src = source / part
        if src.is_dir():
            shutil.copytree(src, target, ignore=shutil.ignore_patterns(*_IGNORED))
        elif src.is_file():
            shutil.copy2(src, target)


def _export(root: Path, commit: str, into: Path) -> bool:
    """The template parts at ``commit`` written under ``into``; False if it had no template."""
    listing = git(root, "ls-tree", "--name-only", commit, "--", *TEMPLATE_PARTS).split()
    if "copier.yml" not in listing:
        return False
    into.mkdir(parents=True)
    archive = into / "snapshot.tar"
    git(root, "archive", "--format=tar", "-o", str(archive), commit, "--", *listing)
    with tarfile.open(archive) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(into, filter="data")
        else:  # Python before 3.10.12 / 3.11.4: git archive writes plain files only
            tar.extractall(into)  # nosec B202
    archive.unlink()
    return True


def _commit_snapshot(work: Path, version: str) -> None:
    git(work, "add", "-A")
    git(work, "commit", "-q", "--allow-empty", "-m", f"template of mixpeek-tools {version}")
    git(work, "tag", version)


def build_bundle(root: Path, out: Path) -> list[str]:
    """Write the history bundle of the kit at ``root`` to ``out``; returns the versions in it."""
    current = version_of((root / VERSION_FILE).read_text(encoding="utf-8"))
    if not current:
        raise HistoryError(f"no __version__ in {root / VERSION_FILE}")
    with tempfile.TemporaryDirectory(prefix="mixpeek-template-history.") as tmp:
        work = Path(tmp) / "repo"
        work.mkdir()
        git(work, "init", "-q", "-b", "main")
        versions: list[str] = []
        for version, commit in released_commits(root, current):
            snapshot = Path(tmp) / f"snap-{len(versions)}"
            if _export(root, commit, snapshot):
                _replace_snapshot(work, snapshot)
                _commit_snapshot(work, version)
                versions.append(version)
        _replace_snapshot(work, root)
        _commit_snapshot(work, current)
        versions.append(current)
        out.parent.mkdir(parents=True, exist_ok=True)
        git(work, "bundle", "create", "-q", str(out.resolve()), "--all")
    return versions


# ---- run time: the user's copy of the history -------------------------------------------------


def cache_repo() -> Path:
    """The user's git repository of template versions (``MIXPEEK_TEMPLATE_HOME`` overrides it)."""
    override = os.environ.get("MIXPEEK_TEMPLATE_HOME")
    if override:
        return Path(override).expanduser()
    return Path.home() / ".cache" / "mixpeek-tools" / "template"


def recorded_src_path() -> str:
    """What plugins record as ``_src_path``: the cache as ``~/...``, valid across kit upgrades.

    Copier expands ``~`` itself, so plain ``copier update`` finds the same repository.
    """
    repo = cache_repo()
    try:
        return "~/" + repo.resolve().relative_to(Path.home().resolve()).as_posix()
    except ValueError:
        return str(repo)


@contextmanager
def _lock(repo: Path) -> Iterator[None]:
    """One kit at a time adds versions to the cache (two inits in parallel must not collide)."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; concurrent inits there are the user's risk
        repo.parent.mkdir(parents=True, exist_ok=True)
        yield
        return
    repo.parent.mkdir(parents=True, exist_ok=True)
    with (repo.parent / f"{repo.name}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sync_cache(bundle: Path, checkout: str) -> Path:
    """Add the versions in ``bundle`` to the cache repository (created if needed); returns it.

    Tags already there are replaced by the bundle's (the running kit knows its own versions);
    tags only in the cache stay, so kits of different versions can share it. The work tree is
    left clean at ``checkout`` (a tag): Copier wants a git work tree, not a bare repository.
    """
    repo = cache_repo()
    with _lock(repo):
        marker = repo / ".git" / _MARKER
        if not (repo / ".git").is_dir():
            if repo.is_dir() and any(repo.iterdir()):
                raise HistoryError(f"{repo} exists and is not the kit's template history")
            repo.mkdir(parents=True, exist_ok=True)
            git(repo, "init", "-q")
            marker.write_text("written by mixpeek-tools; safe to delete with its folder\n")
        elif not marker.is_file():  # never check out or clean someone else's repository
            raise HistoryError(f"{repo} is a git repository that mixpeek-tools did not create")
        git(repo, "fetch", "-q", "--force", "--no-tags", str(bundle.resolve()),
            "+refs/tags/*:refs/tags/*")
        git(repo, "checkout", "-q", "-f", "--detach", f"refs/tags/{checkout}")
        git(repo, "clean", "-q", "-fdx")
    return repo
