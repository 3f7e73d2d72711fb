"""The kit as users install it: sdist -> wheel -> fresh venv, then init, test, publish, update.

One build of two releases and one venv serve the whole session (fixtures in conftest.py); the
venv gets the core dependencies only, so these tests also prove the core install suffices for
the daily commands and that the optional parts name the ``pip install`` that adds them.
"""

from __future__ import annotations

import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.support.net import free_port

from .helpers import commit_all, copier_answers, git
from .wheel_env import KitBuilds, KitVenv

pytestmark = pytest.mark.slow

KIT_SRC = "~/.cache/mixpeek-tools/template"


def init(venv: KitVenv, name: str, out: Path) -> Path:
    done = venv.mixpeek("plugin", "init", name, "-c", "text", "-a", "Wheel User", "-o", str(out),
                        cwd=out.parent)
    assert done.returncode == 0, done.stderr
    return out / name


def committed(plugin: Path) -> Path:
    git(plugin, "init", "-q")
    commit_all(plugin, "rendered plugin")
    return plugin


def test_the_sdist_and_wheel_carry_the_template_and_its_history(kit_builds: KitBuilds) -> None:
    with tarfile.open(kit_builds.sdist1) as tar:
        sdist = tar.getnames()
    top = f"mixpeek_tools-{kit_builds.version1}/"
    for name in ("copier.yml", "template/<<plugin_name>>/manifest.py.jinja",
                 "template/_categories/video/processors/core.py.jinja", "template-history.bundle",
                 "hooks/untrack_kit_outputs.py"):
        assert top + name in sdist, name
    with zipfile.ZipFile(kit_builds.wheel2) as zf:
        wheel = zf.namelist()
    assert "mixpeek_tools/scaffold/template-history.bundle" in wheel
    heads = git(kit_builds.repo, "bundle", "list-heads",
                str(_extract_bundle(kit_builds.wheel2, kit_builds.repo.parent)))
    assert f"refs/tags/{kit_builds.version1}" in heads and f"refs/tags/{kit_builds.version2}" in heads


def _extract_bundle(wheel: Path, into: Path) -> Path:
    target = into / "extracted.bundle"
    target.write_bytes(zipfile.ZipFile(wheel).read("mixpeek_tools/scaffold/template-history.bundle"))
    return target


def test_the_installed_kit_inits_tests_and_publishes_a_plugin(
    kit_builds: KitBuilds, kit_venv: KitVenv, tmp_path: Path
) -> None:
    kit_venv.install(kit_builds.wheel1, kit_builds.version1)
    where = kit_venv.python("-c", "import mixpeek_tools; print(mixpeek_tools.__file__)",
                            cwd=tmp_path)
    assert where.stdout.startswith(str(kit_venv.path)), where.stdout + where.stderr

    plugin = init(kit_venv, "wheel_demo", tmp_path / "plugins")
    recorded = copier_answers(plugin)
    assert recorded["_src_path"] == KIT_SRC and recorded["_commit"] == kit_builds.version1

    own_tests = kit_venv.python("-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=plugin)
    assert own_tests.returncode == 0, own_tests.stdout[-3000:]
    tested = kit_venv.mixpeek("plugin", "test", "--sample-data", "samples/sample.json", cwd=plugin)
    assert tested.returncode == 0, tested.stdout[-3000:] + tested.stderr[-3000:]
    published = kit_venv.mixpeek("plugin", "publish", "--dry-run", cwd=plugin)
    assert published.returncode == 0, published.stdout[-3000:] + published.stderr[-3000:]
    assert list((plugin / ".mixpeek").rglob("*.tar.gz"))
    (plugin / "outputs").mkdir()
    ran = kit_venv.mixpeek("plugin", "run", "--input", "samples/sample.json", "--output",
                           "outputs/scored.jsonl", cwd=plugin)
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    parquet = kit_venv.mixpeek("plugin", "run", "--input", "samples/sample.json", "--output",
                               "outputs/scored.parquet", cwd=plugin)
    assert parquet.returncode == 3, parquet.stdout[-3000:] + parquet.stderr[-3000:]
    assert "pip install 'mixpeek-tools[parquet]'" in parquet.stderr
    # what the kit wrote into the plugin is ignored by git: the tree stays clean for updates
    committed(plugin)
    assert git(plugin, "status", "--porcelain") == ""


def test_the_core_install_names_the_registry_extra(
    kit_builds: KitBuilds, kit_venv: KitVenv, tmp_path: Path
) -> None:
    kit_venv.install(kit_builds.wheel1, kit_builds.version1)
    done = kit_venv.mixpeek("registry", "serve", "--port", str(free_port()), "--data-dir",
                            str(tmp_path / "registry"), cwd=tmp_path)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "pip install 'mixpeek-tools[registry]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_upgraded_kit_updates_its_plugins_keeping_their_edits(
    kit_builds: KitBuilds, kit_venv: KitVenv, tmp_path: Path
) -> None:
    kit_venv.install(kit_builds.wheel1, kit_builds.version1)
    plugins = tmp_path / "plugins"
    edited = committed(init(kit_venv, "edited_demo", plugins))
    core = edited / "processors" / "core.py"
    core.write_text(core.read_text().replace('"good great', '"good brilliant great'))
    commit_all(edited, "my edit")
    clashing = committed(init(kit_venv, "clashing_demo", plugins))
    pipeline = clashing / "pipeline.py"
    pipeline.write_text(pipeline.read_text().replace("one CPU step over", "my own words about"))
    commit_all(clashing, "conflicting edit")
    assert kit_venv.mixpeek("plugin", "update", "--check", cwd=edited).returncode == 0

    kit_venv.install(kit_builds.wheel2, kit_builds.version2)

    check = kit_venv.mixpeek("plugin", "update", "--check", cwd=edited)
    assert check.returncode == 1 and kit_builds.version2 in check.stdout, check.stdout + check.stderr
    pretend = kit_venv.mixpeek("plugin", "update", "--pretend", cwd=edited)
    assert pretend.returncode == 0, pretend.stdout + pretend.stderr
    assert "pipeline.py" in pretend.stdout and "processors/core.py" not in pretend.stdout
    assert git(edited, "status", "--porcelain") == ""  # nothing written
    assert "(IS_TEXT)" not in (edited / "pipeline.py").read_text()

    done = kit_venv.mixpeek("plugin", "update", cwd=edited)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "(IS_TEXT)" in (edited / "pipeline.py").read_text()
    assert "good brilliant great" in core.read_text()
    assert copier_answers(edited)["_commit"] == kit_builds.version2
    assert copier_answers(edited)["_src_path"] == KIT_SRC
    commit_all(edited, "template update")
    assert kit_venv.mixpeek("plugin", "update", "--check", cwd=edited).returncode == 0

    clash = kit_venv.mixpeek("plugin", "update", cwd=clashing)
    assert clash.returncode == 1, clash.stdout + clash.stderr
    assert "pipeline.py" in clash.stderr and "Traceback" not in clash.stderr
    assert "<<<<<<<" in pipeline.read_text()


def test_plain_copier_updates_a_plugin_of_the_installed_kit(
    kit_builds: KitBuilds, kit_venv: KitVenv, tmp_path: Path
) -> None:
    kit_venv.install(kit_builds.wheel1, kit_builds.version1)
    plugin = committed(init(kit_venv, "copier_demo", tmp_path / "plugins"))
    kit_venv.install(kit_builds.wheel2, kit_builds.version2)
    # the installed kit brings its version into the user's template history on any run
    assert kit_venv.mixpeek("plugin", "update", "--pretend", cwd=plugin).returncode == 0

    copier = kit_venv.bin / "copier"
    done = kit_venv.python(str(copier), "update", "--defaults", "--vcs-ref",
                           kit_builds.version2, cwd=plugin)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "(IS_TEXT)" in (plugin / "pipeline.py").read_text()
