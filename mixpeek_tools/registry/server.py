"""Start the local registry: data folder, first-run key, S3 endpoint, HTTP server.

The data folder holds ``registry.sqlite3`` (metadata), ``archives/<namespace>/<plugin_id>.<fmt>``
(every validated plugin's archive, so plugins survive a restart even though the built-in S3
endpoint keeps objects in memory), ``deployments/`` (realtime services' code, home and log) and
``tmp/`` (per-confirm scratch space, emptied at start).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mixpeek_tools.errors import BadInput, EnvironmentFailure

if TYPE_CHECKING:
    from mixpeek_tools.registry.context import Registry
    from mixpeek_tools.registry.deployments import Deployer
    from mixpeek_tools.registry.persistence import Janitor
    from mixpeek_tools.registry.storage import Storage
    from mixpeek_tools.registry.store import Store

DEFAULT_PORT = 8765
DEFAULT_BUCKET = "mixpeek-plugins"
DEFAULT_NAMESPACE = "ns_default"
DB_NAME = "registry.sqlite3"
DEFAULT_PLUGIN_QUOTA = 10


def default_data_dir() -> Path:
    """``$MIXPEEK_REGISTRY_DIR``, else ``~/.mixpeek/registry`` (one private registry per user)."""
    env = os.environ.get("MIXPEEK_REGISTRY_DIR")
    return Path(env).expanduser() if env else Path.home() / ".mixpeek" / "registry"


@dataclass
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    data_dir: Path | None = None
    s3_endpoint_url: str | None = None
    s3_public_url: str | None = None
    bucket: str = DEFAULT_BUCKET
    plugin_quota: int | None = None  # None: $MIXPEEK_REGISTRY_PLUGIN_QUOTA, else 10
    engine: str = "local"  # realtime deployments: "local" (child processes) or "ray" (Ray Serve)
    verbose: bool = False


def open_store(data_dir: Path) -> Store:
    from mixpeek_tools.registry.store import Store

    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        return Store(data_dir / DB_NAME)
    except OSError as err:
        raise EnvironmentFailure(
            f"cannot create the registry's data folder: {err.strerror}",
            where=str(data_dir),
            hint="Pick a writable folder with --data-dir",
        ) from None


def add_key(data_dir: Path, namespace: str) -> str:
    """A new API key for ``namespace`` (created if new)."""
    from mixpeek_tools.publishing.manifest import NAME_RULE

    if not namespace or not NAME_RULE.fullmatch(namespace):
        raise BadInput(
            f"{namespace!r} is not a usable namespace id",
            where="--namespace",
            hint="Use letters, digits and underscores, starting with a letter (e.g. ns_team)",
        )
    return open_store(data_dir).add_key(namespace)


def serve(options: ServeOptions, say: Callable[[str], None]) -> None:
    """Run the registry until interrupted."""
    from mixpeek_tools.registry.app import create_app
    from mixpeek_tools.registry.context import Registry
    from mixpeek_tools.registry.storage import LocalS3, Storage

    data_dir = (options.data_dir or default_data_dir()).expanduser().resolve()
    store = open_store(data_dir)
    first_key = store.add_key(DEFAULT_NAMESPACE) if store.is_empty() else None
    local_s3 = None if options.s3_endpoint_url else LocalS3()
    endpoint = options.s3_endpoint_url if local_s3 is None else local_s3.start()
    assert endpoint is not None  # nosec B101  # one of the two branches always gives one
    janitor = deployer = None
    try:
        storage = Storage(endpoint, options.bucket, public_url=options.s3_public_url,
                          local_credentials=local_s3 is not None)  # fmt: skip
        _ensure_bucket(storage, endpoint)
        janitor = prepare_data(store, storage, data_dir, say)
        deployer = make_deployer(options, data_dir / "deployments", say)
        registry = Registry(
            store=store,
            storage=storage,
            data_dir=data_dir,
            deployer=deployer,
            plugin_quota=plugin_quota(options),
            realtime_available=realtime_available(),
        )
        resume_deployments(registry)
        app = create_app(registry)
        base_url = f"http://{options.host}:{options.port}"
        say(
            f"Mixpeek local registry on {base_url} (data: {data_dir}, S3: {endpoint}, bucket: {options.bucket})"
        )
        if first_key:
            say(_first_start(base_url, first_key))
        _listen(app, options, base_url)
    finally:
        if deployer is not None:
            deployer.stop_all()
        if janitor is not None:
            janitor.stop()
        if local_s3 is not None:
            local_s3.stop()


def make_deployer(options: ServeOptions, work_dir: Path, say: Callable[[str], None]) -> Deployer:
    """Realtime deployments as supervised child processes, or (``engine="ray"``) as Ray Serve
    applications on the Ray the registry joins (``RAY_ADDRESS``) or starts."""
    from mixpeek_tools.registry.deployments import Deployer

    if options.engine != "ray":
        return Deployer(work_dir)
    from mixpeek_tools.extras import require_extra
    from mixpeek_tools.registry.ray_serving import RayServe

    require_extra("ray.serve", "ray", "mixpeek registry serve --engine ray")
    engine = RayServe(verbose=options.verbose)
    say(f"Realtime deployments run on Ray Serve (HTTP proxy: {engine.http_base}).")
    return Deployer(work_dir, service_factory=engine.service, on_close=engine.close)


def _listen(app: Any, options: ServeOptions, base_url: str) -> None:
    """Serve ``app`` with uvicorn until interrupted; failing to bind is an environment error."""
    import uvicorn

    config = uvicorn.Config(
        app, host=options.host, port=options.port, log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    try:
        server.run()
    except SystemExit:  # uvicorn exits this way when it cannot bind
        if server.started:  # Ray's SIGTERM handler, after uvicorn's clean shutdown re-raised it
            return
        server.started = False
    if not server.started:
        raise EnvironmentFailure(
            "the registry could not start listening",
            where=base_url,
            hint="Is the port taken? Pick another with --port",
        )


def plugin_quota(options: ServeOptions) -> int:
    """The per-namespace plugin quota: the option, else ``$MIXPEEK_REGISTRY_PLUGIN_QUOTA``, else 10."""
    if options.plugin_quota is not None:
        return options.plugin_quota
    raw = os.environ.get("MIXPEEK_REGISTRY_PLUGIN_QUOTA", "").strip()
    if not raw:
        return DEFAULT_PLUGIN_QUOTA
    if not raw.isdigit() or int(raw) < 1:
        raise BadInput(
            f"MIXPEEK_REGISTRY_PLUGIN_QUOTA={raw!r} is not a positive whole number",
            where="MIXPEEK_REGISTRY_PLUGIN_QUOTA",
            hint="Set it to the number of plugins a namespace may hold, e.g. 10, or unset it",
        )
    return int(raw)


def realtime_available() -> bool:
    """``MIXPEEK_REGISTRY_REALTIME=off`` (or 0/false/no) answers realtime deploys as batch-only."""
    raw = os.environ.get("MIXPEEK_REGISTRY_REALTIME", "on").strip().lower()
    return raw not in ("0", "off", "false", "no")


def prepare_data(
    store: Store, storage: Storage, data_dir: Path, say: Callable[[str], None]
) -> Janitor:
    """Before taking requests: empty scratch, restore S3 objects, sweep; then sweep periodically."""
    from mixpeek_tools.registry.persistence import Janitor, restore_objects, sweep
    from mixpeek_tools.registry.scratch import clean_scratch

    clean_scratch(data_dir)
    restored = restore_objects(store, storage, data_dir)
    if restored.restored or restored.missing:
        say(
            f"Restored {len(restored.restored)} archive(s) to S3 from {data_dir / 'archives'}"
            + (f"; {len(restored.missing)} could not be restored" if restored.missing else "")
        )
    swept = sweep(store, storage, data_dir, archive_min_age=0)
    removed = {
        "unconfirmed upload(s)": len(swept.expired_uploads),
        "object(s) of superseded uploads": len(swept.conflicting_objects),
        "orphan archive(s)": len(swept.orphan_archives),
    }
    if any(removed.values()):
        say("Cleaned up " + ", ".join(f"{n} {what}" for what, n in removed.items() if n))
    return Janitor(lambda: sweep(store, storage, data_dir)).start()


def resume_deployments(registry: Registry) -> int:
    """Deploy again every realtime plugin whose row says it was deployed (or being deployed)
    before a restart, from its verified kept archive; returns how many were queued."""
    from mixpeek_tools.registry.deployments_api import NotDeployable
    from mixpeek_tools.registry.plugins import target

    if not registry.realtime_available:
        return 0
    count = 0
    for plugin in registry.store.passed_plugins():
        if not plugin["realtime"] or plugin["deployment_status"] not in ("pending", "deployed"):
            continue
        ns, pid = plugin["namespace_id"], plugin["plugin_id"]
        try:
            registry.deployer.start(target(registry, plugin))
        except NotDeployable:
            registry.store.set_deployment(ns, pid, "failed", None)
            continue
        registry.store.set_deployment(ns, pid, "pending", None)
        count += 1
    return count


def _ensure_bucket(storage: Storage, endpoint: str) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        storage.ensure_bucket()
    except (BotoCoreError, ClientError) as err:
        raise EnvironmentFailure(
            f"the S3 endpoint did not accept the registry's bucket: {err}",
            where=endpoint,
            hint="Check --s3-endpoint-url, --bucket and the AWS_* credentials",
        ) from None


def _first_start(base_url: str, key: str) -> str:
    return (
        f"First start: created namespace {DEFAULT_NAMESPACE} and an API key for it. To use it:\n"
        f"  export MIXPEEK_BASE_URL={base_url}\n"
        f"  export MIXPEEK_NAMESPACE={DEFAULT_NAMESPACE}\n"
        f"  export MIXPEEK_API_KEY={key}\n"
        "The key is shown only this once; `mixpeek registry add-key` makes more."
    )
