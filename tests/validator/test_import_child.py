"""A cold validate imports the plugin in a forked child that imported pydantic while the static
gate ran (``mixpeek_tools.validator.import_child``): same findings as importing it in the kit's
own process, and no import at all when the gate fails.

Each run is a fresh interpreter, as ``mixpeek plugin validate`` is: the child is only forked
from a single-threaded process, and this test process may hold other tests' threads.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mixpeek_tools.validator.examples import MANIFEST, write_tree

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked on Linux only")

REPO = Path(__file__).resolve().parents[2]
PID_MARK = 'import os\nimport pathlib\n\npathlib.Path(os.environ["MIXPEEK_IMPORT_PID"]).write_text(str(os.getpid()))\n'
CASES = {
    "passing": {"manifest.py": PID_MARK + MANIFEST},
    "schema error": {"manifest.py": PID_MARK + MANIFEST + "\noutput_schema = 42\n"},
    "import error": {"manifest.py": PID_MARK + MANIFEST + "\nraise RuntimeError('boom')\n"},
}
PROBE = """
import json, os, sys
from pathlib import Path
from mixpeek_tools.validator import import_child, run_checks
forked = []
start = import_child.start
import_child.start = lambda *args: forked.append(start(*args) if sys.argv[2] == "fork" else None) or forked[-1]
report = run_checks(Path(sys.argv[1]), static_only=True)
print(json.dumps({"pid": os.getpid(), "child": forked[0].pid if forked and forked[0] else None,
                  "failed": report.failed,
                  "findings": [[f.rule, f.path, f.line, f.message] for f in report.findings],
                  "statuses": {r.name: r.status for r in report.results}}))
"""


def _validate(root: Path, mark: Path, route: str) -> dict[str, Any]:
    env = dict(os.environ, MIXPEEK_IMPORT_PID=str(mark),
               PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))  # fmt: skip
    done = subprocess.run([sys.executable, "-c", PROBE, str(root), route], capture_output=True,
                          text=True, timeout=300, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_child_imports_the_plugin_and_gives_the_findings_the_kits_process_gives(
    tmp_path: Path, case: str
) -> None:
    root = write_tree(tmp_path, CASES[case])
    mark = tmp_path / "imported-by"
    forked = _validate(root, mark, "fork")
    assert forked["child"] is not None and int(mark.read_text()) == forked["child"] != forked["pid"]
    here = _validate(root, mark, "in-process")
    assert here["child"] is None and int(mark.read_text()) == here["pid"]
    assert (forked["findings"], forked["statuses"]) == (here["findings"], here["statuses"])
    assert forked["failed"] == (case != "passing")


def test_a_failing_gate_never_lets_the_child_import_the_plugin(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"manifest.py": PID_MARK + MANIFEST,
                                 "processors/extra.py": "import subprocess\n"})  # fmt: skip
    mark = tmp_path / "imported-by"
    report = _validate(root, mark, "fork")
    assert report["child"] is not None
    assert report["failed"] and report["statuses"]["schemas"] == "not-run"
    assert not mark.exists()
