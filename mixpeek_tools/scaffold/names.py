"""Plugin names and the other answers ``mixpeek plugin init`` checks before rendering anything.

The platform's rule for extractor names is ``^[a-zA-Z][a-zA-Z0-9_]{2,63}$``; the plugin folder
is also imported as a Python package, so the same name serves both. The public CLI accepts
hyphens, so ``my-extractor`` is mapped to ``my_extractor`` (and the user is told), while a name
that no mapping can save is refused before a single file is written.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import keyword
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from mixpeek_tools.errors import BadInput

NAME_RULE = re.compile(r"[a-zA-Z][a-zA-Z0-9_]{2,63}")
CATEGORIES = ("text", "image", "video", "audio", "document", "multimodal")
MAX_DESCRIPTION = 1000
VERSION_RULE = re.compile(r"v?[0-9]+(\.[0-9]+){0,2}")
# Package names a plugin must not take: the platform's import roots and the kit itself.
RESERVED = frozenset({"engine", "shared", "mixpeek", "mixpeek_tools", "tests", "samples"})


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
    _check_not_shadowing(name)
    return PluginName(requested=requested, name=name)


def _check_not_shadowing(name: str) -> None:
    """A plugin is imported as a top-level package: it must not hide a module it needs.

    ``pytest`` inside the plugin puts the plugin's parent folder first on ``sys.path``, so a
    plugin called ``json`` or ``pandas`` would be imported instead of the real module.
    """
    if name in RESERVED or name in sys.stdlib_module_names or _installed(name):
        raise BadInput(
            f"'{name}' is the name of a Python module that is already installed or reserved; "
            "a plugin with that name would hide it from the plugin's own code",
            where="plugin name",
            hint=f"Pick a more specific name, e.g. '{name}_extractor'",
        )


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


def _installed(name: str) -> bool:
    """An importable top-level module called ``name``, other than folders of the current directory.

    ``python -m`` puts the current directory on ``sys.path``; the plugin being re-rendered there
    (``--force``) must not count as an installed module.
    """
    try:
        # PathFinder looks at what is installed on sys.path only; importlib.util.find_spec would
        # also answer for a module some earlier code merely imported (a plugin loaded in-process).
        spec = importlib.machinery.PathFinder.find_spec(name)
    except (ImportError, ValueError):
        return False
    if spec is None:
        return False
    roots = list(spec.submodule_search_locations or []) or [spec.origin or ""]
    here = Path.cwd().resolve()
    return not all(root and Path(root).resolve().parent == here for root in roots)
