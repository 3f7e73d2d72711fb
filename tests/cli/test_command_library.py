"""The library calls behind the commands work without click: plain arguments in, a result out.

Each command's work moved out of ``cli/`` (see docs/architecture.md, "The CLI and the
library"); these tests call those functions the way a library user would, on real files.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mixpeek_tools.config.effective import effective_settings
from mixpeek_tools.config.listing import list_profiles
from mixpeek_tools.config.profiles import DEFAULT_BASE_URL, Setting, redact
from mixpeek_tools.errors import BadInput
from mixpeek_tools.registry.keys import create_key
from mixpeek_tools.runtime.switches import PLACEHOLDER_ENV, placeholder_outputs
from mixpeek_tools.validator.run_and_report import CheckRequest, check_and_render, split_names

CONFIG = """
default_profile = "staging"

[profiles.staging]
base_url = "http://staging.invalid"
namespace = "ns_staging"
api_key = "sk_staging_0000aaaa"

[profiles.vault]
api_key_command = "echo sk_from_command_9999"
"""


def _config(tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return {"MIXPEEK_CONFIG": str(path)}


def test_effective_settings_follow_flag_env_profile_default(tmp_path: Path) -> None:
    env = _config(tmp_path)
    found = effective_settings(environ=env)
    assert (found.base_url, found.namespace, found.api_key) == (
        "http://staging.invalid", "ns_staging", "sk_staging_0000aaaa")
    assert found.sources["namespace"].source == "profile"
    flagged = effective_settings(api_key="sk_flag", environ={**env, "MIXPEEK_NAMESPACE": "ns_env"})
    assert (flagged.api_key, flagged.sources["api_key"].source) == ("sk_flag", "flag")
    assert (flagged.namespace, flagged.sources["namespace"].source) == ("ns_env", "env")
    vault = effective_settings(profile=Setting("vault", "flag", "--profile"), environ=env)
    assert vault.api_key is None  # the command runs only when the key is first read
    assert vault.sources["api_key"].detail == "vault api_key_command"
    assert vault.base_url == DEFAULT_BASE_URL


def test_list_profiles_redacts_keys_and_marks_the_one_in_effect(tmp_path: Path) -> None:
    config = effective_settings(environ=_config(tmp_path)).config
    listing = list_profiles(config, "staging")
    assert listing.exists and listing.path == tmp_path / "config.toml"
    rows = {row.name: row.as_json() for row in listing.rows}
    assert list(rows) == ["staging", "vault"]
    assert rows["staging"]["in_effect"] and not rows["vault"]["in_effect"]
    assert rows["staging"]["api_key"] == redact("sk_staging_0000aaaa") != "sk_staging_0000aaaa"
    assert rows["vault"]["api_key"] == "(command)"
    assert list(rows["staging"]) == ["name", "in_effect", "base_url", "namespace", "api_key"]


def test_create_key_makes_a_key_in_the_data_folder(tmp_path: Path) -> None:
    made = create_key("ns_team", tmp_path / "registry")
    assert made.data_dir == (tmp_path / "registry").resolve()
    assert made.key and made.namespace == "ns_team"
    with pytest.raises(BadInput, match="not a usable namespace id"):
        create_key("9 bad", tmp_path / "registry")


def test_placeholder_outputs_restore_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PLACEHOLDER_ENV, raising=False)
    with placeholder_outputs(True):
        assert os.environ[PLACEHOLDER_ENV] == "1"
    assert PLACEHOLDER_ENV not in os.environ
    monkeypatch.setenv(PLACEHOLDER_ENV, "0")
    with placeholder_outputs(True):
        assert os.environ[PLACEHOLDER_ENV] == "1"
    assert os.environ[PLACEHOLDER_ENV] == "0"


def test_check_and_render_refuses_a_report_inside_the_plugin(tmp_path: Path) -> None:
    plugin = tmp_path / "plug"
    plugin.mkdir()
    (plugin / "manifest.py").write_text("", encoding="utf-8")
    said: list[str] = []
    request = CheckRequest(path=plugin, static_only=True, output=plugin / "report.json")
    with pytest.raises(BadInput, match="inside the plugin folder"):
        check_and_render(request, say=said.append)
    assert said == []  # refused before anything ran
    with pytest.raises(BadInput, match="holds plugin\\(s\\): plug"):
        check_and_render(CheckRequest(path=tmp_path, static_only=True), say=said.append)


def test_split_names_accepts_commas_and_repeats() -> None:
    assert split_names(("a,b", " c ", ",")) == ["a", "b", "c"]
