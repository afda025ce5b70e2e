"""The Rust tokenizer and structure reader the statement rules read (ferrocov_core::tokens):
tabs read as Python reads them, nearly every file of the standard library read without Python's
help, and installed third-party code analysed as coverage.py analyses it. The differential of
the whole one call against Python's tokenize, `re` and tree is in test_file_analysis."""

from __future__ import annotations

import pytest

import stdlib_compare
from conftest import BLOCK_LINES, EVERY_TEST
from ferrocov import _core, _facts

CHUNKS = 4
EXCLUDE = r"(?:#\s*(?:pragma|PRAGMA)[:\s]?\s*(?:no|NO)\s*(?:cover|COVER))|" + BLOCK_LINES


def test_tab_indentation_reads_as_python_reads_it(tmp_path: object) -> None:
    text = "class C:\n\tdef m(self):\n\t\tif x:\n\t\t\treturn 1  # pragma: no cover\n\t\treturn 2\n\n\tx = 1\n"
    compile(text, "tabs.py", "exec")
    assert _core.analyze_source(text, [], [], [], [], [], [], 0) is not None, "the tokenizer declined tabs"
    _facts._PYTHON_TOKENS = True
    try:
        python = _facts.analyze_text(text, "tabs.py", EXCLUDE)
    finally:
        _facts._PYTHON_TOKENS = False
    rust = _facts.analyze_text(text, "tabs.py", EXCLUDE)
    assert (rust.statements, rust.excluded, rust.regions) == (python.statements, python.excluded, python.regions)
    assert rust.excluded == {4}


def test_the_rust_tokenizer_reads_nearly_every_file() -> None:
    """It may leave a file to Python's tokenize (a line that begins with a continuation, text it
    does not know) and to the syntax tree, but rarely: otherwise reports lose the speed it is
    there for."""
    files = stdlib_compare.stdlib_files()
    declined = []
    structured_elsewhere = []
    for path in files:
        try:
            text = _facts.read_source(path)
        except Exception:
            continue
        if _core.analyze_source(text, [], [], [], [], [], [], 0) is None:
            declined.append(path)
        elif _core.analyze_structure(text, [], [], 0) is None:
            structured_elsewhere.append(path)
    assert len(declined) < len(files) // 100, (len(declined), declined[:20])
    assert len(structured_elsewhere) < len(files) // 100, (len(structured_elsewhere), structured_elsewhere[:20])


def test_the_one_call_leaves_almost_no_file_to_python() -> None:
    """With branches too (ruff's parser): no file of the standard library, 3.10 to 3.15."""
    files = stdlib_compare.stdlib_files()
    left = []
    for path in files:
        try:
            if _core.analyze_file(path, "", True, "") is None:
                left.append(path)
        except (_facts.NoSource, _facts.NotPython):
            continue
    assert not left, left


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_installed_third_party_code_is_analyzed_as_coverage_py_does(chunk: int) -> None:
    """Statements, exclusions, possible arcs and exit counts equal coverage.py's over the
    third-party code installed next to the tests (pytest, coverage.py, pip, mypy, selenium...):
    written by other people, in other styles."""
    if not EVERY_TEST and chunk:
        # The same files on every version: all of them on 3.11, a quarter elsewhere (what the
        # versions parse differently, each one's whole standard library shows in
        # test_stdlib_analysis).
        pytest.skip("a quarter of the third-party files off 3.11 (FERROCOV_EVERY_VERSION=1: all)")
    files = stdlib_compare.package_files()
    assert len(files) > 500, "the test environment's packages were not found"
    mine = files[chunk::CHUNKS]
    problems = [p for p in map(stdlib_compare.compare, mine) if p]
    assert not problems, f"{len(problems)} of {len(mine)} files differ:\n" + "\n".join(problems[:10])
