"""``mixpeek plugin init``: check the answers, then render the template with Copier's API.

Everything the user can get wrong (name, category, description, an occupied target folder) is
checked here before Copier runs, so a refused init writes nothing. Copier is called with every
answer supplied and ``defaults=True``: init never prompts, in CI or anywhere else.
"""

from __future__ import annotations

import io
from contextlib import redirect_stderr
from dataclasses import dataclass, field
from pathlib import Path

from mixpeek_tools.errors import BadInput
from mixpeek_tools.scaffold.copier_errors import copier_failures
from mixpeek_tools.scaffold.names import PluginName, check_category, check_description, plugin_name
from mixpeek_tools.scaffold.template_source import resolve_template

ANSWERS_FILE = ".copier-answers.yml"
DEFAULT_DESCRIPTION = "A custom Mixpeek extractor"


@dataclass
class InitResult:
    """What init made: the plugin folder, its files (relative paths) and the name decision."""

    name: PluginName
    category: str
    plugin_dir: Path
    files: list[str] = field(default_factory=list)


def _check_target(target: Path, force: bool) -> None:
    if target.exists() and not target.is_dir():
        raise BadInput(
            "a file with the plugin's name is in the way",
            where=str(target),
            hint="Remove or rename it, or choose another --output folder",
        )
    if target.is_dir() and any(target.iterdir()) and not force:
        raise BadInput(
            "the plugin folder already exists and is not empty",
            where=str(target),
            hint="Choose another name or --output folder, or pass --force to render over it "
            "(files the template writes are overwritten, others are kept)",
        )


def init_plugin(
    name: str,
    *,
    category: str = "text",
    description: str = DEFAULT_DESCRIPTION,
    author: str | None = None,
    output: Path | str = ".",
    template: str | None = None,
    vcs_ref: str | None = None,
    force: bool = False,
    trust: bool = False,
) -> InitResult:
    """Render a new plugin into ``output/<name>`` and list the files written.

    Without ``author``, git's ``user.name`` (then the login name) signs the plugin.
    """
    if author is None:
        from mixpeek_tools.scaffold.author import default_author

        author = default_author()
    valid = plugin_name(name)
    answers = {
        "plugin_name": valid.name,
        "category": check_category(category),
        "description": check_description(description),
        "author": author.strip() or "Anonymous",
    }
    output_dir = Path(output).expanduser().resolve()
    target = output_dir / valid.name
    _check_target(target, force)
    source = resolve_template(template)
    unsafe = trust or source.is_kit
    _render(source.src, output_dir, answers, vcs_ref=vcs_ref or source.vcs_ref, force=force,
            unsafe=unsafe)
    files = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    return InitResult(name=valid, category=answers["category"], plugin_dir=target, files=files)


def _render(
    src: str,
    output_dir: Path,
    answers: dict[str, str],
    *,
    vcs_ref: str | None,
    force: bool,
    unsafe: bool,
) -> None:
    """One ``copier copy`` of ``src`` into ``output_dir`` (which receives ``<name>/``)."""
    from copier import run_copy

    # init never prompts, so Copier's stderr chatter ("No git tags found ...") is noise here;
    # its real failures still surface as exceptions.
    trust_hint = (
        "This template runs tasks or migrations at render time; pass --trust if you trust it"
    )
    with copier_failures(f"template {src}", trust_hint=trust_hint), redirect_stderr(io.StringIO()):
        run_copy(
            src,
            output_dir,
            data=answers,
            vcs_ref=vcs_ref,
            defaults=True,
            overwrite=force,
            quiet=True,
            unsafe=unsafe,
        )
