"""Which API key, base URL and namespace are in effect, and where each came from.

The order is flag > environment > profile > default (see :mod:`mixpeek_tools.config.profiles`);
a profile's ``api_key_command`` is only noted here, and runs when the key is first needed.
The CLI keeps the result in its settings object; a library user can call this directly.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from mixpeek_tools.config.profiles import (
    DEFAULT_BASE_URL,
    Config,
    Profile,
    Setting,
    config_path,
    load_config,
    resolve,
    select_profile,
)


@dataclass(frozen=True)
class EffectiveSettings:
    """The resolved values, the source of each (``sources``), the profile and the config file."""

    api_key: str | None
    base_url: str
    namespace: str | None
    sources: dict[str, Setting]
    profile: Profile | None
    config: Config


def effective_settings(
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    profile: Setting | None = None,
    environ: Mapping[str, str] | None = None,
) -> EffectiveSettings:
    """Settings from flags (None when not given), the environment and the config file."""
    env = os.environ if environ is None else environ
    if profile is None and env.get("MIXPEEK_PROFILE"):
        profile = Setting(env["MIXPEEK_PROFILE"], "env", "MIXPEEK_PROFILE")
    config = load_config(config_path(env))
    chosen = select_profile(config, profile)
    sources = {
        "api_key": resolve("api_key", api_key, env, chosen),
        "base_url": resolve("base_url", base_url, env, chosen, DEFAULT_BASE_URL),
        "namespace": resolve("namespace", None, env, chosen),
    }
    if sources["api_key"].value is None and chosen is not None and chosen.api_key_command:
        sources["api_key"] = Setting(None, "profile", f"{chosen.name} api_key_command")
    return EffectiveSettings(
        api_key=sources["api_key"].value,
        base_url=sources["base_url"].value or DEFAULT_BASE_URL,
        namespace=sources["namespace"].value,
        sources=sources,
        profile=chosen,
        config=config,
    )
