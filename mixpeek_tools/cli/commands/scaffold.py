"""``mixpeek plugin init`` and ``mixpeek plugin update``: the click front end of ``scaffold``.

Only option parsing and printing live here; the checks and the Copier calls are in
:mod:`mixpeek_tools.scaffold`, which imports Copier only when a command actually renders.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from mixpeek_tools.cli.context import settings

CATEGORY_CHOICES = ("text", "image", "video", "audio", "document", "multimodal")


@click.command(name="init")
@click.argument("name")
@click.option("--description", "-d", default="A custom Mixpeek extractor", show_default=True,
              help="One-line plugin description (at most 1000 characters).")
@click.option("--category", "-c", type=click.Choice(CATEGORY_CHOICES, case_sensitive=False),
              default="text", show_default=True, help="Content type the scaffold processes.")
@click.option("--author", "-a", default=None,
              help="Author name (default: git config user.name, then your login name).")
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              help="Folder that receives the plugin folder (default: current directory).")
@click.option("--template", "template", default=None, metavar="SRC",
              help="Template to render: a local path or git URL of a fork (default: the kit's).")
@click.option("--vcs-ref", default=None, metavar="REF",
              help="Git tag, branch or commit of the template to render (default: latest tag).")
@click.option("--force", is_flag=True, help="Render into an existing, non-empty plugin folder.")
@click.option("--trust", is_flag=True,
              help="Allow a --template that runs tasks or migrations at render time.")
def init_command(
    name: str,
    description: str,
    category: str,
    author: str | None,
    output: Path,
    template: str | None,
    vcs_ref: str | None,
    force: bool,
    trust: bool,
) -> None:
    """Create a new plugin NAME from the Copier template, ready to test and run.

    NAME may use hyphens (my-extractor becomes my_extractor). Nothing is written when NAME,
    the description or the target folder is refused. Never prompts.
    """
    from mixpeek_tools.scaffold.names import plugin_name
    from mixpeek_tools.scaffold.render import init_plugin

    valid = plugin_name(name)
    if valid.mapped:
        click.echo(
            f"Note: '{valid.requested}' is not a valid package or extractor name; "
            f"using '{valid.name}' (hyphens become underscores)."
        )
    result = init_plugin(
        valid.name,
        category=category.lower(),
        description=description,
        author=author,
        output=output,
        template=template,
        vcs_ref=vcs_ref,
        force=force,
        trust=trust,
    )
    _print_created(result.plugin_dir, result.category, result.files)


def _print_created(plugin_dir: Path, category: str, files: list[str]) -> None:
    click.echo(f"Created {category} plugin '{plugin_dir.name}' in {plugin_dir}:")
    for rel in files:
        click.echo(f"  {rel}")
    try:
        shown = plugin_dir.relative_to(Path.cwd())
    except ValueError:
        shown = plugin_dir
    if settings().quiet:  # the next steps are advice; -q leaves the result only
        return
    click.echo(
        "\nNext steps:\n"
        f"  cd {shlex.quote(str(shown))}\n"
        "  pytest                                   # the plugin's own tests\n"
        "  mixpeek plugin test --sample-data samples/sample.json\n"
        "  edit processors/core.py, then: mixpeek plugin publish --dry-run"
    )


@click.command(name="update")
@click.option("--path", "-p", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Plugin folder (the one holding .copier-answers.yml).")
@click.option("--vcs-ref", default=None, metavar="REF",
              help="Template version to update to (default: the installed kit's version for the "
              "kit's template, else the latest tag).")
@click.option("--conflict", type=click.Choice(["inline", "rej"]), default="inline",
              show_default=True, help="Leave conflicts as inline markers or as .rej files.")
@click.option("--pretend", is_flag=True, help="Show what the update would change; write nothing.")
@click.option("--check", "check", is_flag=True,
              help="Only report whether a newer template version exists: exit 1 if so (for CI).")
@click.option("--trust", is_flag=True,
              help="Allow a template that runs tasks or migrations during the update.")
def update_command(
    path: Path, vcs_ref: str | None, conflict: str, pretend: bool, check: bool, trust: bool
) -> None:
    """Pull template fixes into a plugin, keeping your own edits (Copier's three-way update).

    The plugin must be committed to git first. Conflicts make the command fail (exit 1) and
    name the files to resolve. A plugin rendered by an installed kit moves to the template of
    the kit installed now. Prompts for new template questions only in an interactive terminal.
    """
    if check:
        _check(path)
        return
    from mixpeek_tools.scaffold.update import update_plugin

    result = update_plugin(
        path,
        vcs_ref=vcs_ref,
        conflict="rej" if conflict == "rej" else "inline",
        prompt=settings().may_prompt and not pretend,
        trust=trust,
        pretend=pretend,
    )
    if result.pretend:
        click.echo(
            f"Would update {result.plugin_dir.name} from template version {result.old_version} "
            f"to {result.new_version or 'the latest tag'}; nothing was written:"
        )
        for line in result.changed:
            click.echo(f"  {line}")
        return
    if result.old_version == result.new_version and not result.changed:
        click.echo(f"{result.plugin_dir.name} is already at template version {result.new_version}.")
        return
    click.echo(
        f"Updated {result.plugin_dir.name} from template version {result.old_version} "
        f"to {result.new_version}; {len(result.changed)} file(s) changed:"
    )
    for rel in result.changed:
        click.echo(f"  {rel}")
    click.echo("Review with git diff, run pytest, then commit.")


def _check(path: Path) -> None:
    """``--check``: exit 0 when up to date, 1 when a newer template version is available."""
    from mixpeek_tools.scaffold.check import check_plugin

    found = check_plugin(path)
    if not found.available:
        click.echo(f"{found.plugin_dir.name} is up to date with template version {found.current}.")
        return
    click.echo(
        f"{found.plugin_dir.name}: template version {found.latest} is available "
        f"(the plugin is at {found.current}); run: mixpeek plugin update"
    )
    raise click.exceptions.Exit(1)
