"""MP5xx tests: the plugin's own pytest suite, run in a child process.

A child process keeps the plugin's imports, monkeypatches and crashes out of the validator and
matches how the author runs ``pytest`` themselves. The plugin's parent directory goes on
``PYTHONPATH`` so ``import <plugin>`` works, and the kit's pytest plugin (registered through the
``pytest11`` entry point) makes ``engine.*`` and ``shared.*`` importable. Failed ids come from a
small reporting plugin, not from parsing pytest's output.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mixpeek_tools.findings import Finding, Severity
from mixpeek_tools.validator.examples import TEST
from mixpeek_tools.validator.model import Check, CheckContext, Example, Rule
from mixpeek_tools.validator.shared_import import child_env, read_report

if TYPE_CHECKING:  # imported where the pytest child starts: a validate never needs them
    import subprocess
    import tempfile

REPORT_PLUGIN = "mixpeek_tools.validator.checks._pytest_outcomes"
DEFAULT_TIMEOUT = 900.0
NO_TESTS_COLLECTED = 5


class TestsFailed(Rule):
    """The plugin's own tests fail.

    Catches: failing tests, errors in fixtures and test modules that fail to import; each failing
    test id is named with the file and line where it failed. Why: a plugin whose tests fail is
    not ready to publish, whatever the other checks say. Fix: run ``pytest -x <test id>`` in the
    plugin's parent directory and fix the test or the code.
    """

    id = "MP501"
    name = "tests-failed"
    check = "tests"
    hint = "Run the failing test on its own (pytest <test id>) and fix it"
    VALID = [Example({}, "the baseline's test passes")]
    INVALID = [
        Example(
            {"tests/test_plugin.py": TEST.replace('"Processed: b"]', '"Processed: c"]')},
            "the assertion expects the wrong output",
        )
    ]


class NoTests(Rule):
    """The plugin has no tests.

    Catches: a plugin where pytest collects no test at all. Why: tests are how the author knows
    the processor does what the metadata promises; the platform's docs expect
    ``tests/test_plugin.py``. It is a warning, not an error. Fix: add tests under ``tests/``.
    """

    id = "MP502"
    name = "no-tests"
    check = "tests"
    severity = Severity.WARNING
    hint = "Add tests under tests/, e.g. tests/test_plugin.py"
    VALID = [Example({}, "tests/test_plugin.py holds a test")]
    INVALID = [Example({"tests/test_plugin.py": None}, "no tests at all")]


class TestsCouldNotRun(Rule):
    """pytest itself could not run the plugin's tests.

    Catches: pytest usage errors (bad ``addopts`` in the plugin's configuration), an internal
    error, an interrupted run or one that passed the time limit. Why: tests that did not run
    have not passed. Fix: run ``python -m pytest`` in the plugin directory to see pytest's own
    message; raise ``[tool.mixpeek] tests-timeout`` if the suite is simply slow.
    """

    id = "MP503"
    name = "tests-could-not-run"
    check = "tests"
    hint = "Run python -m pytest in the plugin directory to see pytest's own message"
    VALID = [Example({}, "pytest runs")]
    INVALID = [
        Example(
            {"pytest.ini": "[pytest]\naddopts = --no-such-option-anywhere\n"},
            "the plugin's pytest.ini passes an unknown option",
        )
    ]


RULES: tuple[type[Rule], ...] = (TestsFailed, NoTests, TestsCouldNotRun)
GUARD_ROOT_ENV = "MIXPEEK_GUARD_EXTRA_ROOT"


def pytest_command(root: Path) -> list[str]:
    """The child pytest command line for the plugin at ``root``."""
    target = root / "tests" if (root / "tests").is_dir() else root
    return [
        sys.executable, "-m", "pytest", "-q", "--color=no", "-p", "no:cacheprovider",
        "-p", REPORT_PLUGIN, "--rootdir", str(root), str(target),
    ]


def _env(root: Path, report_file: Path) -> dict[str, str]:
    env = dict(os.environ)
    paths = [str(root.parent.resolve())]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["MIXPEEK_PYTEST_REPORT"] = str(report_file)
    env["MIXPEEK_PLUGIN_ROOT"] = str(root.resolve())
    env.pop("PYTEST_ADDOPTS", None)
    return env


def _relative(path: str | None, root: Path) -> str | None:
    if not path:
        return None
    p = Path(path)
    if not p.is_absolute():
        p = root / p
    try:
        return p.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path


def outcome_findings(data: dict[str, Any], root: Path) -> Iterator[Finding]:
    """MP501 for each failed test in the child's report."""
    for item in data.get("outcomes", []):
        what = {"failed": "failed", "error": "errored", "collection": "could not be collected"}
        yield TestsFailed.finding(
            f"test {item['nodeid'] or '(session)'} {what.get(item['kind'], 'failed')}: "
            f"{item['message']}",
            path=_relative(item.get("path"), root),
            line=item.get("line"),
            extra={"nodeid": item["nodeid"]},
        )


def _tail(text: str, lines: int = 8) -> str:
    return " | ".join(line for line in text.strip().splitlines()[-lines:] if line.strip())


class _PytestChild:
    """The running pytest child; :meth:`finish` waits for it once, for every caller.

    Two callers may need the child's end: the tests check, and the import checks it ran too
    (:mod:`mixpeek_tools.validator.shared_import`).
    """

    def __init__(self, proc: subprocess.Popen[str], tmp: tempfile.TemporaryDirectory[str],
                 timeout: float) -> None:
        self.proc, self.tmp, self.timeout = proc, tmp, timeout
        self.outcome: tuple[int | None, str, dict[str, Any]] | None = None
        self.shared: dict[str, Any] | None = None

    def finish(self) -> tuple[int | None, str, dict[str, Any]]:
        """pytest's exit status (None: it timed out), its output tail and the outcomes."""
        if self.outcome is None:
            import subprocess

            with self.tmp:
                try:
                    out, err = self.proc.communicate(timeout=self.timeout)
                    code: int | None = self.proc.returncode
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.communicate()
                    code, out, err = None, "", ""
                report_file = Path(self.tmp.name) / "outcomes.json"
                data: dict[str, Any] = {}
                if code is not None and report_file.is_file():
                    data = json.loads(report_file.read_text(encoding="utf-8"))
                if code is not None:
                    self.shared = read_report(Path(self.tmp.name) / "shared.json")
                self.outcome = (code, err or out, data)
        return self.outcome

    def shared_results(self) -> dict[str, Any] | None:
        self.finish()
        return self.shared


def _share_imports(ctx: CheckContext, root: Path, env: dict[str, str], tmp: Path) -> None:
    """Ask the child to run the import checks too (when the tests import the plugin anyway)."""
    if ctx.shared_checks and (root / "tests").is_dir():
        env.update(child_env(ctx.shared_checks, ctx.root, tmp / "shared.json"))
    else:
        ctx.shared_checks = ()


def start(ctx: CheckContext) -> Callable[[], Iterator[Finding]]:
    """Stage the plugin and start its pytest in a child; returns the function that waits for it.

    The runner calls this once the static gate has passed. The child also runs the import
    checks the runner put in ``ctx.shared_checks`` (schemas, pipeline), so that the plugin is
    imported in one process only; :func:`run` is start-then-wait.
    """
    import subprocess
    import tempfile

    from mixpeek_tools.plugin.files import stage

    timeout = float(ctx.config.options.get("tests-timeout", DEFAULT_TIMEOUT))
    tmp = tempfile.TemporaryDirectory(prefix="mixpeek-tests-")
    try:
        # The tests import the plugin from a copy of exactly the files publish would ship.
        root = stage(ctx.files(), Path(tmp.name) / "staged")
        env = _env(root, Path(tmp.name) / "outcomes.json")
        env[GUARD_ROOT_ENV] = str(root)  # under --guard, the staged copy is plugin code too
        _share_imports(ctx, root, env, Path(tmp.name))
        proc = subprocess.Popen(
            pytest_command(root), cwd=root, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
    except BaseException:
        ctx.shared_checks = ()
        tmp.cleanup()
        raise
    child = _PytestChild(proc, tmp, timeout)
    if ctx.shared_checks:
        ctx.shared_results = child.shared_results

    def wait() -> Iterator[Finding]:
        code, output, data = child.finish()
        if code is None:
            yield TestsCouldNotRun.finding(f"the plugin's tests ran longer than {timeout:.0f}s")
            return
        yield from _outcome(data, root, code, output, ctx)

    return wait


def _outcome(data: dict[str, Any], root: Path, code: int, output: str,
             ctx: CheckContext) -> Iterator[Finding]:
    """Findings from pytest's exit status and the reporting plugin's outcomes."""
    failures = list(outcome_findings(data, root))
    yield from failures
    if code == NO_TESTS_COLLECTED and not failures:
        yield NoTests.finding("pytest found no tests in the plugin")
    elif code not in (0, 1, NO_TESTS_COLLECTED) or (code == 1 and not failures):
        yield TestsCouldNotRun.finding(
            f"pytest exited with status {code}: {_tail(output) or 'no output'}"
        )
    counts = data.get("counts") or {}
    shown = [f"{counts[k]} {k}" for k in ("passed", "failed", "errors", "skipped") if counts.get(k)]
    if shown:
        ctx.note(", ".join(shown))


def run(ctx: CheckContext) -> Iterator[Finding]:
    """The tests check: run pytest, translate its outcome into findings."""
    yield from start(ctx)()


CHECK = Check(
    name="tests",
    run=run,
    description="The plugin's pytest suite passes (run in a child process).",
    order=500,
    rules=RULES,
    in_validate=False,
    start=start,
)
