"""Server-side verification of a confirmed upload: the gate, whatever the client did.

Steps, each of which can only make things stricter:

1. The object must exist, and its size and (when the client sent one) ETag must match what the
   upload declared (:func:`uploads.confirm_upload` checks this before calling here). A mismatch
   is the *upload's* fault, answered with an error while the upload stays open.
2. The archive (``.tar.gz`` or ``.zip``) is unpacked by :mod:`unpack` (headers checked first, no
   traversal, no links, bounded size).
3. The manifest's metadata is read statically and must match the upload's name and version.
4. The security scanner runs in this process over every unpacked file (the file set in its
   untrusted mode, :mod:`mixpeek_tools.plugin.files`: caches, bytecode, native extensions and
   ``.pth`` files included and refused); it parses code with libcst and never executes it.
5. Only when the scan is clean do the validator's static checks run, and they run in a guarded
   child process (``verify_worker``, :mod:`mixpeek_tools.guard`) because they import the
   plugin: a minimal environment (none of the registry's credentials, a private HOME), no
   network (a fresh network namespace when the registry runs as root), CPU, memory, file-size
   and wall-clock limits, killed with its process group on timeout or when the registry dies,
   and a PEP 578 audit hook that denies process creation, sockets, native code, dynamic code
   and forbidden imports reached by plugin code; each denial is a security violation at the
   plugin's file and line. Code the scanner refused is never imported anywhere.

Any finding of error severity makes the plugin ``failed``, stored with its violations.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess  # nosec B404  # runs our own checker module, never a shell
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mixpeek_tools.archives.unpack import UnsafeArchive, safe_unpack
from mixpeek_tools.registry.naming import same_version
from mixpeek_tools.registry.scratch import scratch_dir

WORKER_TIMEOUT = 180
SECURITY_CATEGORIES = frozenset(
    {"command_execution", "dynamic_code", "dynamic_import", "network_socket", "native_memory"}
)


@dataclass
class Verdict:
    """What confirm records on the plugin."""

    violations: list[dict[str, Any]] = field(default_factory=list)
    validation_errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)  # schemas rendered by the worker

    @property
    def security_scan_passed(self) -> bool:
        return not self.violations

    @property
    def manifest_valid(self) -> bool:
        return not self.validation_errors

    @property
    def status(self) -> str:
        return "ready" if self.security_scan_passed and self.manifest_valid else "failed"

    def message(self) -> str:
        if self.status == "ready":
            return "Plugin validated, scanned and ready to deploy."
        parts = []
        if self.violations:
            parts.append(f"{len(self.violations)} security violation(s)")
        if self.validation_errors:
            parts.append(f"{len(self.validation_errors)} validation error(s)")
        return "Plugin refused: " + " and ".join(parts) + "."


def inspect_archive(archive: Path, upload: dict[str, Any], work: Path) -> Verdict:
    """Unpack, read the manifest, scan, then validate in a child process."""
    verdict = Verdict()
    try:
        unpacked = safe_unpack(archive, work / "unpacked")
    except UnsafeArchive as err:
        verdict.violations.append(err.violation())
        return verdict
    if unpacked.top != upload["name"]:
        verdict.validation_errors.append(
            _violation(
                "archive.layout",
                f"the archive's top folder is {unpacked.top!r}, expected "
                f"the plugin name {upload['name']!r}",
            )
        )
    _check_metadata(unpacked.root, upload, verdict)
    _scan(unpacked.root, verdict)
    if verdict.security_scan_passed:
        _validate_in_child(unpacked.root, work, verdict)
    return verdict


def _check_metadata(root: Path, upload: dict[str, Any], verdict: Verdict) -> None:
    from mixpeek_tools.errors import KitError
    from mixpeek_tools.publishing.manifest import read_metadata

    try:
        meta = read_metadata(root)
    except KitError as err:
        verdict.validation_errors.append(
            _violation("manifest.invalid", err.paragraph(), "manifest.py")
        )
        return
    for key in ("name", "version"):
        ours, theirs = getattr(meta, key), upload[key]
        if ours != theirs and not (key == "version" and same_version(ours, theirs)):
            verdict.validation_errors.append(
                _violation(
                    "manifest.mismatch",
                    f"manifest.py says {key} {getattr(meta, key)!r} "
                    f"but the upload was for {upload[key]!r}",
                    "manifest.py",
                    meta.line,
                )
            )


def _scan(root: Path, verdict: Verdict) -> None:
    from mixpeek_tools.plugin.files import plugin_files
    from mixpeek_tools.scanner import scan_paths

    # Untrusted mode: every file of the upload, caches and bytecode included (nothing skipped).
    files = plugin_files(root, untrusted=True)
    for rel, reason in files.refused:
        verdict.violations.append(_violation("archive.file", f"{rel}: {reason}", rel))
    if not files.files:
        return
    for finding in scan_paths(files.paths()).findings:
        data = _relative(finding.to_dict(), root)
        (verdict.violations if finding.is_error else verdict.warnings).append(data)


def _validate_in_child(root: Path, work: Path, verdict: Verdict) -> None:
    from mixpeek_tools.guard.hook import read_report
    from mixpeek_tools.guard.parent import child_env
    from mixpeek_tools.registry.verify_worker import denials_file

    out = work / "checks.json"
    home = work / "home"
    home.mkdir(exist_ok=True)
    # The worker guards itself before the plugin's first import (dies with the registry, no
    # network, limits, audit hook: mixpeek_tools.guard.child); run_worker bounds its output.
    argv = [sys.executable, "-m", "mixpeek_tools.registry.verify_worker", str(root), str(out)]
    code, tail = run_worker(argv, work, child_env(home))
    for denial in read_report(denials_file(out)):  # whatever the plugin did after a denial
        verdict.violations.append(denial.finding())
    if code is None:
        verdict.validation_errors.append(
            _violation("checks.timeout", f"the checks ran past {WORKER_TIMEOUT} s")
        )
        return
    try:
        result = json.loads(out.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        verdict.validation_errors.append(
            _violation("checks.crashed", f"the checks exited with code {code}: {tail}")
        )
        return
    if isinstance(result.get("manifest"), dict):
        verdict.manifest = result["manifest"]
    if result.get("error"):
        verdict.validation_errors.append(_violation("checks.error", str(result["error"])))
    for data in result.get("findings", []):
        if data.get("severity") != "error":
            verdict.warnings.append(data)
        elif data.get("category") in SECURITY_CATEGORIES:
            verdict.violations.append(data)
        else:
            verdict.validation_errors.append(data)


def run_worker(argv: list[str], work: Path, env: dict[str, str]) -> tuple[int | None, str]:
    """Run the worker in its own process group; ``(exit code or None on timeout, output tail)``.

    Its output goes to a file, not a pipe, so a plugin printing gigabytes while it is imported
    costs disk in the scratch folder (bounded by the worker's file-size limit), not registry
    memory. On timeout the whole group is killed, not just the worker.
    """
    log = work / "worker.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(  # nosec B603  # fixed argv, our own module
            argv, cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own group; it dies with the registry (guard.child)
        )  # fmt: skip
        try:
            code: int | None = proc.wait(timeout=WORKER_TIMEOUT)
        except subprocess.TimeoutExpired:
            code = None
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # whatever the worker left in its group
        proc.wait()
    with log.open("rb") as fh:
        fh.seek(max(0, log.stat().st_size - 4096))
        lines = fh.read().decode("utf-8", errors="replace").strip().splitlines()
    return code, " ".join(lines[-3:])


def _violation(
    rule: str, message: str, path: str | None = None, line: int | None = None
) -> dict[str, Any]:
    return {"rule": rule, "message": message, "path": path, "line": line, "severity": "error"}


def _relative(data: dict[str, Any], root: Path) -> dict[str, Any]:
    path = data.get("path")
    if path:
        with contextlib.suppress(ValueError):
            data["path"] = Path(path).resolve().relative_to(root.resolve().parent).as_posix()
    return data


__all__ = ["Verdict", "inspect_archive", "scratch_dir"]
