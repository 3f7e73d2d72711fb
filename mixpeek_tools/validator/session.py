"""`mixpeek-check [FILES...]`: the pre-commit hook, the fast static checks on every commit.

It finds the plugins that contain the given files (a repository can hold several), then runs
the checks that need no plugin import on each whole plugin: structure (layout and syntax), names
(pyflakes' undefined names, imports of missing names from the plugin's own modules) and
security. The security scan always sees every module of the plugin, so a name imported from an
unchanged sibling module is resolved as `mixpeek plugin validate` resolves it. Per-file results
are cached by content hash, so a commit that changes nothing the hook has seen before does not
even import libcst; a plugin folder that did not change at all since the last run (every
entry's size, mtime, ctime and inode) gets that run's findings back without reading a file.
Slower checks (schemas, pipeline, tests) and third-party checks stay in
`mixpeek plugin validate` / `test`, which import the plugin. The plugin's `[tool.mixpeek]`
settings (skip structure, severities, extra forbidden names) apply here too.
Exit codes: 0 clean, 1 an error remains, 2 bad input.

The work happens in the library (`mixpeek_tools.validator.session.check_files`); the hook's
command only parses arguments and prints. Nothing heavy is imported up front.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from mixpeek_tools.findings import Finding
from mixpeek_tools.findings_cache import FindingsCache
from mixpeek_tools.validator.model import CheckReport, RunConfig

MARKER = "manifest.py"
BIG_FILE = 1 << 20  # above this, a file's key is its size and first megabyte (model weights)
_FILE_CHECKS = b"file-checks-v2\0"
_SKIPPED_DIRS = {"node_modules", "venv", "build", "dist"}
_INCOMPLETE = {"MP001", "MP004"}  # a crashed check or a missing scanner: never memoised
TREE_LIMIT = 20_000


def plugin_roots(files: Iterable[str], cwd: Path) -> list[Path]:
    """The plugin directories (holding ``manifest.py``) containing ``files``, in order found.

    A file inside a plugin's sub-folder (``processors/core.py``) maps to the plugin; files
    outside every plugin are ignored. With no files, ``cwd`` is searched: it is the plugin
    itself, or plugins are found below it.
    """
    files = list(files)
    if not files:
        if (cwd / MARKER).is_file():
            return [cwd.resolve()]
        return sorted({p.parent.resolve() for p in cwd.rglob(MARKER) if _not_hidden(p, cwd)})
    roots: dict[Path, None] = {}
    for name in files:
        path = (cwd / name).resolve()
        for parent in [path, *path.parents] if path.is_dir() else path.parents:
            if (parent / MARKER).is_file():
                roots.setdefault(parent, None)
                break
    return list(roots)


def _not_hidden(path: Path, base: Path) -> bool:
    parts = path.relative_to(base).parts[:-1]
    return not any(p.startswith(".") or p in _SKIPPED_DIRS for p in parts)


def plugin_files(root: Path) -> list[Path]:
    """Every file of the plugin's file set (what publish would ship), in a stable order."""
    from mixpeek_tools.plugin.files import plugin_files as file_set

    return file_set(root).paths()


def open_cache(cache_dir: Path, root: Path) -> FindingsCache:
    """The kit's one findings cache for the plugin at ``root``, salted by the checking code."""
    from mixpeek_tools.findings_cache import ScanCache
    from mixpeek_tools.validator.cache import cache_salt

    return ScanCache(cache_dir, scope=str(root), salt=cache_salt())


def check_files(
    files: Iterable[str], *, cwd: Path, cache_dir: Path | None = None
) -> list[CheckReport]:
    """The fast checks on every plugin holding ``files`` (see the module docstring), one report each."""
    return [check_plugin(root, cache_dir) for root in plugin_roots(files, cwd)]


def configure(root: Path) -> RunConfig:
    """The static-only run configuration of ``root`` with its ``[tool.mixpeek]`` table applied."""
    from mixpeek_tools.validator import config as config_mod

    config = RunConfig(root=root, static_only=True)
    table, pyproject = config_mod.read_table(root)
    config_mod.apply_table(config, table, pyproject)
    return config


def check_plugin(root: Path, cache_dir: Path | None) -> CheckReport:
    """The fast checks on one plugin, with its ``[tool.mixpeek]`` settings applied.

    A plugin whose folder did not change at all since the last run (:func:`tree_key`) gets that
    run's findings back without reading a file, parsing ``pyproject.toml`` or matching the
    ignore rules; any change falls through to the per-file cache below.
    """
    cache = open_cache(cache_dir, root) if cache_dir is not None else None
    memo = tree_key(root) if cache is not None else None
    hit = cache.get(memo) if cache is not None and memo is not None else None
    if hit is not None:
        findings = hit
    else:
        findings = _fresh_findings(root, cache)
        if cache is not None and memo is not None and not any(f.rule in _INCOMPLETE for f in findings):
            cache.put(memo, findings)
            cache.save()
    return CheckReport(findings=findings, failed=any(f.is_error for f in findings), timings={},
                       root=root)


def _fresh_findings(root: Path, cache: FindingsCache | None) -> list[Finding]:
    from mixpeek_tools.validator.config import apply_severities

    config = configure(root)
    findings = list(_plugin_findings(config))
    per_file = file_findings(root, plugin_files(root), sorted(set(config.extra_forbidden)), cache)
    findings.extend(f for f in per_file if f.check not in config.skip or f.check == "security")
    return apply_severities(findings, config)


def tree_key(root: Path) -> str | None:
    """A key of everything in the plugin's folder as ``stat`` sees it, or None when too big.

    Every entry below ``root`` (the fixed exclusions such as ``.git`` and ``.venv`` pruned, the
    plugin's own ignore rules not applied: matching them needs pathspec) by path, type, size,
    mtime, ctime and inode; a link also by what it points at. A write to a file always moves its
    ctime, which no tool can set back, so an edit is never missed; a mere ``touch`` or checkout
    costs one miss. Folders of more than :data:`TREE_LIMIT` entries are not memoised.
    """
    from mixpeek_tools.plugin.files import always_excluded

    digest = hashlib.sha256(b"tree-v1\0" + str(root).encode("utf-8", "surrogateescape"))
    pending, seen = [(root, "")], 0
    while pending:
        folder, prefix = pending.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            return None
        for entry in entries:
            seen += 1
            if seen > TREE_LIMIT:
                return None
            is_dir = entry.is_dir(follow_symlinks=False)
            if always_excluded(entry.name, is_dir=is_dir):
                continue
            try:
                st = entry.stat(follow_symlinks=False)
                target = os.stat(entry.path) if entry.is_symlink() else st
            except OSError:
                return None
            digest.update(f"\0{prefix}{entry.name}:{st.st_mode}:{st.st_size}:{st.st_mtime_ns}:"
                          f"{st.st_ctime_ns}:{st.st_ino}:{target.st_mode}:{target.st_ino}"
                          .encode("utf-8", "surrogateescape"))
            if is_dir:
                pending.append((Path(entry.path), f"{prefix}{entry.name}/"))
    return digest.hexdigest()


def _plugin_findings(config: RunConfig) -> Iterable[Finding]:
    """Findings about the plugin as a whole: its layout and its imports between siblings."""
    if "structure" not in config.skip:
        from mixpeek_tools.validator.checks.structure import layout_findings

        yield from layout_findings(config.root)
    if "names" not in config.skip:
        from mixpeek_tools.validator.checks.names import sibling_findings
        from mixpeek_tools.validator.model import CheckContext

        yield from sibling_findings(CheckContext(config))


def file_content(path: Path) -> bytes:
    """The bytes a file is keyed by: all of it, or its size and first megabyte when big."""
    size = path.stat().st_size
    if size <= BIG_FILE:
        return path.read_bytes()
    with open(path, "rb") as handle:
        return f"{size}\0".encode() + handle.read(BIG_FILE)


def file_findings(root: Path, files: list[Path], extra_forbidden: list[str],
                  cache: FindingsCache | None) -> list[Finding]:
    """Syntax, undefined-name and security findings per file; unchanged files from ``cache``.

    The security scan gets every file of the plugin at once (sibling modules resolve each
    other's names) and keeps its own entries in the same cache.
    """
    syntax: dict[str, list[Finding]] = {}
    for path in files:
        if path.suffix == ".py":
            rel = path.relative_to(root).as_posix()
            syntax[rel] = _python_findings(file_content(path), rel, cache)
    scanned, complete = _security_findings(root, files, extra_forbidden, cache)
    out = [f for found in syntax.values() for f in found]
    # the scanner reports the same syntax error as MP104 again as MP413; one message is enough
    out.extend(f for f in scanned if not (f.rule == "MP413" and syntax.get(f.path or "")))
    if cache is not None and complete:
        cache.save()
    return out


def _python_findings(content: bytes, rel: str, cache: FindingsCache | None) -> list[Finding]:
    """MP104 syntax errors, else MP151 undefined names, of one Python file (cached by bytes)."""
    key = hashlib.sha256(_FILE_CHECKS + content).hexdigest()
    hit = cache.get(key) if cache is not None else None
    if hit is not None:
        return [dataclasses.replace(f, path=rel) for f in hit]
    from mixpeek_tools.validator.checks.structure import syntax_findings

    found = syntax_findings(content, rel)
    if not found:
        from mixpeek_tools.validator.checks.names import undefined_names

        found = undefined_names(content, rel)
    if cache is not None:
        cache.put(key, found)
    return found


def _plugin_scan_key(root: Path, files: list[Path], extra_forbidden: list[str]) -> str:
    """One key for the scan of the whole file set: every path and its bytes, the extra names.

    The scanner's own per-file keys need the scanner imported; this one lets a commit that
    changed nothing the scan sees skip even that import.
    """
    digest = hashlib.sha256(b"plugin-scan-v1\0" + "\0".join(extra_forbidden).encode())
    for path in files:
        digest.update(b"\0" + path.relative_to(root).as_posix().encode("utf-8", "surrogateescape"))
        digest.update(b"\0" + hashlib.sha256(file_content(path)).digest())
    return digest.hexdigest()


def _security_findings(root: Path, files: list[Path], extra_forbidden: list[str],
                       cache: FindingsCache | None) -> tuple[list[Finding], bool]:
    """Scanner findings relative to ``root`` and whether the scan ran (an MP004 if it could not)."""
    key = _plugin_scan_key(root, files, extra_forbidden) if cache is not None else ""
    hit = cache.get(key) if cache is not None else None
    if hit is not None:
        return hit, True
    found, complete = _scan(root, files, extra_forbidden, cache)
    if cache is not None and complete:
        cache.put(key, found)
    return found, complete


def _scan(root: Path, files: list[Path], extra_forbidden: list[str],
          cache: FindingsCache | None) -> tuple[list[Finding], bool]:
    from mixpeek_tools.validator.checks.meta import CheckUnavailable

    try:
        from mixpeek_tools.scanner import scan_paths
    except ImportError as exc:
        return [CheckUnavailable.finding(
            f"the security scanner could not be imported ({exc}); the plugin was not scanned"
        )], False
    if not files:
        return [], True
    result = scan_paths(files, extra_forbidden=extra_forbidden or None, cache=cache)
    return [
        dataclasses.replace(f, path=_relative(f.path, root), check="security")
        for f in result.findings
    ], True


def _relative(path: str | None, root: Path) -> str | None:
    if not path:
        return None
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return path
