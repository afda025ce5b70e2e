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
