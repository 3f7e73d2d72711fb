"""Analyse one Python source text: parse with libcst once, resolve, and turn reports into findings.

Positions come from libcst's PositionProvider, computed only for files that have findings
(``unsafe_skip_copy`` keeps node identity, so the reports' nodes can be looked up).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import libcst as cst
from libcst._nodes.base import CSTNode
from libcst.metadata import MetadataWrapper, PositionProvider

from mixpeek_tools.collector import collector_paused
from mixpeek_tools.findings import Finding
from mixpeek_tools.scanner.catalog import Catalog
from mixpeek_tools.scanner.project import Project
from mixpeek_tools.scanner.resolve import Evaluator, Report
from mixpeek_tools.scanner.rule_findings import capability_finding, policy_finding
from mixpeek_tools.scanner.scopes import bind_module


@contextmanager
def _unvalidated_nodes() -> Iterator[None]:
    """Skip libcst's per-node ``_validate`` while the parser builds the tree.

    Validation guards hand-built trees; the parser's output is valid by construction, and
    libcst's own code notes that validating parsed trees is wasted work, and it is a large share
    of a parse. The scanner is single-threaded within a process, so the patch cannot leak into
    another thread's hand-built tree.
    """
    original = CSTNode.__post_init__
    CSTNode.__post_init__ = _no_validation  # type: ignore[method-assign]
    try:
        yield
    finally:
        CSTNode.__post_init__ = original  # type: ignore[method-assign]


def _no_validation(self: CSTNode) -> None:
    return None


def parse(text: str) -> cst.Module:
    """Parse ``text`` with libcst (raises ``libcst.ParserSyntaxError``)."""
    with _unvalidated_nodes():
        return cst.parse_module(text)


def analyze_module(module: cst.Module, catalog: Catalog, project: Project | None = None, name: str | None = None) -> list[Report]:
    """All reports for a parsed module, in one binding pass and one evaluation pass."""
    binder = bind_module(module)
    return Evaluator(binder, catalog, project, name).run()


def analyze_source(text: str, path: str | None, catalog: Catalog, project: Project | None = None, disk_path: str | None = None) -> list[Finding]:
    """Findings for one Python source text (a parse failure is an MP413 finding).

    The cyclic garbage collector is paused for the file: a parsed tree is millions of
    short-lived acyclic objects, and collections in the middle of it cost a third of the time.
    """
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))
    try:
        with collector_paused():
            return _analyze_source(text, path, catalog, project, disk_path)
    except RecursionError:
        return [_syntax_finding(text, path, 1, 0, "too deeply nested to analyse")]
    finally:
        sys.setrecursionlimit(limit)


def _analyze_source(text: str, path: str | None, catalog: Catalog, project: Project | None, disk_path: str | None) -> list[Finding]:
    try:
        module = parse(text)
    except cst.ParserSyntaxError as err:
        return [_parse_failure(text, path, err)]
    except (RecursionError, MemoryError) as err:
        return [_syntax_finding(text, path, 1, 0, f"too deeply nested to parse ({type(err).__name__})")]
    name = project.module_of(disk_path or path) if project is not None else None
    reports = analyze_module(module, catalog, project, name)
    if not reports:
        return []
    return _to_findings(module, text, path, reports)


def _parse_failure(text: str, path: str | None, err: cst.ParserSyntaxError) -> Finding:
    """Report where Python itself places the error; libcst's position is the fallback."""
    import ast
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except SyntaxError as py_err:
        return _syntax_finding(text, path, py_err.lineno or 1, max((py_err.offset or 1) - 1, 0), py_err.msg)
    except (ValueError, RecursionError, MemoryError):
        pass
    else:
        why = f"the scanner's parser cannot read this syntax: {err.message}"
        return _syntax_finding(text, path, err.raw_line, err.raw_column, why)
    return _syntax_finding(text, path, err.raw_line, err.raw_column, str(err.message))


def _syntax_finding(text: str, path: str | None, line: int, column: int, why: str) -> Finding:
    lines = text.splitlines()
    source = lines[line - 1] if 0 < line <= len(lines) else None
    return policy_finding(
        "unparsable",
        f"the file does not parse as Python ({why.strip().splitlines()[0] if why.strip() else 'syntax error'}), "
        "so it cannot be scanned",
        path=path,
        line=line,
        column=column + 1,
        source_line=source,
    )


def _outermost(placed: list[tuple[int, int, Report]]) -> list[tuple[int, int, Report]]:
    """Drop ``importlib`` where ``importlib.util.find_spec`` is reported at the same place.

    A chain is evaluated link by link, so each forbidden prefix is reported at the chain's
    start; only the longest name at one position is worth showing.
    """
    names: dict[tuple[int, int, str], list[str]] = {}
    for line, column, report in placed:
        if report.qname and ":" not in report.qname:
            names.setdefault((line, column, report.category), []).append(report.qname)
    out = []
    for line, column, report in placed:
        qname = report.qname
        if qname and ":" not in qname:
            others = names[(line, column, report.category)]
            if any(other.startswith(qname + ".") for other in others):
                continue
        out.append((line, column, report))
    return out


def _to_findings(module: cst.Module, text: str, path: str | None, reports: list[Report]) -> list[Finding]:
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    lines = text.splitlines()
    placed = []
    for report in reports:
        where = positions.get(report.node)
        line = where.start.line if where is not None else 1
        column = where.start.column + 1 if where is not None else 1
        placed.append((line, column, report))
    seen: set[tuple[int, int, str, str]] = set()
    findings: list[Finding] = []
    for line, column, report in _outermost(placed):
        key = (line, column, report.category, report.qname or report.message)
        if key in seen:
            continue
        seen.add(key)
        source = lines[line - 1].rstrip() if 0 < line <= len(lines) else None
        findings.append(
            capability_finding(
                report.category,
                report.message,
                path=path,
                line=line,
                column=column,
                source_line=source,
                extra={"qualified_name": report.qname} if report.qname and ":" not in report.qname else None,
            )
        )
    findings.sort(key=lambda f: (f.line or 0, f.column or 0, f.rule))
    return findings
