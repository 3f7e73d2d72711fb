"""The template's binary samples are exactly what the stdlib generator in scripts/ produces."""

from __future__ import annotations

import runpy
from pathlib import Path

from .helpers import KIT_ROOT

SAMPLES = KIT_ROOT / "template" / "<<plugin_name>>" / "samples"


def test_shipped_samples_are_reproducible_from_make_samples(tmp_path: Path) -> None:
    generator = runpy.run_path(str(KIT_ROOT / "scripts" / "make_samples.py"))
    written = generator["write_samples"](tmp_path)
    assert written, "the generator wrote nothing"
    for path in written:
        shipped = SAMPLES / path.name
        assert shipped.is_file(), f"{path.name} is generated but not shipped in the template"
        assert shipped.read_bytes() == path.read_bytes(), f"{path.name} differs from the generator"
    binaries = {p.name for p in SAMPLES.iterdir() if not p.name.endswith(".jinja")}
    assert binaries == {p.name for p in written}


def test_samples_are_tiny() -> None:
    sizes = {p.name: p.stat().st_size for p in SAMPLES.iterdir()}
    assert max(sizes.values()) < 16_384, sizes
