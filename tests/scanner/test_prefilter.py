"""The pre-filter: what it may clear without libcst, and what it must always hand to the analyzer.

CLEARED sources are proven harmless by the pre-filter, and the analyzer agrees (no finding):
that is the pre-filter's whole contract. KEPT sources must reach the analyzer; most are
evasions the analyzer reports, which a too-eager pre-filter would silently let through.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mixpeek_tools.scanner.analyzer import analyze_source
from mixpeek_tools.scanner.catalog import DEFAULT_CATALOG, build_catalog
from mixpeek_tools.scanner.prefilter import may_reach_forbidden

CLEARED = {
    "no-trigger-word": "import json\nprint(json.dumps({'a': 1}))\n",
    "regex-compile": "import re\nWORD = re.compile(r'\\w+')\n",
    "json-load": "import json\n\ndef read(f):\n    return json.load(f)\n",
    "method-named-run": "class Job:\n    def go(self, runner):\n        return runner.run()\n",
    "words-in-strings-and-comments": "# eval, exec, subprocess and os.system are not used here\n"
    "HELP = 'run `pip install` then call system()'\n",
    "docstring-mentions": '"""Loads a model; never calls eval or compile."""\nX = 1\n',
    "pandas-style-load": "import numpy as np\narr = np.load('x.npy')\nmodel = obj.compile()\n",
    "attribute-main": "import torch\nout = torch.main.forward()\n",
}

KEPT = {
    "bare-eval": "eval('1')\n",
    "full-width-eval": "\uff45\uff56\uff41\uff4c('1')\n",
    "star-import-system": "from os import *\nsystem('id')\n",
    "import-subprocess-anywhere": "def f():\n    import subprocess\n",
    "module-attribute-hop": "import tempfile\ntempfile._os.system('id')\n",
    "posix-is-os": "import posix\nposix.system('id')\n",
    "marshal-alias": "import marshal as m\nm.load(open('x', 'rb'))\n",
    "builtin-self": "print.__self__.eval('1')\n",
    "builtins-module": "import builtins\nbuiltins.compile('1', 'f', 'eval')\n",
    "loop-method-any-receiver": "async def f(x):\n    await x.subprocess_exec('id')\n",
    "loop-named-receiver": "async def f(loop):\n    await loop.create_connection(None, 'h', 1)\n",
    "getattr-gateway": "import os\ngetattr(os, 'sys' + 'tem')('id')\n",
    "cprofile-run": "import cProfile\ncProfile.run('print(1)')\n",
    "from-import-name": "from pdb import run as go\ngo('1')\n",
    "class-pattern-attribute": "import os\nmatch os:\n    case object(system=s):\n        s('id')\n",
    "def-named-like-forbidden": "def compile(x):\n    return x\ncompile(1)\n",
    "get-context": "import multiprocessing as mp\nmp.get_context('spawn').connection\n",
}


@pytest.mark.parametrize("name", sorted(CLEARED))
def test_cleared_sources_are_harmless_to_the_analyzer_too(name: str) -> None:
    source = CLEARED[name]
    assert not may_reach_forbidden(source, DEFAULT_CATALOG), name
    assert analyze_source(source, "cleared.py", DEFAULT_CATALOG) == [], name


@pytest.mark.parametrize("name", sorted(KEPT))
def test_kept_sources_reach_the_analyzer(name: str) -> None:
    assert may_reach_forbidden(KEPT[name], DEFAULT_CATALOG), name


def test_extra_forbidden_names_count_as_attribute_words() -> None:
    catalog = build_catalog(["yaml.load=dynamic_code"])
    source = "import yaml\nyaml.load(open('c.yml'))\n"
    assert may_reach_forbidden(source, catalog)
    assert not may_reach_forbidden("import json\njson.load(f)\n", catalog)
    assert analyze_source(source, "c.py", catalog)  # and the analyzer does report it


def _plugin(tmp_path: Path, manifest: str, pipeline: str) -> Path:
    plugin = tmp_path / "a_plugin"
    (plugin / "processors").mkdir(parents=True)
    (plugin / "__init__.py").write_text("")
    (plugin / "manifest.py").write_text(manifest)
    (plugin / "pipeline.py").write_text(pipeline)
    (plugin / "processors" / "__init__.py").write_text("")
    return plugin / "pipeline.py"


def _hook(file: Path, after: str = "") -> subprocess.CompletedProcess[str]:
    """``mixpeek-check FILE --no-cache`` in a fresh interpreter, then ``after`` in the same one."""
    code = (
        "import sys\n"
        "from mixpeek_tools.cli.precommit import run\n"
        f"code = run([{str(file)!r}, '--no-cache'])\n"
        f"{after}"
        "sys.exit(code)\n"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)


def test_a_clean_plugin_is_checked_without_importing_libcst(tmp_path: Path) -> None:
    """A cold pre-commit run on harmless code must not pay libcst's import (the speed contract)."""
    pipeline = _plugin(tmp_path, "import re\nNAME = re.compile('x')\n",
                       "import json\n\ndef read(f):\n    return json.load(f)\n")  # fmt: skip
    result = _hook(pipeline, after="assert 'libcst' not in sys.modules, 'libcst was imported'\n")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_forbidden_call_is_still_found_by_the_hook(tmp_path: Path) -> None:
    pipeline = _plugin(tmp_path, "X = 1\n", "import tempfile\ntempfile._os.system('id')\n")
    result = _hook(pipeline)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "MP401" in result.stdout and "pipeline.py:2" in result.stdout
