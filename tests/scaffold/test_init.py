"""``mixpeek plugin init``: what it renders, what it refuses, and that it equals ``copier copy``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .helpers import KIT_ROOT, tree

CATEGORIES = ["text", "image", "video", "audio", "document", "multimodal"]
LAYOUT = {
    ".copier-answers.yml",
    ".gitignore",
    ".pre-commit-config.yaml",
    "README.md",
    "__init__.py",
    "manifest.py",
    "pipeline.py",
    "pyproject.toml",
    "realtime.py",
    "processors/__init__.py",
    "processors/core.py",
    "samples/sample.csv",
    "samples/sample.json",
    "tests/__init__.py",
    "tests/test_plugin.py",
}
BINARY_SAMPLES = {
    "text": set(),
    "image": {"samples/red_square.png", "samples/blue_gradient.png"},
    "video": {"samples/clip_64x48_10fps.mp4", "samples/clip_32x32_30fps.mp4"},
    "audio": {"samples/tone_440hz.wav", "samples/hum_110hz_quiet.wav"},
    "document": {"samples/invoice.pdf", "samples/memo.pdf"},
    "multimodal": {"samples/red_square.png", "samples/blue_gradient.png"},
}
CONDITIONS = {
    "text": ["IS_TEXT"],
    "image": ["IS_IMAGE"],
    "video": ["IS_VIDEO"],
    "audio": ["IS_AUDIO"],
    "document": ["IS_PDF"],
    "multimodal": ["IS_TEXT", "IS_IMAGE"],
}


@pytest.mark.parametrize("category", CATEGORIES)
def test_each_category_renders_the_documented_layout_and_its_own_samples(
    category: str, template_repo: Path, tmp_path: Path, mixpeek
) -> None:
    out = tmp_path / "out"
    result = mixpeek("plugin", "init", "demo_plugin", "-c", category, "-o", str(out),
                     "--template", str(template_repo))
    assert result.code == 0, result.err
    plugin = out / "demo_plugin"
    assert set(tree(plugin)) == LAYOUT | BINARY_SAMPLES[category]
    pipeline = (plugin / "pipeline.py").read_text()
    assert [c for c in ("IS_TEXT", "IS_IMAGE", "IS_VIDEO", "IS_AUDIO", "IS_PDF")
            if f"RowCondition.{c}" in pipeline] == CONDITIONS[category]
    assert "{{" not in (plugin / "manifest.py").read_text() and "<<" not in pipeline
    for source in plugin.rglob("*.py"):
        compile(source.read_text(), str(source), "exec")  # every rendered file is valid Python


def test_init_prints_the_files_and_the_next_steps(template_repo: Path, tmp_path: Path, mixpeek) -> None:
    result = mixpeek("plugin", "init", "demo_plugin", "-o", str(tmp_path), "--template", str(template_repo))
    assert result.code == 0
    assert "Created text plugin 'demo_plugin'" in result.out
    assert "  processors/core.py" in result.out
    assert "Next steps:" in result.out and "pytest" in result.out


def test_metadata_carries_the_answers(template_repo: Path, tmp_path: Path, mixpeek) -> None:
    description = 'Finds "quoted" text, backslashes \\ and naïve accents'
    result = mixpeek("plugin", "init", "quote_finder", "-d", description, "-a", "Ada O'Neil",
                     "-o", str(tmp_path), "--template", str(template_repo))
    assert result.code == 0, result.err
    namespace: dict = {}
    manifest = (tmp_path / "quote_finder" / "manifest.py").read_text()
    metadata_source = manifest[manifest.index("metadata = {"): manifest.index("input_schema")]
    exec(metadata_source, namespace)  # the dict literal alone, without importing pydantic models
    assert namespace["metadata"] == {
        "name": "quote_finder",
        "version": "v1",
        "description": description,
        "category": "text",
        "author": "Ada O'Neil",
    }
    assert "class QuoteFinderInput(BaseModel)" in manifest


def test_the_author_defaults_to_git_user_name(template_repo: Path, tmp_path: Path, mixpeek) -> None:
    assert mixpeek("plugin", "init", "authored", "-o", str(tmp_path), "--template", str(template_repo)).code == 0
    answers = yaml.safe_load((tmp_path / "authored" / ".copier-answers.yml").read_text())
    assert answers["author"] == "Grace Hopper"  # from the test's private git config


def test_the_author_falls_back_to_the_login_name(
    template_repo: Path, tmp_path: Path, mixpeek, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty-gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("LOGNAME", "hopper")
    monkeypatch.setenv("USER", "hopper")
    assert mixpeek("plugin", "init", "authored", "-o", str(tmp_path), "--template", str(template_repo)).code == 0
    answers = yaml.safe_load((tmp_path / "authored" / ".copier-answers.yml").read_text())
    assert answers["author"] == "hopper"


def test_a_hyphenated_name_is_mapped_and_said_so(template_repo: Path, tmp_path: Path, mixpeek) -> None:
    result = mixpeek("plugin", "init", "my-extractor", "-o", str(tmp_path), "--template", str(template_repo))
    assert result.code == 0
    assert "'my-extractor' is not a valid package or extractor name; using 'my_extractor'" in result.out
    assert (tmp_path / "my_extractor" / "manifest.py").is_file()
    assert not (tmp_path / "my-extractor").exists()


@pytest.mark.parametrize("name", ["1abc", "ab", "bad name!", "x" * 70, "import"])
def test_invalid_names_are_refused_before_anything_is_written(
    name: str, template_repo: Path, tmp_path: Path, mixpeek
) -> None:
    out = tmp_path / "out"
    result = mixpeek("plugin", "init", name, "-o", str(out), "--template", str(template_repo))
    assert result.code == 2
    assert result.err.startswith("Error: plugin name:")
    assert "Traceback" not in result.err
    assert not out.exists()


def test_a_too_long_description_is_refused_before_anything_is_written(
    template_repo: Path, tmp_path: Path, mixpeek
) -> None:
    result = mixpeek("plugin", "init", "abc_plugin", "-d", "x" * 1001, "-o", str(tmp_path / "out"),
                     "--template", str(template_repo))
    assert result.code == 2 and "at most 1000" in result.err
    assert not (tmp_path / "out").exists()


def test_an_existing_plugin_folder_is_refused_without_force(
    template_repo: Path, tmp_path: Path, mixpeek
) -> None:
    target = tmp_path / "taken"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    result = mixpeek("plugin", "init", "taken", "-o", str(tmp_path), "--template", str(template_repo))
    assert result.code == 2
    assert "already exists and is not empty" in result.err and "--force" in result.err
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt"]


def test_force_renders_over_an_existing_folder_and_keeps_other_files(
    template_repo: Path, tmp_path: Path, mixpeek
) -> None:
    target = tmp_path / "taken"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    (target / "manifest.py").write_text("stale = True\n")
    result = mixpeek("plugin", "init", "taken", "--force", "-o", str(tmp_path), "--template", str(template_repo))
    assert result.code == 0, result.err
    assert (target / "notes.txt").read_text() == "mine"
    assert "stale" not in (target / "manifest.py").read_text()


def test_an_empty_existing_folder_is_fine(template_repo: Path, tmp_path: Path, mixpeek) -> None:
    (tmp_path / "empty").mkdir()
    assert mixpeek("plugin", "init", "empty", "-o", str(tmp_path), "--template", str(template_repo)).code == 0


def test_two_plugins_in_one_output_folder_keep_separate_answers(
    template_repo: Path, tmp_path: Path, mixpeek
) -> None:
    for name, category in (("first_one", "image"), ("second_one", "audio")):
        assert mixpeek("plugin", "init", name, "-c", category, "-o", str(tmp_path),
                       "--template", str(template_repo)).code == 0
    assert not (tmp_path / ".copier-answers.yml").exists()
    first = yaml.safe_load((tmp_path / "first_one" / ".copier-answers.yml").read_text())
    second = yaml.safe_load((tmp_path / "second_one" / ".copier-answers.yml").read_text())
    assert (first["plugin_name"], first["category"]) == ("first_one", "image")
    assert (second["plugin_name"], second["category"]) == ("second_one", "audio")
    assert first["_commit"] == second["_commit"] == "v1"


def test_a_template_path_without_copier_yml_is_refused(tmp_path: Path, mixpeek) -> None:
    result = mixpeek("plugin", "init", "abc_plugin", "-o", str(tmp_path / "o"), "--template", str(tmp_path))
    assert result.code == 2 and "no copier.yml" in result.err


def test_an_unknown_template_ref_is_an_environment_error(template_repo: Path, tmp_path: Path, mixpeek) -> None:
    result = mixpeek("plugin", "init", "abc_plugin", "-o", str(tmp_path / "o"), "--template", str(template_repo),
                     "--vcs-ref", "v99")
    assert result.code in (2, 3) and "Traceback" not in result.err
    assert result.err.startswith("Error:")


def test_bare_copier_copy_renders_the_same_plugin_as_init(template_repo: Path, tmp_path: Path, mixpeek) -> None:
    """The Done-when check: plain Copier and ``mixpeek plugin init`` produce identical trees."""
    by_copier = tmp_path / "by-copier"
    copier = Path(sys.executable).with_name("copier")
    done = subprocess.run(
        [str(copier), "copy", "--trust", "--defaults", "-d", "plugin_name=x_image", "-d",
         "category=image", "-d", "author=Grace Hopper", str(template_repo), str(by_copier)],
        capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stderr
    by_init = tmp_path / "by-init"
    result = mixpeek("plugin", "init", "x_image", "-c", "image", "-o", str(by_init),
                     "--template", str(template_repo))
    assert result.code == 0, result.err
    assert tree(by_copier) == tree(by_init)
    assert set(tree(by_copier)) == {f"x_image/{p}" for p in LAYOUT | BINARY_SAMPLES["image"]}


def test_the_template_needs_no_trust(template_repo: Path, tmp_path: Path) -> None:
    """No tasks, no migrations: plain ``copier copy`` without ``--trust`` renders it."""
    copier = Path(sys.executable).with_name("copier")
    done = subprocess.run(
        [str(copier), "copy", "--defaults", "-d", "plugin_name=no_trust", "-d", "category=audio",
         str(template_repo), str(tmp_path / "out")],
        capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "no_trust" / "samples" / "tone_440hz.wav").is_file()


def test_init_uses_the_kits_own_template_by_default(tmp_path: Path, mixpeek) -> None:
    result = mixpeek("plugin", "init", "own_template", "-c", "document", "-o", str(tmp_path))
    assert result.code == 0, result.err
    answers = yaml.safe_load((tmp_path / "own_template" / ".copier-answers.yml").read_text())
    assert Path(answers["_src_path"]).resolve() == KIT_ROOT
    assert answers["answers_file_in_plugin"] is True


def test_a_name_that_would_hide_a_library_is_refused_before_writing(tmp_path: Path, mixpeek) -> None:
    result = mixpeek("plugin", "init", "pandas", "-o", str(tmp_path / "out"))
    assert result.code == 2 and "would hide it" in result.err
    assert not (tmp_path / "out").exists()
