"""The plugin through pytest's own `pytester`, the way pytest-cov's tests drive pytest-cov:
each session runs in a real subprocess (`runpytest_subprocess`), and report lines are
matched with `fnmatch_lines`."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

SCRIPT = '''
import subprocess
import sys


def pieces(n):
    if n > 10:
        return "big"
    return "small"


def test_pieces():
    assert pieces(1) == "small"


def test_child():
    code = "import mod; print(mod.twice(2))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "4"
'''

MODULE = '''
def twice(x):
    return 2 * x


def unused():
    return 0
'''

ARGS = ["-p", "no:pytest_cov", "-p", "no:cacheprovider"]


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(test_script=SCRIPT, mod=MODULE)
    return pytester


def test_term_missing_with_child_process(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess(*ARGS, "--cov=.", "--cov-report=term-missing")
    result.stdout.fnmatch_lines(
        [
            "*_ coverage: platform *, python * _*",
            "Name*Stmts*Miss*Cover*Missing",
            "mod.py * 4 * 1 * 75% * 6",
            "test_script.py * 12 * 1 * 92% * 7",
            "TOTAL * 16 * 2 * 88%",
            "*2 passed*",
        ]
    )
    assert result.ret == 0


def test_branches(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess(*ARGS, "--cov=.", "--cov-branch", "--cov-report=term-missing")
    result.stdout.fnmatch_lines(
        [
            "Name*Stmts*Miss*Branch*BrPart*Cover*Missing",
            "test_script.py * 12 * 1 * 2 * 1 * 86% * 7",
            "TOTAL * 16 * 2 * 2 * 1 * 83%",
        ]
    )
    assert result.ret == 0


def test_fail_under(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess(*ARGS, "--cov=.", "--cov-fail-under=95")
    result.stdout.fnmatch_lines(["*FAIL Required test coverage of 95% not reached. Total coverage: 87.50%"])
    assert result.ret == 1


def test_bad_option(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess(*ARGS, "--cov=.", "--cov-report=bogus")
    result.stderr.fnmatch_lines(["*argument --cov-report: invalid choice: \"bogus\"*"])
    assert result.ret == 4


def test_no_cover_marker(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        mod=MODULE,
        test_marked='''
import pytest
import mod


@pytest.mark.no_cover
def test_unmeasured():
    assert mod.unused() == 0


def test_measured():
    assert mod.twice(1) == 2
''',
    )
    result = pytester.runpytest_subprocess(*ARGS, "--cov=mod", "--cov-report=term-missing")
    result.stdout.fnmatch_lines(["mod.py * 4 * 1 * 75% * 6"])
    assert result.ret == 0
