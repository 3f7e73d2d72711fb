"""Which files of a plugin directory go into its archive.

Two layers, applied in order:

1. ``ALWAYS_EXCLUDED``: secrets and junk that never belong in a published plugin (VCS folders,
   caches, virtualenvs, build output, ``.env*`` files, keys and credential files). A
   ``.mixpeekignore`` cannot re-include these: leaking a key is worse than a surprised user.
2. The plugin's own ``.gitignore`` and ``.mixpeekignore`` (root of the plugin, gitignore syntax),
   read in that order so that ``!pattern`` lines in ``.mixpeekignore`` can re-include something
   that ``.gitignore`` left out (a generated model file, say).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pathspec

ALWAYS_EXCLUDED: tuple[str, ...] = (
    # version control
    ".git/",
    ".hg/",
    ".svn/",
    ".bzr/",
    # caches and tool state
    "__pycache__/",
    "*.pyc",
    "*.pyo",
    ".pytest_cache/",
    ".mypy_cache/",
    ".ruff_cache/",
    ".tox/",
    ".nox/",
    ".ipynb_checkpoints/",
    ".coverage",
    ".DS_Store",
    "Thumbs.db",
    # virtual environments
    ".venv/",
    "venv/",
    "env/",
    # build output
    "build/",
    "dist/",
    "*.egg-info/",
    # the kit's own working folder (archives, caches)
    ".mixpeek/",
    # secrets and credentials
    ".env",
    ".env.*",
    ".envrc",
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "*.keystore",
    "*.jks",
    "id_rsa*",
    "id_dsa*",
    "id_ecdsa*",
    "id_ed25519*",
    ".netrc",
    ".pypirc",
    ".npmrc",
    ".aws/",
    ".ssh/",
    ".gnupg/",
    "credentials",
    "credentials.json",
    "*credentials*.json",
    "service-account*.json",
    "*.secret",
    "secrets.*",
)

USER_IGNORE_FILES = (".gitignore", ".mixpeekignore")


@dataclass(frozen=True)
class IgnoreRules:
    """The compiled rules for one plugin root; ``excluded`` answers per relative POSIX path."""

    always: pathspec.PathSpec
    user: pathspec.PathSpec

    def excluded(self, rel_path: str, *, is_dir: bool) -> bool:
        """True when ``rel_path`` (POSIX, relative to the root) must stay out of the archive."""
        probe = rel_path + "/" if is_dir else rel_path
        return self.always.match_file(probe) or self.user.match_file(probe)


def load_rules(root: Path) -> IgnoreRules:
    """Read the plugin's ignore files (if any) and combine them with the fixed exclusions."""
    lines: list[str] = []
    for name in USER_IGNORE_FILES:
        path = root / name
        if path.is_file():
            lines.extend(path.read_text(encoding="utf-8", errors="replace").splitlines())
    return IgnoreRules(
        always=pathspec.GitIgnoreSpec.from_lines(ALWAYS_EXCLUDED),
        user=pathspec.GitIgnoreSpec.from_lines(lines),
    )
