"""What a Ray run takes to the cluster: the plugin's code (``runtime_env`` ``py_modules``, see
:mod:`mixpeek_tools.runtime.shipping`) and where its input comes from.

When this engine starts or joins Ray itself (the CLI, ``run_file``), the plugin is part of the
job's ``runtime_env``: every task and actor of the run, ``prepare``'s included, imports it by its
own name on any node. When the caller had already started Ray (a notebook, a test session), the
job's environment is fixed and Ray uploads folders only at the job level; the run then ships
``prepare``'s functions by value (Ray's cloudpickle) and the actors rebuild the plugin from its
folder, which works where the workers see the driver's disk (one machine). To ship the plugin
to a multi-node cluster from such a session, start Ray with
``runtime_env={"py_modules": [stage_package(root, name)]}`` yourself.
"""

from __future__ import annotations

import contextlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class Input:
    """A run's input: the driver's batches, or a source (read in tasks where it can be)."""

    batches: Any = None
    source: Any = None
    read_size: int = 1024


class Shipment:
    """The staged plugin package for one run and how each stage gets it."""

    def __init__(self, plan: Any) -> None:
        from mixpeek_tools.runtime.shipping import stage_package

        plugin = plan.plugin
        self.package = plugin.package_name if plugin is not None else None
        self.stage: Path | None = (
            stage_package(plugin.root, plugin.package_name) if plugin is not None else None
        )
        self.joined_without_it = False
        self._by_value: list[Any] = []

    @property
    def runtime_env(self) -> dict[str, Any] | None:
        return {"py_modules": [str(self.stage)]} if self.stage is not None else None

    def remote_args(self) -> dict[str, Any]:
        """Extra Ray options of the run's own stages (none: the job's runtime_env covers them)."""
        return {}

    def before_prepare(self) -> None:
        """Ship ``prepare``'s functions by value when the job's environment lacks the plugin."""
        if not self.joined_without_it or not self.package:
            return
        from ray import cloudpickle

        module = sys.modules.get(self.package)
        if module is not None:
            cloudpickle.register_pickle_by_value(module)
            self._by_value.append(module)

    def remove(self) -> None:
        from mixpeek_tools.runtime.shipping import remove_stage

        if self._by_value:
            from ray import cloudpickle

            for module in self._by_value:
                with contextlib.suppress(ValueError):  # already unregistered
                    cloudpickle.unregister_pickle_by_value(module)
            self._by_value = []
        remove_stage(self.stage)
        self.stage = None


__all__ = ["Input", "Shipment"]
