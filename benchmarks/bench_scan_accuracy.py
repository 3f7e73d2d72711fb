"""Accuracy of the scanner on its own corpus, with bandit on the same files as the baseline.

The corpus is ``tests/scanner/corpus.py``: evasive cases (each must be reported under its
category) and legitimate cases (each must produce nothing). A case counts as caught when the
scanner reports a finding of the expected category in that file (for bandit: any finding of
severity low or higher, since bandit has no categories). Precision = caught evasions /
(caught evasions + flagged legitimate files); recall = caught evasions / evasions.

A second table gives recall and false alarms per modelled attack class
(``tests/scanner/corpus_classes.py``; class 5 cases are small multi-file plugins scanned as a
folder), for the scanner and for bandit on the same files.

Usage: .venv/bin/python benchmarks/bench_scan_accuracy.py [--no-bandit]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mixpeek_tools.scanner import scan_bytes, scan_paths  # noqa: E402
from mixpeek_tools.scanner.catalog import DEFAULT_CATALOG  # noqa: E402
from tests.scanner.corpus import invalid_cases, valid_cases  # noqa: E402
from tests.scanner.corpus_classes import CLASSES, SIBLING_CASES  # noqa: E402


def ratios(caught: int, total_bad: int, false_alarms: int) -> tuple[float, float]:
    precision = caught / (caught + false_alarms) if caught + false_alarms else 1.0
    return precision, caught / total_bad if total_bad else 1.0


def _scan(source: str) -> list:  # type: ignore[type-arg]
    """The path a scanned file takes (pre-filter, then analysis), as in ``mixpeek plugin scan``."""
    return scan_bytes(source.encode("utf-8"), "case.py", DEFAULT_CATALOG)


def scanner_figures() -> tuple[int, int, int, int]:
    bad, good = invalid_cases(), valid_cases()
    caught = sum(any(f.category == c for f in _scan(s)) for _, s, c in bad)
    alarms = sum(bool(_scan(s)) for _, s, _ in good)
    return caught, len(bad), alarms, len(good)


def bandit_figures() -> tuple[int, int, int, int] | None:
    bandit = shutil.which("bandit", path=os.path.dirname(sys.executable)) or shutil.which("bandit")
    if bandit is None:
        return None
    bad, good = invalid_cases(), valid_cases()
    with tempfile.TemporaryDirectory() as tmp:
        names: dict[str, bool] = {}
        for index, (_, source, _) in enumerate(bad):
            (Path(tmp) / f"bad_{index}.py").write_text(source, encoding="utf-8")
            names[f"bad_{index}.py"] = True
        for index, (_, source, _) in enumerate(good):
            (Path(tmp) / f"good_{index}.py").write_text(source, encoding="utf-8")
            names[f"good_{index}.py"] = False
        out = subprocess.run([bandit, "-r", "-q", "-f", "json", tmp], capture_output=True, text=True)
        report = json.loads(out.stdout or "{}")
    flagged = {Path(r["filename"]).name for r in report.get("results", [])}
    caught = sum(1 for n, is_bad in names.items() if is_bad and n in flagged)
    alarms = sum(1 for n, is_bad in names.items() if not is_bad and n in flagged)
    return caught, len(bad), alarms, len(good)


def _bandit_flagged(root: Path) -> set[str] | None:
    """Relative paths of the files bandit reports anything in, below ``root``."""
    bandit = shutil.which("bandit", path=os.path.dirname(sys.executable)) or shutil.which("bandit")
    if bandit is None:
        return None
    out = subprocess.run([bandit, "-r", "-q", "-f", "json", str(root)], capture_output=True, text=True)
    report = json.loads(out.stdout or "{}")
    return {str(Path(r["filename"]).resolve().relative_to(root.resolve())) for r in report.get("results", [])}


def class_figures(with_bandit: bool) -> list[tuple[str, tuple[int, int, int, int], tuple[int, int, int, int] | None]]:
    """Per class: the scanner's and bandit's (caught, evasions, false alarms, legitimate)."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        plan: list[tuple[str, str, str | None, str]] = []  # class, file, category, kind
        for name, (bad, good) in CLASSES.items():
            for index, (_, source, category) in enumerate([*bad, *good]):
                rel = f"c{len(plan)}_{index}.py"
                (root / rel).write_text(source, encoding="utf-8")
                plan.append((name, rel, category, "file"))
        for index, (_, (files, category)) in enumerate(sorted(SIBLING_CASES.items())):
            folder = root / f"sib{index}" / "plug"
            folder.mkdir(parents=True)
            (folder / "__init__.py").write_text("")
            for file, text in files.items():
                (folder / file).write_text(text, encoding="utf-8")
            plan.append(("5 sibling modules", str((folder / "main.py").relative_to(root)), category, "plugin"))
        flagged = _bandit_flagged(root) if with_bandit else None
        by_class: dict[str, list[tuple[bool, bool, bool | None]]] = {}
        for name, rel, category, kind in plan:
            if kind == "plugin":
                found = [f for f in scan_paths([(root / rel).parent], jobs=1).findings if (f.path or "").endswith("main.py")]
            else:
                found = _scan((root / rel).read_text(encoding="utf-8"))
            ours = any(f.category == category for f in found) if category else bool(found)
            theirs = (rel in flagged) if flagged is not None else None
            by_class.setdefault(name, []).append((category is not None, ours, theirs))
        for name in sorted(by_class):
            items = by_class[name]
            bad = [i for i in items if i[0]]
            good = [i for i in items if not i[0]]
            mine = (sum(i[1] for i in bad), len(bad), sum(i[1] for i in good), len(good))
            other = (sum(bool(i[2]) for i in bad), len(bad), sum(bool(i[2]) for i in good), len(good)) if flagged is not None else None
            rows.append((name, mine, other))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-bandit", action="store_true")
    args = parser.parse_args()
    rows = [("mixpeek scanner", scanner_figures())]
    if not args.no_bandit:
        figures = bandit_figures()
        if figures is not None:
            rows.append(("bandit -r (baseline)", figures))
    print(f"{'tool':24} {'evasions caught':>18} {'false alarms':>14} {'precision':>10} {'recall':>8}")
    for name, (caught, total_bad, alarms, total_good) in rows:
        precision, recall = ratios(caught, total_bad, alarms)
        print(f"{name:24} {caught:>8}/{total_bad:<9} {alarms:>5}/{total_good:<8} {precision:10.3f} {recall:8.3f}")
    print()
    print(f"{'class':24} {'scanner recall':>15} {'false alarms':>13} {'bandit recall':>14} {'bandit false alarms':>20}")
    for name, (caught, bad, alarms, good), other in class_figures(not args.no_bandit):
        theirs = f"{other[0]:>6}/{other[1]:<7} {other[2]:>10}/{other[3]:<9}" if other else f"{'-':>14} {'-':>20}"
        print(f"{name:24} {caught:>7}/{bad:<7} {alarms:>6}/{good:<6} {theirs}")


if __name__ == "__main__":
    main()
