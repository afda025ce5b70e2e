"""The Rust tokenizer and structure reader the statement rules read (ferrocov_core::tokens):
tabs read as Python reads them, and installed third-party code analysed as coverage.py analyses
it. (Every file of the standard library is compared with coverage.py in test_stdlib_analysis;
lines that begin with continuations in test_file_analysis.)"""

from __future__ import annotations

from pathlib import Path

import pytest

import stdlib_compare
from conftest import EVERY_TEST
from ferrocov import _core

CHUNKS = 4


def test_tab_indentation_reads_as_python_reads_it(tmp_path: Path) -> None:
    text = "class C:\n\tdef m(self):\n\t\tif x:\n\t\t\treturn 1  # pragma: no cover\n\t\treturn 2\n\n\tx = 1\n"
    compile(text, "tabs.py", "exec")
    path = tmp_path / "tabs.py"
    path.write_text(text)
    analysis = _core.analyze_file(str(path), r"#\s*pragma: no cover")
    assert analysis.excluded == {4}
    assert analysis.statements == {1, 2, 3, 5, 7}
    assert stdlib_compare.compare(str(path)) is None


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
