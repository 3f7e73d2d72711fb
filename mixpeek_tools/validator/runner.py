"""One validator run: configure, pick the checks, run them in order, apply severities, report.

:class:`Session` owns the fresh plugin manager of one run; the CLI keeps it to find the
reporter for ``--format``, :func:`run` (behind ``run_checks``) makes one and discards it.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mixpeek_tools.errors import BadInput
from mixpeek_tools.findings import Finding, Severity
from mixpeek_tools.validator import config as config_mod
from mixpeek_tools.validator.check_run import run_check_uncached
from mixpeek_tools.validator.manager import Manager, build_manager
from mixpeek_tools.validator.model import (
    Check,
    CheckContext,
    CheckReport,
    CheckResult,
    LazyRules,
    Rule,
    RunConfig,
)

if TYPE_CHECKING:
    from mixpeek_tools.validator.check_cache import CheckCache
    from mixpeek_tools.validator.import_child import ImportChild

SECURITY = config_mod.SECURITY
TESTS = "tests"
GATE_REASON = (
    "the security scan has findings, and no plugin code runs before the static gate "
    "passes (the plugin was not imported)"
)


def runs_plugin_code(check: Check) -> bool:
    """Whether the check imports or executes the plugin (so it waits for the static gate)."""
    return check.needs_import or not check.in_validate


def _gate_first(selected: list[tuple[Check, str]]) -> list[tuple[Check, str]]:
    """The static gate (checks that run no plugin code) first, then the others, each in order.

    Nothing of the plugin runs before the security scan has passed: a check that imports or
    executes the plugin runs only after every check that does not, and not at all when the
    security check found an error.
    """
    gate = [item for item in selected if not runs_plugin_code(item[0])]
    return gate + [item for item in selected if runs_plugin_code(item[0])]


def _security_first(ordered: list[tuple[Check, str]]) -> list[tuple[Check, str]]:
    """The run order: the security scan (the gate itself) before the other static checks.

    Once it has passed, the checks that run in a child (the plugin's pytest) start at once and
    run while structure and names finish and the plugin is imported; the report still lists
    the checks in :func:`_gate_first` order.
    """
    return sorted(ordered, key=lambda item: item[0].name != SECURITY or bool(item[1]))


class Session:
    """A fresh plugin manager plus the checks and reporters registered with it."""

    def __init__(self, *, entry_points: bool = True) -> None:
        self.manager: Manager = build_manager(entry_points=entry_points)
        self.checks: list[Check] = self.manager.checks()

    def reporters(self) -> dict[str, Callable[..., str]]:
        return self.manager.reporters()

    def rules(self) -> dict[str, type[Rule]]:
        """Every rule id known to this run (for SARIF rule metadata and docs)."""
        from mixpeek_tools.validator.checks.meta import RULES as META
        from mixpeek_tools.validator.checks.security import scanner_rules

        out = {r.id: r for r in META}
        for check in self.checks:
            rules = check.rules
            if check.name == SECURITY and not rules and check.source == "mixpeek-tools":
                rules = scanner_rules()  # the scanner's, imported only when asked for
            out.update({r.id: r for r in rules})
        return out

    def configure(
        self,
        root: Path,
        *,
        static_only: bool,
        select: Iterable[str] | None,
        skip: Iterable[str] | None,
        sample_data: Path | None,
        params: Mapping[str, Any] | None,
        for_publish: bool,
        no_import: bool = False,
    ) -> RunConfig:
        """Merge options, ``[tool.mixpeek]`` and ``mixpeek_configure`` hooks into a RunConfig."""
        config = RunConfig(
            root=root,
            static_only=static_only,
            select=set(select or ()),
            skip=set(skip or ()),
            sample_data=sample_data,
            params=dict(params) if params is not None else None,
            for_publish=for_publish,
            no_import=no_import,
        )
        table, pyproject = config_mod.read_table(root)
        config_mod.apply_table(config, table, pyproject)
        self._check_names(config, pyproject if table else None)
        self.manager.call_each("mixpeek_configure", config=config)
        if for_publish:
            config.skip.discard(SECURITY)
        return config

    def _check_names(self, config: RunConfig, pyproject: Path | None) -> None:
        known = {c.name for c in self.checks}
        for kind, names in (("select", config.select), ("skip", config.skip)):
            unknown = sorted(names - known)
            if unknown:
                raise BadInput(
                    f"unknown check {', '.join(repr(n) for n in unknown)} in {kind}",
                    where=str(pyproject) if pyproject else f"--{kind}",
                    hint=f"Known checks: {', '.join(c.name for c in self.checks)}",
                )
        mandatory = sorted(c.name for c in self.checks if c.mandatory and c.name in config.skip)
        if mandatory:
            raise BadInput(
                f"the {', '.join(mandatory)} check cannot be skipped",
                where=str(pyproject) if pyproject else "--skip",
                hint="Remove it from skip; downgrade single rules with [tool.mixpeek.severity]",
            )

    def selected(self, config: RunConfig) -> list[tuple[Check, str]]:
        """Each check with ``""`` when it runs, or the reason it does not."""
        out = []
        for check in self.checks:
            reason = ""
            if check.mandatory:
                reason = ""
            elif check.name in config.skip:
                reason = "skipped (--skip or [tool.mixpeek] skip)"
            elif config.select and check.name not in config.select:
                reason = "not selected"
            elif config.static_only and not check.in_validate:
                reason = "not run by validate (static checks only)"
            elif config.no_import and runs_plugin_code(check):
                reason = (
                    "not run by publish, which never imports the plugin "
                    "(`mixpeek plugin validate` and the registry run it)"
                )
            elif check.not_applicable is not None:
                reason = check.not_applicable(config) or ""
            out.append((check, reason))
        return out

    def run(self, config: RunConfig) -> CheckReport:
        """Run the selected checks in order and build the report.

        Plugin code runs inside the checks (imports, ``build_steps``, processors); whatever it
        prints goes to stderr so that a JSON or SARIF report on stdout stays parseable.
        """
        with contextlib.redirect_stdout(sys.stderr):
            return self._run(config)

    def _run(self, config: RunConfig) -> CheckReport:
        from mixpeek_tools.validator.check_cache import open_check_cache

        ctx = CheckContext(config)
        cache = open_check_cache(config, ctx.files)
        early = self._drain()
        ordered = _gate_first(self.selected(config))
        from mixpeek_tools.validator import import_child

        child = import_child.start(ordered, ctx, cache)  # imports pydantic while the gate runs
        try:
            done = self._run_all(ordered, ctx, cache, child)
        finally:
            if child is not None:
                child.stop()
        if cache is not None:
            cache.save()
        results = [done[check.name][0] for check, _reason in ordered]  # in the listed order
        findings = early + [f for check, _reason in ordered for f in done[check.name][1]]
        findings = self._adjust(findings, config) if findings else findings
        report = CheckReport(
            findings=_dedupe(findings),
            failed=False,
            timings={r.name: r.seconds for r in results if r.status == "ran"},
            root=config.root,
            results=results,
            sample_outputs=ctx.sample_outputs,
            rules=LazyRules(self.rules),
        )
        self.manager.call_each("mixpeek_run_finished", report=report)
        report.findings.extend(self._drain())
        report.failed = any(f.severity is Severity.ERROR for f in report.findings)
        return report

    def _run_all(
        self, ordered: list[tuple[Check, str]], ctx: CheckContext, cache: CheckCache | None,
        child: ImportChild | None = None,
    ) -> dict[str, tuple[CheckResult, list[Finding]]]:
        """Each check's result and findings (its own, then its hooks'), by check name.

        Run order: the security scan first; the moment it passes, the checks that run in a
        child start (:func:`_start_background`); a check that runs plugin code never runs after
        the scan found an error.
        """
        done: dict[str, tuple[CheckResult, list[Finding]]] = {}
        gate_failed = scanned = False
        started: dict[str, Callable[[], Iterable[Finding]]] | None = None
        for check, reason in _deferring_shared(_security_first(ordered), ctx):
            if started is None and not gate_failed and (scanned or runs_plugin_code(check)):
                if child is not None:
                    child.go(ctx)  # the security scan has passed: the child imports the plugin
                started = _start_background(ordered, ctx, cache)
            if reason:
                done[check.name] = (CheckResult(check.name, [], 0.0, "skipped", reason), [])
                continue
            if gate_failed and runs_plugin_code(check):
                done[check.name] = (CheckResult(check.name, [], 0.0, "not-run", GATE_REASON), [])
                continue
            ctx.notes.clear()
            result = self._run_one(check, ctx, (started or {}).get(check.name), cache)
            result.note = "; ".join(ctx.notes)
            result.findings = self._adjust(result.findings, ctx.config)
            self.manager.call_each(
                "mixpeek_check_finished", check=check, findings=result.findings,
                seconds=result.seconds,
            )
            done[check.name] = (result, [*result.findings, *self._drain()])
            scanned = scanned or check.name == SECURITY
            gate_failed = gate_failed or (
                check.name == SECURITY and any(f.is_error for f in result.findings)
            )
        return done

    def _drain(self) -> list[Finding]:
        out = list(self.manager.findings)
        self.manager.findings.clear()
        return out

    def _run_one(
        self, check: Check, ctx: CheckContext, waiter: Callable[[], Iterable[Finding]] | None = None,
        cache: CheckCache | None = None,
    ) -> CheckResult:
        start = time.perf_counter()
        hit = cache.get(check) if cache is not None else None
        if hit is not None:
            ctx.note("cached")
            return CheckResult(check.name, hit, time.perf_counter() - start)
        result = self._run_uncached(check, ctx, waiter)
        if cache is not None and result.status == "ran":
            cache.put(check, result.findings)
        return result

    def _run_uncached(
        self, check: Check, ctx: CheckContext, waiter: Callable[[], Iterable[Finding]] | None
    ) -> CheckResult:
        from mixpeek_tools.validator.shared_import import result_from_report

        shared = result_from_report(check, ctx)  # run in the plugin's pytest child
        return shared if shared is not None else run_check_uncached(check, ctx, waiter)

    def _adjust(self, findings: list[Finding], config: RunConfig) -> list[Finding]:
        return config_mod.apply_severities(findings, config)


def _start_background(
    ordered: list[tuple[Check, str]], ctx: CheckContext, cache: CheckCache | None = None
) -> dict[str, Callable[[], Iterable[Finding]]]:
    """Begin every selected check that runs in a child process; their waiters by check name.

    Called once the static gate has passed, so the children (the plugin's pytest) run while the
    in-process checks import the plugin. A check whose start fails runs normally in its turn,
    where the same failure is reported as that check's crash.
    """
    from mixpeek_tools.validator.shared_import import shareable

    out: dict[str, Callable[[], Iterable[Finding]]] = {}
    for check, reason in ordered:
        if reason or check.start is None or check.needs_import:
            continue
        if check.name == TESTS and check.source == "mixpeek-tools":
            ctx.shared_checks = shareable(ordered, cache)  # the tests check may take them
        try:
            out[check.name] = check.start(ctx)
        except Exception:  # reported when the check runs in its turn
            ctx.shared_checks = ()
            continue
    return out


def _deferring_shared(
    order: list[tuple[Check, str]], ctx: CheckContext
) -> Iterator[tuple[Check, str]]:
    """``order``, with the checks the pytest child runs taken right after the tests check.

    Lazy: ``ctx.shared_checks`` is filled in once the security scan has passed (when the child
    starts). Their results exist only when the child is done, which the tests check waits for.
    """
    deferred: list[tuple[Check, str]] = []
    tests_done = False
    for item in order:
        if not tests_done and not item[1] and item[0].name in ctx.shared_checks:
            deferred.append(item)
            continue
        yield item
        if item[0].name == TESTS:
            tests_done = True
            yield from deferred
            deferred = []
    yield from deferred


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[Any, ...]] = set()
    out = []
    for f in findings:
        key = (f.rule, f.path, f.line, f.column, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def read_sample_rows(path: Path) -> list[dict[str, Any]]:
    """Rows of the sample file through the runtime's readers (malformed input is BadInput)."""
    if not path.is_file():
        raise BadInput(
            "sample data file not found",
            where=str(path),
            hint="Pass a JSON, JSON Lines or CSV file with --sample-data",
        )
    from mixpeek_tools.runtime import io as runtime_io

    return runtime_io.read_records(path)


def _refuse_parent_of_plugins(root: Path) -> None:
    """A folder holding plugins rather than being one is a usage mistake, not a broken plugin."""
    if any((root / name).exists() for name in ("manifest.py", "pipeline.py", "__init__.py")):
        return
    from mixpeek_tools.plugin.folder import refuse_parent_of_plugins

    refuse_parent_of_plugins(root)


def run(
    root: Path,
    *,
    static_only: bool = False,
    select: Iterable[str] | None = None,
    skip: Iterable[str] | None = None,
    sample_data: Path | None = None,
    params: Mapping[str, Any] | None = None,
    for_publish: bool = False,
    session: Session | None = None,
    no_import: bool = False,
    cache_dir: Path | None = None,
) -> CheckReport:
    """Run the checks on the plugin at ``root`` (see :func:`mixpeek_tools.validator.run_checks`).

    With ``cache_dir``, the kit's own checks keep their findings there and an unchanged plugin
    is not checked again (:mod:`mixpeek_tools.validator.check_cache`); without it (the default,
    and always for publish and the registry) every check runs.
    """
    root = root.expanduser()
    if not root.is_dir():
        raise BadInput(
            "plugin directory not found",
            where=str(root),
            hint="Pass the plugin's directory with --path (the folder holding manifest.py)",
        )
    root = root.resolve()
    _refuse_parent_of_plugins(root)
    session = session or Session()
    config = session.configure(
        root, static_only=static_only, select=select, skip=skip, sample_data=sample_data,
        params=params, for_publish=for_publish, no_import=no_import,
    )
    if sample_data is not None and not static_only:
        config.sample_rows = read_sample_rows(sample_data)
    config.cache_dir = cache_dir
    return session.run(config)
