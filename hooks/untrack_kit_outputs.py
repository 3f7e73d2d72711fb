"""Copier migration to 0.1.0: stop tracking what the kit writes into a plugin.

Plugins rendered before 0.1.0 had a ``.gitignore`` that did not list ``.mixpeek/`` (archives
from ``mixpeek plugin publish``, caches) or ``outputs/`` (run outputs). Updates refuse a dirty
tree and tell the user to commit, so those files often ended up committed. The 0.1.0
``.gitignore`` ignores them, but git keeps tracking files it already tracks: every publish would
then dirty the tree again and block the next update. This script, run by ``copier update`` after
the new files are merged (``_migrations`` in ``copier.yml``), removes them from git's index. The
files stay on disk; the user commits the removal with the rest of the update.

Only files the plugin's (updated) ``.gitignore`` ignores are untracked, so a plugin that
un-ignores ``outputs/`` on purpose keeps tracking it. Standard library only: Copier runs it with
its own Python (``_copier_python``), where nothing else may be installed.
"""

from __future__ import annotations

import subprocess  # nosec B404  # runs git with fixed argv
import sys

KIT_OUTPUT_DIRS = (".mixpeek", "outputs")


def _git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # nosec B603 B607
        ["git", *args], capture_output=True, text=True, check=False
    )


def tracked_but_ignored() -> list[str]:
    """Files under the kit's output folders that git tracks although .gitignore ignores them."""
    listed = _git("ls-files", "-z", "--cached", "--ignored", "--exclude-standard", "--",
                  *KIT_OUTPUT_DIRS)
    if listed.returncode != 0:
        raise SystemExit(f"untrack_kit_outputs: git ls-files failed: {listed.stderr.strip()}")
    return [name for name in listed.stdout.split("\0") if name]


def main() -> int:
    files = tracked_but_ignored()
    if not files:
        return 0
    removed = _git("rm", "--cached", "--quiet", "--", *files)
    if removed.returncode != 0:
        print(f"untrack_kit_outputs: git rm --cached failed: {removed.stderr.strip()}",
              file=sys.stderr)
        return 1
    print(f"Stopped tracking {len(files)} file(s) the kit writes (.mixpeek/, outputs/); they "
          "stay on disk and .gitignore now ignores them. Commit the removal with the update.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
