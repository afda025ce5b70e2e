"""A report over many files analyses them in forked worker processes (the CLI's report commands,
on Linux, with several CPUs): the output is the same as coverage.py's and as the serial path's,
in the same order, with files that are gone or do not parse reported as they are serially."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from conftest import coverage, ferrocov, run

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or len(os.sched_getaffinity(0)) < 2, reason="needs Linux and two CPUs"
)

MODULE = """\
def f{i}(x):
    if x > {i}:  # a branch
        return x
    return -x  # pragma: no cover


class C{i}:
    def m(self):
        return {i}
"""


def make_project(root: Path, files: int) -> None:
    package = root / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for i in range(files):
        (package / f"mod{i:03}.py").write_text(MODULE.format(i=i))
    # Every third module is imported and one function called; the rest are never imported.
    lines = [f"import pkg.mod{i:03} as m{i}\nm{i}.f{i}({i + 1})" for i in range(0, files, 3)]
    (root / "main.py").write_text("\n".join(lines) + "\n")
    (root / ".coveragerc").write_text("[run]\nsource = pkg\n")


@pytest.mark.parametrize("branch", [False, True], ids=["lines", "branches"])
def test_many_files_report_as_coverage_py_does(tmp_path: Path, branch: bool) -> None:
    make_project(tmp_path, 150)
    assert ferrocov("run", *(["--branch"] if branch else []), "main.py", cwd=tmp_path).returncode == 0
    ours = ferrocov("report", "-m", cwd=tmp_path)
    theirs = coverage("report", "-m", cwd=tmp_path)
    assert ours.returncode == theirs.returncode == 0
    assert ours.stdout == theirs.stdout
    assert ferrocov("json", "-o", "ours.json", cwd=tmp_path).returncode == 0
    assert coverage("json", "-o", "theirs.json", cwd=tmp_path).returncode == 0
    ours_json, theirs_json = (json.loads((tmp_path / name).read_text()) for name in ("ours.json", "theirs.json"))
    assert ours_json["files"] == theirs_json["files"]
    assert ours_json["totals"] == theirs_json["totals"]


def test_missing_and_broken_files_among_many(tmp_path: Path) -> None:
    make_project(tmp_path, 150)
    assert ferrocov("run", "main.py", cwd=tmp_path).returncode == 0
    # coverage.py's data in a file of its own (a parallel .coverage.* file would be combined
    # into .coverage by either tool's report, as coverage.py 7.14+ does).
    assert coverage("run", "--data-file=.theirs", "main.py", cwd=tmp_path).returncode == 0
    (tmp_path / "pkg" / "mod042.py").write_text("def broken(:\n")
    (tmp_path / "pkg" / "mod099.py").unlink()
    ours = ferrocov("report", "-i", cwd=tmp_path)
    theirs = coverage("report", "-i", "--data-file=.theirs", cwd=tmp_path)
    assert ours.stdout == theirs.stdout
    assert "Couldn't parse Python file" in ours.stderr and "mod042.py" in ours.stderr
    assert "mod099.py" in ours.stderr
    # Without -i the first problem in the files' order stops the report, as serially.
    failed = ferrocov("report", cwd=tmp_path)
    assert failed.returncode == 1
    assert "mod042.py" in failed.stdout + failed.stderr


def test_workers_are_used_and_agree_with_the_serial_path(tmp_path: Path) -> None:
    make_project(tmp_path, 150)
    script = """
import glob, sys
from ferrocov import results
paths = sorted(glob.glob("pkg/*.py"))
assert results._workers(len(paths)) > 1, "no workers"
serial = list(results.analyze_files(paths, "#.*no cover", False, ""))
forked = list(results.analyze_files(paths, "#.*no cover", False, "", parallel=True))
assert [p for p, _ in serial] == [p for p, _ in forked] == paths
assert [a.statements for _, a in serial] == [a.statements for _, a in forked]
assert [a.excluded for _, a in serial] == [a.excluded for _, a in forked]
assert [a.regions for _, a in serial] == [a.regions for _, a in forked]
serial = list(results.analyze_files(paths, "#.*no cover", True, "#.*no branch"))
forked = list(results.analyze_files(paths, "#.*no cover", True, "#.*no branch", parallel=True))
assert [a.arcs.possible for _, a in serial] == [a.arcs.possible for _, a in forked]
assert [a.arcs for _, a in serial] == [a.arcs for _, a in forked]
assert [a.no_branch for _, a in serial] == [a.no_branch for _, a in forked]
print("ok", len(paths))
"""
    result = run([sys.executable, "-c", script], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok 151"


def test_without_working_worker_processes_the_report_is_made_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where multiprocessing has no semaphores (some containers, AWS Lambda) the pool can't be
    made; where a worker dies, the pool breaks: either way every file is still analysed, once,
    in order."""
    import concurrent.futures
    from concurrent.futures.process import BrokenProcessPool

    from ferrocov import results

    make_project(tmp_path, 120)
    paths = sorted(str(p) for p in (tmp_path / "pkg").glob("*.py"))
    expected = [(p, a.statements) for p, a in results.analyze_files(paths, "", False, "")]  # type: ignore[union-attr]
    monkeypatch.setattr(results, "_workers", lambda files: 2)

    def no_semaphores(*args: object, **kwargs: object) -> None:
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", no_semaphores)
    assert [(p, a.statements) for p, a in results.analyze_files(paths, "", False, "", parallel=True)] == expected  # type: ignore[union-attr]

    class Breaking:
        def __init__(self, *args: object, **kwargs: object) -> None:
            self.shut = False

        def map(self, function: object, tasks: list[object]) -> object:
            yield results._analyze_chunk(tasks[0])  # type: ignore[arg-type]
            raise BrokenProcessPool("a worker died")

        def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
            self.shut = True

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Breaking)
    assert [(p, a.statements) for p, a in results.analyze_files(paths, "", False, "", parallel=True)] == expected  # type: ignore[union-attr]


def test_html_pages_rendered_on_threads_are_coverage_py_s_and_kept_when_unchanged(tmp_path: Path) -> None:
    """150 pages are rendered on several threads: the index says what coverage.py's says, a
    second run writes no page again, and a change to one file rewrites that file's page only."""
    from test_html import coverage_py_rows, index_rows

    make_project(tmp_path, 150)
    # With branches (the index helpers read those columns); coverage.py reports ferrocov's data.
    assert ferrocov("run", "--branch", "main.py", cwd=tmp_path).returncode == 0
    assert ferrocov("html", cwd=tmp_path).returncode == 0
    assert coverage("html", "-d", "theirs", cwd=tmp_path).returncode == 0
    for page, kind in (("index.html", "file"), ("function_index.html", "function"), ("class_index.html", "class")):
        ours = index_rows((tmp_path / "htmlcov" / page).read_text(), kind)
        assert len(ours) > 150
        assert ours == coverage_py_rows((tmp_path / "theirs" / page).read_text(), kind)
    pages = sorted((tmp_path / "htmlcov").glob("z_*.html"))
    assert len(pages) == 151
    before = {p: p.stat().st_mtime_ns for p in pages}
    assert ferrocov("html", cwd=tmp_path).returncode == 0
    assert {p: p.stat().st_mtime_ns for p in pages} == before
    with open(tmp_path / "pkg" / "mod077.py", "a") as f:
        f.write("# a comment\n")
    assert ferrocov("html", cwd=tmp_path).returncode == 0
    changed = [p.name for p in pages if p.stat().st_mtime_ns != before[p]]
    assert changed == [p.name for p in pages if "mod077" in p.name]
