"""Refactoring the template must not change what ``copier copy`` writes, byte for byte.

``data/rendered_categories.json`` is a snapshot of every ``.jinja``-rendered file of the six
categories, taken from the template as it was before its per-category copies were merged into
one template per file. The test renders the current template with real Copier and compares each
file byte for byte. Files Copier copies verbatim (samples, ``.gitignore``, ``tests/__init__.py``)
are compared with their source in ``template/``: they are not templating's business, and other
changes to them (a new ``.gitignore`` line) must not need a new snapshot.

A deliberate change to a rendered file needs a new snapshot:
``python -m tests.scaffold.test_template_identity`` (from the repository root) rewrites it;
review the diff of the JSON file before committing it.
"""

from __future__ import annotations

import io
import json
import sys
from contextlib import redirect_stderr
from pathlib import Path

import pytest

from .helpers import KIT_ROOT, copy_template, tree

CATEGORIES = ["text", "image", "video", "audio", "document", "multimodal"]
GOLDEN = Path(__file__).with_name("data") / "rendered_categories.json"
SOURCE = "<template>"  # stands for the folder rendered from, which differs on every run


def answers(category: str) -> dict[str, str]:
    """The answers each category is rendered with (a two-part name exercises class_prefix)."""
    return {
        "plugin_name": f"{category}_demo_x",
        "category": category,
        "author": "Test Author",
        "description": f"Demo {category} extractor",
        "version": "v1",
    }


def render_all(template_copy: Path, out: Path) -> dict[str, dict[str, bytes]]:
    """Every category rendered by real Copier: ``{category: {relative path: bytes}}``."""
    from copier import run_copy

    rendered = {}
    for category in CATEGORIES:
        target = out / category
        with redirect_stderr(io.StringIO()):
            run_copy(str(template_copy), target, data=answers(category), defaults=True,
                     quiet=True)  # fmt: skip
        files = tree(target / answers(category)["plugin_name"])
        rendered[category] = {
            path: data.replace(str(template_copy).encode(), SOURCE.encode())
            for path, data in files.items()
        }
    return rendered


def verbatim_sources(template_copy: Path) -> dict[str, bytes]:
    """Files of the plugin folder that Copier copies as they are (no ``.jinja`` suffix)."""
    plugin = template_copy / "template" / "<<plugin_name>>"
    return {rel: data for rel, data in tree(plugin).items() if not rel.endswith(".jinja")}


def rendered_from_jinja(rendered: dict[str, bytes], verbatim: dict[str, bytes]) -> dict[str, str]:
    """The rendered files that came from a ``.jinja`` source (all text)."""
    copied = {_rendered_name(rel) for rel in verbatim}
    return {rel: data.decode() for rel, data in rendered.items() if rel not in copied}


def _rendered_name(source_rel: str) -> str:
    """``samples/<% if ... %>x.wav<% endif %>`` -> ``samples/x.wav``."""
    import re

    return re.sub(r"<%.*?%>", "", source_rel)


@pytest.fixture(scope="module")
def current(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict[str, bytes]]]:
    base = tmp_path_factory.mktemp("identity")
    template_copy = copy_template(base / "kit")
    return template_copy, render_all(template_copy, base / "out")


@pytest.mark.parametrize("category", CATEGORIES)
def test_every_rendered_file_is_byte_identical_to_the_snapshot(
    current: tuple[Path, dict[str, dict[str, bytes]]], category: str
) -> None:
    template_copy, rendered = current
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))[category]
    files = rendered_from_jinja(rendered[category], verbatim_sources(template_copy))
    assert sorted(files) == sorted(golden), "the set of rendered files changed"
    for rel, text in golden.items():
        assert files[rel].encode() == text.encode(), f"{category}: {rel} differs from the snapshot"


@pytest.mark.parametrize("category", CATEGORIES)
def test_files_copied_verbatim_are_their_sources(
    current: tuple[Path, dict[str, dict[str, bytes]]], category: str
) -> None:
    template_copy, rendered = current
    for rel, data in verbatim_sources(template_copy).items():
        name = _rendered_name(rel)  # absent when its condition is false for this category
        if name in rendered[category]:
            assert rendered[category][name] == data, f"{category}: {name} is not its source"


def test_the_snapshot_covers_every_category_and_the_main_files() -> None:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert sorted(golden) == sorted(CATEGORIES)
    for files in golden.values():
        assert {"pipeline.py", "realtime.py", "manifest.py", "processors/core.py"} <= set(files)


def regenerate() -> None:
    """Rewrite the snapshot from the current template (for deliberate changes only)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        template_copy = copy_template(base / "kit")
        rendered = render_all(template_copy, base / "out")
        verbatim = verbatim_sources(template_copy)
        snapshot = {c: rendered_from_jinja(rendered[c], verbatim) for c in CATEGORIES}
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(json.dumps(snapshot, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN.relative_to(KIT_ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    regenerate()
