"""Who wrote the plugin, when the user does not say: git's ``user.name``, then the login name."""

from __future__ import annotations

import getpass
import shutil
import subprocess

FALLBACK_AUTHOR = "Anonymous"


def git_user_name() -> str | None:
    """``git config user.name``, or None when git is missing or has no name configured."""
    git = shutil.which("git")
    if git is None:
        return None
    try:
        result = subprocess.run(
            [git, "config", "--get", "user.name"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    name = result.stdout.strip()
    return name if result.returncode == 0 and name else None


def login_name() -> str | None:
    """The operating system's login name, or None in odd containers without one."""
    try:
        return getpass.getuser() or None
    except (OSError, KeyError, ImportError):
        return None


def default_author() -> str:
    """The author recorded in a new plugin's metadata when ``--author`` is not given."""
    return git_user_name() or login_name() or FALLBACK_AUTHOR
