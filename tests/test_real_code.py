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

#: Modules neither tool imports before it starts measuring (a module imported earlier runs its
#: module-level lines unmeasured: coverage.py's command line imports textwrap, shlex, pprint,
#: configparser and on 3.11 ipaddress; ferrocov's imports argparse), whose suites run in seconds
#: and take the same branches every run (test_statistics took 38 s plain, and some of its
#: branches depend on where objects land in memory: it no longer is one of them).
SOURCE = "heapq,bisect,colorsys,fractions,difflib,calendar,csv,graphlib,getopt,gzip,quopri,netrc,cmd,mimetypes"
#: The suites run by this script, which seeds `random` first: tests that draw random data take
#: the same branches in both tools' runs.
SEEDED = "import random, sys, unittest\nrandom.seed(20261201)\nunittest.main(module=None, argv=['unittest', '-q', *sys.argv[1:]])\n"
TESTS = [f"test.test_{name}" for name in SOURCE.split(",")]


def read(data_file: Path, branch: bool, lines_only: bool = False) -> dict[str, set[object]]:
    from coverage import CoverageData

    data = CoverageData(basename=str(data_file))
    data.read()
    assert data.has_arcs() == branch
    if branch and not lines_only:
        return {f: set(data.arcs(f) or ()) for f in data.measured_files()}
    return {f: set(data.lines(f) or ()) for f in data.measured_files()}


def line_data(data_file: Path, target: Path) -> Path:
    """A copy of a branch-mode data file with its lines only: what the same run measured in
    line mode records (coverage.py's lines are the lines its arcs touch)."""
    from coverage import CoverageData

    source = CoverageData(basename=str(data_file))
    source.read()
    copy = CoverageData(basename=str(target))
    copy.add_lines({f: sorted(source.lines(f) or ()) for f in source.measured_files()})
    copy.write()
    return target


def assert_same_json_branches(tmp_path: Path) -> None:
    """Both tools' JSON reports of `.coverage.ours` and `.coverage.theirs` name the same
    executed and missing branches and the same summaries, file by file."""
    for root_file, tool in ((".coverage.ours", ferrocov), (".coverage.theirs", coverage)):
        assert tool("json", f"--data-file={root_file}", "-o", f"{root_file}.json", cwd=tmp_path).returncode == 0

    def branches(name: str) -> dict[str, object]:
        files = json.loads((tmp_path / name).read_text())["files"]
        return {f: (d["executed_branches"], d["missing_branches"], d["summary"]) for f, d in files.items()}

    assert branches(".coverage.ours.json") == branches(".coverage.theirs.json")


def oracle(tmp_path: Path, branch: bool, data_file: str, env: dict[str, str]) -> Path:
    """coverage.py over the suites, its data combined into `data_file`. It measures
    subprocesses only when told to; ferrocov always does."""
    rc = "oracle-branch.rc" if branch else "oracle-line.rc"
    (tmp_path / rc).write_text(f"[run]\npatch = subprocess\nbranch = {branch}\n")
    theirs = coverage("run", f"--rcfile={rc}", f"--source={SOURCE}", f"--data-file={data_file}", "seeded.py", *TESTS, cwd=tmp_path, timeout=600, **env)
    assert theirs.returncode == 0, theirs.stderr[-2000:]
    coverage("combine", f"--rcfile={rc}", f"--data-file={data_file}", "-q", cwd=tmp_path)
    return tmp_path / data_file


def test_stdlib_suites_measure_the_same(tmp_path: Path) -> None:
    """ferrocov in line mode and in branch mode, coverage.py in branch mode, whose lines stand
    for its line mode's up to 3.13 (one oracle run instead of two keeps CI's six versions in
    time)."""
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
    (tmp_path / "seeded.py").write_text(SEEDED)
    theirs_arcs = oracle(tmp_path, True, ".coverage.theirs", env)
    expected_arcs = read(theirs_arcs, True)
    assert len(expected_arcs) == len(SOURCE.split(",")), sorted(expected_arcs)
    if sys.version_info >= (3, 14):
        # There coverage.py's branch mode (sys.monitoring) counts the first line of a condition
        # written over several lines, which its line mode does not: its line mode is measured.
        theirs_lines = oracle(tmp_path, False, ".coverage.theirs-lines", env)
    else:
        theirs_lines = line_data(theirs_arcs, tmp_path / ".coverage.theirs-lines")

    # Line mode.
    ours = ferrocov("run", f"--source={SOURCE}", "--data-file=.coverage.ours-lines", "seeded.py", *TESTS, cwd=tmp_path, timeout=600, **env)
    assert ours.returncode == 0, ours.stderr[-2000:]
    assert read(tmp_path / ".coverage.ours-lines", False) == read(theirs_lines, False)
    ours_report = ferrocov("report", "-m", "--data-file=.coverage.ours-lines", cwd=tmp_path)
    theirs_report = coverage("report", "-m", f"--data-file={theirs_lines.name}", cwd=tmp_path)
    assert ours_report.stdout == theirs_report.stdout
    assert "TOTAL" in ours_report.stdout

    # Branch mode.
    ours = ferrocov("run", "--branch", f"--source={SOURCE}", "--data-file=.coverage.ours", "seeded.py", *TESTS, cwd=tmp_path, timeout=600, **env)
    assert ours.returncode == 0, ours.stderr[-2000:]
    if sys.version_info >= (3, 12):
        # On 3.12+ ferrocov records arcs from sys.monitoring's one-shot events (on 3.14+ so does
        # coverage.py; on 3.12 and 3.13 coverage.py's C tracer records every transition): the
        # raw arcs may differ by transitions between lines already seen; the reports, which
        # are the contract, must not (compared below, with every branch taken and missed).
        assert read(tmp_path / ".coverage.ours", True, True) == read(tmp_path / ".coverage.theirs", True, True)
        assert_same_json_branches(tmp_path)
    else:
        ours_arcs = read(tmp_path / ".coverage.ours", True)
        if sys.version_info[:2] == (3, 10):
            # 3.10 runs a generator closed (or thrown into) before it started without running
            # any of its instructions, probes included; the C tracer sees a call and a return
            # and records `-first -> -first`, which no report reads (measured by the JSON
            # comparison below). Compared without those arcs.
            def started(arcs: dict[str, set[object]]) -> dict[str, set[object]]:
                return {f: {a for a in found if not (isinstance(a, tuple) and a[0] == a[1] < 0)} for f, found in arcs.items()}
            ours_arcs, expected_arcs = started(ours_arcs), started(expected_arcs)
            assert_same_json_branches(tmp_path)
        assert ours_arcs == expected_arcs
    ours_report = ferrocov("report", "-m", "--data-file=.coverage.ours", cwd=tmp_path)
    theirs_report = coverage("report", "-m", "--data-file=.coverage.theirs", cwd=tmp_path)
    assert ours_report.stdout == theirs_report.stdout
    assert "Branch" in ours_report.stdout
