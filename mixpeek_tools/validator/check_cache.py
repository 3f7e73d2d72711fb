"""The findings cache of `mixpeek plugin validate` / `test`: an unchanged plugin is not re-checked.

ruff and mypy skip work whose inputs have not changed; so does this. A built-in check's findings
depend only on

* the plugin's exact file set (the one `mixpeek_tools.plugin.files` defines: every shipped
  file's bytes and mode, the refused entries, the top-level listing and the ignore files),
* the kit's own code (size and mtime of every module of `mixpeek_tools`: a new rule, an edited
  loader or runtime is a miss for every entry),
* for the checks that import the plugin (`schemas`, `pipeline`), also the environment the
  import resolves in: the interpreter, `sys.path`, the installed distributions (each
  `*.dist-info` / `*.egg-info` / `.pth` entry by name, which carries the version, and by
  inode, ctime and mtime, which a reinstall moves) and the `MIXPEEK_*` variables,

so these are the key, and a hit returns the stored findings without running the check: a warm
`validate` imports neither the scanner nor pyflakes nor the plugin (nor pandas). The store is
the kit's one findings cache (`mixpeek_tools.findings_cache.ScanCache`, one JSON file per
plugin in `$MIXPEEK_CACHE_DIR`, else `$XDG_CACHE_HOME/mixpeek/check`), with the protocol of
`mixpeek-check`: a corrupt store is a miss, a read-only disk costs only the cache. The text
report marks a cached check `[cached]`, the JSON report's `note` says `cached`.

What is *not* seen, as with any such cache: a plugin whose import or `build_steps` reads
something outside its files and the installed distributions (a variable other than
`MIXPEEK_*`, a file elsewhere, the clock), and an edit to a module on `sys.path` outside every
distribution (an editable install's source). `--no-cache` runs everything. Only the kit's own
checks are cached (a third-party check's code is not fingerprinted), never a run that crashed,
could not import the plugin or lacked the scanner, and never under `publish` or the registry,
which pass no cache folder. The plugin's tests and the sample-data run always run.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from mixpeek_tools import __version__
from mixpeek_tools.findings import Finding
from mixpeek_tools.findings_cache import ScanCache
from mixpeek_tools.validator.model import Check, RunConfig

if TYPE_CHECKING:
    from mixpeek_tools.plugin.files import FileSet

BUILTIN_SOURCE = "mixpeek-tools"
STATIC_CHECKS = frozenset({"structure", "names", "security"})
IMPORT_CHECKS = frozenset({"schemas", "pipeline"})
UNCACHEABLE_RULES = frozenset({"MP001", "MP003", "MP004"})  # crashed, not imported, no scanner
_KIT = Path(__file__).resolve().parents[1]
_DIST_SUFFIXES = (".dist-info", ".egg-info", ".egg-link", ".pth", ".egg")
_VERSION = b"check-cache-v1\0"


def kit_fingerprint(kit: Path = _KIT) -> str:
    """Size and mtime of every module of the kit (stat calls only, nothing imported)."""
    digest = hashlib.sha256(__version__.encode())
    for folder, dirs, files in os.walk(kit):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                try:
                    st = os.stat(os.path.join(folder, name))
                except OSError:
                    continue
                digest.update(f"{folder}/{name}:{st.st_size}:{st.st_mtime_ns}\0".encode())
    return digest.hexdigest()[:24]


def environment_fingerprint() -> str:
    """The interpreter, ``sys.path``, the installed distributions and ``MIXPEEK_*`` settings."""
    from mixpeek_tools.validator.cache import CACHE_ENV

    digest = hashlib.sha256("\0".join([sys.executable, sys.version, *sys.path]).encode())
    for entry in sys.path:
        try:
            with os.scandir(entry or ".") as found:
                names = sorted(e.name for e in found if e.name.endswith(_DIST_SUFFIXES))
        except OSError:
            continue
        for name in names:
            digest.update(f"\0{entry}/{name}".encode("utf-8", "surrogateescape"))
            try:  # a reinstall of the same version recreates the folder (.pth: rewrites it)
                st = os.stat(os.path.join(entry or ".", name))
            except OSError:
                continue
            digest.update(f":{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}".encode())
    for key, value in sorted(os.environ.items()):
        if key.startswith("MIXPEEK_") and key != CACHE_ENV:
            digest.update(f"\0{key}={value}".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()[:24]


def plugin_digest(root: Path, files: FileSet | None = None) -> str:
    """The exact file set of the plugin and what shapes it (see the module docstring);
    ``files`` is the set the run's checks read, when the caller has it."""
    from mixpeek_tools.plugin.files import USER_IGNORE_FILES, plugin_files
    from mixpeek_tools.validator.session import BIG_FILE, file_content

    if files is None:
        files = plugin_files(root)
    digest = hashlib.sha256(_VERSION + str(root).encode("utf-8", "surrogateescape"))
    for f in files:
        digest.update(f"\0{f.rel}:{int(f.executable)}:".encode("utf-8", "surrogateescape"))
        digest.update(hashlib.sha256(file_content(f.path)).digest())
        if f.size > BIG_FILE:  # keyed by its first megabyte: its mtime too
            digest.update(f":{f.path.stat().st_mtime_ns}".encode())
    for rel, reason in files.refused:
        digest.update(f"\0refused:{rel}:{reason}".encode("utf-8", "surrogateescape"))
    try:  # the structure check looks at the folder itself, ignored files included
        with os.scandir(root) as found:
            listing = sorted(f"{e.name}{'/' if e.is_dir() else ''}" for e in found)
    except OSError:
        listing = []
    digest.update(b"\0listing:" + "\0".join(listing).encode("utf-8", "surrogateescape"))
    for name in USER_IGNORE_FILES:
        path = root / name
        if path.is_file():
            digest.update(f"\0{name}:".encode() + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


class CheckCache:
    """Findings of the kit's own checks for one plugin, keyed as the module docstring says.

    Two stores: one keyed by the file set's contents (above), and a memo keyed by the folder as
    ``stat`` sees it (:func:`~mixpeek_tools.validator.session.tree_key`: a write to any file
    moves its ctime), so a warm run on an untouched folder reads no file and matches no ignore
    rule; any change to the folder falls back to the contents.
    """

    def __init__(self, directory: Path, config: RunConfig,
                 files: Callable[[], FileSet] | None = None) -> None:  # fmt: skip
        self.config = config
        self._files = files  # the run's file set (CheckContext.files): keys and checks agree
        salt = f"{_VERSION!r}{kit_fingerprint()}"
        self.stores = {
            "files": ScanCache(directory, scope=f"validate\0{config.root}", salt=salt),
            "tree": ScanCache(directory, scope=f"validate-tree\0{config.root}", salt=salt),
        }
        self._used: set[str] = set()
        self._tree_hits: list[tuple[Check, list[Finding]]] = []
        self._digests: dict[str, str | None] = {}
        self._environment: str | None = None

    @staticmethod
    def covers(check: Check) -> bool:
        """Whether ``check`` is one of the kit's own checks whose findings can be cached."""
        return check.source == BUILTIN_SOURCE and check.name in STATIC_CHECKS | IMPORT_CHECKS

    def _digest(self, kind: str) -> str | None:
        if kind not in self._digests:
            if kind == "tree":
                from mixpeek_tools.validator.session import tree_key

                self._digests[kind] = tree_key(self.config.root)
            else:
                files = self._files() if self._files is not None else None
                self._digests[kind] = plugin_digest(self.config.root, files)
        return self._digests[kind]

    def key(self, check: Check, kind: str = "files") -> str | None:
        """The key of ``check`` in the ``files`` or ``tree`` store (None: not memoisable)."""
        digest = self._digest(kind)
        if digest is None:
            return None
        parts = [check.name, digest, *sorted(set(self.config.extra_forbidden))]
        if check.name in IMPORT_CHECKS:
            if self._environment is None:
                self._environment = environment_fingerprint()
            parts.append(self._environment)
        return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()

    def get(self, check: Check) -> list[Finding] | None:
        """The stored findings of ``check``, or None when it has to run."""
        if not self.covers(check):
            return None
        for kind in ("tree", "files"):
            key = self.key(check, kind)
            hit = self.stores[kind].get(key) if key is not None else None
            self._used.add(kind)
            if hit is not None:
                if kind == "files":
                    self._put(check, hit, "tree")
                else:
                    self._tree_hits.append((check, hit))
                return hit
        return None

    def put(self, check: Check, findings: list[Finding]) -> None:
        """Keep what ``check`` found, unless the run was incomplete (a crash, no import)."""
        if self.covers(check) and not any(f.rule in UNCACHEABLE_RULES for f in findings):
            self._put(check, findings, "files")
            self._put(check, findings, "tree")

    def _put(self, check: Check, findings: list[Finding], kind: str) -> None:
        key = self.key(check, kind)
        if key is not None:
            self.stores[kind].put(key, findings)
            self._used.add(kind)

    def save(self) -> None:
        """Write back the stores this run used (an untouched one keeps its entries).

        A store keeps only the entries its run used, so when some checks were answered by the
        memo and others by the contents, the memo's answers are kept in the contents store too.
        """
        if "files" in self._used:
            for check, findings in self._tree_hits:
                key = self.key(check, "files")
                if key is not None and self.stores["files"].get(key) is None:
                    self.stores["files"].put(key, findings)
        for kind in self._used:
            self.stores[kind].save()


def open_check_cache(config: RunConfig, files: Callable[[], FileSet] | None = None) -> CheckCache | None:
    """The cache of this run, or None when the run has no cache folder (``--no-cache``);
    ``files`` gives the run's file set, which the cache keys are then computed from."""
    if config.cache_dir is None:
        return None
    return CheckCache(config.cache_dir, config, files)
