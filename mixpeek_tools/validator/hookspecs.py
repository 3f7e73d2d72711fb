"""Hook specifications of the validator: the one place a third-party check distribution plugs in.

The project name is ``mixpeek``. A distribution exposes a module (or object) with ``@hookimpl``
functions under the entry-point group ``mixpeek.checks``::

    # pyproject.toml of the distribution
    [project.entry-points."mixpeek.checks"]
    license = "mixpeek_license_check.plugin"

    # mixpeek_license_check/plugin.py
    from mixpeek_tools.validator.hookspecs import hookimpl

    @hookimpl
    def mixpeek_register_checks():
        return [Check(name="license", run=run, rules=(ML001,))]

The built-in checks and reporters are registered through these same hooks
(:mod:`mixpeek_tools.validator.builtin`), so a third-party check has exactly the powers a
built-in one has. A new plugin manager is built for every run, so nothing leaks between runs.
``docs/hooks.md`` is generated from the docstrings below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from mixpeek_tools.validator.model import Check, CheckReport, RunConfig

PROJECT = "mixpeek"
ENTRY_POINT_GROUP = "mixpeek.checks"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def mixpeek_register_checks() -> list[Check]:
    """Return the checks this plugin adds to every validator run.

    Called once per run, right after the plugin manager is built and before configuration is
    read, so that ``--select``/``--skip`` and ``[tool.mixpeek]`` can name the new checks.

    :return: a list of :class:`mixpeek_tools.validator.model.Check`. A check's ``name`` must be
        unique across all plugins; its ``rules`` list the rule classes it reports under (their
        ids should use a prefix of your own, not ``MP``). A hook that raises becomes an MP001
        error naming the distribution; the run goes on without that plugin's checks.

    Example::

        @hookimpl
        def mixpeek_register_checks():
            return [Check(name="license", run=check_license_headers, rules=(ML001,))]
    """
    raise NotImplementedError  # pragma: no cover - specification only


@hookspec
def mixpeek_register_reporters() -> dict[str, Any]:
    """Return extra output formats for ``--format``.

    Called once per run when the CLI picks the reporter for ``--format``.

    :return: a mapping of format name to a callable ``render(report, *, verbose) -> str``, where
        ``report`` is the :class:`~mixpeek_tools.validator.model.CheckReport` and ``verbose``
        says whether ``--verbose`` was given. Built-in names are ``text``, ``json`` and
        ``sarif``; a plugin returning one of those replaces the built-in.

    Example::

        @hookimpl
        def mixpeek_register_reporters():
            return {"junit": render_junit}
    """
    raise NotImplementedError  # pragma: no cover - specification only


@hookspec
def mixpeek_configure(config: RunConfig) -> None:
    """Adjust a run before any check starts.

    Called once per run after command-line options and the plugin's ``[tool.mixpeek]`` table are
    merged into ``config``. Implementations change it in place.

    :param config: the :class:`~mixpeek_tools.validator.model.RunConfig`: ``select``, ``skip``,
        ``severity_overrides`` (rule id to :class:`~mixpeek_tools.findings.Severity`),
        ``extra_forbidden`` (names the security scanner also refuses), ``params``,
        ``for_publish`` and ``options`` (free-form ``[tool.mixpeek]`` keys for third-party
        checks). When ``for_publish`` is true, skipping or downgrading ``security`` is undone
        after this hook runs.

    Example::

        @hookimpl
        def mixpeek_configure(config):
            config.extra_forbidden.append("pickle.loads")
    """


@hookspec
def mixpeek_check_finished(check: Check, findings: list[Any], seconds: float) -> None:
    """Observe one check's findings as soon as it has run.

    Called after each check, in run order, including third-party checks.

    :param check: the :class:`~mixpeek_tools.validator.model.Check` that ran.
    :param findings: its :class:`~mixpeek_tools.findings.Finding` objects, after severity
        overrides. Treat the list as read-only.
    :param seconds: wall-clock time the check took.

    Example::

        @hookimpl
        def mixpeek_check_finished(check, findings, seconds):
            metrics.timing(f"mixpeek.check.{check.name}", seconds)
    """


@hookspec
def mixpeek_run_finished(report: CheckReport) -> None:
    """Observe the complete report once every check has run.

    Called once per run, before the reporter renders the report.

    :param report: the :class:`~mixpeek_tools.validator.model.CheckReport` with all findings,
        ``failed`` and per-check ``timings``.

    Example::

        @hookimpl
        def mixpeek_run_finished(report):
            if report.failed:
                notify_team(report.summary())
    """
