"""Config file profiles: flag > environment > profile > default, seen by every API command."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from cli_helpers import clean_env, fake_api, mixpeek

from mixpeek_tools.config.profiles import Setting, load_config, redact, select_profile
from mixpeek_tools.errors import BadInput, EnvironmentFailure


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def _doctor(tmp_path: Path, config: Path, *args: str, **env: str) -> dict[str, str]:
    """The settings doctor reports: name -> detail."""
    result = mixpeek(*args, "doctor", "--json", env=clean_env(tmp_path, MIXPEEK_CONFIG=str(config), **env))
    assert result.returncode in (0, 1), result.stderr
    return {c["name"]: c["detail"] for c in json.loads(result.stdout)["checks"]}


PROFILES = """
default_profile = "staging"

[profiles.staging]
base_url = "http://staging.invalid"
namespace = "ns_staging"
api_key = "sk_staging_0000aaaa"

[profiles.local]
base_url = "http://127.0.0.1:1"
namespace = "ns_local"
api_key = "sk_local_1111bbbb"
"""


def test_the_default_profile_applies_without_flags(tmp_path: Path) -> None:
    seen = _doctor(tmp_path, _write(tmp_path, PROFILES))
    assert seen["namespace"].startswith("ns_staging (from profile staging")
    assert seen["api key"].startswith("sk_…aaaa (from profile staging")
    assert seen["base url"].startswith("http://staging.invalid (from profile staging")


@pytest.mark.parametrize("how", ["flag", "env"])
def test_profile_chosen_by_flag_or_environment(tmp_path: Path, how: str) -> None:
    config = _write(tmp_path, PROFILES)
    if how == "flag":
        seen = _doctor(tmp_path, config, "--profile", "local")
    else:
        seen = _doctor(tmp_path, config, MIXPEEK_PROFILE="local")
    assert seen["namespace"].startswith("ns_local (from profile local")
    assert "profile local" in seen["config"]


def test_environment_overrides_the_profile_and_flags_override_both(tmp_path: Path) -> None:
    config = _write(tmp_path, PROFILES)
    seen = _doctor(tmp_path, config, "--api-key", "sk_flag_2222cccc", MIXPEEK_NAMESPACE="ns_env",
                   MIXPEEK_API_KEY="sk_env_3333dddd", MIXPEEK_BASE_URL="http://env.invalid")  # fmt: skip
    assert seen["api key"] == "sk_…cccc (from flag --api-key)"
    assert seen["namespace"] == "ns_env (from env MIXPEEK_NAMESPACE)"
    assert seen["base url"] == "http://env.invalid (from env MIXPEEK_BASE_URL)"
    result = mixpeek("doctor", "-n", "ns_flag", "--json",
                     env=clean_env(tmp_path, MIXPEEK_CONFIG=str(config), MIXPEEK_NAMESPACE="ns_env"))  # fmt: skip
    checks = {c["name"]: c["detail"] for c in json.loads(result.stdout)["checks"]}
    assert checks["namespace"] == "ns_flag (from flag --namespace)"


def test_a_missing_profile_is_exit_2_naming_the_file_and_its_profiles(tmp_path: Path) -> None:
    config = _write(tmp_path, PROFILES)
    result = mixpeek("--profile", "prod", "doctor", env=clean_env(tmp_path, MIXPEEK_CONFIG=str(config)))
    assert result.returncode == 2
    assert str(config) in result.stderr
    assert "'prod'" in result.stderr and "local, staging" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_profile_asked_for_without_a_config_file_is_exit_2(tmp_path: Path) -> None:
    result = mixpeek("plugin", "list", env=clean_env(tmp_path, MIXPEEK_PROFILE="prod"))
    assert result.returncode == 2
    assert "no config file" in result.stderr and "MIXPEEK_PROFILE" in result.stderr


def test_api_commands_use_the_profiles_url_key_and_namespace(tmp_path: Path) -> None:
    """`plugin list` (manage.py) reads the resolved settings without knowing about profiles."""
    with fake_api() as (url, api):
        config = _write(tmp_path, f'[profiles.default]\nbase_url = "{url}"\nnamespace = "ns_p"\n'
                                  f'api_key_command = "{sys.executable} -c \\"print(\'sk_cmd_4444eeee\')\\""\n')  # fmt: skip
        result = mixpeek("plugin", "list", "--json", env=clean_env(tmp_path, MIXPEEK_CONFIG=str(config)))
    assert result.returncode == 0, result.stderr
    listing = json.loads(result.stdout)
    assert listing["plugins"] == [] and listing["namespace_id"] == "ns_p"
    [request] = api.requests
    assert request["path"].startswith("/v1/namespaces/ns_p/plugins")
    assert request["headers"]["Authorization"] == "Bearer sk_cmd_4444eeee"


def test_the_key_command_runs_only_when_a_key_is_needed(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    command = f"{sys.executable} -c \\\"open(r'{marker}', 'w').write('x'); print('sk_x_12345678')\\\""
    config = _write(tmp_path, f'[profiles.default]\napi_key_command = "{command}"\n')
    result = mixpeek("plugin", "validate", "-p", str(tmp_path / "nowhere"),
                     env=clean_env(tmp_path, MIXPEEK_CONFIG=str(config)))  # fmt: skip
    assert result.returncode == 2
    assert not marker.exists()
    seen = _doctor(tmp_path, config)
    assert marker.exists() and seen["api key"].startswith("sk_…5678 (from profile default")


def test_a_failing_key_command_is_reported(tmp_path: Path) -> None:
    config = _write(tmp_path, f'[profiles.default]\napi_key_command = "{sys.executable} -c \\"raise SystemExit(4)\\""\n')
    result = mixpeek("doctor", env=clean_env(tmp_path, MIXPEEK_CONFIG=str(config)))
    assert result.returncode == 1
    assert "fail  api key" in result.stdout and "exit code 4" in result.stdout


@pytest.mark.parametrize(
    ("text", "message"),
    [("[profiles.a\n", "not valid TOML"), ("colour = 1\n", "unknown top-level key 'colour'"),
     ("[profiles.a]\nnamespce = 'x'\n", "unknown key 'namespce'"),
     ("[profiles.a]\nnamespace = 3\n", "must be a non-empty string"),
     ("[profiles.a]\napi_key = 'k'\napi_key_command = 'c'\n", "both api_key and api_key_command")],
)  # fmt: skip
def test_a_broken_config_file_names_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(BadInput) as info:
        load_config(path)
    assert message in info.value.paragraph() and str(path) in info.value.paragraph()


def test_no_file_and_no_request_means_no_profile(tmp_path: Path) -> None:
    assert select_profile(load_config(tmp_path / "absent.toml"), None) is None


def test_a_profile_named_default_is_used_when_no_default_profile_is_set(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, "[profiles.default]\nnamespace = 'ns_d'\n"))
    chosen = select_profile(config, None)
    assert chosen is not None and chosen.namespace == "ns_d"
    with pytest.raises(BadInput, match="'other'"):
        select_profile(config, Setting("other", "flag", "--profile"))


def test_key_command_errors_are_environment_failures(tmp_path: Path) -> None:
    from mixpeek_tools.config.profiles import run_key_command

    config = load_config(_write(tmp_path, "[profiles.default]\napi_key_command = '/no/such/tool'\n"))
    with pytest.raises(EnvironmentFailure, match="could not run"):
        run_key_command(config.profiles["default"])


@pytest.mark.parametrize(
    ("key", "shown"),
    [("sk_live_abcdefgh1234", "sk_…1234"), ("abcdefghijkl", "…ijkl"), ("sk_abc", "sk_…"),
     (None, "(none)")],
)  # fmt: skip
def test_keys_are_redacted(key: str | None, shown: str) -> None:
    assert redact(key) == shown


def test_config_list_shows_the_profiles_with_keys_redacted(tmp_path: Path) -> None:
    config = _write(tmp_path, PROFILES)
    env = clean_env(tmp_path, MIXPEEK_CONFIG=str(config))
    text = mixpeek("--profile", "local", "config", "list", env=env)
    assert text.returncode == 0, text.stderr
    assert "* local: base_url=http://127.0.0.1:1 namespace=ns_local api_key=sk_…bbbb" in text.stdout
    assert "sk_local_1111bbbb" not in text.stdout
    report = json.loads(mixpeek("config", "list", "--json", env=env).stdout)
    assert [(p["name"], p["in_effect"]) for p in report["profiles"]] == [("local", False), ("staging", True)]
    assert mixpeek("config", "path", env=env).stdout.strip() == str(config)
