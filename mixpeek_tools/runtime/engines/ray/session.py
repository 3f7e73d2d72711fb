"""Joining or starting Ray, quietly unless verbose, and the run's Ray Data options."""

from __future__ import annotations

import logging
import os
import warnings
from typing import Any

from mixpeek_tools.errors import EnvironmentFailure

QUIET_LOGGERS = ("ray", "ray.data", "ray.serve", "ray.train", "ray.tune")


def _quiet() -> None:
    """Keep Ray's own chatter (progress bars, execution plans, deprecations) off the terminal."""
    for name in QUIET_LOGGERS:  # errors reach the user as the kit's own one-paragraph message
        logging.getLogger(name).setLevel(logging.CRITICAL)
    warnings.filterwarnings("ignore", module=r"ray(\.|$)")
    warnings.filterwarnings("ignore", message=r".*ray_remote_args.*")
    os.environ.setdefault("RAY_DEDUP_LOGS", "1")
    os.environ.setdefault("RAY_DATA_LOG_LEVEL", "CRITICAL")  # read when ray.data configures logging


def init_ray(
    num_cpus: int | None = None,
    *,
    verbose: bool = False,
    runtime_env: dict[str, Any] | None = None,
) -> bool:
    """Join ``RAY_ADDRESS`` (``ray://`` clients included) or start a local Ray, with the job's
    ``runtime_env`` (the plugin's code); True when this call started the session."""
    try:
        import ray
    except ImportError as exc:
        raise EnvironmentFailure(
            "the ray engine needs Ray, which is not installed",
            hint="Install it with: pip install 'mixpeek-tools[ray]' (or run with --engine local)",
        ) from exc
    if ray.is_initialized():
        return False
    if not verbose:
        _quiet()
    level = logging.INFO if verbose else logging.ERROR
    address = os.environ.get("RAY_ADDRESS") or None
    try:
        # Worker output (prints, and Ray's own crash reports of idle workers killed at shutdown)
        # reaches the terminal only with --verbose.
        common: dict[str, Any] = {"logging_level": level, "log_to_driver": verbose}
        if runtime_env:
            common["runtime_env"] = runtime_env
        if address:
            ray.init(address=address, **common)
        else:
            # address="local": always a new Ray of our own, never a cluster that `ray start`
            # left running on this machine (ray.init() would join it silently).
            ray.init(address="local", num_cpus=num_cpus, include_dashboard=False, **common)
    except Exception as exc:  # ConnectionError, RuntimeError, ... all mean: no usable cluster
        where = f"RAY_ADDRESS={address}" if address else "local Ray"
        raise EnvironmentFailure(
            f"could not start or join Ray: {type(exc).__name__}: {exc}",
            where=where,
            hint="Check that the cluster at RAY_ADDRESS is up, or unset RAY_ADDRESS to start a "
            "local one",
        ) from exc
    if not verbose:
        _quiet()
    return True


def _configure_data_context(verbose: bool) -> dict[str, Any]:
    """Set the run's Ray Data options; returns the previous values for :func:`_restore`.

    ``enable_arrow_backed_pandas_conversion`` off: a ``prepare`` asking for pandas batches gets
    numpy dtypes, as on the local engine, rather than ``pd.ArrowDtype`` columns (Ray 2.56+).
    """
    import ray

    if not verbose:
        _quiet()  # importing ray.data configures its loggers anew
    ctx = ray.data.DataContext.get_current()
    wanted: dict[str, Any] = {
        "raise_original_map_exception": True,  # the kit's own errors reach the driver intact
        "enable_progress_bars": verbose,
        "print_on_execution_start": verbose,
        "enable_arrow_backed_pandas_conversion": False,
    }
    previous = {"preserve_order": ctx.execution_options.preserve_order}
    ctx.execution_options.preserve_order = True  # rows come back in input order
    for name, value in wanted.items():
        if hasattr(ctx, name):  # older Ray versions lack some of them
            previous[name] = getattr(ctx, name)
            setattr(ctx, name, value)
    return previous


def _restore(previous: dict[str, Any]) -> None:
    """Put back the Ray Data options a run changed (other Ray Data use in the process)."""
    import ray

    ctx = ray.data.DataContext.get_current()
    for name, value in previous.items():
        if name == "preserve_order":
            ctx.execution_options.preserve_order = value
        else:
            setattr(ctx, name, value)
