"""Every category's freshly rendered scaffold passes `mixpeek plugin test` with its own samples."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import run_mixpeek

CATEGORIES = ("text", "image", "video", "audio", "document", "multimodal")


@pytest.mark.slow
@pytest.mark.parametrize("category", CATEGORIES)
def test_a_fresh_scaffold_passes_plugin_test_with_its_samples(tmp_path: Path, category: str) -> None:
    name = f"fresh_{category}"
    init = run_mixpeek("plugin", "init", name, "-c", category, "-o", str(tmp_path))
    assert init.returncode == 0, init.stdout + init.stderr
    root = tmp_path / name
    samples = sorted((root / "samples").glob("sample.*"))
    assert samples, f"the {category} scaffold ships no samples"
    for sample in samples:
        result = run_mixpeek("plugin", "test", "--path", str(root), "--sample-data", str(sample))
        assert result.returncode == 0, f"{sample.name}:\n{result.stdout}{result.stderr}"
        assert result.stdout.splitlines()[-1].startswith("passed: 7 checks ran, 0 errors")
