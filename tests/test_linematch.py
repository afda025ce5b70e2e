"""The exclusion-pattern matcher in Rust (ferrocov_core::linematch) against Python's `re`, which
coverage.py uses: over every `.py` file of the standard library, with coverage.py's default
patterns and others of the kinds people write, the lines marked are the same; the patterns the
Rust engine could read differently are left to `re`, and still give `re`'s lines."""

from __future__ import annotations

import pytest

import stdlib_compare
from conftest import one_version
from ferrocov import _core, _cpython
from ferrocov._source import read_source
from ferrocov.config import Config

CHUNKS = 4
PORTABLE = [
    Config().exclude_regex(),
    r"def __repr__",
    r"^\s*raise NotImplementedError",
    r"if __name__ == .__main__.:",
    r"(?i)#\s*no\s*cover",
    r"^\s*@(abc\.)?abstractmethod",
    r"^\s*(el)?if\s+[\w.]+\s*:",
    r"except\s*\w*Error\s*:(?s:.*?)pass",
    r"x{2,}|\.\.\.",
    r"\bself\b\s*\)",
    r"[^\s]+\s*#\s*type:",
    r"^$",
]
#: Left to `re`: a look-ahead, a back-reference, `\Z`, verbose mode.
NOT_PORTABLE = [r"def (?=_)", r"(['\"]).*\1", r"pass\Z", r"(?x) raise \s+ \w+"]


def lines_both_ways(text: str, pattern: str) -> tuple[list[int], list[int]]:
    """The lines the core marks (in Rust where it reads the pattern and the text as `re`
    does, else by `re`, as in a file's analysis) and the lines `re` marks."""
    regex = _core.line_regex(pattern)
    fast = regex.lines(text) if regex is not None else None
    if fast is None:
        fast = _cpython.lines_matching(text, pattern)
    return sorted(fast), sorted(_cpython.lines_matching(text, pattern))


def test_which_patterns_the_rust_engine_takes() -> None:
    for pattern in PORTABLE:
        assert _core.line_regex(pattern) is not None, pattern
    for pattern in NOT_PORTABLE:
        assert _core.line_regex(pattern) is None, pattern


@one_version
@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_the_same_lines_as_re_over_the_standard_library(chunk: int) -> None:
    files = stdlib_compare.stdlib_files()
    assert len(files) > 500, "the standard library was not found"
    differ = []
    by_rust = 0
    for path in files[chunk::CHUNKS]:
        try:
            text = read_source(path)
        except Exception:
            continue
        for pattern in PORTABLE + NOT_PORTABLE:
            fast, slow = lines_both_ways(text, pattern)
            if fast != slow:
                differ.append((path, pattern, sorted(set(fast) ^ set(slow))[:5]))
        by_rust += _core.line_regex(PORTABLE[0]).lines(text) is not None  # type: ignore[union-attr]
    assert not differ, differ[:10]
    # Most of the standard library is ASCII, which is what the Rust engine reads (about 90% of
    # its files on 3.11, 89% of some quarters on 3.14).
    assert by_rust > len(files[chunk::CHUNKS]) * 0.75


def test_non_ascii_and_python_only_white_space_are_left_to_re() -> None:
    regex = _core.line_regex(r"a\s+b")
    assert regex is not None
    assert regex.lines("a \n b\n") == [1, 2]
    assert regex.lines("é\na  b\n") is None
    # Python's \s takes the separators U+001C..U+001F; the Rust engine's does not.
    assert regex.lines("a\x1cb\n") is None
    assert lines_both_ways("x = 1\na\x1cb\n", r"a\s+b") == ([2], [2])
