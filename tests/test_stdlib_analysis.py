"""ferrocov's analysis equals coverage.py's over every file of the standard library (thousands
of real files no one here wrote): same statements, excluded lines, arcs, exit counts, function
and class regions. coverage.py's side comes from stored digests where they are for this very
file (tests/stdlib_compare.py says how), from coverage.py itself everywhere else."""

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
    mine = stdlib_compare.our_regions(path)
    if stdlib_compare.stored_agrees(path, 2, mine):
        return None
    expected = stdlib_compare.their_regions(path)
    if mine == expected:
        return None
    if isinstance(mine, str) or isinstance(expected, str):
        # Refused by either: a file `ast` reads that does not compile (bad `__future__`
        # imports): whether it is Python at all is the statements test's to compare.
        return None
    assert isinstance(mine, list) and isinstance(expected, list)
    first = next((m, e) for m, e in zip(mine + [None] * len(expected), expected + [None] * len(mine)) if m != e)
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


def test_the_stored_oracle_is_coverage_pys() -> None:
    """The digests of coverage.py's results stored in tests/oracle/ (which spare most runs of its
    parser) are what coverage.py gives now, for a sample of the files they are stored for: one
    in 40, a different sample on each run."""
    import random

    stored = stdlib_compare.oracle()
    if not stored:
        pytest.skip(f"no stored oracle ({stdlib_compare.oracle_file().name}): every comparison runs coverage.py")
    files = [p for p in stdlib_compare.oracle_files() if (name := stdlib_compare.key(p)) in stored and stored[name][0] == stdlib_compare.source_hash(p)]
    # Files that are not the ones stored (another build of the same version, packages of other
    # releases) are compared with coverage.py itself: slower, never wrong. Said when most of
    # the standard library is such a file, since the oracle then saves nothing.
    in_stdlib = [name for name in stored if name.startswith("stdlib/")]
    if sum(1 for p in files if str(stdlib_compare.key(p)).startswith("stdlib/")) < len(in_stdlib) * 0.9:
        pytest.skip(f"the standard library here is not the one {stdlib_compare.oracle_file().name} was made from: coverage.py runs for it")
    sample = random.sample(files, max(20, len(files) // 40))
    wrong = []
    for path in sample:
        _, analysis, regions = stored[stdlib_compare.key(path)]  # type: ignore[index]
        expected = (stdlib_compare.digest(stdlib_compare.canonical(stdlib_compare.theirs(path))), stdlib_compare.digest(stdlib_compare.their_regions(path)))
        if expected != (analysis, regions):
            wrong.append(path)
    assert not wrong, f"{len(wrong)} of {len(sample)} stored digests are not coverage.py's: {wrong[:10]}"
