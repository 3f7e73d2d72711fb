"""The registry's memory stays within a fixed bound while two archive bombs are confirmed at once.

Measured, not assumed: the registry process's RSS (``VmRSS`` in /proc) is sampled every 10 ms
from before the two confirms start until both answered. The bombs are a 1 GiB pax header
(which ``tarfile`` alone would read into memory whole) and a 2 MB archive declaring 1.9 GB of
data. The bound: the peak stays within :data:`BOUND` of the RSS measured just before (after a
warm-up confirm, so first-use imports are not counted).
"""

from __future__ import annotations

import tarfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from bombs import MIB, extended_header_bomb, tar_bomb

from mixpeek_tools.publishing.archive import build_archive
from mixpeek_tools.registry.launch import running_registry
from tests.support.procs import rss_bytes
from tests.support.registry_api import confirm, publish, start_upload

pytestmark = pytest.mark.slow
BOUND = 64 * MIB


def test_two_concurrent_bombs_keep_the_registry_within_64_mib_of_its_resting_memory(
    tmp_path: Path, make_plugin: Callable[..., Path]
) -> None:
    header_bomb = extended_header_bomb(tmp_path / "h.tar.gz", kind=tarfile.XHDTYPE,
                                       declared=1024 * MIB)  # fmt: skip
    size_bomb = tar_bomb(tmp_path / "s.tar.gz", top="size_bomb", data_bytes=1900 * MIB)
    warm = build_archive(make_plugin("warm_plugin"), "warm_plugin", tmp_path / "w.tar.gz")
    with running_registry(tmp_path / "data") as registry:
        publish(registry, warm.path, "warm_plugin", "v1")
        uploads = [start_upload(registry, header_bomb, "header_bomb", "v1"),
                   start_upload(registry, size_bomb, "size_bomb", "v1")]  # fmt: skip
        pid = registry.process.pid
        resting = rss_bytes(pid)
        samples: list[int] = []
        answers: list[dict[str, object]] = []
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                samples.append(rss_bytes(pid))
                time.sleep(0.01)

        sampler = threading.Thread(target=sample)
        sampler.start()
        workers = [threading.Thread(target=lambda u=u: answers.append(confirm(registry, u).json()))
                   for u in uploads]  # fmt: skip
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=120)
        done.set()
        sampler.join()
    peak = max(samples)
    print(f"registry RSS: resting {resting / MIB:.1f} MiB, peak {peak / MIB:.1f} MiB "
          f"(+{(peak - resting) / MIB:.1f} MiB) over {len(samples)} samples")  # fmt: skip
    assert peak - resting < BOUND
    # a failed confirm is a 400 whose error.details carries the whole confirm answer
    rules = sorted(v["rule"] for a in answers
                   for v in a["error"]["details"]["security_violations"])  # type: ignore[index]  # fmt: skip
    assert rules == ["archive.header_too_large", "archive.too_large"], answers
