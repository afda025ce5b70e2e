"""A source file's analysis in one call to the core (`_core.analyze_file`) equals the one the
Python path makes (`ferrocov._facts` reading, compiling and asking the core piece by piece), and
the call leaves to that path exactly the files it must."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

import stdlib_compare
from ferrocov import _core, _facts

EXCLUDE = r"(?i)#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(cover|COVER)"
PARTIAL = r"(?i)#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(branch|BRANCH)"


def python_path(path: str, branch: bool) -> _facts.FileAnalysis:
    _facts._PYTHON_REGEX = True
    try:
        return _facts.analyze_file(path, EXCLUDE, branch, PARTIAL)
    finally:
        _facts._PYTHON_REGEX = False


def same(one: _facts.FileAnalysis, other: _facts.FileAnalysis) -> bool:
    if one.facts != other.facts or one.no_branch != other.no_branch:
        return False
    if (one.arcs is None) != (other.arcs is None):
        return False
    return one.arcs is None or (
        one.arcs.possible == other.arcs.possible and one.arcs.exit_counts(one.excluded) == other.arcs.exit_counts(other.excluded)
    )


@pytest.mark.parametrize("chunk", range(2))
def test_the_one_call_equals_the_python_path_over_the_standard_library(chunk: int) -> None:
    files = stdlib_compare.stdlib_files()[chunk::2]
    differ, declined, compared = [], 0, 0
    for path in files:
        fast = _core.analyze_file(path, EXCLUDE, True, PARTIAL)
        if fast is None:
            declined += 1
            continue
        compared += 1
        if not same(fast, python_path(path, True)):
            differ.append(path)
    assert not differ, f"{len(differ)} of {compared} differ: {differ[:10]}"
    # Most files are plain UTF-8 that the core reads: the call must not quietly decline them.
    assert compared > 0.9 * len(files), (compared, declined)


@pytest.mark.parametrize(
    "name, data, one_call",
    [
        ("crlf.py", b"x = 1\r\nif x:\r\n    y = 2\r\n", True),
        ("cr.py", b"x = 1\rif x:\r    y = 2\r", True),
        ("formfeed.py", b"x = 1\n\x0c\ndef f():\n    return 2\n", True),
        ("no_newline.py", b"x = 1\ny = 2", True),
        ("empty.py", b"", True),
        ("only_comments.py", b"# a\n\n# b\n", True),
        ("separators.py", "x = '\u2028'\ny = 2  # \x1c\n".encode(), True),
        ("bom.py", b"\xef\xbb\xbfx = 1\n", False),
        ("cookie.py", b"# -*- coding: latin-1 -*-\nx = '\xe9'\n", False),
        ("cookie_second.py", b"#!/usr/bin/env python\n# vim: set fileencoding=latin-1 :\nx = '\xe9'\n", False),
        ("says_coding.py", b"# Codec encoding tests\n# no declaration: coding is a word here\nx = 1\n", True),
        ("invalid.py", b"x = '\xff'\n", False),
        ("syntax_error.py", b"def f(:\n", False),
    ],
)
def test_what_the_one_call_reads_and_what_it_leaves(tmp_path: Path, name: str, data: bytes, one_call: bool) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    fast = _core.analyze_file(str(path), EXCLUDE, True, PARTIAL)
    assert (fast is not None) == one_call
    if fast is None:
        return
    slow = python_path(str(path), True)
    assert same(fast, slow)
    assert fast.n_lines == slow.n_lines
    assert pickle.loads(pickle.dumps(fast)).facts == fast.facts


def test_a_missing_file_is_left_to_the_python_path_which_names_it(tmp_path: Path) -> None:
    missing = str(tmp_path / "gone.py")
    assert _core.analyze_file(missing, EXCLUDE) is None
    with pytest.raises(_facts.NoSource, match="gone.py"):
        _facts.analyze_file(missing, EXCLUDE)


def test_exclusions_and_partial_branches_in_the_one_call(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(
        "def f(x):\n"
        "    if x:  # pragma: no branch\n"
        "        return 1\n"
        "    return 2  # pragma: no cover\n"
        "s = 'caf\u00e9'  # pragma: no cover\n"  # non-ASCII: the exclusion is matched by `re`
    )
    fast = _core.analyze_file(str(path), EXCLUDE, True, PARTIAL)
    assert fast is not None
    assert fast.excluded == {4, 5}
    assert fast.no_branch == frozenset({2})
    assert fast.statements == {1, 2, 3}
    assert same(fast, python_path(str(path), True))


def test_html_pages_show_sources_the_core_reads_and_those_it_leaves_to_python(tmp_path: Path) -> None:
    """The HTML report reads each source in the core; a latin-1 file (coding declaration) is
    read by the Python path: both pages show the text as coverage.py's do."""
    import html
    import sys

    from conftest import ferrocov, run

    (tmp_path / "plain.py").write_text("word = 'caf\u00e9'\nif word:\n    print(word)\n", encoding="utf-8")
    (tmp_path / "old.py").write_bytes(b"# -*- coding: latin-1 -*-\nname = 'na\xefve'\n")
    (tmp_path / "main.py").write_text("import plain, old\n")
    result = ferrocov("run", "main.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    result = ferrocov("html", "-q", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    pages = {p.name: html.unescape(p.read_text(encoding="utf-8")) for p in (tmp_path / "htmlcov").glob("*_py.html")}
    assert "caf\u00e9" in pages["plain_py.html"]
    assert "na\u00efve" in pages["old_py.html"]
    theirs = run([sys.executable, "-m", "coverage", "run", "main.py"], cwd=tmp_path)
    assert theirs.returncode == 0, theirs.stderr
    run([sys.executable, "-m", "coverage", "html", "-q", "-d", "theirs"], cwd=tmp_path)
    assert "na\u00efve" in html.unescape((tmp_path / "theirs" / "old_py.html").read_text(encoding="utf-8"))
