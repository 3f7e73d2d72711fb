"""``config list`` as one library call: the config file's profiles, keys redacted."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mixpeek_tools.config.profiles import Config, Profile, config_path, load_config, redact


@dataclass(frozen=True)
class ProfileRow:
    """One profile as ``config list`` shows it; ``api_key`` is redacted (``(command)`` when a
    command supplies it), so the row can be printed and logged."""

    name: str
    in_effect: bool
    base_url: str | None
    namespace: str | None
    api_key: str

    def as_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class ProfileListing:
    """The config file's path, whether it exists, and its profiles sorted by name."""

    path: Path
    exists: bool
    rows: list[ProfileRow]


def profile_row(profile: Profile, in_effect: str | None) -> ProfileRow:
    key = "(command)" if profile.api_key_command else redact(profile.api_key)
    return ProfileRow(profile.name, profile.name == in_effect, profile.base_url,
                      profile.namespace, key)  # fmt: skip


def list_profiles(config: Config | None, in_effect: str | None) -> ProfileListing:
    """The profiles of ``config`` (read from the default place when None); ``in_effect`` names
    the profile the current settings use."""
    config = config or load_config(config_path())
    rows = [profile_row(p, in_effect) for _, p in sorted(config.profiles.items())]
    return ProfileListing(config.path, config.exists, rows)
