"""Plugin names and the other answers ``mixpeek plugin init`` checks before rendering anything.

The platform's rule for extractor names is ``^[a-zA-Z][a-zA-Z0-9_]{2,63}$``; the plugin folder
is also imported as a Python package, so the same name serves both. The public CLI accepts
hyphens, so ``my-extractor`` is mapped to ``my_extractor`` (and the user is told), while a name
that no mapping can save is refused before a single file is written.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass

from mixpeek_tools.errors import BadInput

NAME_RULE = re.compile(r"[a-zA-Z][a-zA-Z0-9_]{2,63}")
CATEGORIES = ("text", "image", "video", "audio", "document", "multimodal")
MAX_DESCRIPTION = 1000
VERSION_RULE = re.compile(r"v?[0-9]+(\.[0-9]+){0,2}")


@dataclass(frozen=True)
class PluginName:
    """The name as typed and the valid name used for folder, package and extractor."""

    requested: str
    name: str

    @property
    def mapped(self) -> bool:
        return self.requested != self.name


def plugin_name(requested: str) -> PluginName:
    """Map hyphens to underscores and check the platform's name rule; BadInput if impossible."""
    name = requested.strip().replace("-", "_")
    if not NAME_RULE.fullmatch(name) or keyword.iskeyword(name):
        raise BadInput(
            f"'{requested}' cannot be used as a plugin name",
            where="plugin name",
            hint="Use 3 to 64 letters, digits, underscores or hyphens, starting with a letter and "
            "not a Python keyword (hyphens become underscores), e.g. 'my_extractor'",
        )
    return PluginName(requested=requested, name=name)


def check_description(description: str) -> str:
    """The platform stores at most 1000 characters of description, and an empty one says nothing."""
    text = description.strip()
    if not text:
        raise BadInput(
            "the description is empty",
            where="--description",
            hint="Say in one line what the plugin extracts",
        )
    if len(text) > MAX_DESCRIPTION:
        raise BadInput(
            f"the description has {len(text)} characters; the platform allows at most "
            f"{MAX_DESCRIPTION}",
            where="--description",
            hint="Shorten it and put the details in the plugin's README.md",
        )
    return text


def check_category(category: str) -> str:
    """One of the six platform categories (the template renders one scaffold per category)."""
    value = category.strip().lower()
    if value not in CATEGORIES:
        raise BadInput(
            f"'{category}' is not a plugin category",
            where="--category",
            hint=f"Use one of: {', '.join(CATEGORIES)}",
        )
    return value
