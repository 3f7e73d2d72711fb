"""``[tool.mixpeek]`` in the plugin's ``pyproject.toml``: per-plugin check settings.

Recognised keys::

    [tool.mixpeek]
    select = ["structure", "schemas"]     # run only these checks (security always runs)
    skip = ["tests"]                      # never run these
    extra-forbidden = ["pickle.loads"]    # more names the security scanner refuses
    tests-timeout = 600                   # seconds before the tests check gives up

    [tool.mixpeek.severity]               # rule id -> error | warning | info | off
    MP502 = "error"

Other keys are kept in ``RunConfig.options`` for third-party checks. A malformed file or a value
of the wrong type is bad input (exit 2) naming the file and key, never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from mixpeek_tools.errors import BadInput
from mixpeek_tools.findings import Finding, Severity
from mixpeek_tools.validator.model import RunConfig

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

OFF = "off"
SEVERITY_VALUES = ("error", "warning", "info", OFF)


def read_table(root: Path) -> tuple[dict[str, Any], Path]:
    """The ``[tool.mixpeek]`` table of ``root/pyproject.toml`` (empty when absent)."""
    path = root / "pyproject.toml"
    if not path.is_file():
        return {}, path
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(
            f"cannot parse pyproject.toml: {exc}",
            where=str(path),
            hint="Fix the TOML syntax at the position named",
        ) from exc
    table = data.get("tool", {}).get("mixpeek", {})
    if not isinstance(table, dict):
        raise BadInput("[tool.mixpeek] must be a table", where=str(path))
    return table, path


def _names(value: Any, key: str, path: Path) -> set[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadInput(
            f"[tool.mixpeek] {key} must be a list of strings, got {value!r}",
            where=str(path),
            hint=f'Write e.g. {key} = ["structure"]',
        )
    return set(value)


def parse_severity(value: str, where: str) -> Severity | None:
    """``error``/``warning``/``info`` or ``off`` (``None``: drop the finding)."""
    if value not in SEVERITY_VALUES:
        raise BadInput(
            f"severity {value!r} is not one of {', '.join(SEVERITY_VALUES)}",
            where=where,
            hint="Use error, warning, info or off",
        )
    return None if value == OFF else Severity(value)


def apply_table(config: RunConfig, table: dict[str, Any], path: Path) -> None:
    """Merge ``table`` into ``config`` (lists add to what the command line gave)."""
    for key, value in table.items():
        if key == "select":
            config.select |= _names(value, key, path)
        elif key == "skip":
            config.skip |= _names(value, key, path)
        elif key in ("extra-forbidden", "extra_forbidden"):
            config.extra_forbidden.extend(sorted(_names(value, key, path)))
        elif key == "severity":
            if not isinstance(value, dict):
                raise BadInput(
                    "[tool.mixpeek.severity] must be a table of rule id = level",
                    where=str(path),
                    hint='Write [tool.mixpeek.severity] then MP502 = "error"',
                )
            for rule, level in value.items():
                where = f"{path} [tool.mixpeek.severity] {rule}"
                parsed = parse_severity(str(level), where)
                if parsed is None:
                    config.disabled_rules.add(rule)
                else:
                    config.severity_overrides[rule] = parsed
        elif key in ("tests-timeout", "tests_timeout"):
            if not isinstance(value, (int, float)) or value <= 0:
                raise BadInput(
                    f"[tool.mixpeek] tests-timeout must be a positive number, got {value!r}",
                    where=str(path),
                )
            config.options["tests-timeout"] = float(value)
        else:
            config.options[key] = value


SECURITY = "security"


def apply_severities(findings: list[Finding], config: RunConfig) -> list[Finding]:
    """Apply ``off`` and severity overrides; security keeps its severity when publishing.

    One place for every front end (``validate``, ``publish``, the pre-commit hook), so a rule
    turned off in ``[tool.mixpeek.severity]`` is off everywhere.
    """
    out = []
    for finding in findings:
        protected = config.for_publish and finding.check == SECURITY
        if finding.rule in config.disabled_rules and not protected:
            continue
        level = config.severity_overrides.get(finding.rule)
        downgrade = level is not None and level.rank < finding.severity.rank
        if level is not None and level is not finding.severity and not (protected and downgrade):
            finding = finding.with_severity(level)
        out.append(finding)
    return out
