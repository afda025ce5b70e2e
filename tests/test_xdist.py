"""pytest-xdist: workers are measured through the run's environment, and the controller's report
equals the report of the same suite run without xdist."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from conftest import HERE, run

PROJECT = HERE / "projects" / "calc"


def report_rows(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith(("calc/", "TOTAL"))]


@pytest.mark.parametrize("branch", [[], ["--cov-branch"]], ids=["lines", "branches"])
def test_xdist_report_equals_serial_report(branch: list[str], tmp_path: Path) -> None:
    serial = tmp_path / "serial"
    parallel = tmp_path / "parallel"
    shutil.copytree(PROJECT, serial)
    shutil.copytree(PROJECT, parallel)
    base = [sys.executable, "-m", "pytest", "-p", "no:pytest_cov", "-p", "no:cacheprovider", "--cov=calc", "--cov-report=term-missing", *branch]
    one = run(base, cwd=serial)
    two = run([*base, "-n", "2"], cwd=parallel)
    assert one.returncode == 0 and two.returncode == 0, two.stdout + two.stderr
    assert report_rows(one.stdout) == report_rows(two.stdout)
    assert any(row.startswith("TOTAL") for row in report_rows(two.stdout))
    assert ("BrPart" in two.stdout) == bool(branch)
    leftovers = [p.name for p in parallel.iterdir() if p.name.startswith((".ferrocov-", ".coverage."))]
    assert leftovers == []
