"""Builds the pluggy plugin manager for one run and collects checks and reporters from it.

A fresh manager per run means a test, a publish and a registry validation never see each
other's plugins. Third-party distributions come from the ``mixpeek.checks`` entry-point group;
each hook implementation is called on its own so that a failure is pinned on the distribution
that caused it (an MP001/MP002 finding), never a traceback and never a silent skip.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pluggy

from mixpeek_tools.findings import Finding
from mixpeek_tools.validator import builtin, hookspecs
from mixpeek_tools.validator.checks.meta import CheckCrashed, CheckLoadFailed
from mixpeek_tools.validator.model import Check

if TYPE_CHECKING:
    import importlib.metadata

BUILTIN_NAME = "mixpeek-tools"


def _describe_error(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


@dataclass
class Manager:
    """The plugin manager of one run, plus where each registered plugin came from."""

    pm: pluggy.PluginManager
    sources: dict[str, str] = field(default_factory=dict)  # plugin name -> "dist (entry point)"
    findings: list[Finding] = field(default_factory=list)

    def source_of(self, plugin_name: str) -> str:
        return self.sources.get(plugin_name, plugin_name)

    def call_each(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call every implementation of ``hook_name`` alone; crashes become MP001 findings."""
        caller = getattr(self.pm.hook, hook_name)
        results: list[tuple[str, Any]] = []
        for impl in reversed(caller.get_hookimpls()):
            try:
                args = {name: kwargs[name] for name in impl.argnames}
                results.append((impl.plugin_name, impl.function(**args)))
            except Exception as exc:
                self.findings.append(
                    CheckCrashed.finding(
                        f"hook {hook_name} of {self.source_of(impl.plugin_name)} crashed: "
                        f"{_describe_error(exc)}",
                        extra={"source": self.source_of(impl.plugin_name)},
                    )
                )
        return results

    def checks(self) -> list[Check]:
        """Every registered check, sorted by ``order`` (stable), duplicates reported."""
        found: dict[str, Check] = {}
        for plugin_name, result in self.call_each("mixpeek_register_checks"):
            source = self.source_of(plugin_name)
            for check in result or []:
                if not isinstance(check, Check):
                    self.findings.append(
                        CheckLoadFailed.finding(
                            f"{source} registered {check!r}, which is not a "
                            "mixpeek_tools.validator.model.Check"
                        )
                    )
                    continue
                if check.name in found:
                    self.findings.append(
                        CheckLoadFailed.finding(
                            f"{source} registered a check named '{check.name}', which "
                            f"{found[check.name].source} already registered; the second is ignored"
                        )
                    )
                    continue
                if plugin_name != BUILTIN_NAME:
                    check.source = source
                found[check.name] = check
        return sorted(found.values(), key=lambda c: c.order)

    def reporters(self) -> dict[str, Callable[..., str]]:
        """Format name -> render function; third-party ones may add or replace formats."""
        out: dict[str, Callable[..., str]] = {}
        for _name, result in self.call_each("mixpeek_register_reporters"):
            out.update(result or {})
        return out


def build_manager(*, entry_points: bool = True) -> Manager:
    """A fresh manager with the built-ins and every installed ``mixpeek.checks`` entry point."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.register(builtin, name=BUILTIN_NAME)
    manager = Manager(pm=pm)
    if entry_points and may_declare_checks():
        import importlib.metadata

        for ep in importlib.metadata.entry_points(group=hookspecs.ENTRY_POINT_GROUP):
            _register_entry_point(manager, ep)
    return manager


def may_declare_checks() -> bool:
    """False only when no installed distribution can declare a ``mixpeek.checks`` entry point
    (:mod:`mixpeek_tools.entry_points`: a few small reads instead of ``importlib.metadata``)."""
    from mixpeek_tools.entry_points import may_declare

    return may_declare(hookspecs.ENTRY_POINT_GROUP)


def _register_entry_point(manager: Manager, ep: importlib.metadata.EntryPoint) -> None:
    dist = ep.dist.name if ep.dist is not None else "an unknown distribution"
    source = f"distribution '{dist}' (entry point {ep.name} = {ep.value})"
    name = f"{dist}:{ep.name}"
    if manager.pm.has_plugin(name):
        return
    try:
        plugin = ep.load()
        manager.pm.register(plugin, name=name)
        manager.sources[name] = source
        manager.pm.check_pending()  # a misspelt mixpeek_* hook must not be silently ignored
    except Exception as exc:
        if manager.pm.has_plugin(name):
            manager.pm.unregister(name=name)
        manager.findings.append(
            CheckLoadFailed.finding(
                f"{source} in group {hookspecs.ENTRY_POINT_GROUP} failed to load: "
                f"{_describe_error(exc)}",
                extra={"source": source},
            )
        )
