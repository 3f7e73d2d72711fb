"""What the reporting commands print with ``--format json`` / ``--json``, and the other
conventions of the local commands: ``-q``, ``--output`` semantics, the outside-a-plugin error.

Each case runs the real ``mixpeek`` in a child process on a copy of the docs fixture plugin and
parses stdout as one JSON document (progress goes to stderr).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from cli_helpers import clean_env, copy_plugin, fake_api, mixpeek

LOCAL = [
    ("validate", ["plugin", "validate", "-p", "{p}"], "failed"),
    ("test", ["plugin", "test", "-p", "{p}"], "failed"),
    ("scan", ["plugin", "scan", "{p}"], "files_scanned"),
    ("publish", ["plugin", "publish", "-p", "{p}", "--dry-run"], "archive"),
    ("run", ["plugin", "run", "-p", "{p}", "-i", "{p}/samples/sample.json", "-o",
             "{p}/../scored.jsonl"], "rows_in"),
]


@pytest.mark.parametrize("spelling", [["--json"], ["--format", "json"]], ids=["json", "format"])
@pytest.mark.parametrize(("name", "argv", "key"), LOCAL, ids=[c[0] for c in LOCAL])
def test_local_reporting_commands_print_one_json_document(
    tmp_path: Path, name: str, argv: list[str], key: str, spelling: list[str]
) -> None:
    plugin = copy_plugin(tmp_path)
    args = [a.replace("{p}", str(plugin)) for a in argv]
    done = mixpeek(*args, *spelling, env=clean_env(tmp_path), timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    doc = json.loads(done.stdout)
    assert key in doc


@pytest.mark.parametrize("spelling", [["--json"], ["--format", "json"]], ids=["json", "format"])
def test_list_prints_one_json_document_with_either_spelling(
    tmp_path: Path, spelling: list[str]
) -> None:
    with fake_api() as (url, _api):
        env = clean_env(tmp_path, MIXPEEK_API_KEY="sk_test", MIXPEEK_BASE_URL=url,
                        MIXPEEK_NAMESPACE="ns_x")  # fmt: skip
        done = mixpeek("plugin", "list", *spelling, env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["namespace_id"] == "ns_x"


def test_quiet_leaves_only_the_result(tmp_path: Path) -> None:
    plugin = copy_plugin(tmp_path)
    loud = mixpeek("plugin", "validate", "-p", str(plugin), env=clean_env(tmp_path))
    quiet = mixpeek("plugin", "validate", "-p", str(plugin), "-q", env=clean_env(tmp_path))
    assert loud.returncode == quiet.returncode == 0, loud.stderr + quiet.stderr
    assert "Checking" in loud.stderr
    assert quiet.stderr == ""
    dry = mixpeek("plugin", "publish", "-p", str(plugin), "--dry-run", "-q", env=clean_env(tmp_path))
    assert dry.returncode == 0, dry.stderr
    assert "Validating" not in dry.stderr and "Building the archive" not in dry.stderr
    assert "Dry run" in dry.stdout


@pytest.mark.parametrize("command", ["test", "validate"])
def test_output_named_like_a_format_asks_did_you_mean(tmp_path: Path, command: str) -> None:
    plugin = copy_plugin(tmp_path)
    done = mixpeek("plugin", command, "-p", str(plugin), "--output", "json",
                   env=clean_env(tmp_path), cwd=plugin)  # fmt: skip
    assert done.returncode == 2
    assert "Did you mean --format json" in done.stderr
    assert not (plugin / "json").exists()


def test_output_inside_the_plugin_is_refused_unless_left_out_of_the_archive(tmp_path: Path) -> None:
    plugin = copy_plugin(tmp_path)
    env = clean_env(tmp_path)
    inside = mixpeek("plugin", "validate", "-p", str(plugin), "--format", "json",
                     "-o", str(plugin / "report.json"), env=env)  # fmt: skip
    assert inside.returncode == 2
    assert "pack it into the archive" in inside.stderr and ".mixpeek/" in inside.stderr
    assert not (plugin / "report.json").exists()
    kept = mixpeek("plugin", "validate", "-p", str(plugin), "--json",
                   "-o", str(plugin / ".mixpeek" / "report.json"), env=env)  # fmt: skip
    assert kept.returncode == 0, kept.stderr
    assert json.loads((plugin / ".mixpeek" / "report.json").read_text())["failed"] is False
    outside = tmp_path / "out" / "report.txt"
    text = mixpeek("plugin", "validate", "-p", str(plugin), "-o", str(outside), env=env)
    assert text.returncode == 0, text.stderr
    assert outside.read_text().strip()


def _fake_venv(folder: Path, files: int = 4000) -> None:
    lib = folder / ".venv" / "lib" / "python3.11" / "site-packages"
    for i in range(files // 100):
        package = lib / f"pkg{i}"
        package.mkdir(parents=True)
        for j in range(100):
            (package / f"mod{j}.py").write_text(f"import os\nos.system('echo {i}{j}')\n")
    (folder / "venv2" / "bin").mkdir(parents=True)
    (folder / "venv2" / "pyvenv.cfg").write_text("home = /usr/bin\n")


@pytest.mark.parametrize(
    "argv",
    [["plugin", "test"], ["plugin", "validate"], ["plugin", "publish", "--dry-run"],
     ["plugin", "serve"], ["plugin", "predict", "-i", "text=hi"]],
    ids=lambda a: a[1],
)  # fmt: skip
def test_outside_a_plugin_is_one_fast_line_exit_2(tmp_path: Path, argv: list[str]) -> None:
    here = tmp_path / "not_a_plugin"
    here.mkdir()
    _fake_venv(here)
    started = time.monotonic()
    done = mixpeek(*argv, env=clean_env(tmp_path), cwd=here, timeout=60)
    took = time.monotonic() - started
    assert done.returncode == 2, done.stdout + done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert str(here.resolve()) in lines[0] and "manifest.py" in lines[0]
    assert "--path" in lines[0] and "cd into the plugin" in lines[0]
    assert "Traceback" not in done.stderr
    assert took < 10, f"took {took:.1f} s"


def test_a_missing_path_names_itself(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    done = mixpeek("plugin", "validate", "-p", str(missing), env=clean_env(tmp_path))
    assert done.returncode == 2
    assert str(missing) in done.stderr and "not found" in done.stderr


def test_test_passes_placeholder_services_on_as_run_does(tmp_path: Path) -> None:
    """The switch reaches the plugin's own tests (the pytest check) and is gone afterwards."""
    plugin = copy_plugin(tmp_path)
    (plugin / "tests" / "test_placeholder_switch.py").write_text(
        "import os\n\n\ndef test_placeholders_are_on():\n"
        "    assert os.environ.get('MIXPEEK_PLACEHOLDER_SERVICES') == '1'\n"
    )
    env = clean_env(tmp_path)
    env.pop("MIXPEEK_PLACEHOLDER_SERVICES", None)
    assert "--placeholder-services" in mixpeek("plugin", "test", "--help", env=env).stdout
    off = mixpeek("plugin", "test", "-p", str(plugin), "--json", env=env, timeout=240)
    assert off.returncode == 1, off.stdout + off.stderr
    on = mixpeek("plugin", "test", "-p", str(plugin), "--placeholder-services", "--json",
                 env=env, timeout=240)  # fmt: skip
    assert on.returncode == 0, on.stdout + on.stderr
    assert json.loads(on.stdout)["failed"] is False
    assert "MIXPEEK_PLACEHOLDER_SERVICES" not in os.environ
