"""Shared helpers: run real processes under coverage.py and under ferrocov, read their data."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
PROGRAMS = HERE / "programs"

#: For tests whose outcome does not depend on the interpreter: those that hold two of
#: ferrocov's own implementations equal to each other (the core's analysis and the Python
#: fallback it keeps; the Rust line matcher and `re`) over thousands of files, and those that
#: drive the HTML report's scripts in a browser. Every version's analysis is still compared with
#: coverage.py's by the tests that are not marked. Run on 3.11 only (FERROCOV_EVERY_VERSION=1
#: runs them everywhere), which keeps CI's six versions in time.
EVERY_TEST = sys.version_info[:2] == (3, 11) or bool(os.environ.get("FERROCOV_EVERY_VERSION"))
one_version = pytest.mark.skipif(
    not EVERY_TEST,
    reason="does not depend on the interpreter: run on CPython 3.11 (FERROCOV_EVERY_VERSION=1 elsewhere)",
)


#: Lines to exclude that are common in the standard library, so that the exclusion rules'
#: handling of blocks (by indentation and colons), decorators and multi-line statements is
#: exercised (with a pragma pattern before it, `|`-joined).
BLOCK_LINES = r"^\s*if __name__ == .__main__.:|^\s*def __repr__|^\s*raise NotImplementedError|^\s*@overload|^\s*if TYPE_CHECKING:|^\s*class .*Error\(|^\s*else:|^\s*try:"


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for a child process: no measurement inherited from whoever runs pytest,
    and not taken for an xdist worker when this suite runs under xdist."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FERROCOV_", "COVERAGE_", "PYTEST_XDIST_"))}
    env.pop("PYTHONPATH", None)
    env.update(extra)
    return env


def run(args: list[str], cwd: Path, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=clean_env(**env), capture_output=True, text=True, timeout=timeout
    )


def ferrocov(*args: str, cwd: Path, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "ferrocov", *args], cwd=cwd, timeout=timeout, **env)


def coverage(*args: str, cwd: Path, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "coverage", *args], cwd=cwd, timeout=timeout, **env)


def read_lines(data_file: Path) -> dict[str, set[int]]:
    """Executed lines per file, read by coverage.py itself."""
    from coverage import CoverageData

    data = CoverageData(basename=str(data_file))
    data.read()
    return {path: set(data.lines(path) or []) for path in data.measured_files()}


def program_min_version(path: Path) -> tuple[int, int]:
    first = path.read_text().splitlines()[0]
    if first.startswith("# requires: "):
        major, minor = first.split(": ")[1].split(".")
        return int(major), int(minor)
    return (3, 0)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A temporary directory holding a copy of the test programs."""
    target = tmp_path / "work"
    shutil.copytree(PROGRAMS, target)
    return target


#: Tests that take a minute or more (a build from the sdist, the standard library's own suites
#: measured by both tools): started first, so that under xdist they do not run alone at the end.
SLOW_FIRST = ("test_packaging.py", "test_real_code.py", "test_tokens.py", "test_stdlib_analysis.py", "test_file_analysis.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return SLOW_FIRST.index(name) if name in SLOW_FIRST else len(SLOW_FIRST)

    items.sort(key=rank)
