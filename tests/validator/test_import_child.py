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
# The child is forked only while a CPU is free; these runs ask for it whatever the load.
FORK_ON = {"MIXPEEK_IMPORT_CHILD": "on"}

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
    env = dict(os.environ, MIXPEEK_IMPORT_PID=str(mark), **FORK_ON,
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


SPARE_PROBE = """
import json, os, sys
from pathlib import Path
from mixpeek_tools.validator import import_child, runner
import_child.prefork()
spare = import_child._spare[0].pid
report = runner.run(Path(sys.argv[1]), static_only=True, cache_dir=Path(sys.argv[2]))
try:
    os.kill(spare, 0)
    alive = True
except ProcessLookupError:
    alive = False
print(json.dumps({"pid": os.getpid(), "spare": spare, "left": len(import_child._spare),
                  "alive": alive, "failed": report.failed}))
"""


def _spare_run(root: Path, mark: Path, cache: Path) -> dict[str, Any]:
    env = dict(os.environ, MIXPEEK_IMPORT_PID=str(mark), **FORK_ON,
               PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))  # fmt: skip
    done = subprocess.run([sys.executable, "-c", SPARE_PROBE, str(root), str(cache)], capture_output=True,
                          text=True, timeout=300, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_the_spare_forked_at_start_up_imports_the_plugin_and_a_warm_run_kills_it(
    tmp_path: Path,
) -> None:
    root = write_tree(tmp_path / "plugin", CASES["passing"])
    mark, cache = tmp_path / "imported-by", tmp_path / "cache"
    cold = _spare_run(root, mark, cache)
    assert int(mark.read_text()) == cold["spare"] != cold["pid"]
    assert cold["left"] == 0 and not cold["alive"] and not cold["failed"]
    mark.unlink()
    warm = _spare_run(root, mark, cache)  # every check answered by the cache: no import at all
    assert not mark.exists() and warm["left"] == 0 and not warm["alive"] and not warm["failed"]


def test_a_spare_no_run_adopts_is_gone_when_the_process_ends(tmp_path: Path) -> None:
    script = ("import os, sys\nfrom mixpeek_tools.validator import import_child\n"
              "import_child.prefork()\nprint(import_child._spare[0].pid)\n")  # fmt: skip
    env = dict(os.environ, **FORK_ON,
               PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))  # fmt: skip
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert not Path(f"/proc/{int(done.stdout)}").exists()  # killed and reaped at exit


@pytest.mark.parametrize(("argv", "wanted"), [
    (["plugin", "validate"], True),
    (["-v", "plugin", "validate", "-p", "x"], True),
    (["plugin", "validate", "--help"], False),
    (["plugin", "test"], False),
    (["plugin", "run", "validate"], False),
    (["--version"], False),
])  # fmt: skip
def test_the_console_script_forks_the_spare_for_plugin_validate_only(
    argv: list[str], wanted: bool
) -> None:
    from mixpeek_tools.cli.entry import wants_import_child

    assert wants_import_child(argv) is wanted


def test_the_checks_a_child_runs_are_the_registered_built_ins() -> None:
    from mixpeek_tools.validator import shared_import
    from mixpeek_tools.validator.builtin import builtin_checks

    registered = {c.name: c for c in builtin_checks(scanner_rules=False)}
    ours = shared_import._shared_checks()
    assert tuple(ours) == shared_import.SHARED_CHECKS
    assert all(registered[name] is check for name, check in ours.items())


@pytest.mark.parametrize(("cpus", "loadavg", "free"), [
    (2, "0.20 0.30 0.40 1/300 4242", True),    # only this process runnable
    (2, "1.90 1.50 1.20 2/310 4242", False),   # another task holds the second CPU
    (2, "0.30 0.50 0.40 2/310 4242", True),    # another runnable for an instant: no load
    (16, "3.00 2.00 1.00 5/900 4242", True),
    (1, "0.00 0.00 0.00 1/80 4242", False),    # one CPU: the child could only take turns
])  # fmt: skip
def test_the_child_is_forked_only_while_a_cpu_is_free_for_it(
    cpus: int, loadavg: str, free: bool
) -> None:
    from mixpeek_tools.validator.import_child import cpu_free

    assert cpu_free(cpus, loadavg) is free


@pytest.mark.parametrize(("switch", "one_cpu"), [("off", False), ("auto", True)])
def test_off_or_a_single_cpu_means_no_child(switch: str, one_cpu: bool) -> None:
    pin = "os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})\n" if one_cpu else ""
    script = (f"import os\n{pin}from mixpeek_tools.validator import import_child\n"
              "import_child.prefork()\nprint(len(import_child._spare))\n")  # fmt: skip
    env = dict(os.environ, MIXPEEK_IMPORT_CHILD=switch,
               PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))  # fmt: skip
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0"


LATE_PROBE = """
import sys
from pathlib import Path
from mixpeek_tools.validator import import_child, run_checks
go = import_child.ImportChild.go
def go_after_a_late_file(self, ctx):  # the gate has passed; a module appears only now
    (ctx.root / "late.py").write_text("import subprocess\\n")
    go(self, ctx)
import_child.ImportChild.go = go_after_a_late_file
report = run_checks(Path(sys.argv[1]), static_only=True)
print("failed" if report.failed else "passed")
"""
LATE_IMPORT = """
import os
import pathlib

try:
    from . import late  # noqa: F401
    _state = "late module imported"
except ImportError:
    _state = "no late module"
pathlib.Path(os.environ["MIXPEEK_IMPORT_PID"]).write_text(_state)
"""


def test_the_child_imports_only_the_files_the_gate_scanned(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "plugin", {"manifest.py": LATE_IMPORT + MANIFEST})
    mark = tmp_path / "imported"
    env = dict(os.environ, MIXPEEK_IMPORT_PID=str(mark), **FORK_ON,
               PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))  # fmt: skip
    done = subprocess.run([sys.executable, "-c", LATE_PROBE, str(root)], capture_output=True,
                          text=True, timeout=300, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (root / "late.py").exists()
    assert mark.read_text() == "no late module"
