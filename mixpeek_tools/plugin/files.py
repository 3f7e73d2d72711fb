"""The files of a plugin: one definition for everything that looks at a plugin's folder.

The scanner, the validator, the pre-commit hook, the archive builder, the staged import of
``validate``/``test``/``run``/``serve`` and the registry all ask this module which files a
plugin has, so what is checked is exactly what ships (and what is imported locally is exactly
what the platform would import).

Two modes:

* **trusted** (a developer's own folder, the default): :data:`ALWAYS_EXCLUDED` (VCS folders,
  tool caches, virtual environments, build output, ``node_modules``, secrets) and the plugin's
  own ``.gitignore`` / ``.mixpeekignore`` are left out. Python's own bytecode cache is left out
  too, but only what the import system itself writes: a *timestamp-based* ``.pyc`` inside
  ``__pycache__`` whose source file sits next to the folder. Every other bytecode file (a
  sourceless ``.pyc`` at any level, a hash-based ``.pyc`` in ``__pycache__``, a ``.pyc`` without
  its source, ``.pyo``) is part of the file set, so the scan reports it and the archive would
  carry it (and be refused).
* **untrusted** (``untrusted=True``: what the registry unpacked from an upload): nothing is
  skipped. Every file is seen, every cache folder included.

:func:`artifact_kind` names the files Python could import or execute that are not source
(bytecode, native extensions, ``.pth`` files, zip/egg archives that can sit on ``sys.path``):
the security scan turns each into a policy finding.

Standard library only at import time (the registry's worker and a Ray worker can use it without
the kit's dependencies); ``pathspec`` is imported only for an ignore file that needs git's
full rules (see :func:`user_rules`).
"""

from __future__ import annotations

import fnmatch
import functools
import importlib.machinery
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Folders (trailing "/") and file names (globs) that never belong in a published plugin. Every
# pattern is matched against one path component, at any depth, like a slash-free .gitignore line.
ALWAYS_EXCLUDED: tuple[str, ...] = (
    # version control
    ".git/", ".hg/", ".svn/", ".bzr/",
    # caches and tool state (Python's own __pycache__ entries are handled by is_python_cache)
    ".pytest_cache/", ".mypy_cache/", ".ruff_cache/", ".tox/", ".nox/", ".ipynb_checkpoints/",
    ".coverage", ".DS_Store", "Thumbs.db",
    # virtual environments and other package managers' trees
    ".venv/", "venv/", "env/", "node_modules/",
    # build output
    "build/", "dist/", "*.egg-info/",
    # the kit's own working folder (archives, caches)
    ".mixpeek/",
    # secrets and credentials
    ".env", ".env.*", ".envrc", "*.pem", "*.key", "*.p12", "*.pfx", "*.keystore", "*.jks",
    "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*", ".netrc", ".pypirc", ".npmrc",
    ".aws/", ".ssh/", ".gnupg/", "credentials", "credentials.json", "*credentials*.json",
    "service-account*.json", "*.secret", "secrets.*",
)  # fmt: skip
USER_IGNORE_FILES = (".gitignore", ".mixpeekignore")

SOURCE_SUFFIXES = (*importlib.machinery.SOURCE_SUFFIXES, ".pyw")
BYTECODE_SUFFIXES = (".pyc", ".pyo")
EXTENSION_SUFFIXES = tuple(
    sorted(set(importlib.machinery.EXTENSION_SUFFIXES) | {".so", ".pyd", ".dylib", ".dll"})
)
# Every suffix the import system can load, minus source: what a plugin may never contain.
IMPORTABLE_NON_SOURCE = tuple(
    sorted(
        (set(importlib.machinery.all_suffixes()) - set(SOURCE_SUFFIXES))
        | set(BYTECODE_SUFFIXES)
        | set(EXTENSION_SUFFIXES)
    )
)
PATH_ARCHIVE_SUFFIXES = (".zip", ".egg", ".whl", ".pyz")

_DIR_PATTERNS = tuple(p[:-1] for p in ALWAYS_EXCLUDED if p.endswith("/"))
_NAME_PATTERNS = tuple(p for p in ALWAYS_EXCLUDED if not p.endswith("/"))
BIG_FILE = 1 << 20  # staged by hard link when possible (model weights), else copied


@dataclass(frozen=True)
class PluginFile:
    """One file of the plugin: ``rel`` (POSIX, relative to the root) and the real file."""

    rel: str
    path: Path
    size: int
    executable: bool


@dataclass
class FileSet:
    """The files of one plugin folder, sorted by ``rel``.

    ``refused`` lists entries that can never be shipped (links leaving the plugin or pointing at
    a folder, sockets, devices) as ``(rel, reason)``; the archive builder refuses the plugin on
    the first one, the scanner simply does not read them.
    """

    root: Path
    untrusted: bool
    files: list[PluginFile] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)

    def __iter__(self) -> Iterator[PluginFile]:
        return iter(self.files)

    def __len__(self) -> int:
        return len(self.files)

    def __contains__(self, rel: object) -> bool:
        return any(f.rel == rel for f in self.files)

    def rels(self) -> list[str]:
        return [f.rel for f in self.files]

    def paths(self) -> list[Path]:
        """Where each file lies in the plugin folder (``root / rel``, links not resolved)."""
        return [self.root / f.rel for f in self.files]

    def python_sources(self) -> list[PluginFile]:
        return [f for f in self.files if f.rel.endswith(SOURCE_SUFFIXES)]

    def to_dict(self) -> dict[str, Any]:
        """The set as JSON-ready data, for a process that must use exactly this set."""
        return {
            "root": str(self.root),
            "untrusted": self.untrusted,
            "files": [[f.rel, str(f.path), f.size, f.executable] for f in self.files],
            "refused": [list(r) for r in self.refused],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FileSet:
        """The set :meth:`to_dict` described (no walk of the folder: the same files, as read)."""
        files = [PluginFile(rel, Path(path), size, exe) for rel, path, size, exe in data["files"]]
        refused = [(rel, why) for rel, why in data["refused"]]
        return cls(Path(data["root"]), bool(data["untrusted"]), files, refused)

    def folders(self) -> list[str]:
        """Every folder that holds at least one file of the set (POSIX, relative; no root)."""
        out: set[str] = set()
        for f in self.files:
            parts = f.rel.split("/")[:-1]
            out.update("/".join(parts[: i + 1]) for i in range(len(parts)))
        return sorted(out)


def artifact_kind(rel: str) -> str | None:
    """``bytecode``, ``extension``, ``pth`` or ``path_archive`` for a non-source importable."""
    name = rel.rsplit("/", 1)[-1].lower()
    if name.endswith(BYTECODE_SUFFIXES):
        return "bytecode"
    if name.endswith(EXTENSION_SUFFIXES) or ".so." in name:
        return "extension"
    if name.endswith(IMPORTABLE_NON_SOURCE):
        return "bytecode"
    if name.endswith(".pth"):
        return "pth"
    if name.endswith(PATH_ARCHIVE_SUFFIXES):
        return "path_archive"
    return None


@functools.cache
def _matcher(patterns: tuple[str, ...]) -> Callable[[str], re.Match[str] | None]:
    """One compiled regex for all of ``patterns`` (each as ``fnmatch.fnmatchcase`` reads it):
    a name is matched once, not once per pattern. No patterns match nothing."""
    if not patterns:
        return lambda name: None
    return re.compile("|".join(fnmatch.translate(p) for p in patterns)).match


def always_excluded(name: str, *, is_dir: bool) -> bool:
    """True when a file or folder called ``name`` is never part of a plugin (trusted mode)."""
    if is_dir and _matcher(_DIR_PATTERNS)(name):
        return True
    return _matcher(_NAME_PATTERNS)(name) is not None


def is_python_cache(path: Path) -> bool:
    """A ``.pyc`` the import system itself wrote: timestamp-based, in ``__pycache__``, with source.

    The import system only ever writes timestamp-based files (flags 0) named
    ``<module>.<tag>.pyc`` into ``__pycache__`` beside ``<module>.py``. A hash-based file (flags
    1 or 3, what ``py_compile --invalidation-mode unchecked-hash`` writes) is never a cache the
    kit made, and an unchecked one runs whatever the source says; it stays in the file set.
    """
    if path.parent.name != "__pycache__" or not path.name.endswith(".pyc"):
        return False
    module = path.name.split(".", 1)[0]
    if not (path.parent.parent / f"{module}.py").is_file():
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError:
        return False
    return len(head) == 8 and int.from_bytes(head[4:8], "little") == 0


def user_rules(root: Path) -> Callable[[str, bool], bool] | None:
    """The plugin's ``.gitignore`` + ``.mixpeekignore`` as ``excluded(rel, is_dir)``, or None.

    Read in that order, so a ``!pattern`` in ``.mixpeekignore`` re-includes what ``.gitignore``
    left out. The fixed exclusions cannot be re-included.
    """
    lines: list[str] = []
    for name in USER_IGNORE_FILES:
        path = root / name
        if path.is_file():
            lines.extend(path.read_text(encoding="utf-8", errors="replace").splitlines())
    if not any(line.strip() and not line.lstrip().startswith("#") for line in lines):
        return None
    simple = _component_rules([line for line in lines if line and not line.startswith("#")])
    if simple is not None:
        return simple
    import pathspec  # only for lines that need git's full rules

    spec = pathspec.GitIgnoreSpec.from_lines(lines)
    return lambda rel, is_dir: spec.match_file(rel + "/" if is_dir else rel)


# A line git reads as one glob matched against each path component at any depth: no slash but
# an optional trailing one (folders only), no negation, escape, "**", "[!"/"[^" or spaces.
_COMPONENT_LINE = re.compile(r"(?:[A-Za-z0-9_.?-]|\*(?!\*)|\[[A-Za-z0-9_.]+\])+/?")


def _component_rules(patterns: list[str]) -> Callable[[str, bool], bool] | None:
    """``excluded(rel, is_dir)`` for ignore files made only of component globs, else None.

    For such a line git's rule is exactly ``fnmatchcase`` of the path's last component (a
    folder is never descended into once excluded, so its files need no test), and with no
    negation the order of lines does not matter. That is what most ignore files hold (the
    template's does), and it spares every validate importing pathspec (10-15 ms). Anything else
    goes to pathspec; ``tests/plugin/test_ignore_rules.py`` checks both agree.
    """
    if not all(_COMPONENT_LINE.fullmatch(line) for line in patterns):
        return None
    folders = _matcher(tuple(p.rstrip("/") for p in patterns))
    files = _matcher(tuple(p for p in patterns if not p.endswith("/")))

    def excluded(rel: str, is_dir: bool) -> bool:
        name = rel.rsplit("/", 1)[-1]
        return (folders if is_dir else files)(name) is not None

    return excluded


def plugin_files(root: str | os.PathLike[str], *, untrusted: bool = False) -> FileSet:
    """The file set of the plugin folder ``root`` (see the module docstring for the modes)."""
    base = Path(root).resolve()
    rules = None if untrusted else user_rules(base)
    out = FileSet(root=base, untrusted=untrusted)
    _walk(base, "", out, rules)
    out.files.sort(key=lambda f: f.rel)
    return out


def _skipped(out: FileSet, rules: Callable[[str, bool], bool] | None, name: str, rel: str,
             is_dir: bool) -> bool:
    if out.untrusted:
        return False
    if always_excluded(name, is_dir=is_dir):
        return True
    return rules is not None and rules(rel, is_dir)


def _walk(folder: Path, prefix: str, out: FileSet, rules: Callable[[str, bool], bool] | None) -> None:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as err:
        out.refused.append((prefix.rstrip("/") or ".", f"cannot be read ({err.strerror or err})"))
        return
    for entry in entries:
        rel = prefix + entry.name
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            if not _skipped(out, rules, entry.name, rel, True):
                _walk(path, rel + "/", out, rules)
            continue
        if _skipped(out, rules, entry.name, rel, entry.is_dir()):
            continue
        if not out.untrusted and is_python_cache(path):
            continue
        _add(out, path, rel)


def _add(out: FileSet, path: Path, rel: str) -> None:
    real = path
    if path.is_symlink():
        target = path.resolve()
        if not target.is_relative_to(out.root):
            out.refused.append((rel, f"the symbolic link points outside the plugin (to {target})"))
            return
        if not target.is_file():
            out.refused.append((rel, f"the symbolic link points to a folder ({target})"))
            return
        real = target
    info = real.stat() if real is not path else path.lstat()
    if not stat.S_ISREG(info.st_mode):
        out.refused.append((rel, "not a regular file (a socket, pipe or device)"))
        return
    out.files.append(PluginFile(rel, real, info.st_size, bool(info.st_mode & 0o111)))


def stage(files: FileSet, dest: Path) -> Path:
    """Copy exactly ``files`` into ``dest / <root folder name>`` and return that folder.

    The staged copy is what ``validate``, ``test``, ``run`` and ``serve`` import: a module the
    archive would leave out does not exist there, so importing it fails locally as it would on
    the platform.
    """
    import shutil  # not at module level: the pre-commit hook imports this module on every commit

    target = dest / files.root.name
    target.mkdir(parents=True, exist_ok=False)
    for f in files:
        copy = target / f.rel
        copy.parent.mkdir(parents=True, exist_ok=True)
        if f.size > BIG_FILE:
            try:
                os.link(f.path, copy)
                continue
            except OSError:
                pass
        shutil.copyfile(f.path, copy)
        if f.executable:
            copy.chmod(0o755)
    return target


__all__ = [
    "ALWAYS_EXCLUDED",
    "IMPORTABLE_NON_SOURCE",
    "FileSet",
    "PluginFile",
    "always_excluded",
    "artifact_kind",
    "is_python_cache",
    "plugin_files",
    "stage",
    "user_rules",
]
