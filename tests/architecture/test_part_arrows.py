"""The arrows of docs/architecture.md are the code's: each part imports only the parts its line
in the page's "The arrows" table names (plus the shared vocabulary), so the page cannot drift
from the code and a new dependency between parts is a decision written down, not an accident."""

from __future__ import annotations

from tests.architecture.test_import_graph import PACKAGE, imported_modules, module_name

PAGE = PACKAGE.parent / "docs" / "architecture.md"
SHARED = {"errors", "findings", "extras", "__version__"}  # the vocabulary every part may use
WILDCARD = "every part below"


def part_of(dotted: str) -> str | None:
    """``mixpeek_tools.scanner.rules.x`` -> ``scanner``; ``mixpeek_tools.doctor`` -> ``doctor``."""
    parts = dotted.split(".")
    return parts[1] if parts[0] == "mixpeek_tools" and len(parts) > 1 else None


def documented_arrows(page: str) -> dict[str, set[str] | None]:
    """part -> parts it may import (None: any), read from the table under "## The arrows"."""
    section = page.split("## The arrows", 1)[1]
    table = section.split("```", 2)[1]
    arrows: dict[str, set[str] | None] = {}
    for line in table.splitlines():
        line = line.split("#", 1)[0]  # a comment explains, it draws nothing
        if "->" not in line:
            continue
        left, right = (side.strip() for side in line.split("->", 1))
        targets = None if right == WILDCARD else {
            word.rstrip("/").removesuffix(".py") for word in right.split()
        }
        for name in left.split():
            arrows[name.rstrip("/").removesuffix(".py")] = targets
    return arrows


def actual_arrows() -> dict[str, set[str]]:
    arrows: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        source = part_of(module_name(path))
        if source is None or source == "__main__":
            continue
        targets = {part_of(m) for m in imported_modules(path)} - {None, source} - SHARED
        arrows.setdefault(source, set()).update(t for t in targets if t is not None)
    return arrows


def undocumented(actual: dict[str, set[str]], documented: dict[str, set[str] | None]) -> list[str]:
    problems = []
    for part, targets in sorted(actual.items()):
        allowed = documented.get(part, set())
        if allowed is None:
            continue
        problems += [f"{part} imports {t}" for t in sorted(targets - allowed)]
    return problems


def test_every_import_between_parts_is_an_arrow_of_the_page() -> None:
    problems = undocumented(actual_arrows(), documented_arrows(PAGE.read_text(encoding="utf-8")))
    assert not problems, (
        "imports between parts that docs/architecture.md does not draw (remove the import, or "
        "add the arrow to the page's table with the reason):\n  " + "\n  ".join(problems)
    )


def test_an_import_the_page_does_not_draw_is_reported() -> None:
    documented = documented_arrows("## The arrows\n```\nscanner/ -> plugin/\n```\n")
    assert undocumented({"scanner": {"plugin", "registry"}}, documented) == ["scanner imports registry"]
    assert undocumented({"cli": {"registry"}}, {"cli": None}) == []
