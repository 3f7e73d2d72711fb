"""Named profiles from the user's config file, and the precedence rule for API settings.

A profile holds the API base URL, the namespace and an API key (or a command that prints one,
so the key can stay in a password manager). Every setting is resolved the same way:
flag > environment variable > profile > built-in default, and the resolved value remembers
where it came from so ``mixpeek doctor`` can say why a key or namespace is in effect.

The file is TOML at ``$MIXPEEK_CONFIG``, else ``$XDG_CONFIG_HOME/mixpeek/config.toml``
(``~/.config/mixpeek/config.toml``; ``%APPDATA%\\mixpeek\\config.toml`` on Windows)::

    default_profile = "local"          # optional; else a profile named "default", else none

    [profiles.local]
    base_url = "http://127.0.0.1:8765"
    namespace = "ns_default"
    api_key_command = "pass show mixpeek/local"

This module is library code: it knows nothing of click.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mixpeek_tools.errors import BadInput, EnvironmentFailure

DEFAULT_BASE_URL = "https://api.mixpeek.com"
PROFILE_KEYS = ("base_url", "namespace", "api_key", "api_key_command")
KEY_COMMAND_TIMEOUT_S = 30.0

# setting name -> environment variable that overrides the profile
ENV_VARS = {
    "api_key": "MIXPEEK_API_KEY",
    "base_url": "MIXPEEK_BASE_URL",
    "namespace": "MIXPEEK_NAMESPACE",
}


@dataclass(frozen=True)
class Setting:
    """A resolved value and where it came from: ``flag``, ``env``, ``profile`` or ``default``."""

    value: str | None
    source: str
    detail: str = ""

    def describe(self) -> str:
        """``env MIXPEEK_NAMESPACE``, ``profile local (/path/config.toml)``, ``flag --api-key``."""
        return f"{self.source} {self.detail}".strip()


@dataclass(frozen=True)
class Profile:
    """One ``[profiles.NAME]`` table of the config file."""

    name: str
    path: Path
    base_url: str | None = None
    namespace: str | None = None
    api_key: str | None = None
    api_key_command: str | None = None


@dataclass(frozen=True)
class Config:
    """The parsed config file (``exists`` is False when there is none)."""

    path: Path
    exists: bool = False
    default_profile: str | None = None
    profiles: dict[str, Profile] = field(default_factory=dict)


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    """Where the config file is looked for (it need not exist)."""
    env = os.environ if environ is None else environ
    if env.get("MIXPEEK_CONFIG"):
        return Path(env["MIXPEEK_CONFIG"]).expanduser()
    if sys.platform == "win32" and env.get("APPDATA"):
        return Path(env["APPDATA"]) / "mixpeek" / "config.toml"
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base).expanduser() / "mixpeek" / "config.toml"


def load_config(path: Path) -> Config:
    """Parse the config file; a missing file is an empty config, a broken one is BadInput."""
    if not path.is_file():
        return Config(path=path)
    # Imported here: every command resolves its settings, most users have no config file.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BadInput(f"cannot read the config file ({exc.strerror or exc})", where=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(
            f"the config file is not valid TOML: {exc}",
            where=str(path),
            hint="Fix the line named above; docs/cli.md shows the file's format",
        ) from None
    return _parse(path, data)


def _parse(path: Path, data: dict[str, Any]) -> Config:
    unknown = sorted(set(data) - {"default_profile", "profiles"})
    if unknown:
        raise BadInput(
            f"unknown top-level key {unknown[0]!r}",
            where=str(path),
            hint="The file holds default_profile and [profiles.NAME] tables only",
        )
    tables = data.get("profiles", {})
    if not isinstance(tables, dict):
        raise BadInput("`profiles` must be a table of [profiles.NAME] tables", where=str(path))
    profiles = {name: _profile(path, name, table) for name, table in tables.items()}
    default = data.get("default_profile")
    if default is not None and not isinstance(default, str):
        raise BadInput("default_profile must be a string", where=f"{path}: default_profile")
    return Config(path=path, exists=True, default_profile=default, profiles=profiles)


def _profile(path: Path, name: str, table: Any) -> Profile:
    where = f"{path}: [profiles.{name}]"
    if not isinstance(table, dict):
        raise BadInput("a profile must be a table", where=where)
    for key, value in table.items():
        if key not in PROFILE_KEYS:
            raise BadInput(
                f"unknown key {key!r}", where=where, hint=f"A profile may set {', '.join(PROFILE_KEYS)}"
            )
        if not isinstance(value, str) or not value.strip():
            raise BadInput(f"{key} must be a non-empty string", where=where)
    if "api_key" in table and "api_key_command" in table:
        raise BadInput(
            "the profile sets both api_key and api_key_command", where=where, hint="Keep one of them"
        )
    return Profile(name=name, path=path, **{k: str(v).strip() for k, v in table.items()})


def select_profile(config: Config, requested: Setting | None) -> Profile | None:
    """The profile in effect: the requested one (flag or env), else the file's default.

    A requested name the file does not define is BadInput naming the file and its profiles.
    """
    name = requested.value if requested is not None else None
    if not name:
        name = config.default_profile or ("default" if "default" in config.profiles else None)
        if name is None:
            return None
        requested = Setting(name, "config", "default_profile")
    if name in config.profiles:
        return config.profiles[name]
    have = ", ".join(sorted(config.profiles)) or "none"
    origin = requested.describe() if requested is not None else "config"
    raise BadInput(
        f"no profile {name!r} (asked for by {origin}); the file has: {have}"
        if config.exists
        else f"no profile {name!r} (asked for by {origin}): there is no config file",
        where=str(config.path),
        hint="Add a [profiles.NAME] table to the file, pick one of its profiles, or set "
        "MIXPEEK_CONFIG to the file that has it",
    )


def resolve(
    name: str,
    flag: str | None,
    environ: Mapping[str, str],
    profile: Profile | None,
    default: str | None = None,
) -> Setting:
    """flag > environment > profile > default, for one setting."""
    if flag:
        return Setting(flag, "flag", "--" + name.replace("_", "-"))
    env_name = ENV_VARS[name]
    if environ.get(env_name):
        return Setting(environ[env_name], "env", env_name)
    value = getattr(profile, name, None) if profile is not None else None
    if value:
        return Setting(value, "profile", f"{profile.name} ({profile.path})")  # type: ignore[union-attr]
    return Setting(default, "default")


def run_key_command(profile: Profile) -> str:
    """The API key printed by the profile's ``api_key_command`` (run without a shell)."""
    command = profile.api_key_command or ""
    where = f"{profile.path}: [profiles.{profile.name}] api_key_command"
    import subprocess  # nosec B404 - runs only the key command the user wrote into their own config

    try:
        argv = shlex.split(command)
        proc = subprocess.run(  # nosec B603 - the user's own command from the user's own config
            argv, capture_output=True, text=True, timeout=KEY_COMMAND_TIMEOUT_S, check=False
        )
    except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
        raise EnvironmentFailure(
            f"the key command could not run: {exc}",
            where=where,
            hint="Check the command works in a terminal; it must print the key on stdout",
        ) from None
    key = proc.stdout.strip().splitlines()[-1].strip() if proc.stdout.strip() else ""
    if proc.returncode != 0 or not key:
        reason = f"exit code {proc.returncode}" if proc.returncode else "it printed nothing"
        raise EnvironmentFailure(
            f"the key command failed ({reason})",
            where=where,
            hint="Check the command works in a terminal; it must print the key on stdout",
        )
    return key


def redact(key: str | None) -> str:
    """``sk_…abcd``: enough to tell keys apart, never enough to use one."""
    if not key:
        return "(none)"
    prefix = key[: key.index("_") + 1] if "_" in key[:8] else ""
    tail = key[-4:] if len(key) - len(prefix) >= 8 else ""
    return f"{prefix}…{tail}"
