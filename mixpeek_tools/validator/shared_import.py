"""``plugin test`` imports the plugin once: schemas and pipeline run inside the pytest child.

The plugin's tests import the plugin (and with it pandas, pydantic, ...) in the child pytest of
the tests check; the import-based checks used to import it a second time in the kit's own
process, about 0.6 s of CPU that a busy two-core machine adds straight to the wall time. So when
the tests check starts that child, the kit's reporting plugin (``_pytest_outcomes``) runs the
import-based built-in checks there too, once the tests are over (:func:`report_from_child`):
the plugin's own modules are imported afresh, through the same loader and staged copy as in the
kit's process, so the checks see exactly what they see there, while the libraries the tests
already imported are not imported again. The findings come back as JSON; the runner hands them
to the usual machinery (severities, cache, hooks, reporters). Whenever that route does not
apply or the child did not report (no ``tests`` folder, pytest missing or refusing its options,
a timeout, a crash), the checks run in the kit's process as before.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mixpeek_tools.findings import Finding
from mixpeek_tools.validator.model import Check, CheckContext, CheckResult

if TYPE_CHECKING:
    from mixpeek_tools.plugin.files import FileSet
    from mixpeek_tools.validator.check_cache import CheckCache

SHARED_CHECKS = ("schemas", "pipeline")
CHECKS_ENV = "MIXPEEK_SHARED_CHECKS"
REPORT_ENV = "MIXPEEK_SHARED_REPORT"
ROOT_ENV = "MIXPEEK_SHARED_ROOT"
BUILTIN_SOURCE = "mixpeek-tools"


def shareable(selected: Iterable[tuple[Check, str]], cache: CheckCache | None) -> tuple[str, ...]:
    """The selected built-in import checks the pytest child can run (a cached one needs no run)."""
    ours = _shared_checks()
    out = []
    for check, reason in selected:
        if reason or ours.get(check.name) is not check or check.source != BUILTIN_SOURCE:
            continue
        if cache is not None and cache.get(check) is not None:
            continue
        out.append(check.name)
    return tuple(out)


def _shared_checks() -> dict[str, Check]:
    """The built-in checks a child may run, by name: the very objects the runner registers
    (:func:`~mixpeek_tools.validator.builtin.builtin_checks` lists them), without pluggy."""
    from mixpeek_tools.validator.checks import pipeline, schemas

    return {check.name: check for check in (schemas.CHECK, pipeline.CHECK)}


def child_env(names: tuple[str, ...], root: Path, report: Path) -> dict[str, str]:
    """The variables that ask the reporting plugin in the child to run ``names``."""
    return {CHECKS_ENV: ",".join(names), REPORT_ENV: str(report), ROOT_ENV: str(root)}


def read_report(path: Path) -> dict[str, Any] | None:
    """The child's results by check name, or None when it wrote none (or garbage)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("results"), dict) else None


def result_from_report(check: Check, ctx: CheckContext) -> CheckResult | None:
    """``check``'s result as the child reported it, or None: then it runs here as before."""
    if check.name not in ctx.shared_checks or ctx.shared_results is None:
        return None
    report = ctx.shared_results()
    entry = (report or {}).get("results", {}).get(check.name)
    if not isinstance(entry, dict):
        return None
    output = (report or {}).pop("output", "")
    if output:  # what plugin code printed in the child, where the kit's process prints it
        print(output, end="")
    for note in entry.get("notes", []):
        ctx.note(note)
    if entry.get("import_error") and not ctx.import_attempted:
        from mixpeek_tools.plugin.loader import PluginLoadError

        ctx.record_import_failure(PluginLoadError(str(entry["import_error"])))
    return CheckResult(
        check.name,
        [Finding.from_dict(f) for f in entry.get("findings", [])],
        float(entry.get("seconds", 0.0)),
        str(entry.get("status", "ran")),
        str(entry.get("reason", "")),
    )


def run_here(names: list[str], root: Path, files: FileSet | None = None) -> dict[str, Any]:
    """Child side: run the built-in checks ``names`` on the plugin at ``root`` in this process.

    The tests are over: the package they imported is forgotten, so the loader imports the
    plugin afresh under its own name, from its own staged copy, as the kit's process would.
    ``files`` is the parent's file set when it sent one (the import child): the staged copy is
    then made of exactly the files the parent's gate scanned, without a second walk.
    """
    from mixpeek_tools.plugin.loader import package_name_for, purge
    from mixpeek_tools.validator.check_run import run_check_uncached
    from mixpeek_tools.validator.model import RunConfig

    purge(package_name_for(root))
    checks = _shared_checks()
    ctx = CheckContext(RunConfig(root=root), files=files)
    results: dict[str, Any] = {}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        for name in names:
            ctx.notes.clear()
            start = time.perf_counter()
            result = run_check_uncached(checks[name], ctx)
            results[name] = {
                "findings": [f.to_dict() for f in result.findings],
                "seconds": time.perf_counter() - start,
                "status": result.status,
                "reason": result.reason,
                "notes": list(ctx.notes),
                "import_error": _import_error(ctx),
            }
    return {"results": results, "output": printed.getvalue()}


def _import_error(ctx: CheckContext) -> str | None:
    try:
        if ctx.import_attempted:
            ctx.load_plugin()
    except (Exception, SystemExit) as exc:
        return str(exc) or type(exc).__name__
    return None


def report_from_child() -> None:
    """Called by the reporting plugin at the end of the child's session: run, write the JSON.

    Any failure here writes nothing, and the kit's process runs the checks itself.
    """
    names = [n for n in os.environ.get(CHECKS_ENV, "").split(",") if n in SHARED_CHECKS]
    target, root = os.environ.get(REPORT_ENV), os.environ.get(ROOT_ENV)
    if not names or not target or not root:
        return
    try:
        data = run_here(names, Path(root))
        text = json.dumps(data)
    except Exception:  # the kit's process falls back to running them itself
        return
    Path(target).write_text(text, encoding="utf-8")
