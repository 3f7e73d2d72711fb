"""MP416 path-configuration files: a ``.pth`` file anywhere in a plugin, whatever it holds.

Why: ``site`` reads every ``.pth`` file of a site directory at start-up; its ``import`` lines run
as code (MP412) and its other lines put folders or zip/egg archives on ``sys.path``, which can
make a module the scan never read importable under an innocent name. A plugin is imported as a
package and never needs one, so any ``.pth`` file is refused (fail closed), not only the ones
with executable lines. Bytecode (MP415) and native extensions (MP410) are reported by the
file-policy rules wherever they appear; which files a plugin has is decided by
:mod:`mixpeek_tools.plugin.files` (Python's own ``__pycache__`` entries are the only bytecode it
leaves out, and only in a developer's own folder).
"""

from __future__ import annotations

from mixpeek_tools.findings import Finding, Severity

RULE_ID = "MP416"
CATEGORY = "dynamic_import"
TITLE = "path-configuration file"
HINT = (
    "Remove the .pth file: plugins are imported as a package and never extend sys.path; "
    "put the code it points at into the plugin as source"
)

# (file name, content): the file must produce no MP416 finding / an MP416 finding.
VALID: list[tuple[str, bytes]] = [
    ("paths.txt", b"/opt/lib\n"),
    ("notes.md", b"a .pth file would be refused\n"),
]
INVALID: list[tuple[str, bytes]] = [
    ("paths.pth", b"/opt/lib\n"),
    ("hidden.pth", b"vendor.zip\n"),
    ("empty.pth", b""),
]


def pth_finding(display: str) -> Finding:
    """The MP416 finding for the ``.pth`` file shown as ``display``."""
    return Finding(
        rule=RULE_ID,
        message="a .pth file changes sys.path (or runs code) when Python starts",
        severity=Severity.ERROR,
        path=display,
        hint=HINT,
        check="security",
        category=CATEGORY,
    )
