"""Which plugin names, descriptions and categories init accepts, and what bad ones get."""

from __future__ import annotations

import pytest

from mixpeek_tools.errors import BadInput, ExitCode
from mixpeek_tools.scaffold.names import check_category, check_description, plugin_name


@pytest.mark.parametrize("name", ["abcd", "my_extractor", "Face2Vec", "a" * 64])
def test_valid_names_are_kept_as_they_are(name: str) -> None:
    result = plugin_name(name)
    assert result.name == name and not result.mapped


def test_hyphens_become_underscores_and_the_mapping_is_reported() -> None:
    result = plugin_name("my-extractor")
    assert result.name == "my_extractor"
    assert result.mapped and result.requested == "my-extractor"


@pytest.mark.parametrize(
    "name",
    ["ab", "1abc", "_abc", "my extractor", "naïve", "a" * 65, "-abc", "class", "my.plugin", ""],
)
def test_names_no_mapping_can_save_are_refused_with_the_rule(name: str) -> None:
    with pytest.raises(BadInput) as info:
        plugin_name(name)
    assert info.value.exit_code == ExitCode.BAD_INPUT
    assert "3 to 64 letters" in info.value.paragraph()


def test_descriptions_over_1000_characters_are_refused() -> None:
    assert check_description("x" * 1000) == "x" * 1000
    with pytest.raises(BadInput, match="1001 characters"):
        check_description("x" * 1001)


def test_an_empty_description_is_refused() -> None:
    with pytest.raises(BadInput, match="empty"):
        check_description("   ")


def test_categories_are_the_six_platform_ones() -> None:
    assert check_category("Image") == "image"
    with pytest.raises(BadInput, match="text, image, video, audio, document, multimodal"):
        check_category("sound")


@pytest.mark.parametrize("name", ["json", "pandas", "pydantic", "engine", "shared", "mixpeek_tools"])
def test_names_that_would_hide_a_module_the_plugin_needs_are_refused(name: str) -> None:
    with pytest.raises(BadInput, match="would hide it") as info:
        plugin_name(name)
    assert f"'{name}_extractor'" in info.value.paragraph()


def test_a_folder_in_the_current_directory_does_not_count_as_installed(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "local_plugin").mkdir()
    (tmp_path / "local_plugin" / "__init__.py").write_text("")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))  # what `python -m mixpeek_tools` does
    assert plugin_name("local_plugin").name == "local_plugin"
