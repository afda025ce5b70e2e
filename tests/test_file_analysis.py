"""A source file's analysis in one call to the core (`_core.analyze_file`): it reads what
coverage.py reads (newlines of every kind, form feeds, byte-order marks, coding declarations,
continuation lines where a line begins) and finds what coverage.py finds there, raises
coverage.py's errors for a file that can't be read, decoded or compiled, and says what a missed
branch does in coverage.py's words over real code."""

from __future__ import annotations

import pickle
import random
import sys
import warnings
from pathlib import Path

import pytest

import stdlib_compare
from conftest import BLOCK_LINES, one_version
from ferrocov import _core
from ferrocov._source import read_source
from ferrocov.exceptions import NoSource, NotPython

EXCLUDE = r"(?i)#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(cover|COVER)"
PARTIAL = r"(?i)#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(branch|BRANCH)"


#: The pragma and the block-reaching exclusions: exit counts with excluded lines too.
BLOCKS = EXCLUDE + "|" + BLOCK_LINES


def wording_differs(path: str) -> list[str]:
    """For every arc from a line with more than one way out: what ferrocov says the arc does and
    what it says when the arc is missed, against coverage.py's words (the parts of a description
    as a set: coverage.py joins them in an order its hashing picks)."""
    from coverage.parser import PythonParser

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parser = PythonParser(filename=path, exclude=BLOCKS)
            parser.parse_source()
            arcs, exits = parser.arcs(), parser.exit_counts()
        except Exception:
            return []  # refused by coverage.py: the analysis comparisons cover that
        ours = _core.analyze_file(path, BLOCKS, True, PARTIAL).arcs
    assert ours is not None
    problems = []
    for a, b in sorted(arcs):
        if exits.get(a, 0) > 1:
            if ours.action(a, b) != parser.arc_description(a, b):  # type: ignore[attr-defined]
                problems.append(f"{path}: {a}->{b} does {ours.action(a, b)!r}, coverage.py {parser.arc_description(a, b)!r}")  # type: ignore[attr-defined]
            mine = set(ours.description(a, b).split(" or "))
            theirs = set(parser.missing_arc_description(a, b).split(" or "))  # type: ignore[attr-defined]
            if mine != theirs:
                problems.append(f"{path}: {a}->{b} says {sorted(mine)}, coverage.py {sorted(theirs)}")
    return problems


@one_version
def test_what_a_missed_branch_says_is_coverage_pys_over_the_standard_library() -> None:
    """A random tenth of the standard library (a new draw each run; the seed is printed)."""
    files = stdlib_compare.stdlib_files()
    assert len(files) > 500, "the standard library was not found"
    seed = random.randrange(1 << 30)
    print(f"seed {seed}")
    sample = random.Random(seed).sample(files, len(files) // 10)
    problems = [p for path in sample for p in wording_differs(path)]
    assert not problems, f"{len(problems)} arcs differ (seed {seed}):\n" + "\n".join(problems[:20])


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
    assert stdlib_compare.compare(str(path)) is None
    assert fast.n_lines == len(read_source(str(path)).splitlines())
    copy = pickle.loads(pickle.dumps(fast))
    assert copy.facts == fast.facts and copy.arcs == fast.arcs and copy.no_branch == fast.no_branch


def test_files_that_cannot_be_read_decoded_or_compiled_raise_what_coverage_py_raises(tmp_path: Path) -> None:
    missing = str(tmp_path / "gone.py")
    with pytest.raises(NoSource, match=r"No source for code: '.*gone.py'\."):
        _core.analyze_file(missing, EXCLUDE)
    bad = tmp_path / "bad.py"
    bad.write_bytes(b"def f(:\n")
    with pytest.raises(NotPython, match=r"Couldn't parse '.*bad.py' as Python source: .* at line 1"):
        _core.analyze_file(str(bad), EXCLUDE)
    undecodable = tmp_path / "undecodable.py"
    undecodable.write_bytes(b"x = '\xff'\n")  # no declaration, not UTF-8 on its first line
    with pytest.raises(NotPython, match="undecodable.py"):
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
    from coverage.parser import PythonParser

    parser = PythonParser(filename=str(path), exclude=EXCLUDE)
    parser.parse_source()
    assert fast.arcs is not None
    assert fast.arcs.possible == parser.arcs()
    assert fast.arcs.exit_counts(fast.excluded) == parser.exit_counts()


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


#: Lines that begin with a continuation, which CPython's compiler (and 3.12+'s tokenize) and
#: 3.10/3.11's tokenize.py read differently; coverage.py's rules see the latter there. With
#: excluded blocks around them, where the indentation coverage.py counts decides what is excluded.
CONTINUED = {
    "if": "if x:\n    \\\n    y = 1\nz = 2\n",
    "def": "def f():\n    \\\n        return 1\n",
    "class": "class C:\n    \\\n    def m(self):\n        pass\n    \\\n    x = (1,\n  2)\n",
    "bad-indent": "x = 1\n    \\\ny = 2\n",
    "tab": "if x:\n    \\\n\ty = 1\n",
    "column-0": "x = 1\n\\\ny = 2\n",
    "column-0-first": "\\\nx = 1\n",
    "column-0-in-def": "def f():\n    a = 1\n\\\n    b = 2\n    c = 3\nd = 4\n",
    "column-0-dedent": "if x:\n    a = 1\n\\\nb = 2\nc = 3\n",
    "column-0-deeper": "if x:\n\\\n        a = 1\n",
    "column-0-twice": "def f():\n    a = 1\n\\\n\\\n    b = 2\n    return a\n",
    "column-0-then-2": "def f():\n    a = 1\n\\\n  \\\n    b = 2\n",
    "to-a-blank-line": "if x:\n    a = 1\n    \\\n\n    b = 2\n",
    "deeper-to-a-blank-line": "if x:\n    a = 1\n        \\\n\n    b = 2\nc = 3\n",
    "to-a-comment": "if x:\n    a = 1\n    \\\n    # c\n    b = 2\n",
    "excluded-column-0": "if x:  # pragma: no cover\n    a = 1\n\\\n    b = 2\n    c = 3\nd = 4\n",
    "excluded-def-column-0": "def f():  # pragma: no cover\n    a = 1\n\\\n    b = 2\n    if a:\n        c = 3\nd = 4\n",
    "excluded-deeper-blank": "if x:  # pragma: no cover\n    a = 1\n        \\\n\n    b = 2\nc = 3\n",
    "excluded-inside": "def f(x):\n    if x:  # pragma: no cover\n        a = 1\n\\\n        b = 2\n    return 3\n",
    "decorated-column-0": "@dec\n\\\ndef f():\n    return 1\n",
    "docstring-column-0": "def f():\n\\\n    'doc'\n    return 1\n",
    # 3.12+: comments in a replacement field that spans lines.
    "fstring-comment": "x = f'''{\n1  # one's {\n}'''\nif x:\n    y = t'{ # c\n2}'\n",
}


@pytest.mark.parametrize("text", CONTINUED.values(), ids=CONTINUED.keys())
def test_lines_the_token_reader_once_left_to_python(tmp_path: Path, text: str) -> None:
    """Read in the one call, and as coverage.py reads them on this version (or refused as it
    refuses them)."""
    path = tmp_path / "m.py"
    path.write_text(text)
    if "{ #" in text and sys.version_info < (3, 12):
        pytest.skip("comments in f-string fields are 3.12 syntax")
    assert stdlib_compare.compare(str(path)) is None
    try:
        compile(text, "m.py", "exec")
    except SyntaxError:
        with pytest.raises(NotPython):
            _core.analyze_file(str(path), EXCLUDE, True, PARTIAL)
        return
    analysis = _core.analyze_file(str(path), EXCLUDE, True, PARTIAL)
    assert analysis.statements and analysis.arcs is not None
