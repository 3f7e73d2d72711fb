"""MP0xx: problems with the run itself rather than with one rule of the plugin.

A third-party check that cannot load or crashes, a plugin that cannot be imported, a tool a check
needs that is missing: each becomes a finding naming who is responsible, never a traceback and
never a silent skip.
"""

from __future__ import annotations

from mixpeek_tools.validator.examples import BROKEN_IMPORT
from mixpeek_tools.validator.model import Example, Rule


class CheckCrashed(Rule):
    """A check raised an exception instead of returning findings.

    Catches: a built-in or third-party check (or its ``mixpeek_register_checks`` hook) that
    crashed. Why: a crashing check has not checked anything, so the run cannot claim the plugin
    passed it. The message names the check, the distribution it came from and the exception.
    Fix: update or uninstall the named distribution, or report the bug to its authors; run with
    ``--verbose`` to see the traceback.
    """

    id = "MP001"
    name = "check-crashed"
    check = "meta"
    hint = "Update or uninstall the distribution named above, or report the bug to its authors"


class CheckLoadFailed(Rule):
    """A third-party check distribution could not be loaded from its entry point.

    Catches: an entry point in the ``mixpeek.checks`` group whose module fails to import or whose
    object cannot be registered. Why: a team rule that silently disappears is worse than one that
    fails loudly. Fix: reinstall the named distribution, or remove it from the environment.
    """

    id = "MP002"
    name = "check-load-failed"
    check = "meta"
    hint = "Reinstall the distribution named above, or uninstall it if it is no longer wanted"


class PluginImportFailed(Rule):
    """The plugin cannot be imported, so the checks that need it could not run.

    Catches: failing imports and exceptions raised while importing the plugin's package
    (``__init__.py``, ``manifest.py``, ``pipeline.py`` and what they import), including imports
    of a module the archive would leave out (the plugin is imported from a staged copy of
    exactly the files ``publish`` ships, source only). Code that does not parse never gets this
    far: it fails the static gate (MP104/MP413) and the plugin is not imported. Why: the
    platform imports the plugin the same way and would reject it. Fix: correct the file and line
    named in the finding; check that every dependency is installed and that ``.gitignore`` /
    ``.mixpeekignore`` do not leave out a module the plugin needs.
    """

    id = "MP003"
    name = "plugin-import-failed"
    check = "meta"
    hint = "Fix the error at the file and line named, then run the checks again"
    VALID = [Example({}, "the baseline plugin imports cleanly")]
    INVALID = [
        Example(BROKEN_IMPORT, "manifest.py imports a module that does not exist"),
        Example(
            {"pipeline.py": "raise RuntimeError('configuration missing')\n"},
            "pipeline.py raises while it is imported",
        ),
        Example({".mixpeekignore": "processors/core.py\n"},
                "pipeline.py imports processors/core.py, which the archive leaves out"),
    ]


class CheckUnavailable(Rule):
    """A check could not run because something it needs is missing from the kit's environment.

    Catches: e.g. the security scanner module missing from a broken installation. Why: a
    mandatory check that did not run must not count as passed. Fix: reinstall ``mixpeek-tools``.
    """

    id = "MP004"
    name = "check-unavailable"
    check = "meta"
    hint = "Reinstall mixpeek-tools (pip install --force-reinstall mixpeek-tools)"


RULES: tuple[type[Rule], ...] = (CheckCrashed, CheckLoadFailed, PluginImportFailed, CheckUnavailable)
