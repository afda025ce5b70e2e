"""Differential test over real code: standard-library modules measured while their own test
suites run (under unittest), by ferrocov and by coverage.py. The recorded lines or arcs of
every measured file, and the report, must be the same."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from conftest import coverage, ferrocov

SOURCE = "heapq,bisect,colorsys,fractions,statistics,difflib,calendar,csv"
TESTS = [f"test.test_{name}" for name in SOURCE.split(",")]


def read(data_file: Path, branch: bool, lines_only: bool = False) -> dict[str, set[object]]:
    from coverage import CoverageData

    data = CoverageData(basename=str(data_file))
    data.read()
    assert data.has_arcs() == branch
    if branch and not lines_only:
        return {f: set(data.arcs(f) or ()) for f in data.measured_files()}
    return {f: set(data.lines(f) or ()) for f in data.measured_files()}


@pytest.mark.parametrize("branch", [False, True], ids=["lines", "branches"])
def test_stdlib_suites_measure_the_same(branch: bool, tmp_path: Path) -> None:
    import importlib.util

    try:
        found = importlib.util.find_spec("test.test_heapq") is not None
    except ImportError:
        found = False
    if not found:
        # Some distributions ship Python without its test package; pyenv builds have it.
        if os.environ.get("CI"):
            pytest.fail("the standard library's test package must be installed")
        pytest.skip("the standard library's test package is not installed")
    env = {"PYTHONHASHSEED": "0"}
    flag = ["--branch"] if branch else []
    ours = ferrocov("run", *flag, f"--source={SOURCE}", "--data-file=.coverage.ours", "-m", "unittest", "-q", *TESTS, cwd=tmp_path, timeout=600, **env)
    assert ours.returncode == 0, ours.stderr[-2000:]
    # coverage.py measures subprocesses only when told to; ferrocov always does.
    (tmp_path / "oracle.rc").write_text(f"[run]\npatch = subprocess\nbranch = {branch}\n")
    if not branch and (3, 12) <= sys.version_info[:2] < (3, 14):
        # coverage.py's sys.monitoring core for lines (its default from 3.14): the same lines,
        # in a third of the C tracer's time there.
        env["COVERAGE_CORE"] = "sysmon"
    theirs = coverage("run", "--rcfile=oracle.rc", f"--source={SOURCE}", "--data-file=.coverage.theirs", "-m", "unittest", "-q", *TESTS, cwd=tmp_path, timeout=600, **env)
    assert theirs.returncode == 0, theirs.stderr[-2000:]
    coverage("combine", "--rcfile=oracle.rc", "--data-file=.coverage.theirs", "-q", cwd=tmp_path)
    expected = read(tmp_path / ".coverage.theirs", branch)
    assert len(expected) == len(SOURCE.split(",")), sorted(expected)
    if branch and sys.version_info >= (3, 12):
        # On 3.12+ ferrocov records arcs from sys.monitoring's one-shot events (on 3.14+ so does
        # coverage.py; on 3.12 and 3.13 coverage.py's C tracer records every transition): the
        # raw arcs may differ by transitions between lines already seen; the reports, which
        # are the contract, must not (compared below, with every branch taken and missed).
        assert read(tmp_path / ".coverage.ours", True, True) == read(tmp_path / ".coverage.theirs", True, True)
        for root_file, tool in ((".coverage.ours", ferrocov), (".coverage.theirs", coverage)):
            assert tool("json", f"--data-file={root_file}", "-o", f"{root_file}.json", cwd=tmp_path).returncode == 0
        def branches(name: str) -> dict[str, object]:
            files = json.loads((tmp_path / name).read_text())["files"]
            return {f: (d["executed_branches"], d["missing_branches"], d["summary"]) for f, d in files.items()}
        assert branches(".coverage.ours.json") == branches(".coverage.theirs.json")
    else:
        assert read(tmp_path / ".coverage.ours", branch) == expected
    ours_report = ferrocov("report", "-m", "--data-file=.coverage.ours", cwd=tmp_path)
    theirs_report = coverage("report", "-m", "--data-file=.coverage.theirs", cwd=tmp_path)
    assert ours_report.stdout == theirs_report.stdout
    assert "TOTAL" in ours_report.stdout
