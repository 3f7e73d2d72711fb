"""MP416 path-configuration files: a ``.pth`` file anywhere in a plugin, whatever it holds.

Bytecode (MP415) and native extensions (MP410) are the other importable artifacts; they are in
:mod:`mixpeek_tools.scanner.rules.policy`. Which files a plugin has is decided by
:mod:`mixpeek_tools.plugin.files` (Python's own ``__pycache__`` entries are the only bytecode it
leaves out, and only in a developer's own folder).
"""

from __future__ import annotations

from mixpeek_tools.scanner.rules.model import PolicyRule, file


class PathConfigurationFile(PolicyRule):
    """A ``.pth`` path-configuration file anywhere in the plugin, whatever it holds.

    Catches: every file named ``*.pth``, empty, path-only or executable. Why: ``site`` reads
    every ``.pth`` file of a site directory at start-up; its ``import`` lines run as code
    (MP412) and its other lines put folders or zip/egg archives on ``sys.path``, which can make
    a module the scan never read importable under an innocent name. A plugin is imported as a
    package and never needs one, so any ``.pth`` file is refused (fail closed), not only the
    ones with executable lines. Fix: remove the ``.pth`` file and put the code it points at
    into the plugin as source.
    """

    id = "MP416"
    name = "path-configuration-file"
    category = "dynamic_import"
    kind = "pth"
    hint = (
        "Remove the .pth file: plugins are imported as a package and never extend sys.path; "
        "put the code it points at into the plugin as source"
    )
    VALID = [
        file("paths.txt", b"/opt/lib\n", "the same lines in a text file"),
        file("notes.md", b"a .pth file would be refused\n"),
    ]
    INVALID = [
        file("paths.pth", b"/opt/lib\n", "a folder put on sys.path"),
        file("hidden.pth", b"vendor.zip\n", "an archive put on sys.path"),
        file("empty.pth", b"", "an empty one"),
        file("paths.pth", b"/opt/lib\n# comment\n", "path lines and comments only (no MP412)"),
    ]
