"""Differential tests: ferrocov records the same executed lines as coverage.py, and its
analysis and report agree with coverage.py's, program by program."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conftest import PROGRAMS, coverage, ferrocov, program_min_version, read_lines

ALL_PROGRAMS = sorted(p.stem for p in PROGRAMS.glob("*.py"))


def _runnable(name: str) -> bool:
    return sys.version_info[:2] >= program_min_version(PROGRAMS / f"{name}.py")


def test_corpus_is_large_enough() -> None:
    assert len(ALL_PROGRAMS) >= 50


@pytest.mark.parametrize("name", ALL_PROGRAMS)
def test_statements_and_exclusions_match_coverage_py(name: str) -> None:
    if not _runnable(name):
        pytest.skip(f"{name} needs a newer Python")
    from coverage.parser import PythonParser

    from ferrocov import _core
    from ferrocov.config import Config

    path = str(PROGRAMS / f"{name}.py")
    config = Config()
    parser = PythonParser(filename=path, exclude=config.exclude_regex())
    parser.parse_source()
    ours = _core.analyze_file(path, config.exclude_regex())
    assert ours.statements == parser.statements
    assert ours.excluded == parser.excluded


@pytest.mark.parametrize("options", [["-m"], [], ["--skip-covered"], ["--sort=-cover", "-m"], ["--precision=2"], ["--format=markdown", "-m"], ["--format=total"]])
def test_report_text_matches_coverage_py(options: list[str], workdir: Path) -> None:
    """Both reporters read the same ferrocov-written data file and print the same bytes."""
    ours = ferrocov("run", "imports_local_module.py", cwd=workdir)
    assert ours.returncode == 0, ours.stderr
    for name in ("functions", "classes", "pragma_exclusions", "multiline_statements"):
        result = ferrocov("run", "-a", f"{name}.py", cwd=workdir)
        assert result.returncode == 0, result.stderr
    ferro_report = ferrocov("report", *options, cwd=workdir)
    coverage_report = coverage("report", *options, cwd=workdir)
    assert ferro_report.returncode == coverage_report.returncode
    assert ferro_report.stdout == coverage_report.stdout
    assert "TOTAL" in ferro_report.stdout or options == ["--format=total"]


def read_arcs(data_file: Path) -> dict[str, set[tuple[int, int]]]:
    """The arcs of every file in a data file, read by coverage.py itself."""
    from coverage import CoverageData

    data = CoverageData(basename=str(data_file))
    data.read()
    assert data.has_arcs(), f"{data_file} holds no arcs"
    return {Path(f).name: set(data.arcs(f) or ()) for f in data.measured_files()}


#: On 3.12 and 3.13 ferrocov measures branches with sys.monitoring, coverage.py (by default,
#: and always for branches there) with its C tracer: the recorded arcs are not the same set,
#: the lines, the executed and missing branches and the reports are.
SYSMON_ARCS_VS_CTRACE = (3, 12) <= sys.version_info < (3, 14)


def assert_same_branches(workdir: Path, ours: str, theirs: str) -> None:
    """The same executed lines, the same executed and missing branches per file (coverage.py's
    JSON report of each data file, each tool reporting its own)."""
    import json

    from coverage import CoverageData

    def lines(name: str) -> dict[str, set[int]]:
        data = CoverageData(basename=str(workdir / name))
        data.read()
        return {Path(f).name: set(data.lines(f) or ()) for f in data.measured_files()}

    assert lines(ours) == lines(theirs)
    reports = []
    for name in (ours, theirs):
        out = f"{name}.json"
        assert coverage("json", f"--data-file={name}", "-o", out, cwd=workdir).returncode == 0
        files = json.loads((workdir / out).read_text())["files"]
        reports.append({Path(f).name: (d["executed_branches"], d["missing_branches"], d["summary"]) for f, d in files.items()})
    assert reports[0] == reports[1]


#: coverage.py records the same lines in its branch mode as in its line mode up to 3.13 (its C
#: tracer in both), so one run of it in branch mode is the oracle for both of ferrocov's modes.
#: From 3.14 its branch mode is sys.monitoring's and also counts the first line of a multi-line
#: condition that its line mode does not: there its line mode is run as well.
ORACLE_BRANCH_LINES = sys.version_info < (3, 14)


@pytest.mark.parametrize("name", ALL_PROGRAMS)
def test_measurement_matches_coverage_py(name: str, workdir: Path) -> None:
    """Program by program, in line mode and with --branch: the program behaves the same under
    both tools (same output, same exit status), and ferrocov records the same executed lines
    and the same arcs (or, on 3.12/3.13, the same branches) as coverage.py, and prints the same
    report (Branch, BrPart, the partial branches in Missing)."""
    if not _runnable(name):
        pytest.skip(f"{name} needs a newer Python")
    # coverage.py loses os._exit()'s data unless told to patch it; give it its best chance.
    (workdir / ".coveragerc.branch").write_text("[run]\npatch = _exit\nbranch = True\n")
    theirs = coverage("run", "--rcfile=.coveragerc.branch", "--data-file=.coverage.theirs", f"{name}.py", cwd=workdir)
    coverage_arcs = read_arcs(workdir / ".coverage.theirs")
    assert any(coverage_arcs.values()), "coverage.py measured nothing: the test itself is broken"
    if ORACLE_BRANCH_LINES:
        # An empty module: coverage.py's line mode records line 0 for it, its branch mode (lines
        # from arcs) none.
        coverage_lines = {path: lines or {0} for path, lines in read_lines(workdir / ".coverage.theirs").items()}
    else:
        (workdir / ".coveragerc.line").write_text("[run]\npatch = _exit\n")
        theirs_line = coverage("run", "--rcfile=.coveragerc.line", "--data-file=.coverage.theirs-line", f"{name}.py", cwd=workdir)
        assert (theirs_line.returncode, theirs_line.stdout) == (theirs.returncode, theirs.stdout)
        coverage_lines = read_lines(workdir / ".coverage.theirs-line")

    ours = ferrocov("run", "--data-file=.coverage.ferrocov-line", f"{name}.py", cwd=workdir)
    assert ours.returncode == theirs.returncode, (ours.stderr, theirs.stderr)
    assert ours.stdout == theirs.stdout
    assert read_lines(workdir / ".coverage.ferrocov-line") == coverage_lines

    ours = ferrocov("run", "--branch", "--data-file=.coverage.ferrocov", f"{name}.py", cwd=workdir)
    assert ours.returncode == theirs.returncode, (ours.stderr, theirs.stderr)
    assert ours.stdout == theirs.stdout
    if SYSMON_ARCS_VS_CTRACE:
        # ferrocov's sys.monitoring branch core against coverage.py's default (C tracer) core:
        # not the same raw arcs (sys.monitoring reports each line once), the same branches.
        assert_same_branches(workdir, ".coverage.ferrocov", ".coverage.theirs")
    else:
        assert read_arcs(workdir / ".coverage.ferrocov") == coverage_arcs
    ferro_report = ferrocov("report", "-m", "--data-file=.coverage.ferrocov", cwd=workdir)
    coverage_report = coverage("report", "-m", "--data-file=.coverage.theirs", cwd=workdir)
    assert ferro_report.returncode == coverage_report.returncode
    assert ferro_report.stdout == coverage_report.stdout
    assert "BrPart" in ferro_report.stdout


@pytest.mark.parametrize("options", [["-m"], ["--skip-covered", "-m"], ["--sort=brpart"], ["--format=markdown", "-m"]])
def test_branch_report_text_matches_coverage_py(options: list[str], workdir: Path) -> None:
    """Both reporters read the same ferrocov-written branch data and print the same bytes."""
    for name in ("branches", "while_loops", "for_else", "try_finally", "with_statement", "functions"):
        result = ferrocov("run", "--branch", "-a", f"{name}.py", cwd=workdir)
        assert result.returncode == 0, result.stderr
    ferro_report = ferrocov("report", *options, cwd=workdir)
    coverage_report = coverage("report", *options, cwd=workdir)
    assert ferro_report.returncode == coverage_report.returncode
    assert ferro_report.stdout == coverage_report.stdout
    assert ("->" in ferro_report.stdout or "-\\>" in ferro_report.stdout) or "-m" not in options


def test_branch_report_honours_partial_and_exclusion_settings(workdir: Path) -> None:
    """`[report] partial_branches` (replacing the default), `partial_branches_always` and
    `exclude_also` change Branch, BrPart and Missing exactly as they do for coverage.py."""
    (workdir / ".coveragerc").write_text(
        "[run]\nbranch = True\n"
        "[report]\nshow_missing = True\n"
        "partial_branches =\n    no branch\n    if n < 0:\n"
        "partial_branches_always =\n    while total > 100:\n"
        "exclude_also =\n    if __name__ == .__main__.:\n"
    )
    assert ferrocov("run", "branches.py", cwd=workdir).returncode == 0
    ours = ferrocov("report", cwd=workdir)
    theirs = coverage("report", cwd=workdir)
    assert ours.stdout == theirs.stdout
    assert "BrPart" in ours.stdout
