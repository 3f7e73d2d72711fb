"""Helpers for the realtime-server tests: a real uvicorn server on a free port."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.net import free_port


@contextmanager
def running_server(plugin_path: Path) -> Iterator[str]:
    """Serve the plugin with the local engine over real HTTP; yields the base URL."""
    import uvicorn

    from mixpeek_tools.runtime.serving.endpoint import RealtimeEndpoint
    from mixpeek_tools.runtime.serving.http_app import build_app

    port = free_port()
    config = uvicorn.Config(build_app(RealtimeEndpoint.from_path(plugin_path)), host="127.0.0.1",
                            port=port, log_level="error", lifespan="off")  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
