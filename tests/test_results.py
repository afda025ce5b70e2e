"""A file's analysis and its results cross from Rust as typed objects (``_core.Analysis``,
``_core.FileResult``): their fields say what the source and the data say, an analysis survives
pickling (report workers send them), and a result is made in one call from the analysis and the
data, its executed lines on the first lines of their statements."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from ferrocov import _core

SOURCE = '''\
"""Doc."""
x = (1,
     2)
def f(a):
    if a:  # pragma: no cover
        return 1
    return 2


class C:
    def m(self):
        return 3
'''


def analysis(tmp_path: Path) -> tuple[str, _core.FileAnalysis]:
    path = tmp_path / "mod.py"
    path.write_text(SOURCE)
    return str(path), _core.analyze_file(str(path), r"#\s*pragma: no cover")


def data_with(tmp_path: Path, lines: dict[str, list[int]]) -> _core.Data:
    """Data as coverage.py writes it."""
    import coverage

    data = coverage.CoverageData(str(tmp_path / ".coverage"))
    data.add_lines(lines)
    data.write()
    return _core.Data.read(str(tmp_path / ".coverage"))


def test_an_analysis_says_what_the_source_says(tmp_path: Path) -> None:
    _, result = analysis(tmp_path)
    facts = result.facts
    assert isinstance(facts, _core.Analysis)
    from coverage.python import PythonParser

    path = str(tmp_path / "mod.py")
    theirs = PythonParser(filename=path, exclude=r"#\s*pragma: no cover")
    theirs.parse_source()
    assert facts.statements == theirs.statements == {2, 4, 7, 10, 11, 12}
    assert facts.excluded == theirs.excluded == {5, 6}
    assert facts.multiline == theirs.multiline_map == {2: 2, 3: 2}
    assert facts.n_lines == 12
    assert facts.empty is False
    assert [(kind, name, line) for kind, name, line, _ in facts.regions] == [("function", "f", 4), ("class", "C", 10), ("function", "C.m", 11)]
    assert facts.translate([3, 2, 7]) == {2, 7}


def test_an_analysis_pickles_to_an_equal_one(tmp_path: Path) -> None:
    _, result = analysis(tmp_path)
    again = pickle.loads(pickle.dumps(result))
    assert again.facts == result.facts
    assert again.facts is not result.facts
    assert again.statements == result.statements
    assert again.facts != _core.Analysis([1], [], [], [], 1)


def test_a_result_is_made_from_the_analysis_and_the_data(tmp_path: Path) -> None:
    path, result = analysis(tmp_path)
    data = data_with(tmp_path, {path: [1, 3, 4, 7, 99]})  # 3: the second line of the statement at 2
    file_result = _core.FileResult(result.facts, data, path, "mod.py")
    assert file_result.path == path
    assert file_result.name == "mod.py"
    assert file_result.statements == [2, 4, 7, 10, 11, 12]
    assert file_result.executed == [2, 4, 7]
    assert file_result.missing == [10, 11, 12]
    assert file_result.excluded == [5, 6]
    assert file_result.n_lines == 12
    assert file_result.has_branches is False
    text, total, statements = _core.summary([file_result], show_missing=True)
    assert statements == 6
    assert total == pytest.approx(50.0)
    assert text.splitlines()[-1].split()[:4] == ["TOTAL", "6", "3", "50%"]


def test_a_file_without_data_has_every_statement_missing(tmp_path: Path) -> None:
    path, result = analysis(tmp_path)
    file_result = _core.FileResult(result.facts, _core.Data(), path, "mod.py")
    assert file_result.executed == []
    assert file_result.missing == file_result.statements


def test_every_error_a_report_can_meet_has_the_one_base_class(tmp_path: Path) -> None:
    """A missing source, one that doesn't parse, one whose encoding is unknown, and the core's
    own errors (a data file that isn't one) are all ferrocov.exceptions.FerrocovError."""
    from ferrocov import exceptions

    bad = tmp_path / "bad.py"
    bad.write_text("def (:\n")
    cookie = tmp_path / "cookie.py"
    cookie.write_bytes(b"# -*- coding: uft-8 -*-\nx = 1\n")
    notdata = tmp_path / "notdata"
    notdata.write_text("not a database")
    caught = []
    for attempt in (
        lambda: _core.analyze_file(str(tmp_path / "gone.py"), ""),
        lambda: _core.analyze_file(str(bad), ""),
        lambda: _core.analyze_file(str(cookie), ""),
        lambda: _core.Data.read(str(notdata)),
    ):
        with pytest.raises(exceptions.FerrocovError) as info:
            attempt()
        caught.append(type(info.value).__name__)
    assert caught == ["NoSource", "NotPython", "EncodingProblem", "DataError"]
