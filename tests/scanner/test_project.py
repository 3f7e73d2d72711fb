"""A plugin's modules are analysed together (issue class 5): sibling definitions resolve."""

from __future__ import annotations

from pathlib import Path

import pytest

from mixpeek_tools.scanner import ScanCache, scan_paths

from .corpus_classes import SIBLING_CASES

UTIL = 'import os\nRUN = "sys" + "tem"\nNAME = "".join(["po", "pen"])\nCMD = os\nfrom os import popen as P\nLABEL = "handle"\n'
EVASIONS = {
    "const-from-relative": ("import os\nfrom .util import RUN\ngetattr(os, RUN)('id')\n", "os.system"),
    "const-via-module": ("import os\nfrom . import util\ngetattr(os, util.NAME)('id')\n", "os.popen"),
    "module-object": ("from .util import CMD\nCMD.system('id')\n", "os.system"),
    "module-object-absolute": ("from plug.util import CMD as C\nC.popen('id')\n", "os.popen"),
    "re-exported-name": ("from .util import P\nP('id')\n", "os.popen"),
    "chained-siblings": ("from .relay import M\nM.system('id')\n", "os.system"),
}
LEGIT = {
    "const-used-honestly": "from .util import LABEL\nclass H:\n    def go(self, k):\n        return getattr(self, LABEL + '_' + k)\n",
    "path-helpers": "import os\nfrom .util import RUN\nprint(os.path.join('a', RUN))\n",
}


def _plugin(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "plug"
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "util.py").write_text(UTIL)
    (root / "relay.py").write_text("from .util import CMD as M\n")
    for name, text in files.items():
        (root / name).write_text(text)
    return root


@pytest.mark.parametrize("name", sorted(EVASIONS))
def test_sibling_definitions_are_resolved(tmp_path: Path, name: str) -> None:
    source, qname = EVASIONS[name]
    root = _plugin(tmp_path, {"main.py": source})
    findings = [f for f in scan_paths([root], jobs=1).findings if f.path and f.path.endswith("main.py")]
    assert any(f.extra.get("qualified_name") == qname for f in findings), findings


@pytest.mark.parametrize("name", sorted(LEGIT))
def test_honest_use_of_sibling_constants_is_clean(tmp_path: Path, name: str) -> None:
    root = _plugin(tmp_path, {"main.py": LEGIT[name]})
    findings = [f for f in scan_paths([root], jobs=1).findings if f.path and f.path.endswith("main.py")]
    assert findings == []


def test_cache_sees_a_sibling_change(tmp_path: Path) -> None:
    root = _plugin(tmp_path, {"main.py": "import os\nfrom .util import LABEL\ngetattr(os, LABEL)\n"})
    cache = ScanCache(tmp_path / "cache")
    first = [f for f in scan_paths([root], jobs=1, cache=cache).findings if f.path and f.path.endswith("main.py")]
    assert first == []
    (root / "util.py").write_text(UTIL.replace('LABEL = "handle"', 'LABEL = "system"'))
    second = [f for f in scan_paths([root], jobs=1, cache=cache).findings if f.path and f.path.endswith("main.py")]
    assert any(f.extra.get("qualified_name") == "os.system" for f in second), second


@pytest.mark.parametrize("name", sorted(SIBLING_CASES))
def test_sibling_corpus(tmp_path: Path, name: str) -> None:
    files, category = SIBLING_CASES[name]
    root = tmp_path / "plug"
    root.mkdir()
    (root / "__init__.py").write_text("")
    for file, text in files.items():
        (root / file).write_text(text)
    findings = [f for f in scan_paths([root], jobs=1).findings if f.path and f.path.endswith("main.py")]
    if category is None:
        assert findings == []
    else:
        assert any(f.category == category for f in findings), findings
