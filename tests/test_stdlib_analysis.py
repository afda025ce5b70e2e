"""ferrocov's statement analysis equals coverage.py's over every file of the standard library
(thousands of real files no one here wrote): same statements, same excluded lines."""

from __future__ import annotations

import pytest

import stdlib_compare

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
