"""``publish --skip-existing`` and ``publish --archive FILE`` against the strict stand-in server.

Both run the real CLI in a child process, as a user would.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import mixpeek

pytestmark = pytest.mark.slow

PluginCopy = Callable[..., Path]


def _publish(server: Any, *args: str) -> Any:
    return mixpeek("plugin", "publish", "-y", *args, env=server.env())


def test_skip_existing_turns_the_409_into_a_success(
    strict_platform: Any, plugin_copy: PluginCopy
) -> None:
    plugin = plugin_copy("again_plugin")
    assert _publish(strict_platform, "-p", str(plugin)).returncode == 0
    refused = _publish(strict_platform, "-p", str(plugin))
    assert refused.returncode == 2
    assert "already published" in refused.stderr and "--skip-existing" in refused.stderr
    skipped = _publish(strict_platform, "-p", str(plugin), "--skip-existing")
    assert skipped.returncode == 0, skipped.stderr
    assert "already published" in skipped.stdout and "skipped" in skipped.stdout
    as_json = _publish(strict_platform, "-p", str(plugin), "--skip-existing", "--json")
    assert as_json.returncode == 0, as_json.stderr
    doc = json.loads(as_json.stdout)
    assert doc["skipped"] is True and doc["already_published"] is True
    assert doc["plugin_id"] == "again_plugin_1_0_0" and doc["version"] == "1.0.0"
    assert len(strict_platform.calls("POST", "/confirm")) == 1, "nothing was uploaded again"


def test_skip_existing_still_publishes_a_new_version(
    strict_platform: Any, plugin_copy: PluginCopy
) -> None:
    plugin = plugin_copy("fresh_plugin", version="v3")
    done = _publish(strict_platform, "-p", str(plugin), "--skip-existing", "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc.get("skipped") is None and doc["plugin_id"] == "fresh_plugin_3_0_0"


def test_archive_publishes_a_prebuilt_archive_byte_for_byte(
    strict_platform: Any, plugin_copy: PluginCopy, tmp_path: Path
) -> None:
    plugin = plugin_copy("built_plugin")
    dry = mixpeek("plugin", "publish", "-p", str(plugin), "--dry-run", "--json", env=strict_platform.env())
    assert dry.returncode == 0, dry.stderr
    built = Path(json.loads(dry.stdout)["archive"]["path"])
    archive = tmp_path / "ci" / built.name
    archive.parent.mkdir()
    archive.write_bytes(built.read_bytes())
    done = mixpeek("plugin", "publish", "-y", "--archive", str(archive), "--json",
                   env=strict_platform.env())  # fmt: skip
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["name"] == "built_plugin" and doc["version"] == "1.0.0"
    assert doc["archive"]["sha256"] == hashlib.sha256(archive.read_bytes()).hexdigest()
    assert doc["plugin_id"] == "built_plugin_1_0_0"
    (confirm,) = strict_platform.calls("POST", "/confirm")
    assert confirm["etag"] == hashlib.md5(archive.read_bytes()).hexdigest()


def _zip_of(plugin: Path, dest: Path, top: str, extra: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(dest, "w") as zf:
        for path in sorted(p for p in plugin.rglob("*") if p.is_file() and ".mixpeek" not in p.parts):
            zf.write(path, f"{top}/{path.relative_to(plugin).as_posix()}")
        for name, text in (extra or {}).items():
            zf.writestr(f"{top}/{name}", text)
    return dest


def test_archive_with_forbidden_code_is_refused_before_any_upload(
    strict_platform: Any, plugin_copy: PluginCopy, tmp_path: Path
) -> None:
    plugin = plugin_copy("bad_plugin")
    archive = _zip_of(plugin, tmp_path / "bad.zip", "bad_plugin",
                      {"processors/evil.py": "import os\nos.system('id')\n"})  # fmt: skip
    done = _publish(strict_platform, "--archive", str(archive))
    assert done.returncode == 1, done.stderr
    assert "forbidden" in done.stderr and "evil.py" in done.stderr
    assert strict_platform.calls("POST", "/uploads") == []


@pytest.mark.parametrize("case", ["wrong_top", "not_an_archive", "escaping_name"])
def test_archive_with_a_bad_structure_is_exit_2_naming_the_file(
    strict_platform: Any, plugin_copy: PluginCopy, tmp_path: Path, case: str
) -> None:
    plugin = plugin_copy("shape_plugin")
    if case == "wrong_top":
        archive = _zip_of(plugin, tmp_path / "a.zip", "other_name")
        expected = "top folder is 'other_name'"
    elif case == "not_an_archive":
        archive = tmp_path / "a.tar.gz"
        archive.write_text("hello")
        expected = "neither a .tar.gz nor a .zip"
    else:
        archive = tmp_path / "a.tar.gz"
        with tarfile.open(archive, "w:gz") as tar:
            data = b"x"
            info = tarfile.TarInfo("shape_plugin/../../escape.py")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        expected = "cannot be published"
    done = _publish(strict_platform, "--archive", str(archive))
    assert done.returncode == 2, done.stderr
    assert expected in done.stderr and str(archive) in done.stderr
    assert "Traceback" not in done.stderr
    assert strict_platform.calls("POST", "/uploads") == []
    assert not (tmp_path.parent / "escape.py").exists()
