"""Template updates: fixes from newer template tags reach a plugin, the plugin's edits stay.

Each test builds a real git repository of the template (tag v1), renders a plugin from it,
commits the plugin, then commits a template fix under tag v2 and updates the plugin, with plain
``copier update`` or ``mixpeek plugin update``, in a plugin that is its own repository or a
subfolder of a bigger one.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import apply_template_fix, commit_all, copier_answers, git

pytestmark = pytest.mark.slow



def render(mixpeek, template_repo: Path, out: Path, name: str = "my_plugin") -> Path:
    result = mixpeek("plugin", "init", name, "-o", str(out), "--template", str(template_repo))
    assert result.code == 0, result.err
    return out / name


def release_fix(template_repo: Path, tag: str = "v2") -> None:
    """Commit a template fix (a docstring line of pipeline.py) and tag it."""
    apply_template_fix(template_repo)
    commit_all(template_repo, "template fix")
    git(template_repo, "tag", tag)


def edit_processor(plugin: Path) -> None:
    """The plugin author's own change, in a file the template fix does not touch."""
    core = plugin / "processors" / "core.py"
    core.write_text(core.read_text().replace('"good great', '"good brilliant great'))


def own_repo(plugin: Path) -> None:
    git(plugin, "init", "-q")
    commit_all(plugin, "rendered plugin")


def test_copier_update_inside_the_plugin_brings_the_fix_and_keeps_the_edit(
    template_repo: Path, tmp_path: Path, mixpeek
) -> None:
    plugin = render(mixpeek, template_repo, tmp_path / "plugins")
    own_repo(plugin)
    edit_processor(plugin)
    commit_all(plugin, "my edit")
    release_fix(template_repo)

    copier = Path(sys.executable).with_name("copier")
    done = subprocess.run([str(copier), "update", "--defaults"], cwd=plugin, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr

    assert "one CPU step (IS_TEXT) over the text rows" in (plugin / "pipeline.py").read_text()
    assert "good brilliant great" in (plugin / "processors" / "core.py").read_text()
    assert copier_answers(plugin)["_commit"] == "v2"
    # the update rendered in place: no nested plugin folder, no stray answers file
    assert not (plugin / "my_plugin").exists()
    assert sorted(p.name for p in plugin.glob("**/.copier-answers.yml")) == [".copier-answers.yml"]


def test_mixpeek_plugin_update_works_in_a_subfolder_of_a_bigger_repo(
    template_repo: Path, tmp_path: Path, mixpeek
) -> None:
    monorepo = tmp_path / "monorepo"
    plugin = render(mixpeek, template_repo, monorepo / "plugins")
    sibling = render(mixpeek, template_repo, monorepo / "plugins", name="other_plugin")
    (monorepo / "README.md").write_text("team plugins\n")
    git(monorepo, "init", "-q")
    commit_all(monorepo, "plugins")
    edit_processor(plugin)
    commit_all(monorepo, "my edit")
    release_fix(template_repo)

    result = mixpeek("plugin", "update", "--path", str(plugin))

    assert result.code == 0, result.err
    assert "from template version v1 to v2" in result.out and "pipeline.py" in result.out
    assert "(IS_TEXT)" in (plugin / "pipeline.py").read_text()
    assert "good brilliant great" in (plugin / "processors" / "core.py").read_text()
    assert "(IS_TEXT)" not in (sibling / "pipeline.py").read_text()  # only the plugin asked for
    assert copier_answers(sibling)["_commit"] == "v1"


def test_a_conflicting_edit_fails_the_update_and_names_the_file(
    template_repo: Path, tmp_path: Path, mixpeek
) -> None:
    plugin = render(mixpeek, template_repo, tmp_path / "plugins")
    own_repo(plugin)
    pipeline = plugin / "pipeline.py"
    pipeline.write_text(pipeline.read_text().replace("one CPU step over", "my own words about"))
    commit_all(plugin, "conflicting edit")
    release_fix(template_repo)

    result = mixpeek("plugin", "update", "--path", str(plugin))

    assert result.code == 1
    assert "conflicts with your edits in 1 file(s): pipeline.py" in result.err
    assert "Traceback" not in result.err
    assert "<<<<<<<" in pipeline.read_text()


def test_rej_mode_leaves_reject_files_and_fails(template_repo: Path, tmp_path: Path, mixpeek) -> None:
    plugin = render(mixpeek, template_repo, tmp_path / "plugins")
    own_repo(plugin)
    pipeline = plugin / "pipeline.py"
    pipeline.write_text(pipeline.read_text().replace("one CPU step over", "my own words about"))
    commit_all(plugin, "conflicting edit")
    release_fix(template_repo)

    result = mixpeek("plugin", "update", "--path", str(plugin), "--conflict", "rej")

    assert result.code == 1
    assert "pipeline.py.rej" in result.err and ".rej files" in result.err


def test_an_uncommitted_plugin_is_refused_with_the_fix(template_repo: Path, tmp_path: Path, mixpeek) -> None:
    plugin = render(mixpeek, template_repo, tmp_path / "plugins")
    own_repo(plugin)
    edit_processor(plugin)
    release_fix(template_repo)

    result = mixpeek("plugin", "update", "--path", str(plugin))

    assert result.code == 2
    assert "dirty" in result.err and "git add -A && git commit" in result.err
    assert "(IS_TEXT)" not in (plugin / "pipeline.py").read_text()


def test_a_plugin_outside_git_is_refused_with_the_fix(template_repo: Path, tmp_path: Path, mixpeek) -> None:
    plugin = render(mixpeek, template_repo, tmp_path / "plugins")
    result = mixpeek("plugin", "update", "--path", str(plugin))
    assert result.code == 2 and "git init" in result.err


def test_a_folder_without_answers_is_refused(tmp_path: Path, mixpeek) -> None:
    result = mixpeek("plugin", "update", "--path", str(tmp_path))
    assert result.code == 2
    assert "no .copier-answers.yml here" in result.err and "inside the plugin folder" in result.err


def test_an_up_to_date_plugin_says_so(template_repo: Path, tmp_path: Path, mixpeek) -> None:
    plugin = render(mixpeek, template_repo, tmp_path / "plugins")
    own_repo(plugin)
    result = mixpeek("plugin", "update", "--path", str(plugin))
    assert result.code == 0, result.err
    assert "already at template version v1" in result.out


def test_vcs_ref_picks_the_template_version(template_repo: Path, tmp_path: Path, mixpeek) -> None:
    plugin = render(mixpeek, template_repo, tmp_path / "plugins")
    own_repo(plugin)
    release_fix(template_repo, tag="v2")
    readme = template_repo / "template" / "<<plugin_name>>" / "README.md.jinja"
    readme.write_text(readme.read_text() + "\nA v3 addition.\n")
    commit_all(template_repo, "v3")
    git(template_repo, "tag", "v3")

    assert mixpeek("plugin", "update", "--path", str(plugin), "--vcs-ref", "v2").code == 0
    assert copier_answers(plugin)["_commit"] == "v2"
    assert "A v3 addition." not in (plugin / "README.md").read_text()


def test_check_reports_a_newer_tag_until_the_plugin_is_updated(
    template_repo: Path, tmp_path: Path, mixpeek
) -> None:
    plugin = render(mixpeek, template_repo, tmp_path / "plugins")
    own_repo(plugin)
    up_to_date = mixpeek("plugin", "update", "--check", "--path", str(plugin))
    assert up_to_date.code == 0 and "up to date with template version v1" in up_to_date.out
    release_fix(template_repo)

    available = mixpeek("plugin", "update", "--check", "--path", str(plugin))
    assert available.code == 1
    assert "template version v2 is available (the plugin is at v1)" in available.out

    assert mixpeek("plugin", "update", "--path", str(plugin)).code == 0
    commit_all(plugin, "template update")
    assert mixpeek("plugin", "update", "--check", "--path", str(plugin)).code == 0


def test_pretend_lists_the_changes_and_conflicts_and_writes_nothing(
    template_repo: Path, tmp_path: Path, mixpeek
) -> None:
    plugin = render(mixpeek, template_repo, tmp_path / "plugins")
    own_repo(plugin)
    release_fix(template_repo)
    result = mixpeek("plugin", "update", "--pretend", "--path", str(plugin))
    assert result.code == 0, result.err
    assert "Would update my_plugin from template version v1 to v2" in result.out
    assert "  pipeline.py\n" in result.out
    assert git(plugin, "status", "--porcelain") == ""
    assert "(IS_TEXT)" not in (plugin / "pipeline.py").read_text()

    pipeline = plugin / "pipeline.py"
    pipeline.write_text(pipeline.read_text().replace("one CPU step over", "my own words about"))
    commit_all(plugin, "conflicting edit")
    clash = mixpeek("plugin", "update", "--pretend", "--path", str(plugin))
    assert clash.code == 0 and "pipeline.py (conflict)" in clash.out
    assert "<<<<<<<" not in pipeline.read_text()


def test_a_plugin_of_an_old_packaged_kit_gets_the_manual_fix(tmp_path: Path, mixpeek) -> None:
    plugin = tmp_path / "old_plugin"
    plugin.mkdir()
    (plugin / ".copier-answers.yml").write_text(
        "_src_path: /old/venv/lib/python3.11/site-packages/mixpeek_tools/scaffold/kit_template\n"
        "plugin_name: old_plugin\nanswers_file_in_plugin: true\n"
    )
    for args in (("plugin", "update"), ("plugin", "update", "--check")):
        result = mixpeek(*args, "--path", str(plugin))
        assert result.code == 2, result.err
        assert "recorded no template version" in result.err and "Set _commit" in result.err
