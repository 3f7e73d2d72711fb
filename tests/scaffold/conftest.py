"""Shared fixtures: a git repository of the kit's template, git identities, the CLI in-process."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from mixpeek_tools.cli.main import cli, run_cli

from .helpers import commit_all, copy_template, git
from .wheel_env import KitBuilds, KitVenv


@pytest.fixture(autouse=True)
def git_identity(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """A private global git config, so tests neither read nor need the developer's settings."""
    config = tmp_path_factory.getbasetemp() / "gitconfig"
    if not config.exists():
        config.write_text(
            "[user]\n\tname = Grace Hopper\n\temail = grace@example.com\n"
            "[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n"
        )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("CI", "true")


def _holds_a_plugin(entry: str) -> bool:
    folder = Path(entry or ".")
    if folder.name in ("site-packages", "dist-packages") or not folder.is_dir():
        return False
    try:
        return any(
            (child / "manifest.py").is_file() and (child / "pipeline.py").is_file()
            for child in folder.iterdir()
            if child.is_dir()
        )
    except OSError:
        return False


@pytest.fixture(autouse=True)
def only_installed_modules_on_sys_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Name checks must see what is installed, not other tests' plugin folders.

    The kit's pytest plugin puts a plugin folder's parent on ``sys.path`` whenever a test file
    inside a plugin is collected (that is what makes plain ``pytest`` work in a plugin repo), so
    in the kit's own session a fixture plugin called ``my_extractor`` looks importable.
    """
    monkeypatch.setattr(sys, "path", [p for p in sys.path if not _holds_a_plugin(p)])


@pytest.fixture
def template_repo(tmp_path: Path) -> Path:
    """A git repository holding the kit's template, committed and tagged v1."""
    repo = copy_template(tmp_path / "template-repo")
    git(repo, "init", "-q")
    commit_all(repo, "template v1")
    git(repo, "tag", "v1")
    return repo


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def mixpeek(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run ``mixpeek ARGS`` in-process through the real error funnel; returns code and output."""

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        code = run_cli(cli, list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def session_gitconfig(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same private git identity for session fixtures (function fixtures come later)."""
    config = tmp_path_factory.mktemp("git") / "gitconfig"
    config.write_text(
        "[user]\n\tname = Grace Hopper\n\temail = grace@example.com\n"
        "[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n"
    )
    return config


@pytest.fixture(scope="session")
def kit_builds(tmp_path_factory: pytest.TempPathFactory, session_gitconfig: Path) -> KitBuilds:
    """Two releases of the kit built with ``python -m build``, once per test session."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GIT_CONFIG_GLOBAL", str(session_gitconfig))
        patch.setenv("GIT_CONFIG_NOSYSTEM", "1")
        return KitBuilds.make(tmp_path_factory.mktemp("builds"))


@pytest.fixture(scope="session")
def kit_venv(
    tmp_path_factory: pytest.TempPathFactory, kit_builds: KitBuilds, session_gitconfig: Path
) -> KitVenv:
    """One fresh venv per session with release 1 of the kit and its core dependencies."""
    return KitVenv.make(
        tmp_path_factory.mktemp("installed"), kit_builds.wheel1, kit_builds.version1,
        session_gitconfig,
    )
