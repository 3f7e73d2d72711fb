"""Scanning files and trees: pre-filter, analysis, file policy, parallelism and caching.

Per file: read bytes once; classify; for Python text run the sound pre-filter
(:mod:`mixpeek_tools.scanner.prefilter`: trigger words, then where they stand in the stdlib
``ast`` tree) and, only when it cannot prove the file harmless, the libcst analysis. A file the
pre-filter clears only needs the syntax check its ``ast`` parse already was (``ast`` parses far
faster than libcst, and libcst is not even imported). Files are spread over
worker processes when there is enough work to pay for them, and results can be cached by
content hash.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from mixpeek_tools.errors import BadInput
from mixpeek_tools.findings import Finding
from mixpeek_tools.scanner.cache import FindingsCache
from mixpeek_tools.scanner.catalog import Catalog, ExtraForbidden, build_catalog
from mixpeek_tools.scanner.prefilter import may_reach_forbidden, parse_quietly
from mixpeek_tools.scanner.project import Project, imports_capability
from mixpeek_tools.scanner.sources import (
    HEAD_BYTES,
    HOOK_NAMES,
    CodeUnit,
    SourceFile,
    classify,
    decode_python,
    file_set_sources,
    iter_files,
    notebook_code,
    pth_code,
)

if TYPE_CHECKING:
    from mixpeek_tools.plugin.files import FileSet

SCANNER_VERSION = "1.0.0"
# Below this much Python to analyse, worker start-up costs more than it saves.
PARALLEL_MIN_BYTES = 400_000


@dataclass
class ScanResult:
    """What a scan found and how many files it looked at."""

    findings: list[Finding]
    files_scanned: int
    stats: dict[str, int] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return any(f.is_error for f in self.findings)


def cache_key(data: bytes, name: str, catalog: Catalog) -> str:
    """sha256 of the file's bytes, the scanner version, the rules and the file name.

    The name matters because classification depends on it (``setup.py``, ``.pth``...).
    """
    digest = hashlib.sha256()
    digest.update(SCANNER_VERSION.encode())
    digest.update(b"\0")
    digest.update(catalog_fingerprint(catalog).encode())
    digest.update(b"\0")
    digest.update(os.path.basename(name).encode("utf-8", "surrogateescape"))
    digest.update(b"\0")
    digest.update(data)
    return digest.hexdigest()


def catalog_fingerprint(catalog: Catalog) -> str:
    items = "\n".join(f"{k}={v}" for k, v in sorted(catalog.forbidden.items()))
    return hashlib.sha256(items.encode()).hexdigest()[:16]


# -- one file ---------------------------------------------------------------------------------


def scan_source(text: str, filename: str = "<string>", *, extra_forbidden: ExtraForbidden = None) -> list[Finding]:
    """Findings for Python source ``text`` reported under ``filename`` (no pre-filter)."""
    from mixpeek_tools.scanner.analyzer import analyze_source

    return analyze_source(text, filename, build_catalog(extra_forbidden))


def scan_bytes(
    data: bytes,
    display: str,
    catalog: Catalog,
    *,
    explicit: bool = False,
    stats: dict[str, int] | None = None,
    project: Project | None = None,
    disk_path: str | None = None,
) -> list[Finding]:
    """Findings for one file's bytes, classified by its name and content."""
    from mixpeek_tools.scanner.rule_findings import policy_finding

    stats = stats if stats is not None else {}
    kind = classify(Path(display), data[:HEAD_BYTES])
    name = os.path.basename(display)
    if kind == "data":
        return []
    if kind == "native":
        return [policy_finding("native_binary", "a compiled extension or native library cannot be scanned and runs native code", path=display)]
    if kind == "executable":
        return [policy_finding("executable", "an executable program is shipped with the plugin", path=display)]
    if kind == "bytecode":
        return [policy_finding("hidden_code", "compiled bytecode hides its source from the scan", path=display)]
    if kind == "archive":
        members = _archive_members(data)
        if members:
            shown = ", ".join(members[:3]) + (" ..." if len(members) > 3 else "")
            return [policy_finding("hidden_code", f"a nested archive contains code the scan cannot see ({shown})", path=display)]
        return []
    findings: list[Finding] = []
    if kind == "pth":  # any .pth file, whatever it holds (MP416, scanner/rules/artifacts.py)
        findings.append(policy_finding("pth", "a .pth file changes sys.path (or runs code) when Python starts", path=display))
    if kind == "python" and name in HOOK_NAMES:
        findings.append(policy_finding("install_hook", f"`{name}` runs code when the plugin is installed or Python starts", path=display, line=1, column=1))
    if kind == "notebook":
        unit = notebook_code(data)
    else:
        text, problem = decode_python(data)
        if problem is not None:
            kind_name, message, line = problem
            return [*findings, policy_finding(kind_name, f"the file cannot be scanned: {message}", path=display, line=line, column=1 if line else None)]
        assert text is not None
        unit = pth_code(text) if kind == "pth" else CodeUnit(text)
    findings.extend(_unit_findings(unit, display, catalog, stats, project, disk_path))
    return findings


def _archive_members(data: bytes) -> list[str]:
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError):
        return ["(unreadable archive)"]
    return [n for n in names if n.lower().endswith((".py", ".pyw", ".pyc", ".pyo", ".so", ".pyd", ".dll", ".dylib", ".pth"))]


def _unit_findings(
    unit: CodeUnit, display: str, catalog: Catalog, stats: dict[str, int], project: Project | None = None, disk_path: str | None = None
) -> list[Finding]:
    from mixpeek_tools.scanner.rule_findings import capability_finding, policy_finding

    findings: list[Finding] = []
    for kind, message, line in unit.problems:
        findings.append(policy_finding(kind, message, path=display, line=line, column=1 if line else None))
    for line, raw in unit.shell_lines:
        findings.append(
            capability_finding(
                "command_execution",
                "an IPython shell escape or magic runs a command or loads code",
                path=display,
                line=line,
                column=1,
                source_line=raw.rstrip(),
            )
        )
    text = unit.text
    if text is not None:
        if _needs_analysis(text, catalog, project, disk_path):
            from mixpeek_tools.scanner.analyzer import analyze_source  # imports libcst

            stats["analysed"] = stats.get("analysed", 0) + 1
            findings.extend(analyze_source(text, display, catalog, project, disk_path))
        else:
            stats["prefiltered"] = stats.get("prefiltered", 0) + 1
    if unit.line_map is not None:
        findings = [_to_cell(f, unit.line_map) for f in findings]
    return findings


def _to_cell(finding: Finding, line_map: list[tuple[int, int]]) -> Finding:
    if finding.line is None or not 0 < finding.line <= len(line_map):
        return finding
    cell, line = line_map[finding.line - 1]
    return replace(finding, line=line, message=f"cell {cell}: {finding.message}", extra={**finding.extra, "cell": cell})


def _needs_analysis(text: str, catalog: Catalog, project: Project | None = None, disk_path: str | None = None) -> bool:
    """Whether the libcst analysis must see ``text``: a syntax error or a possible route.

    The ``ast`` parse serves both the syntax check and the pre-filter's second stage. A file
    that imports a module object or a forbidden name from a sibling module is analysed too.
    """
    tree = parse_quietly(text)
    if tree is None or may_reach_forbidden(text, catalog, tree):
        return True
    return project is not None and imports_capability(tree, project, project.module_of(disk_path), catalog)


def scan_file(source: SourceFile, catalog: Catalog, stats: dict[str, int] | None = None, project: Project | None = None) -> list[Finding]:
    """Findings for one file on disk (an unreadable file is reported, not raised)."""
    from mixpeek_tools.scanner.rule_findings import policy_finding

    try:
        data = _read(source.path)
    except OSError as err:
        return [policy_finding("undecodable", f"the file cannot be read ({err.strerror or err})", path=source.display)]
    return scan_bytes(data, source.display, catalog, explicit=source.explicit, stats=stats, project=project, disk_path=str(source.path))


def _read(path: Path) -> bytes:
    """The whole file for code, only the head for data (model weights can be gigabytes)."""
    with open(path, "rb") as handle:
        head = handle.read(HEAD_BYTES)
        if classify(path, head) == "data":
            return head
        return head + handle.read()


# -- many files -------------------------------------------------------------------------------


def collect(paths: Iterable[str | os.PathLike[str]]) -> list[SourceFile]:
    """The files named by ``paths`` (folders expanded); a missing path is bad input."""
    files: list[SourceFile] = []
    for raw in paths:
        shown = os.fspath(raw)
        path = Path(shown)
        if path.is_dir():
            files.extend(iter_files(path, shown))
        elif path.is_file():
            files.append(SourceFile(path, shown, explicit=True))
        elif path.exists():
            continue
        else:
            raise BadInput(
                "no such file or folder",
                where=shown,
                hint="Pass existing files or folders to scan (for example `mixpeek plugin scan .`)",
            )
    return files


def _worker(chunk: Sequence[tuple[str, str, bool]], extra: ExtraForbidden, project: Project | None = None) -> tuple[list[dict[str, object]], dict[str, int]]:
    catalog = build_catalog(extra)
    stats: dict[str, int] = {}
    out: list[dict[str, object]] = []
    for path, display, explicit in chunk:
        out.extend(f.to_dict() for f in scan_file(SourceFile(Path(path), display, explicit), catalog, stats, project))
    return out, stats


def _chunks(files: list[SourceFile], jobs: int) -> list[list[tuple[str, str, bool]]]:
    """Balanced chunks: biggest files first, each to the currently lightest chunk."""
    count = max(1, jobs * 4)
    sized = []
    for source in files:
        try:
            size = source.path.stat().st_size
        except OSError:
            size = 0
        sized.append((size, source))
    sized.sort(key=lambda item: -item[0])
    loads = [0] * count
    chunks: list[list[tuple[str, str, bool]]] = [[] for _ in range(count)]
    for size, source in sized:
        target = loads.index(min(loads))
        loads[target] += size + 1
        chunks[target].append((str(source.path), source.display, source.explicit))
    return [c for c in chunks if c]


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def scan_paths(
    paths: Iterable[str | os.PathLike[str]],
    *,
    extra_forbidden: ExtraForbidden = None,
    jobs: int | None = None,
    cache: FindingsCache | None = None,
) -> ScanResult:
    """Scan files and folders; ``jobs`` worker processes (default: the usable CPUs).

    Finding paths are the given path joined with the file's path below it. With ``cache``,
    files whose bytes (and the rules) are unchanged are not analysed again.
    """
    if jobs is not None and jobs < 1:
        raise BadInput(f"--jobs must be at least 1, not {jobs}", where="--jobs", hint="Use --jobs 1 for one process")
    return _scan_sources(collect(paths), extra_forbidden, jobs, cache)


def scan_file_set(
    files: FileSet, *, extra_forbidden: ExtraForbidden = None, cache: FindingsCache | None = None
) -> ScanResult:
    """Scan exactly the plugin file set ``files`` (the one a caller already read), as
    ``scan_paths([files.root])`` would scan the folder: same findings, same paths.

    The validator scans the set it then stages and imports, so a file that appears in the
    folder after the scan cannot be imported unscanned."""
    return _scan_sources(file_set_sources(files, str(files.root)), extra_forbidden, None, cache)


def _scan_sources(
    files: list[SourceFile], extra_forbidden: ExtraForbidden, jobs: int | None, cache: FindingsCache | None
) -> ScanResult:
    catalog = build_catalog(extra_forbidden)
    project = Project.from_paths([s.path for s in files])
    findings: list[Finding] = []
    todo = files
    keys: dict[str, str] = {}
    if cache is not None:
        siblings = _project_digest(project)
        todo = []
        for source in files:
            try:
                data = _read(source.path)
            except OSError:
                todo.append(source)
                continue
            key = cache_key(data + siblings, source.display, catalog)
            hit = cache.get(key)
            if hit is None:
                keys[source.display] = key
                todo.append(source)
            else:
                findings.extend(replace(f, path=source.display) for f in hit)
    stats: dict[str, int] = {}
    fresh = _scan_many(todo, extra_forbidden, catalog, jobs if jobs is not None else default_jobs(), stats, project)
    if cache is not None:
        by_path: dict[str, list[Finding]] = {s.display: [] for s in todo}
        for finding in fresh:
            by_path.setdefault(finding.path or "", []).append(finding)
        for display, key in keys.items():
            cache.put(key, by_path.get(display, []))
        cache.save()
    findings.extend(fresh)
    findings.sort(key=lambda f: (f.path or "", f.line or 0, f.column or 0, f.rule))
    stats["files"] = len(files)
    return ScanResult(findings, len(files), stats)


def _project_digest(project: Project) -> bytes:
    """Findings of one module depend on its siblings' definitions: key the cache by them too."""
    if len(project.paths) < 2:
        return b""
    digest = hashlib.sha256()
    for name in sorted(project.paths):
        with contextlib.suppress(OSError):
            digest.update(name.encode() + b"\0" + _read(project.paths[name]))
    return b"\0siblings:" + digest.hexdigest().encode()


def _scan_many(
    files: list[SourceFile], extra: ExtraForbidden, catalog: Catalog, jobs: int, stats: dict[str, int], project: Project | None = None
) -> list[Finding]:
    total = 0
    for source in files:
        if source.path.suffix in (".py", ".ipynb", ".pyw"):
            with contextlib.suppress(OSError):
                total += source.path.stat().st_size
    if jobs <= 1 or len(files) < 2 or total < PARALLEL_MIN_BYTES:
        out: list[Finding] = []
        for source in files:
            out.extend(scan_file(source, catalog, stats, project))
        return out
    extra_arg = dict(extra) if isinstance(extra, Mapping) else (list(extra) if extra else None)
    chunks = _chunks(files, jobs)
    found: list[Finding] = []
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor  # only for big trees: keep start-up light

    context = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None
    with ProcessPoolExecutor(max_workers=min(jobs, len(chunks)), mp_context=context) as pool:
        futures = [pool.submit(_worker, chunk, extra_arg, project) for chunk in chunks]
        for future in futures:
            dicts, worker_stats = future.result()
            found.extend(Finding.from_dict(d) for d in dicts)
            for key, value in worker_stats.items():
                stats[key] = stats.get(key, 0) + value
    return found
