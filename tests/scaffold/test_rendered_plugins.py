"""Every category's scaffold is a working plugin: its own tests pass with plain ``pytest``.

This is the promise of ``mixpeek plugin init``: render, ``cd``, ``pytest``, green, for whichever
content type. The tests run as real subprocesses (the console script, then pytest inside the
plugin folder), so nothing of this test process leaks into them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import tree

pytestmark = pytest.mark.slow

CATEGORIES = ["text", "image", "video", "audio", "document", "multimodal"]
MIXPEEK = Path(sys.executable).with_name("mixpeek")


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One plugin per category, rendered by the real ``mixpeek plugin init`` console script."""
    out = tmp_path_factory.mktemp("rendered")
    for category in CATEGORIES:
        done = run([str(MIXPEEK), "plugin", "init", f"{category}_demo", "-c", category,
                    "-a", "Test Author", "-o", str(out)], cwd=out)
        assert done.returncode == 0, done.stderr
    return out


@pytest.mark.parametrize("category", CATEGORIES)
def test_the_rendered_plugins_own_tests_pass(rendered: Path, category: str) -> None:
    plugin = rendered / f"{category}_demo"
    done = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=plugin)
    assert done.returncode == 0, done.stdout + done.stderr
    assert " passed" in done.stdout and "skipped" not in done.stdout
    # the tests push the category's samples through the real pipeline
    test_source = (plugin / "tests" / "test_plugin.py").read_text()
    assert "run_plugin(PLUGIN_DIR, rows)" in test_source
    assert "assert_outputs_valid(PLUGIN_DIR, df)" in test_source


@pytest.mark.parametrize("category", CATEGORIES)
def test_the_rendered_plugin_passes_the_security_scanner(rendered: Path, category: str) -> None:
    scanner = pytest.importorskip("mixpeek_tools.scanner")
    result = scanner.scan_paths([rendered / f"{category}_demo"])
    assert result.findings == []
    assert result.files_scanned >= 8


def test_the_rendered_tests_fail_when_the_pipeline_breaks(rendered: Path, tmp_path: Path) -> None:
    """The scaffold's tests are real: route the text step to image rows and they go red."""
    plugin = tmp_path / "text_demo"
    plugin.mkdir()
    for rel, data in tree(rendered / "text_demo").items():
        (plugin / rel).parent.mkdir(parents=True, exist_ok=True)
        (plugin / rel).write_bytes(data)
    pipeline = plugin / "pipeline.py"
    pipeline.write_text(pipeline.read_text().replace("RowCondition.IS_TEXT", "RowCondition.IS_IMAGE"))
    done = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=plugin)
    assert done.returncode == 1
    assert "test_the_pipeline_scores_every_sample" in done.stdout


def test_the_rendered_pre_commit_config_runs_mixpeek_check(rendered: Path, tmp_path: Path) -> None:
    """``pre-commit run`` in a fresh plugin repo passes, and catches a forbidden import."""
    plugin = tmp_path / "audio_demo"
    for rel, data in tree(rendered / "audio_demo").items():
        (plugin / rel).parent.mkdir(parents=True, exist_ok=True)
        (plugin / rel).write_bytes(data)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    pre_commit = [sys.executable, "-m", "pre_commit", "run", "--all-files"]

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=plugin, check=True, capture_output=True, env=env)

    git("init", "-q")
    git("add", "-A")
    clean = subprocess.run(pre_commit, cwd=plugin, capture_output=True, text=True, env=env)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    (plugin / "processors" / "shell.py").write_text("import subprocess\n")
    git("add", "-A")
    dirty = subprocess.run(pre_commit, cwd=plugin, capture_output=True, text=True, env=env)
    assert dirty.returncode == 1
    assert "processors/shell.py:1" in dirty.stdout and "MP401" in dirty.stdout


REALTIME_REQUESTS = {
    "text": ("text", None),
    "image": ("image_bytes", "red_square.png"),
    "video": ("video_bytes", "clip_64x48_10fps.mp4"),
    "audio": ("audio_bytes", "tone_440hz.wav"),
    "document": ("document_bytes", "invoice.pdf"),
    "multimodal": ("image_bytes", "blue_gradient.png"),
}


@pytest.mark.parametrize("category", CATEGORIES)
def test_the_realtime_service_answers_a_json_request(rendered: Path, category: str) -> None:
    """realtime.py behind the kit's HTTP checks: files arrive as base64 text in JSON."""
    import asyncio
    import base64
    import json

    from mixpeek_tools.plugin.loader import load_plugin
    from mixpeek_tools.runtime.serving.endpoint import RealtimeEndpoint

    plugin = rendered / f"{category}_demo"
    key, sample = REALTIME_REQUESTS[category]
    value = "a great day" if sample is None else base64.b64encode(
        (plugin / "samples" / sample).read_bytes()).decode()
    endpoint = RealtimeEndpoint(load_plugin(plugin))
    reply = asyncio.run(endpoint.predict(json.dumps({"inputs": {key: value}}).encode()))
    assert reply.status == 200, reply.body
    assert reply.body and isinstance(reply.body, dict)
