"""ferrocov's statement analysis equals coverage.py's over every file of the standard library
(thousands of real files no one here wrote): same statements, same excluded lines."""

from __future__ import annotations

import pytest

import stdlib_compare
from conftest import one_version

CHUNKS = 8


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_stdlib_statements_match_coverage_py(chunk: int) -> None:
    files = stdlib_compare.stdlib_files()
    assert len(files) > 500, "the standard library was not found"
    mine = files[chunk::CHUNKS]
    problems = [p for p in map(stdlib_compare.compare, mine) if p]
    assert not problems, f"{len(problems)} of {len(mine)} files differ:\n" + "\n".join(problems[:20])


def regions_differ(path: str) -> str | None:
    """None when ferrocov's function and class regions (what the JSON, LCOV and HTML reports
    break files down by) equal coverage.py's for this file."""
    from coverage.regions import code_regions

    from ferrocov import _facts

    try:
        text = _facts.read_source(path)
        ours = _facts.analyze_file(path, "")
        theirs = code_regions(text)
    except (_facts.NotPython, _facts.NoSource, SyntaxError, ValueError):
        return None
    mine = [(kind, name, start, list(lines)) for kind, name, start, lines in ours.regions]
    expected = [(r.kind, r.name, r.start, sorted(r.lines)) for r in theirs]
    if mine == expected:
        return None
    first = next((m, e) for m, e in zip(mine + [None] * len(expected), expected + [None] * len(mine)) if m != e)  # type: ignore[operator]
    return f"{path}: first difference {first[0] and first[0][:3]} / {first[1] and first[1][:3]}"


@pytest.mark.parametrize("chunk", range(4))
def test_stdlib_function_and_class_regions_match_coverage_py(chunk: int) -> None:
    """Classes nested in methods of nested classes (test.mapping_tests, test.pickletester) are
    where the rules differ: a class's lines leave every class around it. On 3.10 the oracle is
    coverage.py 7.16, which finds definitions in `body` fields only (not in `else`, `except`,
    `finally`, `case` blocks): ferrocov follows it there."""
    files = stdlib_compare.stdlib_files()
    mine = files[chunk::4]
    problems = [p for p in map(regions_differ, mine) if p]
    assert not problems, f"{len(problems)} of {len(mine)} files differ:\n" + "\n".join(problems[:20])


def arcs_differ(path: str) -> str | None:
    """None when the core's arc analysis (ruff's tree) and the interpreter-tree one it replaces
    (`_arcs`, still the fallback) agree for this file on everything reports use: possible arcs,
    exit counts, how measured arcs translate, and what each arc does and says when missed (the
    parts of a description, as a set: coverage.py joins them in an order its hashing picks)."""
    from ferrocov import _core, _facts

    try:
        ours = _facts.analyze_file(path, "#.*no cover", branch=True)
        _facts._PYTHON_ARCS = True
        try:
            tree = _facts.analyze_file(path, "#.*no cover", branch=True)
        finally:
            _facts._PYTHON_ARCS = False
    except (_facts.NotPython, _facts.NoSource, SyntaxError, ValueError):
        return None
    rust, python = ours.arcs, tree.arcs
    assert rust is not None and python is not None
    if not isinstance(rust, _core.ArcAnalysis):
        return "fallback"  # ruff's parser declined it: the tree's analysis is used instead
    if rust.possible != python.possible:
        return f"{path}: possible arcs: only core {sorted(rust.possible - python.possible)[:5]}, only tree {sorted(python.possible - rust.possible)[:5]}"
    if rust.exit_counts(ours.excluded) != python.exit_counts(ours.excluded):
        return f"{path}: exit counts"
    measured = sorted(python.possible) + [(a, a) for a, _ in sorted(python.possible)] + [(b, a) for a, b in sorted(python.possible)]
    if rust.translate(measured) != python.translate(measured) or rust.executed(measured) != python.executed(measured):
        return f"{path}: measured arcs translate differently"
    for a, b in sorted(python.possible):
        if rust.action(a, b) != python.action(a, b):
            return f"{path}: action of {(a, b)}: {rust.action(a, b)!r} / {python.action(a, b)!r}"
        if set(rust.description(a, b).split(" or ")) != set(python.description(a, b).split(" or ")):
            return f"{path}: description of {(a, b)}: {rust.description(a, b)!r} / {python.description(a, b)!r}"
    return None


@one_version
@pytest.mark.parametrize("chunk", range(4))
def test_the_core_arc_analysis_equals_the_tree_one_over_the_stdlib(chunk: int) -> None:
    files = stdlib_compare.stdlib_files()
    mine = files[chunk::4]
    outcomes = [arcs_differ(path) for path in mine]
    problems = [p for p in outcomes if p and p != "fallback"]
    assert not problems, f"{len(problems)} of {len(mine)} files differ:\n" + "\n".join(problems[:20])
    # The fallback is for a file ruff's parser does not read: none of the standard library's.
    assert outcomes.count("fallback") == 0, [p for p, o in zip(mine, outcomes) if o == "fallback"]
