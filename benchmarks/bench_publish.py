"""Benchmark: publishing a 90 MB plugin to the local registry, against a bare requests upload.

What it does, in one run against one ``mixpeek registry serve`` process (with its own S3):

1. builds a plugin (the docs fixture plus a file of incompressible bytes, 90 MB by default, so
   the archive stays under the API's 100 MiB limit);
2. baseline: a child process uploads the very archive that publish will send with a bare
   ``requests.put(presigned_url, data=file)`` to a presigned PUT URL from the same registry's
   create-upload (the way the platform's API is meant to be used; requests streams a file);
3. ``mixpeek plugin publish`` in a child process: checks, archive, upload, confirm;
4. prints the upload throughput of each (publish reports its own upload time) and the ratio,
   and the peak RSS of each child process, measured by the kernel (``wait4``).

Targets: publish's upload throughput at least 0.9x the bare upload's; publish's peak RSS under
150 MB whatever the size. Run: ``.venv/bin/python benchmarks/bench_publish.py [--mb 90]``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from mixpeek_tools.publishing.flow import prepare
from mixpeek_tools.registry.launch import RunningRegistry, running_registry

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "docs_plugin" / "my_extractor"

BARE_UPLOAD = r"""
import json, sys, time, requests
upload = json.loads(sys.argv[1])
with open(sys.argv[2], "rb") as fh:
    start = time.perf_counter()
    r = requests.put(upload["presigned_url"], data=fh,
                     headers={"Content-Type": "application/gzip"}, timeout=600)
    took = time.perf_counter() - start
assert r.status_code < 300, r.text
print(took)
"""


def make_plugin(base: Path, name: str, megabytes: int) -> Path:
    plugin = base / name
    shutil.copytree(FIXTURE, plugin, ignore=shutil.ignore_patterns("__pycache__"))
    manifest = plugin / "manifest.py"
    manifest.write_text(re.sub(r'"name": "[^"]+"', f'"name": "{name}"', manifest.read_text()))
    (plugin / "data").mkdir()
    with (plugin / "data" / "blob.bin").open("wb") as out:
        for _ in range(megabytes):
            out.write(os.urandom(1_000_000))
    return plugin


def run_measured(argv: list[str], env: dict[str, str]) -> tuple[int, str, str, float, float]:
    """Run a child; return (exit code, stdout, stderr, seconds, peak RSS in MiB)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)  # the kernel's peak RSS of exactly this child
        took = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (
            proc.returncode,
            out.read().decode(),
            err.read().decode(),
            took,
            usage.ru_maxrss / 1024,
        )


def bare_upload(
    reg: RunningRegistry, archive: Path, size: int, round_no: int
) -> tuple[float, float]:
    """(PUT seconds, peak RSS MiB) of a bare upload; never confirmed, so it uses no quota."""
    api = f"{reg.base_url}/v1/namespaces/{reg.namespace}/plugins/uploads"
    body = {"name": "bench_baseline", "version": f"{round_no}.0.0", "file_size_bytes": size}
    created = requests.post(
        api, json=body, headers={"Authorization": f"Bearer {reg.api_key}"}, timeout=60
    )
    if created.status_code != 200:
        raise SystemExit(f"create-upload failed: {created.status_code} {created.text}")
    upload = created.json()
    code, stdout, stderr, _, rss = run_measured(
        [sys.executable, "-c", BARE_UPLOAD, json.dumps(upload), str(archive)], dict(os.environ)
    )
    if code != 0:
        raise SystemExit(f"bare upload failed: {stderr}")
    return float(stdout.strip()), rss


def set_version(plugin: Path, version: str) -> None:
    manifest = plugin / "manifest.py"
    manifest.write_text(
        re.sub(r'"version": "[^"]+"', f'"version": "{version}"', manifest.read_text())
    )


def publish_once(reg: RunningRegistry, plugin: Path) -> tuple[float, float, float]:
    """(upload seconds as publish reports them, end-to-end seconds, peak RSS MiB)."""
    argv = [sys.executable, "-m", "mixpeek_tools", "plugin", "publish", "-p", str(plugin), "--yes"]
    code, _, stderr, total_s, rss = run_measured(argv, reg.env())
    if code != 0:
        raise SystemExit(f"publish failed ({code}): {stderr}")
    match = re.search(r"Uploaded [\d,]+ bytes in ([\d.]+) s", stderr)
    assert match, stderr
    return float(match.group(1)), total_s, rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--mb",
        type=int,
        default=90,
        help="size of the incompressible data file (the archive limit is 100 MiB)",
    )
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds; best of each")
    args = parser.parse_args()
    bare: list[tuple[float, float]] = []
    pub: list[tuple[float, float, float]] = []
    with tempfile.TemporaryDirectory(prefix="bench-publish-") as tmp:
        base = Path(tmp)
        plugin = make_plugin(base, "bench_plugin", args.mb)
        t0 = time.perf_counter()
        prepared = prepare(plugin, run_checks=False)  # the exact archive publish will send
        archive_s = time.perf_counter() - t0
        size = prepared.archive.size
        (base / "registry").mkdir()
        with running_registry(base / "registry", namespace="ns_bench") as reg:
            for i in range(args.rounds):  # alternate who goes first: the machine is shared
                set_version(plugin, f"v{i + 1}")
                if i % 2:
                    pub.append(publish_once(reg, plugin))
                bare.append(bare_upload(reg, prepared.archive.path, size, i + 1))
                if not i % 2:
                    pub.append(publish_once(reg, plugin))
    bare_rate = size / min(b[0] for b in bare) / 1e6
    pub_rate = size / min(p[0] for p in pub) / 1e6
    median_ratio = statistics.median(b[0] for b in bare) / statistics.median(p[0] for p in pub)
    bare_rss, pub_rss = max(b[1] for b in bare), max(p[2] for p in pub)
    print(
        f"archive: {size / 1e6:.1f} MB (built in {archive_s:.2f} s, gzip level 1); "
        f"{args.rounds} alternating rounds"
    )
    print(
        f"baseline  bare requests.put(presigned_url): best {bare_rate:7.1f} MB/s, peak RSS {bare_rss:6.1f} MiB"
    )
    print(
        f"candidate mixpeek plugin publish upload: best {pub_rate:7.1f} MB/s, peak RSS {pub_rss:6.1f} MiB"
    )
    print(
        f"  publish end to end (checks, archive, upload, server-side confirm): {min(p[1] for p in pub):.2f} s"
    )
    print(
        f"throughput ratio publish/bare: best {pub_rate / bare_rate:.2f}x, median {median_ratio:.2f}x (target >= 0.9x)"
    )
    print(f"peak RSS ratio publish/bare:   {pub_rss / bare_rss:.2f}x (target: publish < 150 MiB)")


if __name__ == "__main__":
    main()
