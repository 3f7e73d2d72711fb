"""Turn Copier's exceptions and warnings into the kit's one-paragraph errors.

Copier raises its own exception types (and plumbum's when git fails); users should see what
went wrong, where, and what to do, never a traceback through Copier's internals.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from mixpeek_tools.errors import BadInput, EnvironmentFailure, KitError

# Copier's message fragment -> what the user should do about it.
_HINTS = {
    "dirty": "Commit or stash your changes first (git add -A && git commit), then run it again",
    "git-tracked subprojects": "Put the plugin under git first: git init && git add -A && "
    "git commit -m 'plugin'",
    "git-tracked templates": "The template must be a git repository with at least one commit "
    "(tag releases so updates can find them)",
    "Downgrades": "Pass a --vcs-ref at or after the version the plugin was rendered from",
    "version from": "Tag the template (git tag v1) so Copier can tell versions apart",
}


def _hint_for(message: str) -> str | None:
    for fragment, hint in _HINTS.items():
        if fragment in message:
            return hint
    return None


def _clean(message: str) -> str:
    return " ".join(message.split())


@contextmanager
def copier_failures(where: str, *, trust_hint: str) -> Iterator[None]:
    """Run Copier inside this block; its failures leave as KitError paragraphs."""
    from copier.errors import CopierError, UnsafeTemplateError, UserMessageError
    from plumbum import CommandNotFound, ProcessExecutionError

    try:
        with warnings.catch_warnings():
            # Copier warns about dirty or untagged local templates; the result is still correct.
            warnings.simplefilter("ignore")
            yield
    except KitError:
        raise
    except UnsafeTemplateError as exc:
        raise BadInput(_clean(str(exc)), where=where, hint=trust_hint) from exc
    except UserMessageError as exc:
        message = _clean(str(exc))
        raise BadInput(message, where=where, hint=_hint_for(message)) from exc
    except CommandNotFound as exc:
        raise EnvironmentFailure(
            f"the '{exc.program}' command was not found",
            where=where,
            hint="Install git: Copier needs it to read template versions and to update plugins",
        ) from exc
    except ProcessExecutionError as exc:
        detail = _clean(exc.stderr or exc.stdout or str(exc))[:400]
        raise EnvironmentFailure(
            f"git failed: {detail}",
            where=where,
            hint="Check that the template path or URL and --vcs-ref exist and are readable",
        ) from exc
    except (CopierError, ValueError) as exc:
        message = _clean(str(exc))
        raise BadInput(
            f"the template refused the answers: {message}", where=where, hint=_hint_for(message)
        ) from exc
