"""Every process measured, nothing lost: each case is a program whose every line is expected to
have run (except lines marked ``# not reached``, and lines whose running depends on a race,
marked ``# may not be reached``), however its processes end. Each case runs
under ``ferrocov run`` and under ``pytest --cov``, several times (FERROCOV_REPEAT, default 2)."""

from __future__ import annotations

import html
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from conftest import HERE, ferrocov, read_lines, run

CASES_DIR = HERE / "process_cases"
CASES = sorted(p.name for p in CASES_DIR.iterdir() if p.is_dir())
REPEAT = int(os.environ.get("FERROCOV_REPEAT", "2"))
NOT_REACHED = "# not reached"
MAYBE = "# may not be reached"


def expected_lines(path: Path) -> set[int]:
    """coverage.py's statements of the file, minus the lines marked as never reached."""
    from coverage.parser import PythonParser

    parser = PythonParser(filename=str(path))
    parser.parse_source()
    text = path.read_text().splitlines()
    not_reached = {i + 1 for i, line in enumerate(text) if NOT_REACHED in line or MAYBE in line}
    return parser.statements - not_reached


def copy_case(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(CASES_DIR / name, target)
    return target


def check_all_lines(workdir: Path, files: list[Path]) -> None:
    measured = read_lines(workdir / ".coverage")
    for path in files:
        key = str(path.resolve())
        assert key in measured, f"{path.name} not measured at all; measured: {sorted(measured)}"
        missing = expected_lines(path) - measured[key]
        assert not missing, f"{path.name}: lines {sorted(missing)} ran but were not recorded"


def no_leftovers(workdir: Path) -> None:
    leftovers = [p.name for p in workdir.iterdir() if p.name.startswith(".ferrocov-") or p.name.startswith(".coverage.")]
    assert not leftovers, f"stray data left behind: {leftovers}"


@pytest.mark.parametrize("repeat", range(REPEAT))
@pytest.mark.parametrize("name", CASES)
def test_case_under_ferrocov_run(name: str, repeat: int, tmp_path: Path) -> None:
    workdir = copy_case(name, tmp_path)
    plain = run([sys.executable, "main.py"], cwd=workdir, timeout=120)
    for leftover in workdir.glob("*.pyc"):
        leftover.unlink()
    measured = ferrocov("run", "main.py", cwd=workdir, timeout=120)
    # ferrocov run behaves like python: same output and exit status.
    assert measured.returncode == plain.returncode, measured.stderr
    assert measured.stdout == plain.stdout
    check_all_lines(workdir, sorted(workdir.glob("*.py")))
    no_leftovers(workdir)


@pytest.mark.parametrize("name", CASES)
def test_case_with_branches(name: str, tmp_path: Path) -> None:
    """Branch measurement is as durable: arcs reach the data file however processes end."""
    workdir = copy_case(name, tmp_path)
    plain = run([sys.executable, "main.py"], cwd=workdir, timeout=120)
    measured = ferrocov("run", "--branch", "main.py", cwd=workdir, timeout=120)
    assert measured.returncode == plain.returncode, measured.stderr
    assert measured.stdout == plain.stdout
    from coverage import CoverageData

    data = CoverageData(basename=str(workdir / ".coverage"))
    data.read()
    assert data.has_arcs()
    check_all_lines(workdir, sorted(workdir.glob("*.py")))
    no_leftovers(workdir)


TEST_FILE = '''
import subprocess
import sys


def test_case():
    result = subprocess.run([sys.executable, "main.py"], capture_output=True, text=True)
    print(result.returncode)
'''


@pytest.mark.parametrize("repeat", range(REPEAT))
@pytest.mark.parametrize("name", CASES)
def test_case_under_pytest_cov(name: str, repeat: int, tmp_path: Path) -> None:
    workdir = copy_case(name, tmp_path)
    (workdir / "test_case.py").write_text(TEST_FILE.lstrip())
    result = run(
        [sys.executable, "-m", "pytest", "-p", "no:pytest_cov", "-p", "no:cacheprovider", "--cov=.", "--cov-report=term-missing", "test_case.py"],
        cwd=workdir,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "tests coverage" in result.stdout
    check_all_lines(workdir, sorted(workdir.glob("*.py")))
    no_leftovers(workdir)
    assert "FERROCOV_RUN" not in os.environ


# How each process ended, as the processes page says it (and the summary line counts it).
ENDINGS = {
    "abort": ("crashed with SIGABRT, data kept", "1 crashed"),
    "os_exit": ("os._exit(4), data kept", "1 os._exit"),
    "segfault": ("crashed with SIGSEGV, data kept", "1 crashed"),
    "sigkill_self": ("killed without a chance to say so (SIGKILL or alike), data kept", "1 killed"),
    "process_terminate": ("killed by SIGTERM, data kept", "1 killed"),
    "execv": ("replaced by exec", "1 replaced by exec"),
}


def process_endings(workdir: Path) -> list[str]:
    page = (workdir / "htmlcov" / "processes.html").read_text()
    return [html.unescape(ended) for ended in re.findall(r'<td class="name ended">(.*?)</td>', page)]


@pytest.mark.parametrize("name", sorted(ENDINGS))
def test_each_process_says_how_it_ended(name: str, tmp_path: Path) -> None:
    """A crash, a kill the process can see, `os._exit` and exec are told apart; SIGKILL is
    the one ending nobody can see, and says so. The program's own output and exit status are
    the same as without ferrocov (the matrix above checks that for every case)."""
    workdir = copy_case(name, tmp_path)
    ferrocov("run", "main.py", cwd=workdir, timeout=120)
    html_report = ferrocov("html", cwd=workdir)
    assert html_report.returncode == 0, html_report.stderr
    endings = process_endings(workdir)
    words, count = ENDINGS[name]
    assert words in endings, endings
    assert all(e == "exited cleanly" for e in endings if e != words), endings
    report = ferrocov("report", cwd=workdir)
    assert f"ended without a clean close ({count})" in report.stderr, report.stderr


def test_a_crash_under_faulthandler_is_told_and_faulthandler_still_speaks(tmp_path: Path) -> None:
    """faulthandler installed before ferrocov (-X faulthandler) or after it (pytest enables
    it): each hands the signal on to the other, so its traceback is printed, the process dies
    of SIGSEGV as it would, and the data says it crashed."""
    workdir = copy_case("segfault", tmp_path)
    for flags, code in ((["-X", "faulthandler"], ""), ([], "import faulthandler; faulthandler.enable()\n")):
        if code:
            main = workdir / "main.py"
            main.write_text(code + main.read_text())
        measured = run([sys.executable, *flags, "-m", "ferrocov", "run", "main.py"], cwd=workdir, timeout=120)
        assert measured.returncode == -11, measured.stderr
        assert "Fatal Python error: Segmentation fault" in measured.stderr
        assert ferrocov("html", cwd=workdir).returncode == 0
        assert process_endings(workdir) == ["crashed with SIGSEGV, data kept"]
