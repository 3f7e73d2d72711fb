"""The validator's vocabulary: rules, checks, the per-run context and the report.

Kept free of heavy imports: ``mixpeek-check`` builds these objects on every commit, so pydantic,
pluggy and libcst stay out of this module. A third-party check only needs :class:`Check` and
:class:`Rule` from here (:class:`Rule` itself lives in :mod:`mixpeek_tools.rule_model`, shared
with the security scanner's rules).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mixpeek_tools.findings import Finding, Severity
from mixpeek_tools.rule_model import Rule

__all__ = [
    "Check",
    "CheckContext",
    "CheckReport",
    "CheckResult",
    "Example",
    "PluginExited",
    "Rule",
    "RunConfig",
    "SampleRow",
]


@dataclass(frozen=True)
class Example:
    """A small plugin tree that shows a rule passing (VALID) or firing (INVALID).

    ``files`` maps paths inside the plugin to their content and is laid over the baseline plugin
    of :mod:`mixpeek_tools.validator.examples`; a value of ``None`` deletes that file. ``params``
    and ``sample_rows`` feed the parameter and sample-data checks; ``directory`` renames the
    plugin's directory (the baseline's is ``example_plugin``).
    """

    files: Mapping[str, str | None]
    note: str = ""
    params: Mapping[str, Any] | None = None
    sample_rows: list[dict[str, Any]] | None = None
    directory: str | None = None


@dataclass
class Check:
    """A named group of rules that runs as one unit and can be selected or skipped.

    ``run`` receives the :class:`CheckContext` and yields findings; it must never print.
    ``order`` places it in the run (built-ins use 100 structure ... 600 sample data; third-party
    checks default to 700, after them). ``in_validate`` checks run under ``validate``; the others
    (tests, sample data) only under ``test``. ``needs_import`` checks are skipped with one
    MP003 finding when the plugin cannot be imported. ``mandatory`` checks cannot be skipped.
    ``not_applicable`` may return why the check has nothing to do in this run (e.g. no sample
    file given); the check is then reported as skipped with that reason. ``start``, for a check
    whose work is a child process (the plugin's pytest), begins that work as soon as the static
    gate has passed and returns the function that waits for it and gives its findings, so the
    child runs while the other checks run (the built-in tests check also runs schemas and
    pipeline in its child: :mod:`mixpeek_tools.validator.shared_import`).
    """

    name: str
    run: Callable[[CheckContext], Iterable[Finding]]
    description: str = ""
    order: int = 700
    rules: tuple[type[Rule], ...] = ()
    in_validate: bool = True  # False: the check runs plugin code (tests, sample data): `test` only
    needs_import: bool = False
    mandatory: bool = False
    source: str = "mixpeek-tools"
    not_applicable: Callable[[RunConfig], str | None] | None = None
    start: Callable[[CheckContext], Callable[[], Iterable[Finding]]] | None = None


@dataclass
class RunConfig:
    """What a run will do, after options and ``[tool.mixpeek]`` are merged.

    Hook implementations of ``mixpeek_configure`` may change it before any check runs, e.g. add
    ``extra_forbidden`` names for the security scanner or override severities.
    """

    root: Path
    static_only: bool = False
    select: set[str] = field(default_factory=set)
    skip: set[str] = field(default_factory=set)
    severity_overrides: dict[str, Severity] = field(default_factory=dict)
    disabled_rules: set[str] = field(default_factory=set)
    extra_forbidden: list[str] = field(default_factory=list)
    sample_data: Path | None = None
    sample_rows: list[dict[str, Any]] | None = None
    params: dict[str, Any] | None = None
    for_publish: bool = False
    no_import: bool = False  # publish: never import or run the plugin (static gate only)
    options: dict[str, Any] = field(default_factory=dict)
    cache_dir: Path | None = None  # the check cache's folder (validator.check_cache); None: off


@dataclass
class SampleRow:
    """One sample row's output, kept for ``--verbose``."""

    number: int
    output: dict[str, Any]


class CheckContext:
    """Everything a check may look at, with the plugin imported at most once per run."""

    def __init__(self, config: RunConfig, files: Any = None) -> None:
        self.config = config
        self.root = config.root
        self.sample_outputs: list[SampleRow] = []
        self.notes: list[str] = []
        self._plugin: Any = None
        self._load_error: Exception | None = None
        self._loaded = False
        self._files: Any = files  # the plugin's FileSet, read on first use unless given
        # plugin test: the import-based checks that run inside the plugin's pytest child
        # (validator.shared_import), and the function that waits for their results there
        self.shared_checks: tuple[str, ...] = ()
        self.shared_results: Callable[[], dict[str, Any] | None] | None = None

    def note(self, text: str) -> None:
        """A short remark the text report shows next to the running check (e.g. "5 passed")."""
        self.notes.append(text)

    @property
    def package_name(self) -> str:
        return self.root.name

    def relpath(self, path: str | Path) -> str:
        """``path`` relative to the plugin root when inside it (stable across machines)."""
        p = Path(path)
        try:
            return p.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)

    def files(self) -> Any:
        """The plugin's file set (:mod:`mixpeek_tools.plugin.files`): what publish would ship."""
        if self._files is None:
            from mixpeek_tools.plugin.files import plugin_files

            self._files = plugin_files(self.root)
        return self._files

    def python_files(self) -> list[Path]:
        """Every Python source file of the plugin's file set (what publish would ship)."""
        return [self.root / f.rel for f in self.files().python_sources() if f.rel.endswith(".py")]

    def load_plugin(self) -> Any:
        """The imported plugin (``LoadedPlugin``); raises the loader's error, cached per run."""
        if not self._loaded:
            self._loaded = True
            from mixpeek_tools.plugin.loader import load_plugin

            try:
                self._plugin = load_plugin(self.root, files=self.files())
            except (Exception, SystemExit) as exc:  # plugin code may call sys.exit() on import
                self._load_error = exc if isinstance(exc, Exception) else _exited(exc)
        if self._load_error is not None:
            raise self._load_error
        return self._plugin

    def record_import_failure(self, error: Exception) -> None:
        """The plugin failed to import elsewhere (the pytest child): later checks skip it."""
        self._loaded = True
        self._load_error = error

    @property
    def import_attempted(self) -> bool:
        """Whether some check already tried to import the plugin in this run."""
        return self._loaded


class PluginExited(Exception):
    """Plugin code called ``sys.exit()``; kept as an ordinary exception with its traceback."""


def _exited(exc: SystemExit) -> Exception:
    error = PluginExited(f"plugin code called sys.exit({exc.code!r})")
    return error.with_traceback(exc.__traceback__)


@dataclass
class CheckResult:
    """What one check produced, how long it took and whether it ran."""

    name: str
    findings: list[Finding]
    seconds: float
    status: str = "ran"  # ran | skipped | not-run
    reason: str = ""
    note: str = ""


class LazyRules(Mapping[str, type[Rule]]):
    """Rule id -> rule class, computed on first use (the SARIF reporter needs the scanner's
    rules; a text report of a cached run should not import the scanner for them)."""

    def __init__(self, load: Callable[[], Mapping[str, type[Rule]]]) -> None:
        self._load = load
        self._rules: Mapping[str, type[Rule]] | None = None

    def _get(self) -> Mapping[str, type[Rule]]:
        if self._rules is None:
            self._rules = dict(self._load())
        return self._rules

    def __getitem__(self, key: str) -> type[Rule]:
        return self._get()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


@dataclass
class CheckReport:
    """The outcome of :func:`mixpeek_tools.validator.run_checks`.

    ``failed`` is true exactly when an error-severity finding remains after severity overrides;
    ``timings`` maps each check's name to seconds; ``results`` keeps per-check detail for
    reporters, ``sample_outputs`` the per-row outputs shown with ``--verbose``.
    """

    findings: list[Finding]
    failed: bool
    timings: dict[str, float]
    root: Path | None = None
    results: list[CheckResult] = field(default_factory=list)
    sample_outputs: list[SampleRow] = field(default_factory=list)
    rules: Mapping[str, type[Rule]] = field(default_factory=dict)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.WARNING]

    def summary(self) -> str:
        """One line: how many checks ran and how many errors and warnings remain."""
        ran = sum(1 for r in self.results if r.status == "ran")
        verdict = "FAILED" if self.failed else "passed"
        return (
            f"{verdict}: {ran} check{'s' if ran != 1 else ''} ran, "
            f"{len(self.errors)} error{'s' if len(self.errors) != 1 else ''}, "
            f"{len(self.warnings)} warning{'s' if len(self.warnings) != 1 else ''}"
        )
