"""``case`` patterns in pass one: capture names bind unknown values, value patterns are loads."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from mixpeek_tools.scanner.scope_model import FIXED, child_fields
from mixpeek_tools.scanner.values import UNKNOWN_SET

if TYPE_CHECKING:
    from mixpeek_tools.scanner.scopes import Binder


def bind_pattern_names(binder: Binder, pattern: cst.CSTNode) -> None:
    """Capture names in ``case`` patterns bind unknown values; value patterns are loads."""
    if isinstance(pattern, cst.MatchAs):
        if pattern.name is not None:
            binder.bind_target(pattern.name, (FIXED, UNKNOWN_SET))
        if pattern.pattern is not None:
            bind_pattern_names(binder, pattern.pattern)
        return
    if isinstance(pattern, cst.MatchStar):
        if pattern.name is not None:
            binder.bind_target(pattern.name, (FIXED, UNKNOWN_SET))
        return
    if isinstance(pattern, cst.MatchValue):
        binder.walk(pattern.value)
        return
    if isinstance(pattern, cst.MatchMapping) and pattern.rest is not None:
        binder.bind_target(pattern.rest, (FIXED, UNKNOWN_SET))
    if isinstance(pattern, cst.MatchClass):
        binder.walk(pattern.cls)
    for name in child_fields(type(pattern)):
        value = getattr(pattern, name)
        items = value if isinstance(value, (list, tuple)) else [value]
        for item in items:
            if isinstance(item, (cst.MatchPattern, cst.MatchSequenceElement, cst.MatchMappingElement, cst.MatchKeywordElement, cst.MatchOrElement)):
                inner = getattr(item, "pattern", item) if not isinstance(item, cst.MatchPattern) else item
                bind_pattern_names(binder, inner)
