"""A source file's analysis in one call to the core (`_core.analyze_file`) equals the one the
Python path makes (`ferrocov._facts` reading, compiling and asking the core piece by piece), the
call raises coverage.py's errors for a file that can't be read, decoded or compiled, and leaves
to that path only the sources the core's readers leave to CPython's."""

from __future__ import annotations

import contextlib
import pickle
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

import stdlib_compare
from conftest import BLOCK_LINES, one_version
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


#: The pragma and the block-reaching exclusions: exit counts with excluded lines too.
BLOCKS = EXCLUDE + "|" + BLOCK_LINES


@contextlib.contextmanager
def all_python() -> Iterator[None]:
    """The fallback path as a whole: Python's tokenize for the statement rules, the
    interpreter's tree for arcs (`_arcs`), `re` for exclusion patterns."""
    _facts._PYTHON_TOKENS = _facts._PYTHON_ARCS = _facts._PYTHON_REGEX = True
    try:
        yield
    finally:
        _facts._PYTHON_TOKENS = _facts._PYTHON_ARCS = _facts._PYTHON_REGEX = False


def paths_differ(path: str) -> str | None:
    """None when the one call and the all-Python path agree on this file: the same error in the
    same words, or the same statements, exclusions, multi-line statements, regions, possible
    arcs, exit counts, and for every possible arc how measured arcs translate, what it does and
    what it says when missed (the parts of a description as a set: coverage.py joins them in an
    order its hashing picks). "declined" when the core's readers leave the file to Python."""
    # As in a report, a source's warnings (an invalid escape, `is` with a literal) do not stop
    # its parse: pytest's filter would make them errors, on one path or the other.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _paths_differ(path)


def _paths_differ(path: str) -> str | None:
    try:
        fast = _core.analyze_file(path, BLOCKS, True, PARTIAL)
    except (_facts.NoSource, _facts.NotPython) as err:
        try:
            with all_python():
                _facts.analyze_file(path, BLOCKS, True, PARTIAL)
        except type(err) as theirs:
            return None if str(theirs) == str(err) else f"{path}: {err} / {theirs}"
        return f"{path}: only the one call raised {err}"
    if fast is None:
        return "declined"
    with all_python():
        slow = _facts.analyze_file(path, BLOCKS, True, PARTIAL)
    if fast.facts != slow.facts:
        parts = ("statements", "excluded", "multiline", "regions")
        which = [part for part in parts if getattr(fast.facts, part) != getattr(slow.facts, part)]
        return f"{path}: facts differ ({', '.join(which) or 'other'})"
    if fast.no_branch != slow.no_branch:
        return f"{path}: no-branch lines"
    rust, python = fast.arcs, slow.arcs
    assert rust is not None and python is not None
    if not isinstance(rust, _core.ArcAnalysis):
        return "declined"
    if rust.possible != python.possible:
        return f"{path}: possible arcs: only core {sorted(rust.possible - python.possible)[:5]}, only tree {sorted(python.possible - rust.possible)[:5]}"
    if rust.exit_counts(fast.excluded) != python.exit_counts(slow.excluded):
        return f"{path}: exit counts"
    possible = sorted(python.possible)
    measured = possible + [(a, a) for a, _ in possible] + [(b, a) for a, b in possible]
    if rust.translate(measured) != python.translate(measured) or rust.executed(measured) != python.executed(measured):
        return f"{path}: measured arcs translate differently"
    for a, b in possible:
        if rust.action(a, b) != python.action(a, b):
            return f"{path}: action of {(a, b)}: {rust.action(a, b)!r} / {python.action(a, b)!r}"
        if set(rust.description(a, b).split(" or ")) != set(python.description(a, b).split(" or ")):
            return f"{path}: description of {(a, b)}: {rust.description(a, b)!r} / {python.description(a, b)!r}"
    return None


@one_version
@pytest.mark.parametrize("chunk", range(4))
def test_the_one_call_equals_the_python_path_over_the_standard_library(chunk: int) -> None:
    """One chain of comparisons for the fallback that sources the core declines still take:
    the core's tokenizer, structure reader, matcher and arc analysis (ruff's tree) against
    Python's tokenize, `re` and the interpreter's tree, over every file of the standard library."""
    files = stdlib_compare.stdlib_files()
    assert len(files) > 500, "the standard library was not found"
    mine = files[chunk::4]
    outcomes = [paths_differ(path) for path in mine]
    problems = [o for o in outcomes if o and o != "declined"]
    assert not problems, f"{len(problems)} of {len(mine)} files differ:\n" + "\n".join(problems[:20])
    # The call leaves to Python only what the core's readers decline: none of 3.11's files,
    # a few of a newer Python's whose syntax ruff's parser may not know yet.
    declined = [path for path, o in zip(mine, outcomes) if o == "declined"]
    assert len(declined) <= len(mine) // 100, declined


@pytest.mark.parametrize(
    "name, data",
    [
        ("crlf.py", b"x = 1\r\nif x:\r\n    y = 2\r\n"),
        ("cr.py", b"x = 1\rif x:\r    y = 2\r"),
        ("formfeed.py", b"x = 1\n\x0c\ndef f():\n    return 2\n"),
        ("no_newline.py", b"x = 1\ny = 2"),
        ("empty.py", b""),
        ("only_comments.py", b"# a\n\n# b\n"),
        ("separators.py", "x = '\u2028'\ny = 2  # \x1c\n".encode()),
        # Read by Python's codecs, through `_source.read_source`:
        ("bom.py", b"\xef\xbb\xbfx = 1\n"),
        ("cookie.py", b"# -*- coding: latin-1 -*-\nx = '\xe9'\n"),
        ("cookie_second.py", b"#!/usr/bin/env python\n# vim: set fileencoding=latin-1 :\nx = '\xe9'\n"),
        ("says_coding.py", b"# Codec encoding tests\n# no declaration: coding is a word here\nx = 1\n"),
        ("invalid_later.py", b"x = 1\ny = 2\nz = '\xff'\n"),
    ],
)
def test_what_the_one_call_reads(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    fast = _core.analyze_file(str(path), EXCLUDE, True, PARTIAL)
    assert fast is not None
    slow = python_path(str(path), True)
    assert same(fast, slow)
    assert fast.n_lines == slow.n_lines
    assert pickle.loads(pickle.dumps(fast)).facts == fast.facts


def test_files_that_cannot_be_read_decoded_or_compiled_raise_what_coverage_py_raises(tmp_path: Path) -> None:
    missing = str(tmp_path / "gone.py")
    with pytest.raises(_facts.NoSource, match=r"No source for code: '.*gone.py'\."):
        _core.analyze_file(missing, EXCLUDE)
    bad = tmp_path / "bad.py"
    bad.write_bytes(b"def f(:\n")
    with pytest.raises(_facts.NotPython, match=r"Couldn't parse '.*bad.py' as Python source: .* at line 1"):
        _core.analyze_file(str(bad), EXCLUDE)
    undecodable = tmp_path / "undecodable.py"
    undecodable.write_bytes(b"x = '\xff'\n")  # no declaration, not UTF-8 on its first line
    with pytest.raises(_facts.NotPython, match="undecodable.py"):
        _core.analyze_file(str(undecodable), EXCLUDE)


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


@pytest.mark.parametrize(
    "text",
    [
        "if x:\n    \\\n    y = 1\nz = 2\n",
        "def f():\n    \\\n        return 1\n",
        "class C:\n    \\\n    def m(self):\n        pass\n    \\\n    x = (1,\n  2)\n",
        "x = 1\n    \\\ny = 2\n",
        "if x:\n    \\\n\ty = 1\n",
        # 3.12+: comments in a replacement field that spans lines.
        "x = f'''{\n1  # one's {\n}'''\nif x:\n    y = t'{ # c\n2}'\n",
    ],
    ids=["if", "def", "class", "bad-indent", "tab", "fstring-comment"],
)
def test_lines_the_token_reader_once_left_to_python(tmp_path: Path, text: str) -> None:
    """Read in the one call, and as coverage.py reads them (or refused as it refuses them)."""
    path = tmp_path / "m.py"
    path.write_text(text)
    if "#" in text and sys.version_info < (3, 12):
        pytest.skip("comments in f-string fields are 3.12 syntax")
    assert stdlib_compare.compare(str(path)) is None
    try:
        assert _core.analyze_file(str(path), EXCLUDE, True, PARTIAL) is not None
    except _facts.NotPython:
        pass
